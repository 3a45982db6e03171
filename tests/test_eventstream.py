"""The event stream decoder and encoder against independent implementations.

References: botocore's ``EventStreamBuffer`` decodes what our encoder writes
(every header type) and the same byte streams as our decoder; the AWS SDK
for Go's published ``all_headers`` vector (lengths and both CRCs) is built
here by hand, byte by byte; awscrt's C encoder (``aws-c-event-stream``, via
its event-stream RPC client over a loopback socket) writes frames that our
decoder must read.
"""

from __future__ import annotations

import ast
import random
import socket
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigcurl.eventstream import (
    MAX_FRAME_LENGTH,
    ChecksumMismatch,
    EventStreamDecoder,
    HeaderType,
    Message,
    Typed,
    decode_all,
    encode_message,
)
from support.eventstream_frames import botocore_messages, feed_in_pieces

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

ALL_TYPES = [
    ("bool true", True),
    ("bool false", False),
    ("byte", Typed(HeaderType.BYTE, -49)),
    ("short", Typed(HeaderType.SHORT, -32768)),
    ("integer", Typed(HeaderType.INTEGER, 2**31 - 1)),
    ("long", -(2**63)),
    ("byte array", b"\x00\xffI'm a little teapot!"),
    ("string", "application/json; é ✓"),
    ("timestamp", datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)),
    ("uuid", uuid.UUID("00010203-0405-0607-0809-0a0b0c0d0e0f")),
]


def _as_botocore(message: Message) -> tuple[dict[str, object], bytes]:
    """Our typed values in botocore's representation (timestamps in ms, uuids as bytes)."""
    headers: dict[str, object] = {}
    for name, value in message.headers:
        if isinstance(value, datetime):
            value = (value - EPOCH) // timedelta(milliseconds=1)
        elif isinstance(value, uuid.UUID):
            value = value.bytes
        headers[name] = value
    return headers, message.payload


# --- independent references ------------------------------------------------


def test_every_header_type_reads_the_same_in_botocore() -> None:
    frame = encode_message(ALL_TYPES, b'{"foo":"bar"}')
    [(boto_headers, boto_payload)] = botocore_messages(frame)
    [ours] = decode_all(frame)
    assert _as_botocore(ours) == (boto_headers, boto_payload)
    assert [name for name, _ in ours.headers] == [name for name, _ in ALL_TYPES]
    assert ours.header("bool true") is True and ours.header("bool false") is False
    assert ours.header("byte") == -49 and ours.header("long") == -(2**63)
    assert ours.header("timestamp") == ALL_TYPES[8][1]
    assert ours.header("uuid") == ALL_TYPES[9][1]
    assert ours.header("missing") is None and ours.header("missing", 0) == 0


# The AWS SDK for JavaScript v3's event stream test vectors
# (packages/eventstream-marshaller/src/TestVectors.fixture.ts), byte for byte.
_BODY = b"{'foo':'bar'}"
SDK_VECTORS = {
    "empty_message": (
        [0, 0, 0, 16, 0, 0, 0, 0, 5, 194, 72, 235, 125, 152, 200, 255],
        [],
        b"",
    ),
    "int32_header": (
        [0, 0, 0, 43, 0, 0, 0, 14, 52, 139, 236, 123, 8, 101, 118, 101, 110, 116, 45, 105, 100, 4, 0, 0,
         160, 12, 123, 39, 102, 111, 111, 39, 58, 39, 98, 97, 114, 39, 125, 211, 137, 2, 133],
        [("event-id", Typed(HeaderType.INTEGER, 0xA00C))],
        _BODY,
    ),
    "payload_no_headers": (
        [0, 0, 0, 29, 0, 0, 0, 0, 253, 82, 140, 90, 123, 39, 102, 111, 111, 39, 58, 39, 98, 97, 114, 39,
         125, 195, 101, 57, 54],
        [],
        _BODY,
    ),
    "payload_one_str_header": (
        [0, 0, 0, 61, 0, 0, 0, 32, 7, 253, 131, 150, 12, 99, 111, 110, 116, 101, 110, 116, 45, 116, 121,
         112, 101, 7, 0, 16, 97, 112, 112, 108, 105, 99, 97, 116, 105, 111, 110, 47, 106, 115, 111, 110,
         123, 39, 102, 111, 111, 39, 58, 39, 98, 97, 114, 39, 125, 141, 156, 8, 177],
        [("content-type", "application/json")],
        _BODY,
    ),
}
SDK_FAILURES = {  # (vector, the first bytes changed from a valid frame, the error we report)
    "corrupted_headers": ("payload_one_str_header", {20: 43}, "message"),
    "corrupted_header_len": ("payload_one_str_header", {6: 1}, "prelude"),
    "corrupted_length": ("payload_no_headers", {0: 1}, "prelude"),
    "corrupted_payload": ("payload_no_headers", {24: 141}, "message"),
}


