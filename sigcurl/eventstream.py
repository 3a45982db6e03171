"""AWS event stream framing (``application/vnd.amazon.eventstream``): decoder and encoder.

Owns the binary message format that streaming AWS APIs (Bedrock, Lambda
``InvokeWithResponseStream``, SageMaker, S3 Select...) use for response
bodies.  Pure: no I/O, no clock, standard library only, and it imports
nothing of sigcurl (the same rule as the signer).

A message on the wire (all integers big-endian)::

    total length (u32) | headers length (u32) | prelude CRC32 (u32, of the 8 bytes before)
    headers (headers length bytes)
    payload (total - headers length - 16 bytes)
    message CRC32 (u32, of every byte before it, prelude included)

A header is ``name length (u8) | name (UTF-8) | type (u8) | value``; the
ten value types are listed in :class:`HeaderType`.  Reference: the AWS
documentation "Event stream encoding" (Amazon S3 API reference, "Signing
requests with event stream encoding" / Transcribe "Event stream encoding"),
``aws-c-event-stream`` (limits) and ``botocore/eventstream.py``.

Decoded header values are Python values: ``bool``, ``int`` (byte, short,
integer and long alike), ``bytes``, ``str``, :class:`uuid.UUID`, and for
timestamps (milliseconds since the epoch on the wire) an aware
:class:`datetime.datetime` in UTC.  A timestamp outside ``datetime``'s
years 1-9999 is refused as a malformed frame.

Limits follow ``aws-c-event-stream``: a frame over 16 MiB or a headers
section over 128 KiB is refused as soon as its prelude arrives, before any
of it is buffered.  Duplicate header names are refused, as botocore does.
"""

from __future__ import annotations

import struct
import uuid
from binascii import crc32
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from enum import IntEnum
from typing import NamedTuple

MAX_FRAME_LENGTH = 16 * 1024 * 1024
"""Largest frame accepted (``AWS_EVENT_STREAM_MAX_MESSAGE_SIZE``)."""
MAX_HEADERS_LENGTH = 128 * 1024
"""Largest headers section accepted (``AWS_EVENT_STREAM_MAX_HEADERS_SIZE``)."""
MAX_HEADER_NAME_LENGTH = 127
"""Longest header name the encoder writes (``AWS_EVENT_STREAM_HEADER_NAME_LEN_MAX``)."""
MAX_HEADER_VALUE_LENGTH = 32767
"""Longest string or byte-array value the encoder writes (``INT16_MAX`` in aws-c)."""
CONTENT_TYPE = "application/vnd.amazon.eventstream"

_PRELUDE_LENGTH = 12
_MIN_FRAME_LENGTH = 16  # prelude + message CRC
_PRELUDE = struct.Struct("!III")
_LENGTHS = struct.Struct("!II")
_U32 = struct.Struct("!I")
_U16 = struct.Struct("!H")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_HEADER_CACHE_SIZE = 256  # distinct header blocks remembered (event types repeat)
_HEADER_CACHE_KEY_MAX = 1024


class HeaderType(IntEnum):
    """Header value types: the wire code of each."""

    BOOL_TRUE = 0
    BOOL_FALSE = 1
    BYTE = 2  # int8
    SHORT = 3  # int16
    INTEGER = 4  # int32
    LONG = 5  # int64
    BYTE_ARRAY = 6  # u16 length + bytes
    STRING = 7  # u16 length + UTF-8
    TIMESTAMP = 8  # int64 milliseconds since the epoch
    UUID = 9  # 16 bytes


HeaderValue = bool | int | bytes | str | datetime | uuid.UUID
"""A decoded header value."""

_FIXED: dict[int, struct.Struct] = {
    HeaderType.BYTE: struct.Struct("!b"),
    HeaderType.SHORT: struct.Struct("!h"),
    HeaderType.INTEGER: struct.Struct("!i"),
    HeaderType.LONG: struct.Struct("!q"),
    HeaderType.TIMESTAMP: struct.Struct("!q"),
}


class Message(NamedTuple):
    """One decoded event stream message.

    ``headers`` keeps the wire order as ``(name, value)`` pairs (names are
    unique); ``header(name)`` looks one up.
    """

    headers: tuple[tuple[str, HeaderValue], ...]
    payload: bytes

    def header(self, name: str, default: HeaderValue | None = None) -> HeaderValue | None:
        """The value of header ``name``, or ``default``."""
        for key, value in self.headers:
            if key == name:
                return value
        return default


