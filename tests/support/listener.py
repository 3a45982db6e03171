"""The test server's plumbing: a threaded loopback HTTP/1.1 listener, optionally TLS with a throw-away CA.

:class:`LoopbackListener` binds 127.0.0.1 on an ephemeral port, accepts
connections on a thread, serves each connection on its own thread (keep-alive:
many requests a connection) and stops within bounded time.  What a request
means is the subclass's business (:meth:`LoopbackListener._serve_one`;
:class:`support.server.VerifyingServer` records and verifies).  With
``tls=True`` a ``trustme`` CA issues the server's certificate for 127.0.0.1
and ``localhost`` (and ``tls_names``, hosts reached with ``--connect-to``); clients trust ``ca_bundle``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import ssl
import tempfile
import threading
from collections.abc import Sequence
from typing import Any, TypeVar

from .recording import READ_PIECE
from .responses import REASONS

MAX_REQUESTS_PER_CONNECTION = 10_000

_L = TypeVar("_L", bound="LoopbackListener")


class Drop(Exception):
    """Close the connection now."""


class LoopbackListener:
    """Threaded loopback HTTP/1.1 listener; subclasses answer requests in :meth:`_serve_one`.

    Use as a context manager (or ``start()``/``stop()``).
    """

    def __init__(self, *, tls: bool = False, io_timeout: float = 15.0, name: str = "server",
                 tls_names: Sequence[str] = ()) -> None:
        self.name = name
        self.tls_names = tuple(tls_names)  # more host names the certificate is for (reached with --connect-to)
        self.io_timeout = io_timeout
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._conn_ids = itertools.count(1)
        self._connections = 0
        self._active: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._tls = tls
        self._ssl: ssl.SSLContext | None = None
        self._tmpdir: str | None = None
        self.ca: Any = None
        self.ca_bundle: str | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------

    def start(self: _L) -> _L:
        """Bind 127.0.0.1:0 and start accepting."""
        if self._tls:
            import trustme

            self.ca = trustme.CA()
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ca.issue_cert("127.0.0.1", "localhost", *self.tls_names).configure_cert(ctx)
            self._ssl = ctx
            self._tmpdir = tempfile.mkdtemp(prefix="sigcurl-test-ca-")
            self.ca_bundle = os.path.join(self._tmpdir, "ca.pem")
            self.ca.cert_pem.write_to_path(self.ca_bundle)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._accept_thread = threading.Thread(target=self._accept_loop, name=f"{self.name}-accept", daemon=True)
        self._accept_thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close every connection, join threads (bounded)."""
        self._stopping.set()
        if self._listener is not None:
            try:  # wakes a blocked accept() at once on Linux; else the 0.1 s poll ends it
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            active = list(self._active)
        for sock in active:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in list(self._threads):
            thread.join(timeout=5)
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def __enter__(self: _L) -> _L:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------

    @property
    def scheme(self) -> str:
        """``http`` or ``https``."""
        return "https" if self._tls else "http"

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``, the Host header a client sends."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """Base URL without a trailing slash."""
        return f"{self.scheme}://{self.host}"

    def url_for(self, target: str = "/") -> str:
        """``url`` + ``target`` (which should start with ``/``)."""
        return self.url + target

    @property
    def connection_count(self) -> int:
        """How many TCP connections were accepted."""
        with self._lock:
            return self._connections

    # -- connection handling -----------------------------------------------

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                sock, addr = self._listener.accept()
            except (TimeoutError, BlockingIOError):
                continue
            except OSError:
                break
            with self._lock:
                self._connections += 1
                self._active.add(sock)
            conn_id = next(self._conn_ids)
            thread = threading.Thread(
                target=self._serve_connection, args=(sock, addr, conn_id), name=f"{self.name}-conn-{conn_id}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _serve_connection(self, sock: socket.socket, addr: tuple[str, int], conn_id: int) -> None:
        conn: socket.socket = sock
        try:
            sock.settimeout(self.io_timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._ssl is not None:
                try:
                    conn = self._ssl.wrap_socket(sock, server_side=True)
                except (ssl.SSLError, OSError):
                    return  # e.g. the client rejected our certificate
                with self._lock:
                    self._active.add(conn)
            rfile = conn.makefile("rb", buffering=READ_PIECE)
            for n in range(1, MAX_REQUESTS_PER_CONNECTION + 1):
                if self._stopping.is_set() or not self._serve_one(conn, rfile, addr, conn_id, n):
                    break
        except (TimeoutError, Drop, ConnectionError, ssl.SSLError, OSError):
            pass
        except Exception as exc:  # a bug in the harness: keep it visible
            import traceback

            self.errors.append(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        finally:
            with self._lock:
                self._active.discard(sock)
                self._active.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def _serve_one(self, conn: socket.socket, rfile: Any, addr: tuple[str, int], conn_id: int, n: int) -> bool:
        """Read and answer one request; False to close the connection."""
        raise NotImplementedError

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)
        if self._stopping.is_set():
            raise Drop()

    @staticmethod
    def _send_simple(conn: socket.socket, status: int, message: bytes) -> None:
        conn.sendall(
            b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
            % (status, REASONS.get(status, "Error").encode(), len(message), message)
        )
