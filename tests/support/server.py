"""Loopback HTTP/1.1 test server that records requests and verifies their AWS signatures.

This module owns the end-to-end test harness server: a threaded HTTP/1.1
server (optionally TLS, with a throw-away ``trustme`` CA) bound to 127.0.0.1
on an ephemeral port.  For every request it records the method, the raw
request-target, the headers exactly as received, the body (or only its size
and SHA-256 above a storage limit), the connection id, and the verdict of an
independent signature verifier (:mod:`support.verifier`, botocore plus
test-only code -- never ``sigcurl``).  Answers come from a programmable script
of :class:`Response` objects (queue, handler or default), including faults:
delays, dropped connections, truncated bodies, redirects, skewed ``Date``
headers and generated multi-GiB bodies.

Import: ``tests/conftest.py`` puts the
``tests/`` directory on ``sys.path``, so test modules write
``from support.server import Response, VerifyingServer``.
"""

from __future__ import annotations

import email.utils
import hashlib
import itertools
import json
import os
import shutil
import socket
import ssl
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from .verifier import (
    CHECKSUM_ALGORITHMS,
    STREAMING_MODES,
    BodyInfo,
    Checksum,
    Key,
    Verification,
    parse_aws_chunked,
    query_pairs,
    verify_request,
)

__all__ = [
    "EXAMPLE_KEYS",
    "RecordedRequest",
    "Response",
    "VerifyingServer",
    "generate_body",
]

