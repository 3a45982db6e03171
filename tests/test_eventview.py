"""NDJSON lines, the live terminal view and in-band errors of AWS event streams.

Payloads are modelled on botocore's service models (``bedrock-runtime``
``ConverseStreamOutput``/``ResponseStream``, ``bedrock-agent-runtime``
``ResponseStream``, ``lambda`` ``InvokeWithResponseStreamResponseEvent``,
``sagemaker-runtime`` ``ResponseStream``, ``s3``
``SelectObjectContentEventStream``): events of the JSON protocols carry their
members as a JSON object, ``eventpayload`` members are the raw payload.  The
messages go through the real encoder and decoder first.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigcurl.eventstream import HeaderType, Message, Typed, decode_all, encode_message
from sigcurl.output.events import (
    ERROR,
    NOTHING,
    SUMMARY,
    TEXT,
    Shown,
    TerminalView,
    ndjson_line,
    stream_error,
    terminal_view,
)

JSON = "application/json"


def _message(headers: dict[str, object], payload: bytes = b"") -> Message:
    [message] = decode_all(encode_message(headers, payload))  # type: ignore[arg-type]
    return message


def event(kind: str, payload: object, content_type: str | None = JSON) -> Message:
    headers: dict[str, object] = {":event-type": kind, ":message-type": "event"}
    if content_type is not None:
        headers[":content-type"] = content_type
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return _message(headers, raw)


def exception(kind: str, payload: object) -> Message:
    headers = {":exception-type": kind, ":content-type": JSON, ":message-type": "exception"}
    return _message(headers, json.dumps(payload).encode())


def chunk(model_json: object) -> Message:
    """A Bedrock InvokeModelWithResponseStream ``chunk``: {"bytes": base64 of the model's JSON}."""
    raw = model_json if isinstance(model_json, bytes) else json.dumps(model_json).encode()
    return event("chunk", {"bytes": base64.b64encode(raw).decode(), "p": "abcdefghij"})


VIEW_CASES = [
    # Bedrock ConverseStream
    pytest.param(event("messageStart", {"role": "assistant", "p": "abc"}), Shown(NOTHING), id="converse-start"),
    pytest.param(event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hello"}, "p": "ab"}),
                 Shown(TEXT, "Hello"), id="converse-delta"),
    pytest.param(event("contentBlockDelta", {"contentBlockIndex": 0,
                                             "delta": {"reasoningContent": {"text": "Hmm"}}}),
                 Shown(TEXT, "Hmm"), id="converse-reasoning"),
    pytest.param(event("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolUse": {"input": '{"a":'}}}),
                 Shown(TEXT, '{"a":'), id="converse-tool-input"),
    pytest.param(event("contentBlockStart", {"contentBlockIndex": 1,
                                             "start": {"toolUse": {"toolUseId": "t1", "name": "lookup"}}}),
                 Shown(SUMMARY, "tool use: lookup"), id="converse-tool-start"),
    pytest.param(event("contentBlockStop", {"contentBlockIndex": 0}), Shown(NOTHING), id="converse-block-stop"),
    pytest.param(event("messageStop", {"stopReason": "end_turn"}), Shown(SUMMARY, "stop: end_turn"),
                 id="converse-stop"),
    pytest.param(event("metadata", {"usage": {"inputTokens": 12, "outputTokens": 34, "totalTokens": 46},
                                    "metrics": {"latencyMs": 567}}),
                 Shown(SUMMARY, "usage: 12 input tokens, 34 output tokens; 567 ms"), id="converse-metadata"),
    # Bedrock InvokeModelWithResponseStream: the providers' own JSON inside chunk.bytes
    pytest.param(chunk({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}),
                 Shown(TEXT, "Hi"), id="anthropic-delta"),
    pytest.param(chunk({"type": "message_start", "message": {"role": "assistant"}}), Shown(NOTHING),
                 id="anthropic-start"),
    pytest.param(chunk({"type": "message_delta", "delta": {"stop_reason": "max_tokens"}}),
                 Shown(SUMMARY, "stop: max_tokens"), id="anthropic-stop"),
    pytest.param(chunk({"type": "message_stop", "amazon-bedrock-invocationMetrics": {
        "inputTokenCount": 5, "outputTokenCount": 7, "invocationLatency": 890, "firstByteLatency": 100}}),
                 Shown(SUMMARY, "usage: 5 input tokens, 7 output tokens; 890 ms"), id="bedrock-metrics"),
    pytest.param(chunk({"completion": " world", "stop_reason": None}), Shown(TEXT, " world"), id="claude-v2"),
    pytest.param(chunk({"outputText": "Titan says", "index": 0, "completionReason": None}),
                 Shown(TEXT, "Titan says"), id="titan"),
    pytest.param(chunk({"generation": "Llama", "stop_reason": None}), Shown(TEXT, "Llama"), id="llama"),
    pytest.param(chunk({"outputs": [{"text": "Mistral", "stop_reason": None}]}), Shown(TEXT, "Mistral"),
                 id="mistral"),
    pytest.param(chunk({"choices": [{"index": 0, "delta": {"content": "Jamba"}}]}), Shown(TEXT, "Jamba"),
                 id="openai-style"),
    pytest.param(chunk({"contentBlockDelta": {"delta": {"text": "Nova"}, "contentBlockIndex": 0}}),
                 Shown(TEXT, "Nova"), id="nova"),
    # Bedrock InvokeAgent: chunk.bytes is a part of the answer's text
    pytest.param(chunk(b"The agent's answer"), Shown(TEXT, "The agent's answer"), id="agent-chunk"),
    pytest.param(event("trace", {"agentId": "A1", "trace": {}}), Shown(SUMMARY, 'trace: {"agentId":"A1","trace":{}}'),
                 id="agent-trace"),
    # Lambda InvokeWithResponseStream
    pytest.param(event("PayloadChunk", b"partial output\n", "application/octet-stream"),
                 Shown(TEXT, "partial output\n"), id="lambda-chunk"),
    pytest.param(event("InvokeComplete", {}), Shown(NOTHING), id="lambda-complete"),
    pytest.param(event("InvokeComplete", {"ErrorCode": "Unhandled", "ErrorDetails": "boom\n  at handler"}),
                 Shown(ERROR, "Unhandled: boom at handler"), id="lambda-failed"),
    # SageMaker InvokeEndpointWithResponseStream
    pytest.param(event("PayloadPart", b'data: {"token": "x"}\n\n', "application/octet-stream"),
                 Shown(TEXT, 'data: {"token": "x"}\n\n'), id="sagemaker-part"),
    pytest.param(event("PayloadPart", b"\x89PNG\r\n\x1a\n\xff\xfe", "application/octet-stream"),
                 Shown(SUMMARY, "PayloadPart: 10 bytes of binary data"), id="sagemaker-binary"),
    # S3 SelectObjectContent
    pytest.param(event("Records", b"a,1\nb,2\n", "application/octet-stream"), Shown(TEXT, "a,1\nb,2\n"),
                 id="s3-records"),
    pytest.param(event("Stats", b"<Stats><BytesScanned>100</BytesScanned><BytesProcessed>90</BytesProcessed>"
                                b"<BytesReturned>8</BytesReturned></Stats>", "text/xml"),
                 Shown(SUMMARY, "stats: scanned 100 bytes, processed 90 bytes, returned 8 bytes"), id="s3-stats"),
    pytest.param(event("Progress", b"<Progress><BytesScanned>1</BytesScanned></Progress>", "text/xml"),
                 Shown(NOTHING), id="s3-progress"),
    pytest.param(event("Cont", b"", None), Shown(NOTHING), id="s3-cont"),
    pytest.param(event("End", b"", None), Shown(SUMMARY, "end"), id="s3-end"),
    # in-band errors and the rest
    pytest.param(exception("throttlingException", {"message": "Too many requests"}),
                 Shown(ERROR, "throttlingException: Too many requests"), id="exception"),
    pytest.param(_message({":message-type": "error", ":error-code": "InternalError",
                           ":error-message": "We encountered an internal error."}),
                 Shown(ERROR, "InternalError: We encountered an internal error."), id="error"),
    pytest.param(event("initial-response", {}), Shown(NOTHING), id="initial-response"),
    pytest.param(event("somethingNew", b"\x00\x01", "application/octet-stream"),
                 Shown(SUMMARY, "somethingNew: 2 bytes"), id="unknown-binary"),
    pytest.param(_message({}, b"x"), Shown(NOTHING), id="no-event-type"),
]