class Typed(NamedTuple):
    """A header value with an explicit wire type, for :func:`encode_message`.

    Plain values pick a type: ``bool`` -> true/false, ``int`` -> long,
    ``bytes`` -> byte array, ``str`` -> string, ``datetime`` (aware) ->
    timestamp, ``UUID`` -> uuid.  ``Typed(HeaderType.BYTE, 7)`` (or SHORT,
    INTEGER; TIMESTAMP accepts an ``int`` of milliseconds) picks another.
    """

    type: HeaderType
    value: HeaderValue


# --- errors ------------------------------------------------------------------


class EventStreamError(Exception):
    """A stream that is not a valid event stream; ``offset`` is the frame's first byte."""

    kind = "invalid"

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class ChecksumMismatch(EventStreamError):
    """A prelude or message CRC32 does not match (``part`` says which)."""

    kind = "crc"

    def __init__(self, part: str, offset: int, expected: int, computed: int) -> None:
        super().__init__(
            f"event stream {part} CRC mismatch in the frame at byte {offset}"
            f" (expected 0x{expected:08x}, computed 0x{computed:08x})",
            offset,
        )
        self.part = part


class FrameTooLarge(EventStreamError):
    """A frame (or its headers) larger than the AWS limits."""

    kind = "oversize"


class MalformedFrame(EventStreamError):
    """Inconsistent lengths or undecodable headers inside a frame."""

    kind = "malformed"


class TruncatedStream(EventStreamError):
    """The stream ended in the middle of a frame."""

    kind = "truncated"


# --- decoding ----------------------------------------------------------------


def _bad(offset: int, what: str) -> MalformedFrame:
    return MalformedFrame(f"event stream frame at byte {offset}: {what}", offset)


def _too_large(offset: int, what: str, limit: int) -> FrameTooLarge:
    return FrameTooLarge(f"event stream frame at byte {offset} {what}, over the {limit}-byte limit", offset)


def _parse_headers(data: bytes, offset: int) -> tuple[tuple[str, HeaderValue], ...]:
    """Decode one headers section; ``offset`` locates errors."""
    out: list[tuple[str, HeaderValue]] = []
    seen: set[str] = set()
    end = len(data)
    i = 0
    try:
        while i < end:
            size = data[i]
            i += 1
            name = data[i : i + size].decode("utf-8")
            i += size
            if i >= end:
                raise _bad(offset, f"header {name!r} has no value")
            kind = data[i]
            i += 1
            value: HeaderValue
            if kind == 7 or kind == 6:
                if i + 2 > end:
                    raise _bad(offset, f"header {name!r} is cut short")
                (size,) = _U16.unpack_from(data, i)
                i += 2
                raw = data[i : i + size]
                i += size
                value = raw.decode("utf-8") if kind == 7 else raw
            elif kind == 0 or kind == 1:
                value = kind == 0
            elif kind in _FIXED:
                fmt = _FIXED[kind]
                (number,) = fmt.unpack_from(data, i)
                i += fmt.size
                value = _EPOCH + timedelta(milliseconds=number) if kind == 8 else number
            elif kind == 9:
                value = uuid.UUID(bytes=data[i : i + 16])
                i += 16
            else:
                raise _bad(offset, f"header {name!r} has unknown value type {kind}")
            if i > end:
                raise _bad(offset, f"header {name!r} is cut short")
            if name in seen:
                raise _bad(offset, f"duplicate header {name!r}")
            seen.add(name)
            out.append((name, value))
    except UnicodeDecodeError:
        raise _bad(offset, "a header name or string is not UTF-8") from None
    except (struct.error, ValueError):  # short fixed value or uuid
        raise _bad(offset, "a header value is cut short") from None
    except OverflowError:
        raise _bad(offset, "a timestamp header is out of range") from None
    return tuple(out)