#: AWS's documented example credentials (SigV4 test suite / S3 documentation).
EXAMPLE_KEYS: tuple[Key, ...] = (
    Key("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    Key("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
)

MAX_LINE = 65536
MAX_HEADERS = 256
MAX_REQUESTS_PER_CONNECTION = 10_000
READ_PIECE = 1 << 16
DEFAULT_STORE_LIMIT = 64 << 20


# --------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------


def generate_body(size: int, block: bytes = b"x", piece: int = 1 << 20) -> Iterator[bytes]:
    """Yield ``size`` bytes (``block`` repeated) in ``piece``-sized parts, never all at once."""
    unit = (block * (piece // max(1, len(block)) + 1))[:piece]
    remaining = size
    while remaining > 0:
        part = unit if remaining >= len(unit) else unit[:remaining]
        remaining -= len(part)
        yield part


@dataclass
class Response:
    """One scripted answer.

    * ``body``: bytes/str, or an iterable of bytes (streamed; sent with
      ``Transfer-Encoding: chunked`` unless ``content_length`` is given).
    * ``content_length``: the declared length (default: ``len(body)``).
    * ``truncate``: send only this many body bytes, then close the connection
      (the declared Content-Length stays), i.e. a truncated body.
    * ``delay``: seconds to wait before answering anything;
      ``stall``: seconds to wait between the headers and the body.
    * ``drop``: close the connection without answering (after ``delay``).
    * ``date_skew``: the ``Date`` header is the server clock plus this many
      seconds (a ``Date`` header with the server clock is always sent).
    * ``close``: send ``Connection: close`` and close after answering.
    """

    status: int = 200
    headers: Sequence[tuple[str, str]] | Mapping[str, str] = ()
    body: bytes | str | Iterable[bytes] = b""
    content_length: int | None = None
    reason: str | None = None
    delay: float = 0.0
    stall: float = 0.0
    drop: bool = False
    truncate: int | None = None
    date_skew: float = 0.0
    close: bool = False

    @classmethod
    def json(cls, obj: Any, status: int = 200, **kwargs: Any) -> Response:
        """A JSON answer."""
        headers = [("Content-Type", "application/json")] + list(_header_items(kwargs.pop("headers", ())))
        return cls(status=status, headers=headers, body=json.dumps(obj).encode(), **kwargs)

    @classmethod
    def redirect(cls, location: str, status: int = 302, **kwargs: Any) -> Response:
        """A redirect to ``location`` (absolute or relative)."""
        headers = [("Location", location)] + list(_header_items(kwargs.pop("headers", ())))
        return cls(status=status, headers=headers, **kwargs)

    @classmethod
    def generated(cls, size: int, block: bytes = b"x", **kwargs: Any) -> Response:
        """A large body generated on the fly (``size`` bytes, Content-Length set)."""
        return cls(body=generate_body(size, block), content_length=size, **kwargs)

    @classmethod
    def aws_error(cls, code: str, message: str, status: int = 400, **kwargs: Any) -> Response:
        """An S3-style XML error body."""
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>'
            + escape(code)
            + "</Code><Message>"
            + escape(message)
            + "</Message></Error>"
        ).encode()
        headers = [("Content-Type", "application/xml")] + list(_header_items(kwargs.pop("headers", ())))
        return cls(status=status, headers=headers, body=body, **kwargs)


def _header_items(headers: Sequence[tuple[str, str]] | Mapping[str, str]) -> list[tuple[str, str]]:
    return list(headers.items()) if isinstance(headers, Mapping) else list(headers)


# --------------------------------------------------------------------------
# Recorded requests
# --------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    """Everything the server saw of one request, and the verifier's verdict."""

    index: int
    connection_id: int
    connection_request_index: int
    received_at: float
    method: str
    target: str
    raw_target: bytes
    http_version: str
    headers: list[tuple[str, str]]
    raw_head: bytes
    body_info: BodyInfo
    verification: Verification
    tls: bool
    client_address: tuple[str, int]

    @property
    def path(self) -> str:
        """Raw path part of the target (before ``?``)."""
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        """Raw query part of the target (after ``?``)."""
        return self.target.partition("?")[2]

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        """Percent-decoded query pairs, in order, repeated keys kept."""
        return query_pairs(self.query)

    def header(self, name: str, default: str | None = None) -> str | None:
        """First value of header ``name`` (case-insensitive)."""
        values = self.header_all(name)
        return values[0] if values else default

    def header_all(self, name: str) -> list[str]:
        """All values of header ``name`` in received order."""
        lname = name.lower()
        return [v for n, v in self.headers if n.lower() == lname]

    @property
    def body(self) -> bytes | None:
        """Body bytes after HTTP transfer decoding (``None`` if over the storage limit)."""
        return self.body_info.data

    @property
    def payload(self) -> bytes | None:
        """Decoded payload: the aws-chunked data, else the body itself."""
        return self.body_info.payload

    @property
    def ok(self) -> bool:
        """Whether the signature verified."""
        return self.verification.ok


# --------------------------------------------------------------------------
# Body reading
# --------------------------------------------------------------------------


class _Digest:
    """Sink: counts, hashes, optionally stores (up to a limit) and checksums."""

    def __init__(self, store_limit: int, algorithms: Iterable[str] = ()) -> None:
        self.size = 0
        self.sha = hashlib.sha256()
        self.limit = store_limit
        self.buf: bytearray | None = bytearray() if store_limit > 0 else None
        self.checksums = {a: Checksum(a) for a in algorithms}

    def update(self, data: bytes) -> None:
        self.size += len(data)
        self.sha.update(data)
        if self.buf is not None:
            if self.size <= self.limit:
                self.buf += data
            else:
                self.buf = None
        for c in self.checksums.values():
            c.update(data)

    def stored(self) -> bytes | None:
        return bytes(self.buf) if self.buf is not None else None


class _BodyStream:
    """Reads one message body (Content-Length or chunked) from the connection, teeing it to a sink."""

    def __init__(self, rfile: Any, length: int | None, chunked: bool, sink: _Digest) -> None:
        self._rfile = rfile
        self._remaining = length or 0
        self._chunked = chunked
        self._chunk_left = 0
        self._eof = not chunked and not length
        self._buf = bytearray()
        self._sink = sink

    def _raw(self, n: int) -> bytes:
        if self._eof:
            return b""
        if not self._chunked:
            data = self._rfile.read(min(n, self._remaining))
            if not data:
                raise ConnectionError("connection closed inside the request body")
            self._remaining -= len(data)
            self._eof = self._remaining == 0
        else:
            if self._chunk_left == 0:
                line = self._rfile.readline(MAX_LINE)
                if not line.endswith(b"\n"):
                    raise ConnectionError("bad or missing chunk size line")
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    for _ in range(MAX_HEADERS):  # trailer section
                        if self._rfile.readline(MAX_LINE) in (b"\r\n", b"\n", b""):
                            break
                    self._eof = True
                    return b""
                self._chunk_left = size
            data = self._rfile.read(min(n, self._chunk_left))
            if not data:
                raise ConnectionError("connection closed inside a chunk")
            self._chunk_left -= len(data)
            if self._chunk_left == 0 and self._rfile.readline(MAX_LINE) not in (b"\r\n", b"\n"):
                raise ConnectionError("chunk data not followed by CRLF")
        self._sink.update(data)
        return data

    def read(self, n: int) -> bytes:
        if self._buf:
            data = bytes(self._buf[:n])
            del self._buf[:n]
            return data
        return self._raw(n)

    def readline(self, limit: int) -> bytes:
        while b"\n" not in self._buf and len(self._buf) < limit:
            data = self._raw(READ_PIECE)
            if not data:
                break
            self._buf += data
        end = self._buf.find(b"\n")
        cut = min(limit, end + 1 if end >= 0 else len(self._buf))
        line = bytes(self._buf[:cut])
        del self._buf[:cut]
        return line

    def drain(self) -> None:
        self._buf.clear()
        while self._raw(READ_PIECE):
            pass


# --------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------


class _Drop(Exception):
    """Close the connection now."""


class VerifyingServer:
    """Threaded loopback HTTP/1.1 server with request recording and signature verification.

    Use as a context manager (or ``start()``/``stop()``).  Public knobs:
    ``handler`` (``RecordedRequest -> Response``), :meth:`queue`,
    ``reject_bad_signatures`` (answer 403 with an AWS-style error when the
    signature is bad, including the canonical request and string to sign),
    ``clock_tolerance`` (seconds, ``None`` disables date checks),
    ``clock_offset`` / :meth:`freeze_clock` (the server's notion of now),
    ``store_body_limit`` (bytes; larger bodies are only hashed/counted),
    ``normalize_paths`` and ``presign_token_signed`` (verifier options for
    non-default signing settings).
    """

    def __init__(
        self,
        *,
        tls: bool = False,
        keys: Iterable[Key] = EXAMPLE_KEYS,
        clock_tolerance: float | None = 300.0,
        store_body_limit: int = DEFAULT_STORE_LIMIT,
        io_timeout: float = 15.0,
        name: str = "server",
    ) -> None:
        self.name = name
        self.keys: dict[str, Key] = {k.access_key: k for k in keys}
        self.handler: Callable[[RecordedRequest], Response] | None = None
        self.reject_bad_signatures = False
        self.clock_tolerance = clock_tolerance
        self.clock_offset = 0.0
        self.store_body_limit = store_body_limit
        self.normalize_paths = True
        self.presign_token_signed = True
        self.io_timeout = io_timeout
        self.errors: list[str] = []
        self._frozen: float | None = None
        self._requests: list[RecordedRequest] = []
        self._queue: deque[Response] = deque()
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
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

    def start(self) -> VerifyingServer:
        """Bind 127.0.0.1:0 and start accepting."""
        if self._tls:
            import trustme

            self.ca = trustme.CA()
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
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

    def __enter__(self) -> VerifyingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- public API --------------------------------------------------------

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

    def add_key(self, access_key: str, secret: str, session_token: str | None = None) -> None:
        """Accept these credentials (a registered token must then be sent and match)."""
        self.keys[access_key] = Key(access_key, secret, session_token)

    def queue(self, *responses: Response, **kwargs: Any) -> None:
        """Queue scripted answers (FIFO; used before ``handler``/default).

        ``server.queue(Response(500), Response(200))`` or, for one answer,
        ``server.queue(status=503, body=b"busy")``.
        """
        items = list(responses) + ([Response(**kwargs)] if kwargs else [])
        with self._lock:
            self._queue.extend(items)

    def now(self) -> float:
        """The server's clock (epoch seconds), used for date checks and ``Date``."""
        return self._frozen if self._frozen is not None else time.time() + self.clock_offset

    def freeze_clock(self, when: float | str | None) -> None:
        """Fix the server's clock at an epoch or ``YYYYMMDDTHHMMSSZ`` (``None`` unfreezes)."""
        if isinstance(when, str):
            import calendar

            when = float(calendar.timegm(time.strptime(when, "%Y%m%dT%H%M%SZ")))
        self._frozen = when

    @property
    def requests(self) -> list[RecordedRequest]:
        """Snapshot of the recorded requests, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        """How many requests were recorded."""
        with self._lock:
            return len(self._requests)

    @property
    def connection_count(self) -> int:
        """How many TCP connections were accepted."""
        with self._lock:
            return self._connections

    @property
    def last(self) -> RecordedRequest:
        """The most recent request (AssertionError if none)."""
        reqs = self.requests
        assert reqs, f"{self.name}: no request received"
        return reqs[-1]

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Block until ``count`` requests are recorded (AssertionError after ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._requests) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{self.name}: {len(self._requests)} of {count} requests after {timeout}s"
                self._cond.wait(left)
            return list(self._requests)

    def assert_all_verified(self) -> None:
        """AssertionError listing every request whose signature did not verify."""
        bad = [f"#{r.index} {r.method} {r.target}: {r.verification.reason}" for r in self.requests if not r.ok]
        assert not bad, "signature verification failed:\n" + "\n".join(bad)

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
        except (TimeoutError, _Drop, ConnectionError, ssl.SSLError, OSError):
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
        """Read, record, verify and answer one request; False to close the connection."""
        line = rfile.readline(MAX_LINE)
        for _ in range(8):  # tolerate stray empty lines between requests
            if line not in (b"\r\n", b"\n"):
                break
            line = rfile.readline(MAX_LINE)
        if not line:
            return False
        received_at = time.time()
        raw_head = bytearray(line)
        request_line = line.rstrip(b"\r\n")
        # Split the method at the first space and the version at the last (targets may hold spaces).
        method_b, _, rest = request_line.partition(b" ")
        raw_target, _, version_b = rest.rpartition(b" ")
        if not method_b or not raw_target or not version_b.startswith(b"HTTP/"):
            self._send_simple(conn, 400, b"bad request line")
            return False
        headers: list[tuple[str, str]] = []
        for _ in range(MAX_HEADERS + 1):
            hline = rfile.readline(MAX_LINE)
            if not hline.endswith(b"\n"):
                raise ConnectionError("connection closed in the headers")
            raw_head += hline
            if hline in (b"\r\n", b"\n"):
                break
            text = _decode(hline.rstrip(b"\r\n"))
            if text[:1] in (" ", "\t") and headers:  # obs-fold continuation
                name, value = headers[-1]
                headers[-1] = (name, (value + " " + text.strip()).strip())
                continue
            name, colon, value = text.partition(":")
            if not colon:
                self._send_simple(conn, 400, b"bad header line")
                return False
            headers.append((name, value.strip(" \t")))
        else:
            self._send_simple(conn, 431, b"too many headers")
            return False

        method = method_b.decode("ascii", "replace")
        version = version_b.decode("ascii", "replace")
        lower = [(k.lower(), v) for k, v in headers]
        te = ",".join(v for k, v in lower if k == "transfer-encoding").lower()
        chunked = "chunked" in te
        cl_values = [v for k, v in lower if k == "content-length"]
        length = int(cl_values[0]) if cl_values and not chunked else None
        if any(k == "expect" and v.lower() == "100-continue" for k, v in lower):
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

        body = self._read_body(rfile, lower, length, chunked)
        verification = verify_request(
            method=method,
            target=_decode(raw_target),
            headers=headers,
            body=body,
            keys=dict(self.keys),
            now=self.now(),
            clock_tolerance=self.clock_tolerance,
            normalize_paths=self.normalize_paths,
            presign_token_signed=self.presign_token_signed,
        )
        with self._cond:
            record = RecordedRequest(
                index=len(self._requests),
                connection_id=conn_id,
                connection_request_index=n,
                received_at=received_at,
                method=method,
                target=_decode(raw_target),
                raw_target=bytes(raw_target),
                http_version=version,
                headers=headers,
                raw_head=bytes(raw_head),
                body_info=body,
                verification=verification,
                tls=self._ssl is not None,
                client_address=addr,
            )
            self._requests.append(record)
            self._cond.notify_all()

        response = self._choose_response(record)
        keep_alive = version == "HTTP/1.1" and not any(
            k == "connection" and "close" in v.lower() for k, v in lower
        )
        return self._send(conn, record, response, keep_alive)

    def _read_body(self, rfile: Any, lower: list[tuple[str, str]], length: int | None, chunked: bool) -> BodyInfo:
        encodings = [e.strip().lower() for k, v in lower if k == "content-encoding" for e in v.split(",")]
        content_sha = [v.strip() for k, v in lower if k == "x-amz-content-sha256"]
        aws_chunked = "aws-chunked" in encodings or any(v in STREAMING_MODES for v in content_sha)
        algorithms = {k[len("x-amz-checksum-"):] for k, _ in lower if k.startswith("x-amz-checksum-")}
        algorithms |= {
            n.strip().lower()[len("x-amz-checksum-"):]
            for k, v in lower
            if k == "x-amz-trailer"
            for n in v.split(",")
            if n.strip().lower().startswith("x-amz-checksum-")
        }
        algorithms &= set(CHECKSUM_ALGORITHMS)
        if "crc32c" in algorithms or "crc64nvme" in algorithms:
            try:
                import awscrt.checksums  # noqa: F401
            except ImportError:
                algorithms -= {"crc32c", "crc64nvme"}
        raw = _Digest(self.store_body_limit, () if aws_chunked else algorithms)
        stream = _BodyStream(rfile, length, chunked, raw)
        info = BodyInfo(aws_chunked=aws_chunked)
        if aws_chunked:
            payload = _Digest(self.store_body_limit, algorithms)
            parse_aws_chunked(stream, payload, info)
        else:
            payload = raw
        stream.drain()
        info.size, info.sha256, info.data = raw.size, raw.sha.hexdigest(), raw.stored()
        info.payload_size, info.payload_sha256, info.payload = payload.size, payload.sha.hexdigest(), payload.stored()
        info.checksums = {a: c.value() for a, c in payload.checksums.items()}
        return info

    def _choose_response(self, record: RecordedRequest) -> Response:
        if self.reject_bad_signatures and not record.ok:
            return _rejection(record.verification)
        with self._lock:
            queued = self._queue.popleft() if self._queue else None
        if queued is not None:
            return queued
        if self.handler is not None:
            try:
                return self.handler(record)
            except Exception as exc:  # report handler bugs as 500 and keep them visible
                self.errors.append(f"handler raised {type(exc).__name__}: {exc}")
                return Response(500, body=f"handler raised {exc!r}".encode())
        return Response.json(
            {"ok": True, "index": record.index, "method": record.method, "target": record.target,
             "signature_ok": record.ok, "reason": record.verification.reason}
        )

    def _send(self, conn: socket.socket, record: RecordedRequest, response: Response, keep_alive: bool) -> bool:
        if response.delay:
            self._sleep(response.delay)
        if response.drop:
            raise _Drop()
        headers = _header_items(response.headers)
        names = {k.lower() for k, _ in headers}
        body = response.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        length = response.content_length
        if isinstance(body, (bytes, bytearray, memoryview)):
            if length is None:
                length = len(body)
            pieces: Iterable[bytes] = [bytes(body)] if body else []
        else:
            pieces = body
        streamed_chunked = length is None
        keep_alive = keep_alive and not response.close and response.truncate is None
        if "date" not in names:
            headers.append(("Date", email.utils.formatdate(self.now() + response.date_skew, usegmt=True)))
        if "content-length" not in names and "transfer-encoding" not in names:
            headers.append(("Transfer-Encoding", "chunked") if streamed_chunked else ("Content-Length", str(length)))
        if not keep_alive and "connection" not in names:
            headers.append(("Connection", "close"))
        reason = response.reason if response.reason is not None else _REASONS.get(response.status, "Unknown")
        head = f"HTTP/1.1 {response.status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        conn.sendall(head.encode("latin-1"))
        if response.stall:
            self._sleep(response.stall)
        no_body = record.method == "HEAD" or response.status in (204, 304) or 100 <= response.status < 200
        if not no_body:
            budget = response.truncate
            for piece in pieces:
                if budget is not None:
                    piece = piece[:budget]
                    budget -= len(piece)
                if piece:
                    conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if streamed_chunked else piece)
                if budget == 0 or self._stopping.is_set():
                    break
            if streamed_chunked and response.truncate is None:
                conn.sendall(b"0\r\n\r\n")
        if response.truncate is not None:
            raise _Drop()
        return keep_alive

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)
        if self._stopping.is_set():
            raise _Drop()

    @staticmethod
    def _send_simple(conn: socket.socket, status: int, message: bytes) -> None:
        conn.sendall(
            b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
            % (status, _REASONS.get(status, "Error").encode(), len(message), message)
        )


def _decode(raw: bytes) -> str:
    """UTF-8 if valid, else latin-1 (lossless for bytes)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _rejection(v: Verification) -> Response:
    """The 403 an AWS endpoint would send, S3-style, with what we computed."""
    bad_request = ("InvalidRequest", "InvalidArgument", "AuthorizationHeaderMalformed", "IncompleteBody", "BadDigest", "XAmzContentSHA256Mismatch")
    status = 400 if v.code in bad_request else 403
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>',
        f"<Code>{escape(v.code or 'AccessDenied')}</Code>",
        f"<Message>{escape(v.reason)}</Message>",
    ]
    if v.access_key:
        parts.append(f"<AWSAccessKeyId>{escape(v.access_key)}</AWSAccessKeyId>")
    if v.string_to_sign is not None:
        parts.append(f"<StringToSign>{escape(v.string_to_sign)}</StringToSign>")
    if v.signature:
        parts.append(f"<SignatureProvided>{escape(v.signature)}</SignatureProvided>")
    if v.canonical_request is not None:
        parts.append(f"<CanonicalRequest>{escape(v.canonical_request)}</CanonicalRequest>")
    parts.append("</Error>")
    return Response(status=status, headers=[("Content-Type", "application/xml")], body="".join(parts).encode())


_REASONS = {
    100: "Continue", 200: "OK", 201: "Created", 204: "No Content", 206: "Partial Content",
    301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
    307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
    409: "Conflict", 413: "Content Too Large", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}
