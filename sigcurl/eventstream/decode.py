"""The incremental event stream decoder: bytes in, validated messages out."""

from __future__ import annotations

import struct
import uuid
from binascii import crc32
from collections.abc import Iterator
from datetime import timedelta

from sigcurl.eventstream.frame import (
    _EPOCH,
    _FIXED,
    _HEADER_CACHE_KEY_MAX,
    _HEADER_CACHE_SIZE,
    _LENGTHS,
    _MIN_FRAME_LENGTH,
    _PRELUDE,
    _PRELUDE_LENGTH,
    _U16,
    _U32,
    MAX_FRAME_LENGTH,
    MAX_HEADERS_LENGTH,
    ChecksumMismatch,
    EventStreamError,
    FrameTooLarge,
    HeaderValue,
    MalformedFrame,
    Message,
    TruncatedStream,
)

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
        u32 = _U32.unpack_from
        cache = self._headers
        append = out.append
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
            crc_at = at + total - 4
            if crc_at + 4 > end:
                break
            # The message CRC covers the prelude too: continue from the prelude's CRC.
            if crc32(view[at + 8 : crc_at], pcrc) != u32(view, crc_at)[0]:
                self._message(view, at, total)  # raises the precise error
            payload_at = at + _PRELUDE_LENGTH + hlen
            raw = view[at + _PRELUDE_LENGTH : payload_at].tobytes()
            headers = cache.get(raw) if hlen else ()
            if headers is None:
                headers = self._headers_of(raw)
            append(Message(headers, view[payload_at:crc_at].tobytes()))
            self._position += total
            at = crc_at + 4
        return at

    def _headers_of(self, raw: bytes) -> tuple[tuple[str, HeaderValue], ...]:
        """The decoded headers section ``raw``, remembered for the next frames with the same one."""
        headers = _parse_headers(raw, self._position)
        if len(raw) <= _HEADER_CACHE_KEY_MAX:
            cache = self._headers
            if len(cache) >= _HEADER_CACHE_SIZE:
                cache.clear()
            cache[raw] = headers
        return headers

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
        headers = self._headers.get(raw)
        if headers is None:
            headers = self._headers_of(raw)
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


