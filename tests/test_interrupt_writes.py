"""Once a run is interrupted, a transfer's thread writes nothing more: not to -o (see test_interrupts),
nor to the -D file, nor to the --trace file (the main thread still traces what it undoes).

The transfers of ``-Z`` run on threads that never see the signal; they check
:data:`sigcurl.interrupts.STOPPING` before each write.  These tests set it as
the first Ctrl-C does and write as such a thread would.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from sigcurl import interrupts
from sigcurl.errors import ExitCode, Interrupted
from sigcurl.output.response import _write_heads
from sigcurl.output.trace import Trace


@pytest.fixture
def interrupted() -> Iterator[None]:
    """The state after the first Ctrl-C (restored afterwards)."""
    restore = interrupts.install()
    try:
        interrupts.stopping(ExitCode.INTERRUPTED)
        yield
    finally:
        restore()


def test_a_trace_gets_nothing_more_from_a_transfers_thread_after_an_interrupt(interrupted: None) -> None:
    stream = io.BytesIO()
    trace = Trace(stream, ascii_only=True, timed=False, secrets=())

    def transfer() -> None:  # a -Z transfer's thread, which never sees the signal
        trace.info("after")
        trace.send("GET", "http://127.0.0.1/k", [("Host", "127.0.0.1")], None, None)

    thread = threading.Thread(target=transfer)
    thread.start()
    thread.join(10)
    assert stream.getvalue() == b""


def test_the_main_thread_still_traces_its_clean_up_after_an_interrupt(interrupted: None) -> None:
    stream = io.BytesIO()
    Trace(stream, ascii_only=True, timed=False, secrets=()).send(
        "DELETE", "http://127.0.0.1/b/k?uploadId=1", [("Host", "127.0.0.1")], None, None)
    assert b"DELETE /b/k?uploadId=1" in stream.getvalue()  # the AbortMultipartUpload the interrupt sends


def test_the_dump_header_file_gets_nothing_after_an_interrupt(interrupted: None) -> None:
    written: list[bytes] = []

    def shared_file(path: str) -> Any:
        return SimpleNamespace(write=written.append, flush=lambda: None)

    output = SimpleNamespace(dump_header="heads.txt", etag_save=None)
    x: Any = SimpleNamespace(spec=SimpleNamespace(output=output), shared_file=shared_file)
    with pytest.raises(Interrupted):
        _write_heads(x, SimpleNamespace(), dump=True)
    assert written == []
