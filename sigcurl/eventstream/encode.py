"""The event stream encoder (for tests, loopback servers and benchmarks)."""

from __future__ import annotations

import struct
import uuid
from binascii import crc32
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sigcurl.eventstream.frame import (
    _EPOCH,
    _FIXED,
    _LENGTHS,
    _MIN_FRAME_LENGTH,
    _U16,
    _U32,
    MAX_FRAME_LENGTH,
    MAX_HEADER_NAME_LENGTH,
    MAX_HEADER_VALUE_LENGTH,
    MAX_HEADERS_LENGTH,
    HeaderType,
    HeaderValue,
    Typed,
)

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
