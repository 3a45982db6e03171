"""What a person or a pipe sees of an AWS event stream: NDJSON lines, live terminal text, errors.

Pure presentation helpers over :class:`sigcurl.eventstream.Message`; no I/O
and no rich (the output layer decides colours, verbosity and where bytes go).

* :func:`ndjson_line` -- one JSON object per message, for pipes and ``jq``.
* :class:`TerminalView` / :func:`terminal_view` -- what to show live for the
  common streaming APIs (the text of a model's answer, a summary line, an
  error, or nothing).
* :func:`stream_error` -- the exception carried in-band by a stream, for a
  one-line error at the end of a command.

Event shapes follow botocore's service models (``botocore/data/<service>/
<version>/service-2.json``): ``bedrock-runtime`` ``ConverseStreamOutput``
and ``ResponseStream``; ``bedrock-agent-runtime`` ``ResponseStream``;
``lambda`` ``InvokeWithResponseStreamResponseEvent``; ``sagemaker-runtime``
``ResponseStream``; ``s3`` ``SelectObjectContentEventStream``.  In the JSON
protocols (Bedrock, Lambda's ``InvokeComplete``) an event's payload is the
JSON object of its members; a member marked ``eventpayload`` (Lambda
``PayloadChunk.Payload``, SageMaker ``PayloadPart.Bytes``, S3
``Records.Payload``, S3 ``Stats.Details`` as XML) is the raw payload.
"""

from __future__ import annotations

import base64
import codecs
import json
import re
import uuid
from datetime import datetime, timezone
from typing import Any, NamedTuple

from sigcurl.eventstream import HeaderValue, Message

TEXT = "text"
"""Stream ``text`` as it is, with no added newline (a model's answer, a payload)."""
SUMMARY = "summary"
"""Show ``text`` as a line of its own (usage, stop reason, statistics, unknown events)."""
ERROR = "error"
"""An in-band error or a failed invocation: ``text`` is ``Type: message``."""
NOTHING = "nothing"
"""Show nothing (start/stop markers, keep-alives, progress)."""


class Shown(NamedTuple):
    """What to show for one message: ``kind`` is TEXT, SUMMARY, ERROR or NOTHING."""

    kind: str
    text: str = ""


_NOTHING = Shown(NOTHING)
_ERROR_TYPES = ("exception", "error")


# --- NDJSON ------------------------------------------------------------------


def _json_header(value: HeaderValue) -> object:
    if isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        text = value.astimezone(timezone.utc).isoformat(timespec="milliseconds")
        return text.replace("+00:00", "Z")
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"unexpected header value {value!r}")


def _is_json_type(content_type: object) -> bool:
    if not isinstance(content_type, str):
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _looks_json(message: Message) -> bool:
    """Declared JSON, or no content type and a payload that starts like an object or array."""
    content_type = message.header(":content-type")
    if _is_json_type(content_type):
        return True
    return content_type is None and message.payload.lstrip()[:1] in (b"{", b"[")


def _json_payload(message: Message) -> tuple[bool, Any]:
    """(True, value) if the payload is JSON (see :func:`_looks_json`), else (False, None)."""
    if not _looks_json(message):
        return False, None
    try:
        return True, json.loads(message.payload.decode("utf-8"))
    except (ValueError, RecursionError):  # includes UnicodeDecodeError; RecursionError: nested too deep
        return False, None


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


_STRICT_JSON = json.JSONDecoder(parse_constant=_no_constants)  # one decoder: json.loads(..., parse_constant=) builds one per call
# Per headers tuple, by identity: the line's start and whether the content type is JSON (True), another
# type (False) or absent (None).  The decoder hands out one tuple per distinct header block (event types
# repeat).  Keyed by id() with the tuple kept alive, since equality would mix up 1 and True.
_HEADS: dict[int, tuple[tuple[tuple[str, HeaderValue], ...], bytes, bool | None]] = {}
_HEADS_MAX = 256


