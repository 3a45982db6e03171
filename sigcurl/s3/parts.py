"""The parts of one multipart upload, read as they are sent: file ranges, memory slices, or a stream.

* A file (``-T FILE``, ``--data-binary @FILE``, stdin redirected from a
  file) is cut into ranges read with ``pread`` when each part is sent (and
  again on a retry): nothing is held in memory but the piece being sent.
* Data of known length already in memory (``-d @FILE``) is cut into slices.
* A stream (a pipe) is read once, part by part, in order: each part is
  held in memory until S3 has accepted it (a retry re-sends those bytes),
  so memory is bounded by the parts in flight; nothing is written to disk.
  A part's buffer is its own anonymous memory map, sent in slices of it
  (no copies): it goes back to the system as soon as S3 has accepted the
  part, where buffers from the allocator (one arena per sending thread)
  were kept and grew the process by as much again.

:class:`PartBody` is the body of one UploadPart request: it stops with
:class:`Cancelled` at its next chunk once the upload is being aborted.
"""

from __future__ import annotations

import io
import mmap
import os
import threading
from collections.abc import Iterator
from typing import BinaryIO

from sigcurl.body import CHUNK, Body, BytesBody, FileBody, SpooledBody
from sigcurl.curlopts import HttpRequest
from sigcurl.errors import ReadError, SigcurlError
from sigcurl.s3.plan import (
    DEFAULT_STREAM_PART_SIZE,
    MAX_PARTS,
    Part,
    is_object_put,
    known_part_size,
    known_parts,
    stream_part_size,
    threshold,
)


class Cancelled(SigcurlError):
    """The upload is being aborted: a part in flight stops at its next chunk."""


class PartBody(Body):
    """One part's bytes (a file range or bytes in memory), cancellable between chunks."""

    def __init__(self, inner: Body, cancel: threading.Event) -> None:
        self.inner = inner
        self.length = inner.length
        self.streamable = inner.streamable
        self.cancel = cancel

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        for chunk in self.inner.chunks(size):
            if self.cancel.is_set():
                raise Cancelled("the upload is being aborted")
            yield chunk


