"""Regression tests for defects found in the review of this round's changes."""

from __future__ import annotations

import json

from sigcurl.eventstream import Message
from sigcurl.output import events

_NESTED = b"[" * 100_000  # deeper than the json module's recursion limit


def _message(payload: bytes, *headers: tuple[str, str]) -> Message:
    return Message(headers=((":content-type", "application/json"), *headers), payload=payload)


def test_deeply_nested_event_payload_is_not_an_internal_error() -> None:
    # A server's event whose JSON nests too deep is shown as text, not a RecursionError (exit 70).
    message = _message(_NESTED, (":message-type", "event"), (":event-type", "InvokeComplete"))
    assert events.stream_error(message) is None
    line = json.loads(events.ndjson_line(message))
    assert line["payload"] == _NESTED.decode()
    events.terminal_view(message)


def test_deeply_nested_exception_payload_still_names_the_exception() -> None:
    message = _message(_NESTED, (":message-type", "exception"), (":exception-type", "ValidationException"))
    found = events.stream_error(message)
    assert found is not None and found[0] == "ValidationException"



def test_content_length_of_non_ascii_digits_is_invalid() -> None:
    # "²" (a latin-1 byte a header can hold) is a digit to str.isdigit but not to int(): http.client and
    # urllib3 would then read the body to the connection's end; curl refuses it (exit 8).
    from sigcurl.errors import ExitCode
    from sigcurl.transport.head import invalid_length

    for value in ("\u00b2", "1\u00b9", "\u0661\u0662"):
        error = invalid_length([("Content-Length", value)], "http://127.0.0.1/x")
        assert error is not None and error.exit_code == ExitCode.WEIRD_REPLY, value
    assert invalid_length([("Content-Length", " 12 ")], "http://127.0.0.1/x") is None
