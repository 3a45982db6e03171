"""A response whose body has not been read yet: headers now, the body as it arrives.

The transport may read the start of an error body ahead (:meth:`Response.peek`)
to classify it; :meth:`Response.iter_body` hands that prefix out first, so the
caller sees the whole body once.  Read failures become curl's exit codes
(:func:`sigcurl.transport.errors.map_exception`); ``-m`` is enforced while
the body streams, on the transport's clock: a watchdog (:class:`BodyWatchdog`)
shuts the connection at the deadline, since a server dripping the body a
byte at a time never lets a blocked read return to a check between chunks.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from sigcurl.errors import ExitCode, SigcurlError, TransferError
from sigcurl.transport.errors import map_exception
from sigcurl.transport.options import find_header

INSPECT_LIMIT = 64 << 10  # bytes of an error body read to classify it


class Timings:
    """What the wire measured for one transfer (``-w``): instants on the transport's monotonic clock.

    Filled in by the session's connection classes (:mod:`sigcurl.transport.wire`)
    while an attempt runs.  ``hop`` is when the last attempt (or followed
    redirect) started; ``namelookup``, ``connect``, ``appconnect`` (TLS done)
    stay 0.0 when the attempt reused a connection (or, for ``appconnect``, is
    plain HTTP); ``pretransfer`` is when the request started going out and
    ``starttransfer`` when the first byte of the answer arrived.
    ``connects`` and ``sent`` (bytes of request heads and bodies) count every
    attempt of the transfer.  Mutable and slotted: written while it runs.
    """

    __slots__ = ("hop", "namelookup", "connect", "appconnect", "pretransfer", "starttransfer",
                 "connects", "sent", "local", "remote")

    def __init__(self) -> None:
        self.hop = 0.0
        self.namelookup = 0.0
        self.connect = 0.0
        self.appconnect = 0.0
        self.pretransfer = 0.0
        self.starttransfer = 0.0
        self.connects = 0
        self.sent = 0
        self.local: tuple[str, int] = ("", 0)
        self.remote: tuple[str, int] = ("", 0)

    def new_hop(self, now: float) -> None:
        """A new attempt starts: the per-attempt instants are reset, the counts kept."""
        self.hop = now
        self.namelookup = self.connect = self.appconnect = self.pretransfer = self.starttransfer = 0.0


class BodyWatchdog:
    """Shuts ``sock`` at ``deadline`` (-m) unless :meth:`cancel` came first; :attr:`fired` says whether it did.

    The socket's timeout restarts at every byte received, so a body dripped
    a byte at a time would outlast ``-m``; the shut read fails (or ends) and
    the reader reports a timeout instead (curl's exit 28).  A body read to
    its end cancels the watchdog first, so a connection back in the pool is
    never shut.
    """

    __slots__ = ("fired", "_done", "_lock", "_sock", "_timer")

    def __init__(self, deadline: float, monotonic: Callable[[], float], sock: socket.socket) -> None:
        self.fired = False
        self._done = False
        self._lock = threading.Lock()
        self._sock = sock
        self._timer = threading.Timer(max(deadline - monotonic(), 0.0), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = self._done = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()


def _socket_of(raw: Any) -> socket.socket | None:
    """The socket under urllib3's response (None when it is not there: a test double, a released body)."""
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    return sock if isinstance(sock, socket.socket) else None


class Response:
    """A response whose body has not been read yet (mutable: the transport fills it in)."""

    __slots__ = ("status", "reason", "http_version", "headers", "url", "redirects", "started", "raw",
                 "compressed", "deadline", "size_download", "prefix", "prefix_complete", "prefix_error", "_stream",
                 "monotonic", "method", "size_upload", "timings", "_watchdog")

    def __init__(
        self, *, status: int, reason: str, http_version: str, headers: list[tuple[str, str]], url: str,
        redirects: int, started: float, raw: Any, compressed: bool = False, deadline: float | None = None,
        monotonic: Callable[[], float] = time.monotonic, method: str = "GET", size_upload: int = 0,
        timings: Timings | None = None,
    ) -> None:
        self.status = status
        self.reason = reason
        self.http_version = http_version
        self.headers = headers
        self.url = url  # the effective URL (after redirects)
        self.redirects = redirects
        self.started = started
        self.raw = raw
        self.compressed = compressed
        self.deadline = deadline  # on the ``monotonic`` clock
        self.monotonic = monotonic
        self.method = method  # of the request that was answered (a 303 turns a POST into a GET)
        self.size_upload = size_upload  # body bytes sent with that request
        self.timings = timings if timings is not None else Timings()
        self.size_download = 0
        #: the start of the body, already read by the transport to classify an error
        self.prefix = b""
        self.prefix_complete = False  # the prefix is the whole body
        self.prefix_error: SigcurlError | None = None  # reading stopped with this
        self._stream: Iterator[bytes] | None = None
        self._watchdog: BodyWatchdog | None = None

    def __repr__(self) -> str:
        return f"Response(status={self.status}, url={self.url!r}, redirects={self.redirects})"

    def header(self, name: str) -> str | None:
        return find_header(self.headers, name)

    def _chunks(self, size: int, live: bool = False) -> Iterator[bytes]:
        """The one iterator over the raw body, made once: every reader continues it.

        urllib3 closes the connection when one of its stream generators is
        closed half-way (a chunked body then ends early, silently), so no
        reader may abandon a fresh generator: they all share this one.
        ``live`` (for the first reader): pieces as they arrive, see :meth:`iter_body`.
        """
        if self._stream is None:
            raw = self.raw
            sock = _socket_of(raw)
            if self.deadline is not None and sock is not None:
                self._watchdog = BodyWatchdog(self.deadline, self.monotonic, sock)
            if live and not getattr(raw, "chunked", False) and hasattr(raw, "read1"):
                self._stream = iter(lambda: raw.read1(size, decode_content=self.compressed), b"")
            else:
                self._stream = raw.stream(size, decode_content=self.compressed)
        return self._stream

    def peek(self, limit: int = INSPECT_LIMIT) -> bytes:
        """Read up to ``limit`` bytes of the body ahead, keeping them for :meth:`iter_body`."""
        if self.prefix or self.prefix_complete or self.prefix_error is not None or self.size_download:
            return self.prefix
        out = bytearray()
        try:
            for chunk in self._chunks(1 << 16):
                out += chunk
                if len(out) >= limit:
                    break
            else:
                self._finished()
                self.prefix_complete = True
        except Exception as exc:  # noqa: BLE001 - raised again when the body is read
            self.prefix_error = self._timed_out() or (exc if isinstance(exc, SigcurlError) else map_exception(exc, self.url))
        self.prefix = bytes(out)
        return self.prefix

    def iter_body(self, size: int = 1 << 16, *, live: bool = False) -> Iterator[bytes]:
        """The body as it arrives (decoded only with ``--compressed``).

        ``live``: hand out whatever has arrived, without waiting for ``size``
        bytes (streams delimited by Content-Length or by closing; a chunked
        body is handed out chunk by chunk either way).
        """
        if self.prefix:
            prefix, self.prefix = self.prefix, b""  # handed out once
            self.size_download += len(prefix)
            yield prefix
        if self.prefix_error is not None:
            raise self.prefix_error
        if self.prefix_complete:
            return
        try:
            for chunk in self._chunks(size, live):
                # curl counts the bytes received: with --compressed, before decoding
                self.size_download = self.raw.tell() if self.compressed else self.size_download + len(chunk)
                yield chunk  # what arrived before the deadline is written, as curl writes it
                if self.deadline is not None and self.monotonic() > self.deadline:
                    raise _timeout()
        except SigcurlError:
            raise
        except Exception as exc:  # noqa: BLE001 - mapped to curl's codes
            raise self._timed_out() or map_exception(exc, self.url) from None
        self._finished()
        timed_out = self._timed_out()  # a body delimited by closing ends quietly when the watchdog shut it
        if timed_out is not None:
            raise timed_out

    def _finished(self) -> None:
        """The body was read to its end: the watchdog must not shut the connection (it may be reused)."""
        if self._watchdog is not None:
            self._watchdog.cancel()

    def _timed_out(self) -> TransferError | None:
        return _timeout() if self._watchdog is not None and self._watchdog.fired else None

    def read_all(self, limit: int) -> bytes:
        """Up to ``limit`` bytes of the body (for error summaries)."""
        out = bytearray()
        for chunk in self.iter_body():
            out += chunk
            if len(out) >= limit:
                break
        return bytes(out)

    def close(self) -> None:
        self._finished()
        with contextlib.suppress(Exception):
            if not (self.raw.closed or self.raw.length_remaining == 0):
                # a body not read to its end (the output was closed, an error): the connection must not go back
                # to the pool with it, or the next request on it finds the old response still open
                self.raw.close()
            self.raw.release_conn()

    def discard(self) -> None:
        """Drop a response that will not be shown (a retried or redirected one)."""
        try:
            if not self.prefix_complete:
                length = self.header("Content-Length") or ""
                if length.isdigit() and int(length) <= INSPECT_LIMIT:
                    self.raw.drain_conn()  # a short body read to the end: the connection is reused, as curl does
                else:
                    self.raw.close()  # unread data must not poison a pooled connection
        except Exception:  # noqa: BLE001
            pass
        self.close()


def _timeout() -> TransferError:
    return TransferError("operation timed out while receiving the response", "raise -m/--max-time",
                         exit_code=ExitCode.TIMEOUT)