@pytest.mark.parametrize(("message", "shown"), VIEW_CASES)
def test_terminal_view(message: Message, shown: Shown) -> None:
    assert terminal_view(message) == shown


def test_utf8_split_across_payload_chunks_is_reassembled() -> None:
    text = "naïve café ✓".encode()
    view = TerminalView()
    shown = [view.show(event("PayloadChunk", text[i : i + 3], "application/octet-stream"))
             for i in range(0, len(text), 3)]
    assert "".join(s.text for s in shown) == "naïve café ✓"
    assert {s.kind for s in shown} <= {TEXT, NOTHING}
    assert view.show(event("Records", "é".encode()[:1], "application/octet-stream")) == Shown(NOTHING)
    assert view.finish() == "\ufffd"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param(exception("validationException", {"message": "Malformed input request"}),
                     ("validationException", "Malformed input request"), id="bedrock"),
        pytest.param(exception("modelStreamErrorException", {"message": "x", "originalStatusCode": 424,
                                                             "originalMessage": "y"}),
                     ("modelStreamErrorException", "x"), id="model-stream-error"),
        pytest.param(exception("ModelStreamError", {"Message": "Model failed", "ErrorCode": "E1"}),
                     ("ModelStreamError", "Model failed"), id="sagemaker-capital-message"),
        pytest.param(_message({":message-type": "error", ":error-code": "InternalError",
                               ":error-message": "We encountered\n an internal error."}),
                     ("InternalError", "We encountered an internal error."), id="s3-error-headers"),
        pytest.param(_message({":message-type": "exception", ":exception-type": "SlowDown",
                               ":content-type": "application/xml"},
                              b"<Error><Code>SlowDown</Code><Message>Reduce your rate</Message></Error>"),
                     ("SlowDown", "Reduce your rate"), id="xml-payload"),
        pytest.param(event("contentBlockDelta", {"delta": {"text": "x"}}), None, id="event"),
        pytest.param(event("InvokeComplete", {"ErrorCode": "Unhandled", "ErrorDetails": "boom\n  at handler"}),
                     ("Unhandled", "boom at handler"), id="lambda-complete-with-a-function-error"),
        pytest.param(event("InvokeComplete", {"LogResult": "U1RBUlQ="}), None, id="lambda-complete-without-error"),
    ],
)
def test_stream_error(message: Message, expected: tuple[str, str] | None) -> None:
    assert stream_error(message) == expected