class MemoryPart(Body):
    """A part of a stream, held in one buffer until S3 accepts it (and re-read from it on a retry)."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.length = len(data)

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        view = self.data
        for i in range(0, self.length, size):
            yield view[i : i + size]  # type: ignore[misc]  # a slice, not a copy: sent and hashed as it is


class PartSource:
    """Where the parts of one upload come from."""

    part_size: int  # the first part's size (a stream's may grow)
    length: int | None  # the object's size when known before reading

    def parts(self) -> Iterator[tuple[Part, Body]]:
        """Every part in order, with its body (read lazily)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the source holds open."""


class KnownSource(PartSource):
    """A body of known length: a file read by ranges, or bytes in memory by slices."""

    def __init__(self, body: Body, part_size: int | None) -> None:
        self.body = body
        self.size = self.length = body.length
        self.part_size = known_part_size(body.length, part_size)
        self._fd: int | None = None

    def parts(self) -> Iterator[tuple[Part, Body]]:
        body = self.body
        data = body.in_memory()
        if data is None and isinstance(body, FileBody):
            fd, base = body.fd, body.offset
            if fd is None:
                try:
                    fd = self._fd = os.open(body.path, os.O_RDONLY)
                except OSError as exc:
                    raise ReadError(f"cannot read {body.path}: {exc.strerror or exc}", "check the file name and permissions") from None
            for part in known_parts(self.size, self.part_size):
                yield part, FileBody(body.path, fd=fd, offset=base + part.offset, length=part.size)
            return
        if data is None:  # any other body of known length: read once, in order
            yield from _stream_parts(_BodyReader(body.chunks()), self.part_size, fixed=True)
            return
        view = memoryview(data)
        for part in known_parts(self.size, self.part_size):
            yield part, BytesBody(bytes(view[part.offset : part.offset + part.size]))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class StreamSource(PartSource):
    """A stream of unknown length, read once; its first part (and the start of the second) already read."""

    length = None

    def __init__(self, stream: BinaryIO, name: str, part_size: int, first: memoryview, second: memoryview) -> None:
        self.stream = stream
        self.name = name
        self.part_size = part_size
        self._head: list[memoryview] | None = [first, second]

    def parts(self) -> Iterator[tuple[Part, Body]]:
        assert self._head is not None, "a stream is read once"
        first, second = self._head
        self._head = None
        offset, number = len(first), 2
        head = MemoryPart(first)
        del first  # each part is referenced by its request only, so memory is the parts in flight
        yield Part(1, 0, offset), head
        del head
        while second:
            if number > MAX_PARTS:
                raise SigcurlError(
                    f"{self.name} is longer than 10,000 parts can carry ({offset} bytes sent so far)",
                    "give a larger --part-size", exit_code=ReadError.exit_code,
                )
            want = stream_part_size(number, self.part_size)
            part = MemoryPart(_read(self.stream, want, self.name, start=second))
            full = part.length
            yield Part(number, offset, full), part
            del part
            offset += full
            number += 1
            second = _read(self.stream, 1, self.name) if full == want else memoryview(b"")


def open_stream(stream: BinaryIO, name: str, part_size: int) -> tuple[bytes, StreamSource | None]:
    """Read the start of a stream: (its bytes, None) when it fits in one part, else (b"", a source of parts)."""
    first = _read(stream, part_size, name)
    second = _read(stream, 1, name) if len(first) == part_size else memoryview(b"")
    if not second:
        return bytes(first), None
    return b"", StreamSource(stream, name, part_size, first, second)


#: Reads of at least this many bytes go into a buffer of their own memory map (see the module's docstring).
MAPPED = 1 << 20


def _read(stream: BinaryIO, n: int, name: str, start: bytes | bytearray | memoryview = b"") -> memoryview:
    """``start`` and up to ``n - len(start)`` more bytes of ``stream`` (fewer only at its end).

    Read in place into one buffer (``readinto``), so a part costs its size
    in memory once, not a list of pieces and their join.
    """
    view = memoryview(mmap.mmap(-1, n) if n >= MAPPED else bytearray(n))
    got = len(start)
    view[:got] = start
    readinto = getattr(stream, "readinto", None)
    try:
        while got < n:
            if readinto is not None:
                count = readinto(view[got : min(n, got + CHUNK)])
            else:
                chunk = stream.read(min(CHUNK, n - got))
                count = len(chunk)
                view[got : got + count] = chunk
            if not count:
                break
            got += count
    except OSError as exc:
        raise ReadError(f"cannot read {name}: {exc.strerror or exc}", "check the input") from None
    return view if got == n else view[:got]


class _BodyReader:
    """A body's chunks as a ``read(n)`` stream."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._left = b""

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes (fewer at the end of a chunk)."""
        if not self._left:
            self._left = next(self._chunks, b"")
        out, self._left = self._left[:n], self._left[n:]
        return out


def _stream_parts(reader: _BodyReader, part_size: int, *, fixed: bool) -> Iterator[tuple[Part, Body]]:
    offset, number = 0, 1
    while True:
        data = _read(reader, part_size if fixed else stream_part_size(number, part_size), "the body")  # type: ignore[arg-type]
        if not data:
            return
        yield Part(number, offset, len(data)), MemoryPart(data)
        offset += len(data)
        number += 1


def choose_source(req: HttpRequest, service: str, part_size: int | None) -> tuple[HttpRequest, PartSource | None]:
    """The parts of ``req``'s body when it is an S3 object PUT that goes multipart (:mod:`sigcurl.s3.plan`'s rules).

    A stream that fits in one part comes back as ``req`` with a body of the
    bytes read (sent as one PUT, exactly as before); anything else is unchanged.
    """
    body = req.body
    if body is None or not is_object_put(req.method, req.url, service):
        return req, None
    if isinstance(body, SpooledBody):
        stream = body.take_stream()
        if stream is None:
            return req, None
        head, source = open_stream(stream, body.name, part_size or DEFAULT_STREAM_PART_SIZE)
        if source is None:
            return req._replace(body=SpooledBody(io.BytesIO(head), body.name)), None
        return req, source
    if not (body.streamable or body.in_memory() is not None) or body.length <= threshold(part_size):
        return req, None
    return req, KnownSource(body, part_size)