def _head(message: Message) -> tuple[bytes, bool | None]:
    """The line's start for ``message``'s headers, and whether its content type is JSON (None: no content type)."""
    headers = message.headers
    cached = _HEADS.get(id(headers))
    if cached is not None and cached[0] is headers:
        return cached[1], cached[2]
    values = {name: _json_header(value) for name, value in headers}
    head = b'{"headers":' + json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    content_type = message.header(":content-type")
    declared = None if content_type is None else _is_json_type(content_type)
    if len(_HEADS) >= _HEADS_MAX:
        _HEADS.clear()
    _HEADS[id(headers)] = (headers, head, declared)
    return head, declared


def _spliceable_json(payload: bytes, declared: bool | None) -> bytes | None:
    """``payload`` itself if it is strict UTF-8 JSON (and :func:`_looks_json` says JSON), on one line; else None.

    Splicing the payload into the line instead of re-serialising it keeps
    its key order and number spelling and costs one validating parse.  In
    valid JSON a raw CR or LF can only be whitespace between tokens (strict
    parsing refuses control characters inside strings), so it becomes a space.
    """
    if not declared and (declared is not None or payload.lstrip()[:1] not in (b"{", b"[")):
        return None
    try:
        _STRICT_JSON.decode(payload.decode("utf-8"))  # no NaN, Infinity
    except (ValueError, RecursionError):
        return None
    if b"\n" in payload or b"\r" in payload:
        payload = payload.replace(b"\n", b" ").replace(b"\r", b" ")
    return payload


def ndjson_line(message: Message) -> bytes:
    """One line of JSON for ``message``, newline included.

    Shape: ``{"headers": {name: value, ...}, "payload": ...}``.  Header
    values: strings, numbers and booleans as they are, byte arrays in
    base64, timestamps in ISO 8601 UTC with milliseconds, UUIDs as text.
    The payload is JSON when ``:content-type`` is JSON (or there is no
    content type and it is a JSON object or array), else text when it is
    UTF-8, else ``"payload_base64"`` takes the place of ``"payload"``; an
    empty payload is ``null``.  A JSON payload is copied as it came (its
    line breaks turned into spaces).
    """
    return b"".join(ndjson_parts(message))


def ndjson_parts(message: Message) -> tuple[bytes, ...]:
    """:func:`ndjson_line` in pieces (the payload's own bytes among them), to be joined with other lines' in one copy."""
    head, declared = _head(message)
    payload = message.payload
    if not payload:
        return head, b',"payload":null}\n'
    raw = _spliceable_json(payload, declared)
    if raw is not None:
        return head, b',"payload":', raw, b"}\n"
    try:
        text = json.dumps(payload.decode("utf-8"), ensure_ascii=False).encode("utf-8")
    except UnicodeDecodeError:
        return head, b',"payload_base64":"', base64.b64encode(payload), b'"}\n'
    return head, b',"payload":', text, b"}\n"


# --- errors ------------------------------------------------------------------


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def stream_error(message: Message) -> tuple[str, str] | None:
    """``(type, message)`` for an ``exception`` or ``error`` message or a failed Lambda invocation, else None.

    AWS sends modelled exceptions as ``:message-type: exception`` with
    ``:exception-type`` and a JSON (or XML) payload holding ``message`` or
    ``Message``; other errors as ``:message-type: error`` with
    ``:error-code`` and ``:error-message`` headers.  Lambda
    ``InvokeWithResponseStream`` reports a function that failed after its
    response began in its last event, ``InvokeComplete``, whose JSON payload
    (``InvokeWithResponseStreamCompleteEvent``) carries ``ErrorCode`` and
    ``ErrorDetails``: that is ``(ErrorCode, ErrorDetails)``.
    """
    kind = message.header(":message-type")
    if kind not in _ERROR_TYPES:
        if message.header(":event-type") == "InvokeComplete":
            return _invoke_failure(message)
        return None
    name = message.header(":exception-type") or message.header(":error-code") or kind
    text = message.header(":error-message")
    if not isinstance(text, str) or not text:
        is_json, value = _json_payload(message)
        text = ""
        if is_json and isinstance(value, dict):
            found = value.get("message", value.get("Message"))
            text = found if isinstance(found, str) else ""
        elif not is_json:
            match = re.search(rb"<Message>(.*?)</Message>", message.payload, re.S)
            raw = match.group(1) if match else message.payload
            text = raw.decode("utf-8", "replace")
    return str(name), _one_line(text)