def test_ndjson_line_shape_and_header_values() -> None:
    stamp = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=timezone.utc)
    ident = uuid.UUID("00010203-0405-0607-0809-0a0b0c0d0e0f")
    message = _message(
        {":event-type": "contentBlockDelta", ":content-type": JSON, ":message-type": "event",
         "t": True, "f": False, "b": Typed(HeaderType.BYTE, -3), "n": 2**40, "raw": b"\x00\xff",
         "when": stamp, "id": ident},
        b'{"contentBlockIndex":0,\n "delta":{"text":"Hi \\u00e9"},"p":"abc"}',
    )
    line = ndjson_line(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line) == {
        "headers": {":event-type": "contentBlockDelta", ":content-type": JSON, ":message-type": "event",
                    "t": True, "f": False, "b": -3, "n": 2**40, "raw": "AP8=",
                    "when": "2024-05-06T07:08:09.123Z", "id": str(ident)},
        "payload": {"contentBlockIndex": 0, "delta": {"text": "Hi é"}, "p": "abc"},
    }


@pytest.mark.parametrize(
    ("message", "payload"),
    [
        pytest.param(event("PayloadChunk", b"plain text\n", "application/octet-stream"),
                     {"payload": "plain text\n"}, id="text"),
        pytest.param(event("PayloadPart", b"\xff\x00\x01", "application/octet-stream"),
                     {"payload_base64": "/wAB"}, id="binary"),
        pytest.param(event("PayloadChunk", b'{"a": 1}', "application/octet-stream"),
                     {"payload": '{"a": 1}'}, id="declared-bytes-stay-text"),
        pytest.param(event("x", b'{"a": [1]}', None), {"payload": {"a": [1]}}, id="undeclared-json-object"),
        pytest.param(event("x", b"123", None), {"payload": "123"}, id="undeclared-scalar-stays-text"),
        pytest.param(event("x", b'{"cut', JSON), {"payload": '{"cut'}, id="bad-json-as-text"),
        pytest.param(event("End", b"", None), {"payload": None}, id="empty"),
        pytest.param(event("x", b"{}", "application/vnd.foo+json; charset=utf-8"), {"payload": {}}, id="plus-json"),
        pytest.param(event("x", b'{"a": NaN}', JSON), {"payload": '{"a": NaN}'}, id="nan-is-not-json"),
        pytest.param(event("x", '{"a":1}'.encode("utf-16"), JSON),
                     {"payload_base64": base64.b64encode('{"a":1}'.encode("utf-16")).decode()}, id="utf16-json"),
        pytest.param(event("x", b'[1,\r\n 2.50, {"k": "v\\n"}]', JSON), {"payload": [1, 2.5, {"k": "v\n"}]},
                     id="json-line-breaks"),
    ],
)
def test_ndjson_payloads(message: Message, payload: dict[str, object]) -> None:
    obj = json.loads(ndjson_line(message))
    assert {k: v for k, v in obj.items() if k != "headers"} == payload
    assert obj["headers"] == {k: v for k, v in message.headers}


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=50).map(str.encode),
       st.sampled_from([None, JSON, "text/plain", "application/octet-stream"]))
