"""Reading a response head as curl bounds it: by total size (300 KiB), not by http.client's 100 lines,
and within -m (:func:`within`: a watchdog, for a head dripped a byte at a time); a ``Content-Length``
that is not one number is refused (:func:`invalid_length`, curl's exit 8).

:class:`Response` is the response class of the wire session's connections
only (nothing process-wide is patched): during ``begin()`` its file hands
http.client several header lines per ``readline`` (http.client joins them
anyway), so the count does not apply, and the head's bytes are counted.
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sigcurl.errors import ExitCode, TransferError

#: The most response-header bytes accepted (curl's bound, instead of http.client's 100 header lines).
MAX_HEADER_BYTES = 300 * 1024


class HeadReader:
    """The response's file during ``begin()``: after the status line, header lines are returned several
    per ``readline`` (http.client joins them anyway), so its count of 100 lines does not apply; the
    head's total size is bounded by :data:`MAX_HEADER_BYTES` instead.  Nothing past the blank line is read."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.pending: bytes | None = None
        self.at_status = True  # the next line is a status line (the first, or after a 1xx head)
        self.total = 0

    def readline(self, limit: int = -1) -> bytes:
        if self.pending is not None:
            line, self.pending = self.pending, None
        elif self.at_status:
            self.at_status = False
            return bytes(self.raw.readline(limit))
        else:
            line = bytes(self.raw.readline(limit))
        batch = b""
        while True:
            self.total += len(line)
            if self.total > MAX_HEADER_BYTES:
                raise http.client.HTTPException(f"response headers larger than {MAX_HEADER_BYTES} bytes")
            if line in (b"\r\n", b"\n", b""):
                if batch:
                    self.total -= len(line)
                    self.pending = line
                    return batch
                self.at_status = True
                return line
            if batch and limit > 0 and len(batch) + len(line) >= limit:
                self.total -= len(line)
                self.pending = line
                return batch
            batch += line
            if limit > 0 and len(batch) >= limit:
                return batch  # one line too long: http.client reports it
            line = bytes(self.raw.readline(limit))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


class Response(http.client.HTTPResponse):
    """http.client's response with curl's bound on the head (a total size, not a count of lines)."""

    def begin(self) -> None:
        raw = self.fp
        self.fp = HeadReader(raw)  # type: ignore[assignment]
        try:
            super().begin()
        finally:
            if self.fp is not None:
                self.fp = raw


def within(deadline: float, monotonic: Callable[[], float], sock: socket.socket, read: Callable[[], Any]) -> Any:
    """``read()`` (the response head) ended at ``deadline`` (-m): a socket timeout restarts at every byte, so
    a server dripping its head would outlast it; a watchdog shuts the socket at the deadline instead and the
    read's failure is reported as a timeout (urllib3: a read timeout, curl's exit 28)."""
    fired = threading.Event()

    def expire() -> None:
        fired.set()
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    watchdog = threading.Timer(max(deadline - monotonic(), 0.0), expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        response = read()
    except Exception:
        if fired.is_set():
            raise TimeoutError("timed out reading the response head (-m)") from None
        raise
    finally:
        watchdog.cancel()
    if fired.is_set():
        raise TimeoutError("timed out reading the response head (-m)")
    return response


def readable(sock: socket.socket, timeout: float | None) -> bool:
    """Wait until ``sock`` has data to read (the first byte of an answer); False on timeout."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN | select.POLLPRI)
        return bool(poller.poll(None if timeout is None else max(timeout, 0.0) * 1000))
    return bool(select.select([sock], [], [], timeout)[0])


def invalid_length(headers: list[tuple[str, str]], url: str) -> TransferError | None:
    """curl's exit 8 for a ``Content-Length`` that is not a number, or two that differ (http.client would
    read such a body to the connection's end), else None."""
    lengths = {v.strip() for n, v in headers if n.lower() == "content-length"}
    if lengths and (len(lengths) > 1 or not (next(iter(lengths)).isascii() and next(iter(lengths)).isdigit())):
        shown = " / ".join(sorted(lengths))[:80]
        return TransferError(f"invalid Content-Length from {urlsplit(url).hostname or url}: {shown!r}",
                             "the server's reply is broken", exit_code=ExitCode.WEIRD_REPLY)
    return None


def received_headers(raw: Any) -> list[tuple[str, str]]:
    """The response's header lines as received: order, repeats and the case of each name kept."""
    message = getattr(getattr(raw, "_original_response", None), "msg", None)
    if message is not None:
        return [(str(n), str(v)) for n, v in message.items()]
    return list(raw.headers.items())
