"""An AWS event stream written as it arrives: NDJSON lines, the live terminal view, or the frames as received.

The body's pieces are fed to :class:`sigcurl.eventstream.EventStreamDecoder`
as they arrive; what the messages completed by one piece become is written
(and flushed) before the next piece is read, so a reader of the pipe or a
person at the terminal sees each event as soon as its last byte is here.
The form is the spec's ``events`` (decided in :mod:`sigcurl.options`):

* ``EVENTS_LINES``: one JSON object per message and line
  (:func:`sigcurl.output.events.ndjson_line`), for pipes, files and ``jq``;
* ``EVENTS_VIEW``: readable text (:class:`sigcurl.output.events.TerminalView`):
  a model's answer as it streams, summary lines for the rest;
* ``EVENTS_RAW`` (``--raw``): the bytes exactly as received, still decoded
  alongside so the exit status reports a broken stream or an in-band error.

An ``exception`` or ``error`` message, or Lambda's ``InvokeComplete`` naming a
function error (``ErrorCode``, ``ErrorDetails``), ends the transfer with
:data:`~sigcurl.errors.ExitCode.STREAM_ERROR` (94); a CRC mismatch, an
oversize or malformed frame, or a stream cut inside a frame with
:data:`~sigcurl.errors.ExitCode.RECV_ERROR` (56).  Either way, everything
decoded before the fault has been written first.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import BinaryIO

from sigcurl.errors import ExitCode, SigcurlError
from sigcurl.eventstream import EventStreamDecoder, EventStreamError, Message
from sigcurl.output.events import ERROR, NOTHING, TEXT, TerminalView, ndjson_parts, stream_error
from sigcurl.output.writes import binary_on_terminal, write_bytes
from sigcurl.spec import EVENTS_RAW, EVENTS_VIEW, OutputSpec

#: Terminal control characters a payload must not smuggle onto the screen (tab and newline are kept).
_CONTROLS = {c: "\ufffd" for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0))}
_CONTROLS[0x0D] = ""
_DIM, _RED, _RESET = "\x1b[2m", "\x1b[31m", "\x1b[0m"


def write_event_stream(sink: BinaryIO, chunks: Iterator[bytes], out: OutputSpec) -> None:
    """Decode and write an ``application/vnd.amazon.eventstream`` body as ``out.events`` says."""
    _widen_pipe(sink)
    if out.events == EVENTS_RAW:
        if out.terminal:
            raise binary_on_terminal()
        _write_raw(sink, chunks)
    elif out.events == EVENTS_VIEW:
        _write_view(sink, chunks, out.color)
    else:
        _write_lines(sink, chunks)


#: The pipe buffer asked for (Linux: 64 KiB by default, so every piece of a fast stream waited for the reader).
PIPE_SIZE = 1 << 20


def _widen_pipe(sink: BinaryIO) -> None:
    """Ask for a larger buffer when ``sink`` is a pipe (Linux), so the stream is not held up by the reader's pace.

    Writes are not delayed by it: each goes out as soon as it is made.
    """
    try:
        import fcntl
        import stat

        fd = sink.fileno()
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (AttributeError, ImportError, OSError, ValueError):
        pass  # not a file, not Linux, or over /proc/sys/fs/pipe-max-size: the pipe stays as it is


def _write_lines(sink: BinaryIO, chunks: Iterator[bytes]) -> None:
    decoder = EventStreamDecoder()
    lines: list[bytes] = []
    try:
        for chunk in chunks:
            for message in decoder.feed(chunk):
                lines += ndjson_parts(message)
                failure = _failure(message)
                if failure is not None:
                    raise failure
            _flush_lines(sink, lines)  # one write (one copy) per piece received: the lines it completed
        decoder.close()
    except EventStreamError as exc:
        raise broken_stream(exc) from None
    finally:
        _flush_lines(sink, lines)  # what was decoded before a fault


def _flush_lines(sink: BinaryIO, lines: list[bytes]) -> None:
    if lines:
        data = b"".join(lines)
        lines.clear()
        write_bytes(sink, data)


def _write_raw(sink: BinaryIO, chunks: Iterator[bytes]) -> None:
    decoder = EventStreamDecoder()
    fault: SigcurlError | None = None
    for chunk in chunks:
        write_bytes(sink, chunk)
        if fault is not None:
            continue  # keep every byte; the first fault is the verdict
        try:
            for message in decoder.feed(chunk):
                fault = _failure(message)
                if fault is not None:
                    break
        except EventStreamError as exc:
            fault = broken_stream(exc)
    if fault is None:
        try:
            decoder.close()
        except EventStreamError as exc:
            fault = broken_stream(exc)
    if fault is not None:
        raise fault


class _Screen:
    """Text for the terminal, keeping track of whether the cursor is at the start of a line."""

    __slots__ = ("parts", "at_start", "color")

    def __init__(self, color: bool) -> None:
        self.parts: list[str] = []
        self.at_start = True
        self.color = color

    def text(self, text: str) -> None:
        text = text.translate(_CONTROLS)
        if text:
            self.parts.append(text)
            self.at_start = text.endswith("\n")

    def line(self, text: str, style: str = _DIM) -> None:
        text = " ".join(text.translate(_CONTROLS).split())
        self.end_line()
        self.parts.append(f"{style}{text}{_RESET}\n" if self.color else text + "\n")

    def end_line(self) -> None:
        if not self.at_start:
            self.parts.append("\n")
            self.at_start = True

    def flush(self, sink: BinaryIO) -> None:
        if self.parts:
            data = "".join(self.parts).encode("utf-8", "replace")
            self.parts.clear()
            write_bytes(sink, data)


def _write_view(sink: BinaryIO, chunks: Iterator[bytes], color: bool) -> None:
    decoder = EventStreamDecoder()
    view = TerminalView()
    screen = _Screen(color)
    try:
        for chunk in chunks:
            for message in decoder.feed(chunk):
                _show(screen, view, message)
            screen.flush(sink)
        decoder.close()
        screen.text(view.finish())
    except EventStreamError as exc:
        raise broken_stream(exc) from None
    finally:
        screen.end_line()  # an error line on stderr starts on a line of its own
        screen.flush(sink)


def _show(screen: _Screen, view: TerminalView, message: Message) -> None:
    failure = _failure(message)
    if failure is not None:
        raise failure
    shown = view.show(message)
    if shown.kind == TEXT:
        screen.text(shown.text)
    elif shown.kind == ERROR:  # an error the view reports without ending the stream
        screen.line(f"error: {shown.text}", _RED)
    elif shown.kind != NOTHING:
        screen.line(shown.text)


def _failure(message: Message) -> SigcurlError | None:
    """The error that ``message`` ends the stream with (exit 94), if it is one (see :func:`stream_error`)."""
    failure = stream_error(message)
    if failure is None:
        return None
    if message.header(":event-type") == "InvokeComplete" and message.header(":message-type") not in ("exception", "error"):
        return in_stream_error(*failure, fix=LAMBDA_FAILED)
    return in_stream_error(*failure)


#: The fix for Lambda's InvokeComplete naming a function error.
LAMBDA_FAILED = ("the Lambda function failed after its response began; the chunks before it were written "
                 "(its logs: CloudWatch, or send -H 'X-Amz-Log-Type: Tail' for LogResult in the last line)")


def in_stream_error(name: str, message: str, fix: str | None = None) -> SigcurlError:
    """The one-line error for an ``exception``/``error`` message (exit 94)."""
    from sigcurl.awserror import HINTS, THROTTLING_CODES

    code = name[:1].upper() + name[1:]  # Bedrock's event streams name them in lower camel case (throttlingException)
    fix = fix or HINTS.get(code) or (
        "the service is throttling: retry later" if code in THROTTLING_CODES
        else "the service ended the stream with this error after HTTP 200; the events before it were written"
    )
    what = f"the event stream ended with {name}" + (f": {message}" if message else "")
    return SigcurlError(what, fix, exit_code=ExitCode.STREAM_ERROR)


def broken_stream(exc: EventStreamError) -> SigcurlError:
    """The one-line error for a stream that cannot be decoded (exit 56)."""
    if exc.kind == "truncated":
        fix = "the connection ended mid-event: run the command again"
    elif exc.kind == "crc":
        fix = "the data was damaged on the way: run the command again (--raw -o FILE keeps the bytes as received)"
    else:
        fix = "this is not an AWS event stream sigcurl can read: --raw -o FILE keeps the bytes as received"
    return SigcurlError(str(exc), fix, exit_code=ExitCode.RECV_ERROR)
