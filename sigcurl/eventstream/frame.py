"""Event stream framing: the limits, the header value types, messages and errors."""

from __future__ import annotations

import struct
import uuid
from datetime import datetime, timezone
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


