"""``--trace`` and ``--trace-ascii``: everything sent and received, dumped as curl dumps it (secrets redacted).

The layout is curl's: ``=> Send header, N bytes (0xN)``, ``<= Recv header``
(one block per header line), ``=> Send data``, ``<= Recv data`` and
``== Info:`` lines, each block dumped at byte offsets, 16 bytes a line in hex
and text (``--trace``) or 64 characters a line split at CRLF
(``--trace-ascii``); ``--trace-time`` puts the local time before each block.
The request head is the one sigcurl sends, with the signature and the
session token redacted; a streamed (file) request body is not dumped, only
its size.  Every secret the run knows is scrubbed from the dump.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import BinaryIO

from sigcurl import interrupts
from sigcurl.output.redact import redact_header, redact_url, scrub_bytes
from sigcurl.output.verbose import ResponseHead, request_target


def dump(data: bytes, ascii_only: bool) -> str:
    """curl's dump of ``data``: offsets, then hex and text (16 a line), or text only (64 a line, split at CRLF)."""
    width = 0x40 if ascii_only else 0x10
    lines: list[str] = []
    size = len(data)
    i = 0
    while i < size:
        parts = [f"{i:04x}: "]
        if not ascii_only:
            parts.extend(f"{data[i + c]:02x} " if i + c < size else "   " for c in range(width))
        step = width
        c = 0
        while c < width and i + c < size:
            if ascii_only and i + c + 1 < size and data[i + c] == 0x0D and data[i + c + 1] == 0x0A:
                step = c + 2
                break
            b = data[i + c]
            parts.append(chr(b) if 0x20 <= b < 0x7F else ".")
            if ascii_only and i + c + 2 < size and data[i + c + 1] == 0x0D and data[i + c + 2] == 0x0A:
                step = c + 3
                break
            c += 1
        lines.append("".join(parts))
        i += step
    return "".join(line + "\n" for line in lines)


class Trace:
    """One transfer's trace, written to a stream the run shares."""

    __slots__ = ("stream", "ascii_only", "timed", "secrets", "clock")

    def __init__(self, stream: BinaryIO, *, ascii_only: bool, timed: bool, secrets: Sequence[str | None],
                 clock: Callable[[], datetime] = datetime.now) -> None:
        self.stream = stream
        self.ascii_only = ascii_only
        self.timed = timed
        self.secrets = secrets
        self.clock = clock

    def _stamp(self) -> str:
        return self.clock().strftime("%H:%M:%S.%f ") if self.timed else ""

    def _block(self, label: str, data: bytes) -> None:
        data = scrub_bytes(data, self.secrets)
        text = f"{self._stamp()}{label}, {len(data)} bytes (0x{len(data):x})\n" + dump(data, self.ascii_only)
        self._write(text)

    def _write(self, text: str) -> None:
        if interrupts.STOPPING.is_set() and threading.current_thread() is not threading.main_thread():
            return  # interrupted: a -Z transfer's thread writes nothing more (the main thread traces its clean-up)
        try:
            self.stream.write(text.encode("utf-8", "replace"))
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def info(self, message: str) -> None:
        self._write(f"{self._stamp()}== Info: {message}\n")

    def send(self, method: str, url: str, headers: Sequence[tuple[str, str]], body_length: int | None,
             body: bytes | None) -> None:
        """The request head as sent (redacted), and its body when it is in memory."""
        lines = [f"{method} {redact_url(request_target(url))} HTTP/1.1"]
        lines += [f"{n}: {redact_header(n, v)}" for n, v in headers]
        if body_length is not None and not any(n.lower() == "content-length" for n, _ in headers):
            lines.append(f"Content-Length: {body_length}")
        self._block("=> Send header", ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace"))
        if body is not None:
            if body:
                self._block("=> Send data", body)
        elif body_length:
            self.info(f"request body of {body_length} bytes streamed from its source (not dumped)")

    def received(self, resp: ResponseHead) -> None:
        """The status line and each header line, as curl reports them one by one."""
        lines = [f"{resp.http_version} {resp.status} {resp.reason}".rstrip()]
        lines += [f"{n}: {redact_header(n, v)}" for n, v in resp.headers]
        for line in [*lines, ""]:
            self._block("<= Recv header", (line + "\r\n").encode("latin-1", "replace"))

    def wrap(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """``chunks`` unchanged, each dumped as received data."""
        for chunk in chunks:
            if chunk:
                self._block("<= Recv data", chunk)
            yield chunk
