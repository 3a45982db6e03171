"""The response body: its shape decided once, then the exact bytes, pretty-printed JSON/XML, or a live stream.

:func:`body_shape` decides, once per response and from its Content-Type
alone, whether the body is an AWS event stream, server-sent events, a
stream of JSON lines, or a document.  Streams are written as they arrive,
wherever they go (event streams decoded by :mod:`.stream`); a document is
pretty-printed on a terminal (held until it is complete, up to 4 MiB) unless
``-N/--no-buffer`` asks for it as it arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from sigcurl.errors import SigcurlError
from sigcurl.output.writes import binary_on_terminal, write_bytes
from sigcurl.spec import OutputSpec

__all__ = ["binary_on_terminal", "body_shape", "write_body", "write_bytes"]

PRETTY_LIMIT = 4 << 20  # larger bodies are streamed raw even on a terminal (with a note)
ERROR_BODY_LIMIT = 256 << 10

#: body_shape values.
EVENT_STREAM, SSE, LINES, DOCUMENT = "event-stream", "sse", "lines", "document"

#: Media types of JSON-per-record streams (NDJSON, JSON Lines, JSON text sequences and their aliases).
LINE_TYPES = frozenset((
    "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonl",
    "application/jsonlines", "application/x-jsonlines", "application/json-seq", "application/stream+json",
    "application/x-json-stream", "application/json-stream",
))


def body_shape(content_type: str | None) -> str:
    """What kind of body a Content-Type announces: EVENT_STREAM, SSE, LINES or DOCUMENT."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "application/vnd.amazon.eventstream":
        return EVENT_STREAM
    if media == "text/event-stream":
        return SSE
    if media in LINE_TYPES:
        return LINES
    return DOCUMENT


def preload_event_stream(method: str, url: str, service: str) -> None:
    """Import the event-stream writer while a request that may be answered with an event stream is on its way.

    Bedrock, Lambda and SageMaker response streams and S3 Select are POSTs.
    A model's first event can follow the response head within milliseconds;
    importing the writer then (a few ms, tens on a loaded machine) would
    delay it, so a background thread imports it during the network wait.
    """
    if method != "POST":
        return
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if service == "bedrock" or "stream" in parts.path.lower() or "select" in parts.query:
        import threading

        # Not a daemon: an exit while it imports waits the few ms it takes instead of freezing it mid-import.
        threading.Thread(target=_import_stream_writer, name="sigcurl-preload").start()


def _import_stream_writer() -> None:
    try:
        import sigcurl.output.stream  # noqa: F401
    except Exception:  # noqa: BLE001 - imported again (and any error raised) where it is used
        pass


def _kind(content_type: str | None) -> str:
    ct = (content_type or "").split(";")[0].strip().lower()
    if ct.endswith("json") or ct.endswith("+json") or ct == "application/x-amz-json-1.0" or ct == "application/x-amz-json-1.1":
        return "json"
    if ct.endswith("xml") or ct.endswith("+xml"):
        return "xml"
    if ct.startswith("text/") or ct in ("application/javascript", "application/x-www-form-urlencoded", ""):
        return "text"
    return "binary"


def write_body(
    sink: BinaryIO, chunks: Iterator[bytes], content_type: str | None, out: OutputSpec,
    shape: str = DOCUMENT, note: Callable[[str], None] | None = None, prefix: bytes = b"",
) -> bytes:
    """Write the body: raw bytes as they arrive, a decoded event stream, or pretty-printed on a terminal.

    ``shape`` is :func:`body_shape` of ``content_type`` (decided once by the caller).  A document over
    a pretty-printing budget is written as sent and ``note`` is told why, in one line.  ``prefix`` (the
    ``-i`` head) goes out with the first piece of a piped body in one write, as curl's buffered output
    does; when no body comes it is returned unwritten, for the caller to write with what follows.
    """
    if shape == EVENT_STREAM:
        from sigcurl.output.stream import write_event_stream

        if prefix:
            write_bytes(sink, prefix)
        write_event_stream(sink, chunks, out)
        return b""
    kind = _kind(content_type)
    if not out.terminal and not out.pretty:
        for chunk in chunks:
            if chunk:
                write_bytes(sink, prefix + chunk)
                prefix = b""
        return prefix
    if prefix:
        write_bytes(sink, prefix)
    first = next(chunks, b"")
    if out.terminal and (b"\x00" in first[:8192] or kind == "binary" and shape == DOCUMENT and _looks_binary(first)):
        raise binary_on_terminal()
    if shape != DOCUMENT or out.no_buffer or not (out.pretty and kind in ("json", "xml")):
        write_bytes(sink, first)  # streams, -N and plain text flow as they arrive
        for chunk in chunks:
            write_bytes(sink, chunk)
        return b""
    buf = bytearray(first)
    try:
        for chunk in chunks:
            buf += chunk
            if len(buf) > PRETTY_LIMIT:
                break
    except SigcurlError:  # cut short (-m, a broken connection): what arrived is written as sent, as curl does
        write_bytes(sink, bytes(buf))
        raise
    if len(buf) > PRETTY_LIMIT:
        _note(note, kind, f"it is over {PRETTY_LIMIT >> 20} MiB")
        write_bytes(sink, bytes(buf))
        for rest in chunks:
            write_bytes(sink, rest)
        return b""
    from sigcurl.output.pretty import TooBig, render

    data = bytes(buf)
    try:
        blocks = render(data, kind, color=out.color)
    except TooBig as exc:
        _note(note, kind, str(exc))
        blocks = None
    if blocks is None:
        write_bytes(sink, data)
        return b""
    for block in blocks:
        write_bytes(sink, block)
    return b""


def _note(note: Callable[[str], None] | None, kind: str, why: str) -> None:
    if note is not None:
        note(f"sigcurl: the {kind.upper()} body is shown as sent, not pretty-printed: {why} — "
             f"pipe it to a formatter (e.g. | jq) to see it indented")


def _looks_binary(data: bytes) -> bool:
    if not data:
        return False
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < 4090
    return False