class EventStreamDecoder:
    """Incremental decoder: feed bytes as they arrive, get whole messages.

    ``feed(data)`` decodes every frame completed by ``data`` and returns
    them as an iterator; a partial frame at the end is kept for the next
    call.  Memory is bounded by the largest frame: complete frames in the
    fed bytes are decoded in place, only the unfinished one is copied.
    ``close()`` raises :class:`TruncatedStream` if the stream stopped
    mid-frame.  After an error the decoder is spent: every later call
    raises the same error.  If an error is found after some complete
    frames of one ``feed``, the iterator yields those frames first, then
    raises it.
    """

    __slots__ = ("_pending", "_position", "_error", "_headers")

    def __init__(self) -> None:
        self._pending = bytearray()  # the start of an unfinished frame
        self._position = 0  # stream offset of the next frame's first byte
        self._error: EventStreamError | None = None
        self._headers: dict[bytes, tuple[tuple[str, HeaderValue], ...]] = {}

    @property
    def position(self) -> int:
        """Bytes of the stream decoded into messages so far."""
        return self._position

    @property
    def buffered(self) -> int:
        """Bytes of an unfinished frame held for the next :meth:`feed`."""
        return len(self._pending)

    def feed(self, data: bytes | bytearray | memoryview) -> Iterator[Message]:
        """Add ``data``; return the messages it completes, in order."""
        if self._error is not None:
            raise self._error
        out: list[Message] = []
        try:
            with memoryview(data) as view:
                if view.ndim != 1 or view.itemsize != 1:
                    raise TypeError("feed() takes bytes")
                used = self._finish_pending(view, out) if self._pending else 0
                used = self._scan(view, used, out)
                if used < len(view):
                    self._pending += view[used:]
        except EventStreamError as exc:
            self._error = exc
            if out:
                return _then_raise(out, exc)
            raise
        return iter(out)

    def close(self) -> None:
        """End of stream: raise :class:`TruncatedStream` if a frame is unfinished."""
        if self._error is not None:
            raise self._error
        have = len(self._pending)
        if have:
            if have >= _PRELUDE_LENGTH:
                (total,) = _U32.unpack_from(self._pending, 0)
                what = f"{have} of its {total} bytes"
            else:
                what = f"{have} bytes of its prelude"
            self._error = TruncatedStream(
                f"event stream ended inside the frame at byte {self._position} (got {what})",
                self._position,
            )
            raise self._error

    def _prelude(self, buf: bytes | bytearray | memoryview, at: int, offset: int) -> int:
        """Validate the prelude at ``buf[at:]``; return the frame's total length."""
        total, hlen, pcrc = _PRELUDE.unpack_from(buf, at)
        with memoryview(buf) as view:
            computed = crc32(view[at : at + 8])
        if computed != pcrc:
            raise ChecksumMismatch("prelude", offset, pcrc, computed)
        if total > MAX_FRAME_LENGTH:
            raise _too_large(offset, f"is {total} bytes", MAX_FRAME_LENGTH)
        if total < _MIN_FRAME_LENGTH or hlen > total - _MIN_FRAME_LENGTH:
            raise _bad(offset, f"total length {total} cannot hold headers of {hlen} bytes")
        if hlen > MAX_HEADERS_LENGTH:
            raise _too_large(offset, f"has {hlen} bytes of headers", MAX_HEADERS_LENGTH)
        return int(total)

    def _finish_pending(self, view: memoryview, out: list[Message]) -> int:
        """Complete the unfinished frame from ``view``; return the bytes of it used."""
        pending = self._pending
        used = 0
        if len(pending) < _PRELUDE_LENGTH:
            used = min(_PRELUDE_LENGTH - len(pending), len(view))
            pending += view[:used]
            if len(pending) < _PRELUDE_LENGTH:
                return used
        total = self._prelude(pending, 0, self._position)
        take = min(total - len(pending), len(view) - used)
        pending += view[used : used + take]
        used += take
        if len(pending) == total:
            out.append(self._message(pending, 0, total))
            self._position += total
            pending.clear()
        return used

    def _scan(self, view: memoryview, at: int, out: list[Message]) -> int:
        """Decode whole frames from ``view[at:]`` in place; return where the rest starts."""
        end = len(view)
        unpack = _PRELUDE.unpack_from
        while end - at >= _PRELUDE_LENGTH:
            total, hlen, pcrc = unpack(view, at)
            if (
                crc32(view[at : at + 8]) != pcrc
                or total > MAX_FRAME_LENGTH
                or total < _MIN_FRAME_LENGTH
                or hlen > total - _MIN_FRAME_LENGTH
                or hlen > MAX_HEADERS_LENGTH
            ):
                self._prelude(view, at, self._position)  # raises the precise error
            if at + total > end:
                break
            out.append(self._message(view, at, total))
            self._position += total
            at += total
        return at

    def _message(self, buf: bytes | bytearray | memoryview, at: int, total: int) -> Message:
        """Check the message CRC of the validated frame at ``buf[at:]`` and decode it."""
        hlen, pcrc = _LENGTHS.unpack_from(buf, at + 4)
        crc_at = at + total - 4
        (expected,) = _U32.unpack_from(buf, crc_at)
        payload_at = at + _PRELUDE_LENGTH + hlen
        with memoryview(buf) as view:
            # The prelude CRC is the CRC of the first 8 bytes: continue from it.
            computed = crc32(view[at + 8 : crc_at], pcrc)
            if computed != expected:
                raise ChecksumMismatch("message", self._position, expected, computed)
            payload = view[payload_at:crc_at].tobytes()
            if not hlen:
                return Message((), payload)
            raw = view[at + _PRELUDE_LENGTH : payload_at].tobytes()
        cache = self._headers
        headers = cache.get(raw)
        if headers is None:
            headers = _parse_headers(raw, self._position)
            if hlen <= _HEADER_CACHE_KEY_MAX:
                if len(cache) >= _HEADER_CACHE_SIZE:
                    cache.clear()
                cache[raw] = headers
        return Message(headers, payload)


