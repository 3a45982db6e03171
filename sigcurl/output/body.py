"""The response body: the exact bytes when piped, pretty-printed JSON/XML on a terminal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from sigcurl.errors import ExitCode, OutputClosedError, SigcurlError, WriteError
from sigcurl.spec import OutputSpec

PRETTY_LIMIT = 8 << 20  # larger bodies are streamed raw even on a terminal
ERROR_BODY_LIMIT = 256 << 10


def _kind(content_type: str | None) -> str:
    ct = (content_type or "").split(";")[0].strip().lower()
    if ct.endswith("json") or ct.endswith("+json") or ct == "application/x-amz-json-1.0" or ct == "application/x-amz-json-1.1":
        return "json"
    if ct.endswith("xml") or ct.endswith("+xml"):
        return "xml"
    if ct.startswith("text/") or ct in ("application/javascript", "application/x-www-form-urlencoded", ""):
        return "text"
    return "binary"


def write_bytes(sink: BinaryIO, data: bytes) -> None:
    """Write and flush ``data``; a closed pipe or a full disk is a :class:`WriteError` (exit 23)."""
    try:
        sink.write(data)
        sink.flush()
    except BrokenPipeError:
        raise OutputClosedError("output closed before the whole response was written", "read all of the output, or use -o FILE") from None
    except OSError as exc:
        raise WriteError(f"cannot write output: {exc.strerror or exc}", "check the disk space and the -o path") from None


def write_body(sink: BinaryIO, chunks: Iterator[bytes], content_type: str | None, out: OutputSpec,
               prefix: bytes = b"") -> bytes:
    """Write the body: raw bytes as they arrive, or pretty-printed on a terminal.

    ``prefix`` (the ``-i`` head) is written with the first piece of the body
    in one write, as curl's buffered output does; when no body comes, it is
    returned unwritten for the caller to write with what follows.
    """
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
    if out.terminal and (b"\x00" in first[:8192] or kind == "binary" and _looks_binary(first)):
        raise SigcurlError(
            "binary output can mess up your terminal",
            'use "-o FILE" to save it, or pipe it (e.g. "| cat") to print it anyway',
            exit_code=ExitCode.WRITE_ERROR,
        )
    if not (out.pretty and kind in ("json", "xml")):
        write_bytes(sink, first)
        for chunk in chunks:
            write_bytes(sink, chunk)
        return b""
    buf = bytearray(first)
    for chunk in chunks:
        buf += chunk
        if len(buf) > PRETTY_LIMIT:
            write_bytes(sink, bytes(buf))
            for rest in chunks:
                write_bytes(sink, rest)
            return b""
    from sigcurl.output.pretty import pretty_bytes

    write_bytes(sink, pretty_bytes(bytes(buf), kind, color=out.color))
    return b""


def _looks_binary(data: bytes) -> bool:
    if not data:
        return False
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < 4090
    return False