def _invoke_failure(message: Message) -> tuple[str, str] | None:
    """Lambda's ``InvokeComplete`` with an ``ErrorCode``: ``(ErrorCode, ErrorDetails)``; else None."""
    _, body = _json_payload(message)
    code = _get(body, "ErrorCode")
    if not code:
        return None
    details = _get(body, "ErrorDetails")
    return str(code), _one_line(details if isinstance(details, str) else "")


# --- the terminal view -------------------------------------------------------


def _get(obj: object, *path: str | int) -> object:
    """``obj[path0][path1]...`` or None when any step is missing."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(obj, list) or len(obj) <= step:
                return None
            obj = obj[step]
        elif isinstance(obj, dict):
            obj = obj.get(step)
        else:
            return None
    return obj


def _text(value: object) -> Shown:
    return Shown(TEXT, value) if isinstance(value, str) and value else _NOTHING


def _usage(input_tokens: object, output_tokens: object, latency_ms: object) -> Shown:
    parts = []
    if input_tokens is not None or output_tokens is not None:
        parts.append(f"{input_tokens} input tokens, {output_tokens} output tokens")
    if latency_ms is not None:
        parts.append(f"{latency_ms} ms")
    return Shown(SUMMARY, "usage: " + "; ".join(parts)) if parts else _NOTHING


def _converse(event: str, body: object) -> Shown:
    """Bedrock ConverseStream (and Amazon Nova's InvokeModel stream, same shapes)."""
    if event == "contentBlockDelta":
        delta = _get(body, "delta")
        for path in (("text",), ("reasoningContent", "text"), ("toolUse", "input")):
            if isinstance(found := _get(delta, *path), str):
                return _text(found)
        return _NOTHING
    if event == "contentBlockStart":
        tool = _get(body, "start", "toolUse", "name")
        return Shown(SUMMARY, f"tool use: {tool}") if isinstance(tool, str) else _NOTHING
    if event == "messageStop":
        return Shown(SUMMARY, f"stop: {_get(body, 'stopReason')}")
    if event == "metadata":
        return _usage(_get(body, "usage", "inputTokens"), _get(body, "usage", "outputTokens"),
                      _get(body, "metrics", "latencyMs"))
    return _NOTHING


_CONVERSE_EVENTS = frozenset(
    ("messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata")
)


def _model_chunk(body: object) -> Shown:
    """A decoded InvokeModelWithResponseStream chunk: the model provider's own JSON."""
    if not isinstance(body, dict):
        return _NOTHING
    kind = body.get("type")
    if kind == "content_block_delta":  # Anthropic Messages API
        delta = _get(body, "delta")
        for key in ("text", "thinking", "partial_json"):
            if isinstance(found := _get(delta, key), str):
                return _text(found)
        return _NOTHING
    if kind == "message_delta" and _get(body, "delta", "stop_reason"):
        return Shown(SUMMARY, f"stop: {_get(body, 'delta', 'stop_reason')}")
    for event in _CONVERSE_EVENTS:  # Amazon Nova wraps Converse shapes: {"contentBlockDelta": {...}}
        if event in body:
            return _converse(event, body[event])
    for path in (
        ("completion",),  # Anthropic Text Completions
        ("outputText",),  # Amazon Titan Text
        ("generation",),  # Meta Llama
        ("outputs", 0, "text"),  # Mistral
        ("choices", 0, "delta", "content"),  # OpenAI-style chat (AI21 Jamba, Mistral chat...)
        ("text",),  # Cohere Command
    ):
        if isinstance(found := _get(body, *path), str) and found:
            return Shown(TEXT, found)
    metrics = body.get("amazon-bedrock-invocationMetrics")  # added to the last chunk by Bedrock
    if isinstance(metrics, dict):
        return _usage(metrics.get("inputTokenCount"), metrics.get("outputTokenCount"),
                      metrics.get("invocationLatency"))
    return _NOTHING


_S3_STAT = re.compile(rb"<(BytesScanned|BytesProcessed|BytesReturned)>(\d+)</")


class TerminalView:
    """Live view of one stream.

    Keeps one incremental UTF-8 decoder for raw byte payloads (Lambda
    ``PayloadChunk``, SageMaker ``PayloadPart``, S3 ``Records``), whose
    characters may be split across events.  Call :meth:`show` per message
    and :meth:`finish` at the end.
    """

    __slots__ = ("_utf8",)

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")("strict")

    def finish(self) -> str:
        """Text still held back (an incomplete character, shown as U+FFFD)."""
        tail = self._utf8.getstate()[0]
        self._utf8.reset()
        return tail.decode("utf-8", "replace")

    def _raw_text(self, event: str, payload: bytes) -> Shown:
        try:
            return _text(self._utf8.decode(payload))
        except UnicodeDecodeError:
            self._utf8.reset()
            return Shown(SUMMARY, f"{event}: {len(payload)} bytes of binary data")

    def show(self, message: Message) -> Shown:
        """What to show for ``message``."""
        error = stream_error(message)
        if error is not None:
            return Shown(ERROR, f"{error[0]}: {error[1]}" if error[1] else error[0])
        event = message.header(":event-type")
        payload = message.payload
        if not isinstance(event, str) or event == "initial-response":
            return _NOTHING
        if event in ("PayloadChunk", "PayloadPart", "Records"):
            return self._raw_text(event, payload)
        if event in ("Progress", "Cont"):
            return _NOTHING
        if event == "End":
            return Shown(SUMMARY, "end")
        if event == "Stats":
            found = {k.decode(): v.decode() for k, v in _S3_STAT.findall(payload)}
            stats = ", ".join(f"{k[5:].lower()} {v} bytes" for k, v in found.items())
            return Shown(SUMMARY, f"stats: {stats}")
        is_json, body = _json_payload(message)
        if event in _CONVERSE_EVENTS:
            return _converse(event, body)
        if event == "chunk":
            return self._chunk(body)
        if event == "InvokeComplete":
            code = _get(body, "ErrorCode")
            if code:
                return Shown(ERROR, f"{code}: {_one_line(str(_get(body, 'ErrorDetails') or ''))}")
            return _NOTHING
        if is_json:
            return Shown(SUMMARY, f"{event}: {_one_line(json.dumps(body, separators=(',', ':')), 200)}")
        return Shown(SUMMARY, f"{event}: {len(payload)} bytes")

    def _chunk(self, body: object) -> Shown:
        """Bedrock ``chunk`` {"bytes": base64}: a model's JSON, or an agent's text."""
        encoded = _get(body, "bytes")
        if not isinstance(encoded, str):
            return _NOTHING
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            return Shown(SUMMARY, "chunk: bytes not in base64")
        if raw.lstrip()[:1] == b"{":
            try:
                return _model_chunk(json.loads(raw))
            except (ValueError, RecursionError):
                pass
        return self._raw_text("chunk", raw)  # InvokeAgent: a part of the answer's text


def terminal_view(message: Message) -> Shown:
    """:meth:`TerminalView.show` for a lone message (no state across messages)."""
    return TerminalView().show(message)