@pytest.mark.parametrize("name", sorted(SDK_VECTORS))
def test_aws_sdk_vectors_decode_and_encode_byte_for_byte(name: str) -> None:
    encoded, headers, payload = SDK_VECTORS[name]
    frame = bytes(encoded)
    [message] = decode_all(frame)
    assert message.payload == payload
    assert message.headers == tuple((k, v.value if isinstance(v, Typed) else v) for k, v in headers)
    assert encode_message(headers, payload) == frame


@pytest.mark.parametrize("name", sorted(SDK_FAILURES))
def test_aws_sdk_corrupted_vectors_are_refused(name: str) -> None:
    base, changes, part = SDK_FAILURES[name]
    frame = bytearray(SDK_VECTORS[base][0])
    for index, value in changes.items():
        frame[index] = value
    with pytest.raises(ChecksumMismatch) as info:
        decode_all(bytes(frame))
    assert info.value.part == part


def test_frames_written_by_awscrt_decode() -> None:
    awscrt_es = pytest.importorskip("awscrt.eventstream")
    rpc = pytest.importorskip("awscrt.eventstream.rpc")
    Header = awscrt_es.Header
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10)
    received: list[Message] = []

    def serve() -> None:
        conn, _ = listener.accept()
        conn.settimeout(10)
        decoder = EventStreamDecoder()
        with conn:
            while not received:
                data = conn.recv(7)  # small reads: frames arrive split
                if not data:
                    break
                received.extend(decoder.feed(data))

    class Handler(rpc.ClientConnectionHandler):  # type: ignore[misc]
        connection = None

        def on_connection_setup(self, connection: object, error: object, **kwargs: object) -> None:
            self.connection = connection

        def on_connection_shutdown(self, reason: object, **kwargs: object) -> None:
            pass

        def on_protocol_message(self, *args: object, **kwargs: object) -> None:
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    handler = Handler()
    try:
        rpc.ClientConnection.connect(
            handler=handler, host_name="127.0.0.1", port=listener.getsockname()[1]
        ).result(10)
        stamp = 1714979289123
        handler.connection.send_protocol_message(
            headers=[
                Header.from_bool("t", True),
                Header.from_bool("f", False),
                Header.from_byte("b", -49),
                Header.from_int16("s", -300),
                Header.from_int32("i", 40972),
                Header.from_int64("l", -(2**40)),
                Header.from_byte_buf("ba", b"\x00\xffab"),
                Header.from_string("str", "héllo"),
                Header.from_timestamp("ts", stamp),
                Header.from_uuid("u", uuid.UUID(bytes=bytes(range(16)))),
            ],
            payload=b'{"foo":"bar"}',
            message_type=rpc.MessageType.CONNECT,
        ).result(10)
        thread.join(10)
    finally:
        if handler.connection is not None:
            handler.connection.close()
        listener.close()
    [message] = received
    assert message.payload == b'{"foo":"bar"}'
    assert dict(message.headers) == {
        "t": True,
        "f": False,
        "b": -49,
        "s": -300,
        "i": 40972,
        "l": -(2**40),
        "ba": b"\x00\xffab",
        "str": "héllo",
        "ts": EPOCH + timedelta(milliseconds=stamp),
        "u": uuid.UUID(bytes=bytes(range(16))),
        # added by the RPC layer
        ":message-type": int(rpc.MessageType.CONNECT),
        ":message-flags": 0,
        ":stream-id": 0,
    }


