"""Event-stream frames for the decoder's tests: what botocore's ``EventStreamBuffer`` reads from some
bytes, our decoder fed in pieces, and frames built here by hand (correct CRCs around any lengths
or headers bytes, valid or not).
"""

from __future__ import annotations

import struct
import zlib

from botocore import eventstream as boto_es

from sigcurl.eventstream import EventStreamDecoder, Message


def botocore_messages(data: bytes, chunk: int = 65536) -> list[tuple[dict[str, object], bytes]]:
    buffer = boto_es.EventStreamBuffer()
    out = []
    for i in range(0, len(data), chunk):
        buffer.add_data(data[i : i + chunk])
        out.extend((m.headers, m.payload) for m in buffer)
    return out


def feed_in_pieces(data: bytes, cuts: list[int]) -> list[Message]:
    decoder = EventStreamDecoder()
    out: list[Message] = []
    start = 0
    for cut in sorted(cuts) + [len(data)]:
        out.extend(decoder.feed(data[start:cut]))
        start = cut
    decoder.close()
    return out


def with_prelude(total: int, headers_length: int, rest: bytes = b"") -> bytes:
    """A prelude with a correct CRC, whatever the lengths say."""
    lengths = struct.pack("!II", total, headers_length)
    return lengths + struct.pack("!I", zlib.crc32(lengths)) + rest


def frame_of(raw_headers: bytes, payload: bytes = b"") -> bytes:
    """A frame built here with correct CRCs around any headers bytes (valid or not)."""
    head = with_prelude(16 + len(raw_headers) + len(payload), len(raw_headers), raw_headers)
    return head + payload + struct.pack("!I", zlib.crc32(head + payload))
