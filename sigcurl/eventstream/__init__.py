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

from sigcurl.eventstream.decode import EventStreamDecoder, decode_all
from sigcurl.eventstream.encode import encode_headers, encode_message
from sigcurl.eventstream.frame import (
    CONTENT_TYPE,
    MAX_FRAME_LENGTH,
    MAX_HEADER_NAME_LENGTH,
    MAX_HEADER_VALUE_LENGTH,
    MAX_HEADERS_LENGTH,
    ChecksumMismatch,
    EventStreamError,
    FrameTooLarge,
    HeaderType,
    HeaderValue,
    MalformedFrame,
    Message,
    TruncatedStream,
    Typed,
)

__all__ = [
    "CONTENT_TYPE",
    "ChecksumMismatch",
    "EventStreamDecoder",
    "EventStreamError",
    "FrameTooLarge",
    "HeaderType",
    "HeaderValue",
    "MAX_FRAME_LENGTH",
    "MAX_HEADERS_LENGTH",
    "MAX_HEADER_NAME_LENGTH",
    "MAX_HEADER_VALUE_LENGTH",
    "MalformedFrame",
    "Message",
    "TruncatedStream",
    "Typed",
    "decode_all",
    "encode_headers",
    "encode_message",
]