# --- any split of the bytes gives the same messages ---------------------------

_names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=20).filter(
    lambda s: len(s.encode()) <= 127
)
_values = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.builds(Typed, st.just(HeaderType.BYTE), st.integers(-128, 127)),
    st.builds(Typed, st.just(HeaderType.SHORT), st.integers(-(2**15), 2**15 - 1)),
    st.builds(Typed, st.just(HeaderType.INTEGER), st.integers(-(2**31), 2**31 - 1)),
    st.binary(max_size=40),
    st.text(max_size=40),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)),
    st.uuids(),
)
_messages = st.tuples(st.dictionaries(_names, _values, max_size=6), st.binary(max_size=300))


@settings(max_examples=150, deadline=None)
@given(st.lists(_messages, max_size=6), st.data())
def test_any_chunking_gives_the_messages_botocore_reads(
    messages: list[tuple[dict[str, object], bytes]], data: st.DataObject
) -> None:
    stream = b"".join(encode_message(h, p) for h, p in messages)  # type: ignore[arg-type]
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=12))
    decoded = feed_in_pieces(stream, cuts)
    assert decoded == decode_all(stream)
    assert [_as_botocore(m) for m in decoded] == botocore_messages(stream, chunk=7)
    assert [m.payload for m in decoded] == [p for _, p in messages]


def test_byte_by_byte_and_buffer_types() -> None:
    stream = b"".join(encode_message(ALL_TYPES[: i + 1], bytes(i * 100)) for i in range(10))
    expected = decode_all(stream)
    assert len(expected) == 10
    decoder = EventStreamDecoder()
    out: list[Message] = []
    for i in range(len(stream)):
        out.extend(decoder.feed(memoryview(stream)[i : i + 1]))
        assert decoder.position + decoder.buffered == i + 1
    assert out == expected
    assert list(EventStreamDecoder().feed(bytearray(stream))) == expected


def test_empty_stream_and_empty_message() -> None:
    decoder = EventStreamDecoder()
    assert list(decoder.feed(b"")) == []
    decoder.close()
    assert decode_all(b"") == []
    frame = encode_message({})
    assert len(frame) == 16
    assert decode_all(frame) == [Message((), b"")]
    assert botocore_messages(frame) == [({}, b"")]


# --- the encoder -------------------------------------------------------------


def test_encoder_refuses_what_no_decoder_takes() -> None:
    naive = datetime(2024, 1, 1)
    cases: list[tuple[object, type[Exception]]] = [
        ({"t": naive}, ValueError),
        ({"b": Typed(HeaderType.BYTE, 128)}, ValueError),
        ({"s": Typed(HeaderType.SHORT, "x")}, TypeError),
        ({"u": Typed(HeaderType.UUID, b"0" * 16)}, TypeError),
        ({"x": 1.5}, TypeError),
        ({"": 1}, ValueError),
        ({"n" * 128: 1}, ValueError),
        ({"v": "x" * 32768}, ValueError),
    ]
    for headers, error in cases:
        with pytest.raises(error):
            encode_message(headers)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        encode_message({}, bytes(MAX_FRAME_LENGTH - 15))


def test_random_streams_against_botocore_in_socket_sized_chunks() -> None:
    rng = random.Random(7)
    stream = b"".join(
        encode_message(
            {":event-type": rng.choice(["a", "b", "c"]), ":message-type": "event", "n": rng.randrange(10**9)},
            rng.randbytes(rng.randrange(0, 70000)),
        )
        for _ in range(60)
    )
    ours = feed_in_pieces(stream, list(range(65536, len(stream), 65536)))
    assert [_as_botocore(m) for m in ours] == botocore_messages(stream)


def test_the_module_imports_nothing_of_sigcurl() -> None:
    for path in sorted((Path(__file__).parents[1] / "sigcurl" / "eventstream").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                assert node.level == 0 and (not module.startswith("sigcurl") or module.startswith("sigcurl.eventstream"))
            elif isinstance(node, ast.Import):
                assert not any(alias.name.startswith("sigcurl") for alias in node.names)