def test_ndjson_line_is_always_one_valid_json_line(payload: bytes, content_type: str | None) -> None:
    line = ndjson_line(event("e", payload, content_type))
    assert line.endswith(b"\n") and b"\n" not in line[:-1] and b"\r" not in line
    obj = json.loads(line)
    if "payload_base64" in obj:
        assert base64.b64decode(obj["payload_base64"]) == payload
    elif isinstance(obj["payload"], str):  # text, or a JSON payload that is a string
        assert obj["payload"].encode() == payload or (content_type == "application/json" and json.loads(payload) == obj["payload"])
    elif obj["payload"] is None:  # an empty payload, or a JSON payload that is null
        assert payload == b"" or (content_type == "application/json" and json.loads(payload) is None)
    else:
        assert obj["payload"] == json.loads(payload)


def test_ndjson_round_trips_every_message_of_a_stream() -> None:
    messages = [case.values[0] for case in VIEW_CASES]
    for message in messages:
        assert isinstance(message, Message)
        obj = json.loads(ndjson_line(message))
        assert obj["headers"] == {k: v for k, v in message.headers}
        if "payload_base64" in obj:
            assert base64.b64decode(obj["payload_base64"]) == message.payload
        elif isinstance(obj["payload"], str):
            assert obj["payload"].encode() == message.payload
        elif obj["payload"] is not None:
            assert obj["payload"] == json.loads(message.payload)