def _then_raise(messages: list[Message], error: EventStreamError) -> Iterator[Message]:
    yield from messages
    raise error


def decode_all(data: bytes | bytearray | memoryview) -> list[Message]:
    """Every message of a complete stream (raises if it ends mid-frame)."""
    decoder = EventStreamDecoder()
    messages = list(decoder.feed(data))
    decoder.close()
    return messages


# --- encoding ----------------------------------------------------------------


_INFERRED: tuple[tuple[type, HeaderType], ...] = (
    (bool, HeaderType.BOOL_TRUE),  # or BOOL_FALSE: the value is the type
    (int, HeaderType.LONG),
    (bytes, HeaderType.BYTE_ARRAY),
    (bytearray, HeaderType.BYTE_ARRAY),
    (str, HeaderType.STRING),
    (datetime, HeaderType.TIMESTAMP),
    (uuid.UUID, HeaderType.UUID),
)


def _encode_value(name: str, value: HeaderValue | Typed) -> bytes:
    if isinstance(value, Typed):
        kind, value = HeaderType(value.type), value.value
    else:
        kind = next((k for t, k in _INFERRED if isinstance(value, t)), None)  # type: ignore[assignment]
        if kind is None:
            raise TypeError(f"header {name!r}: cannot encode a {type(value).__name__}")
    if kind in (HeaderType.BOOL_TRUE, HeaderType.BOOL_FALSE) and isinstance(value, bool):
        return bytes((HeaderType.BOOL_TRUE if value else HeaderType.BOOL_FALSE,))
    if kind in (HeaderType.BYTE_ARRAY, HeaderType.STRING) and isinstance(value, (str, bytes, bytearray)):
        raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        if len(raw) > MAX_HEADER_VALUE_LENGTH:
            raise ValueError(f"header {name!r}: value over {MAX_HEADER_VALUE_LENGTH} bytes")
        return bytes((kind,)) + _U16.pack(len(raw)) + raw
    if kind == HeaderType.UUID and isinstance(value, uuid.UUID):
        return bytes((kind,)) + value.bytes
    if kind == HeaderType.TIMESTAMP and isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"header {name!r}: a timestamp needs an aware datetime")
        value = (value - _EPOCH) // timedelta(milliseconds=1)
    if kind not in _FIXED or isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"header {name!r}: type {kind.name} does not take {value!r}")
    try:
        return bytes((kind,)) + _FIXED[kind].pack(value)
    except struct.error:
        raise ValueError(f"header {name!r}: {value} is out of range for {kind.name}") from None


def encode_headers(
    headers: Mapping[str, HeaderValue | Typed] | Iterable[tuple[str, HeaderValue | Typed]],
) -> bytes:
    """The wire form of a headers section."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    parts: list[bytes] = []
    for name, value in items:
        raw = name.encode("utf-8")
        if not 0 < len(raw) <= MAX_HEADER_NAME_LENGTH:
            raise ValueError(f"header name {name!r} must be 1 to {MAX_HEADER_NAME_LENGTH} bytes")
        parts.append(bytes((len(raw),)) + raw + _encode_value(name, value))
    return b"".join(parts)


def encode_message(
    headers: Mapping[str, HeaderValue | Typed] | Iterable[tuple[str, HeaderValue | Typed]],
    payload: bytes = b"",
) -> bytes:
    """One framed message (prelude, headers, payload, CRCs)."""
    raw_headers = encode_headers(headers)
    total = _MIN_FRAME_LENGTH + len(raw_headers) + len(payload)
    if len(raw_headers) > MAX_HEADERS_LENGTH or total > MAX_FRAME_LENGTH:
        raise ValueError(f"an event stream frame is limited to {MAX_FRAME_LENGTH} bytes")
    lengths = _LENGTHS.pack(total, len(raw_headers))
    head = lengths + _U32.pack(crc32(lengths)) + raw_headers
    return b"".join((head, payload, _U32.pack(crc32(payload, crc32(head)))))
