"""Regression tests for defects found in the review of this round's changes."""

from __future__ import annotations

import json
from typing import Any

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


def test_releasing_shared_stdin_does_not_wait_for_a_reader_blocked_on_the_pipe() -> None:
    # -Z with -T - from a pipe still open: a transfer's thread spools stdin; on Ctrl-C/SIGTERM the driver
    # releases the spool on its way out, and must not wait for that read (the first signal hung until a second).
    import os
    import threading
    import time

    from sigcurl.replay import SharedInput

    r, w = os.pipe()
    source = os.fdopen(r, "rb")
    shared = SharedInput(source)
    from sigcurl.errors import ReadError

    failures: list[Exception] = []

    def read() -> None:
        try:
            shared.reader().read()
        except ReadError as exc:  # released meanwhile: never the closed spool's descriptor
            failures.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    for _ in range(500):  # bounded: until the reader is inside the capture
        if shared._lock.locked():
            break
        time.sleep(0.01)
    closer = threading.Thread(target=shared.close, daemon=True)
    closer.start()
    closer.join(10)
    returned = not closer.is_alive()
    os.write(w, b"data")  # the reader ends (and, released, closes its spool)
    os.close(w)
    reader.join(10)
    closer.join(10)
    source.close()
    assert returned, "close() waited for the reader blocked on the pipe"
    assert shared._spool is None and len(failures) == 1


def test_an_interrupt_as_the_removable_file_is_created_still_removes_it(tmp_path: Any) -> None:
    # --remove-on-error: a Ctrl-C landing just as open() returns (before the path was registered) left the file.
    import pytest

    from sigcurl import interrupts

    path = tmp_path / "out.bin"

    def create() -> Any:
        handle = open(path, "wb")  # noqa: SIM115 - closed below
        handle.close()
        raise KeyboardInterrupt  # the signal's handler runs as open() returns

    restore = interrupts.install()
    try:
        with pytest.raises(KeyboardInterrupt):
            interrupts.create_removable(str(path), create)
        interrupts.undo_all(0)
    finally:
        restore()
    assert not path.exists()


def test_a_file_that_cannot_be_created_is_not_left_for_removal(tmp_path: Any) -> None:
    from sigcurl import interrupts

    path = tmp_path / "kept.bin"
    path.write_bytes(b"someone else's")

    def create() -> Any:
        raise OSError("refused")

    restore = interrupts.install()
    try:
        try:
            interrupts.create_removable(str(path), create)
        except OSError:
            pass
        interrupts.undo_all(0)
    finally:
        restore()
    assert path.read_bytes() == b"someone else's"
