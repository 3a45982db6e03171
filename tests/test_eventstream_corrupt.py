"""The event stream decoder on corrupt input: CRC mismatches in the prelude and the message, the
messages before an error delivered first (then the decoder stays failed), malformed frames (as
botocore refuses them), truncated streams, oversize frames refused from the prelude without
buffering, the largest frame accepted.
"""

from __future__ import annotations

import struct
import tracemalloc

import pytest
from botocore import eventstream as boto_es

from sigcurl.eventstream import (
    MAX_FRAME_LENGTH,
    ChecksumMismatch,
    EventStreamDecoder,
    EventStreamError,
    FrameTooLarge,
    MalformedFrame,
    TruncatedStream,
    decode_all,
    encode_message,
)
from support.eventstream_frames import botocore_messages, feed_in_pieces, frame_of, with_prelude

# --- corrupt input -----------------------------------------------------------

GOOD = encode_message({":event-type": "chunk", ":message-type": "event"}, b'{"bytes":"aGk="}')


def _flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


@pytest.mark.parametrize("index", [0, 3, 5, 8, 11])
def test_prelude_crc_mismatch(index: int) -> None:
    bad = _flip(GOOD, index)
    with pytest.raises(ChecksumMismatch) as info:
        decode_all(GOOD + bad)
    assert info.value.part == "prelude" and info.value.kind == "crc"
    assert info.value.offset == len(GOOD)
    with pytest.raises(boto_es.ChecksumMismatch):
        botocore_messages(bad)


@pytest.mark.parametrize("index", [12, 20, len(GOOD) - 5, len(GOOD) - 1])
def test_message_crc_mismatch(index: int) -> None:
    bad = _flip(GOOD, index)
    with pytest.raises(ChecksumMismatch) as info:
        decode_all(bad)
    assert info.value.part == "message" and "message CRC" in str(info.value)
    with pytest.raises(boto_es.ChecksumMismatch):
        botocore_messages(bad)


def test_messages_before_an_error_come_first_and_the_decoder_stays_failed() -> None:
    decoder = EventStreamDecoder()
    messages = decoder.feed(GOOD + GOOD + _flip(GOOD, 20))
    assert next(messages) == next(messages)
    with pytest.raises(ChecksumMismatch):
        next(messages)
    with pytest.raises(ChecksumMismatch):
        decoder.feed(GOOD)
    with pytest.raises(ChecksumMismatch):
        decoder.close()


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        pytest.param(with_prelude(15, 0, b"\0" * 3), "total length 15", id="total-below-minimum"),
        pytest.param(with_prelude(20, 5, b"\0" * 8), "cannot hold headers", id="headers-past-payload"),
        pytest.param(frame_of(b"\x01a\x0a"), "unknown value type 10", id="unknown-type"),
        pytest.param(frame_of(b"\x01a"), "has no value", id="no-type"),
        pytest.param(frame_of(b"\x01a\x07\x00\x05abc"), "cut short", id="short-string"),
        pytest.param(frame_of(b"\x01a\x04\x00\x01"), "cut short", id="short-integer"),
        pytest.param(frame_of(b"\x01a\x09" + bytes(15)), "cut short", id="short-uuid"),
        pytest.param(frame_of(b"\x05abc"), "no value", id="name-past-end"),
        pytest.param(frame_of(b"\x01\xff\x00"), "not UTF-8", id="name-not-utf8"),
        pytest.param(frame_of(b"\x01a\x07\x00\x01\xff"), "not UTF-8", id="string-not-utf8"),
        pytest.param(frame_of(b"\x01a\x00\x01a\x01"), "duplicate header 'a'", id="duplicate"),
        pytest.param(frame_of(b"\x01a\x08" + struct.pack("!q", 2**62)), "out of range", id="timestamp-range"),
    ],
)
def test_malformed_frames(frame: bytes, words: str) -> None:
    with pytest.raises(MalformedFrame, match=words) as info:
        decode_all(GOOD + frame)
    assert info.value.offset == len(GOOD) and info.value.kind == "malformed"
    assert isinstance(info.value, EventStreamError)


def test_botocore_also_refuses_duplicate_headers() -> None:
    with pytest.raises(boto_es.DuplicateHeader):
        botocore_messages(frame_of(b"\x01a\x00\x01a\x01"))


@pytest.mark.parametrize("cut", [1, 11, 12, 13, len(GOOD) - 1])
def test_truncated_stream(cut: int) -> None:
    decoder = EventStreamDecoder()
    assert list(decoder.feed(GOOD + GOOD[:cut])) == decode_all(GOOD)
    assert decoder.buffered == cut and decoder.position == len(GOOD)
    with pytest.raises(TruncatedStream, match=f"frame at byte {len(GOOD)}") as info:
        decoder.close()
    assert info.value.kind == "truncated"
    with pytest.raises(TruncatedStream):
        decode_all(GOOD[:cut])


def test_oversize_frame_refused_from_its_prelude_without_buffering() -> None:
    prelude = with_prelude(MAX_FRAME_LENGTH + 1, 0)
    decoder = EventStreamDecoder()
    tracemalloc.start()
    try:
        with pytest.raises(FrameTooLarge, match="over the 16777216-byte limit") as info:
            for byte in range(len(prelude)):
                decoder.feed(prelude[byte : byte + 1])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.kind == "oversize" and decoder.buffered < 16
    assert peak < 64 * 1024
    with pytest.raises(FrameTooLarge):
        decode_all(GOOD + with_prelude(2**32 - 1, 0, bytes(100)))
    with pytest.raises(FrameTooLarge, match="bytes of headers"):
        decode_all(with_prelude(200 * 1024, 129 * 1024))


def test_largest_frame_is_accepted() -> None:
    frame = encode_message({}, bytes(MAX_FRAME_LENGTH - 16))
    assert len(frame) == MAX_FRAME_LENGTH
    [message] = feed_in_pieces(frame, [5, 70000, MAX_FRAME_LENGTH - 3])
    assert len(message.payload) == MAX_FRAME_LENGTH - 16
