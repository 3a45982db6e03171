"""End-to-end: streamed responses through the real command, live, against a verifying loopback server.

The server verifies each request's signature with botocore and answers with
an ``application/vnd.amazon.eventstream`` body (or SSE, NDJSON, a JSON
document) sent chunk by chunk.  Frames are built here from the AWS
documentation's layout with :func:`zlib.crc32` (not sigcurl's encoder), and
what sigcurl writes is checked against botocore's ``EventStreamBuffer``
decoding the same bytes.  Liveness is checked with events, never with time:
the server holds back everything after the first event until the test has
read that event's output from sigcurl's stdout (a pipe or a pty); if sigcurl
held the output back, the server would give up waiting and say so.
"""

from __future__ import annotations

import base64
import json
import os
import struct
import subprocess
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from botocore.eventstream import EventStreamBuffer
from cli_helpers import base_env, run, start_process

from support.server import Response, VerifyingServer

EVENTSTREAM = [("Content-Type", "application/vnd.amazon.eventstream")]
BEDROCK = ["--service", "bedrock", "--region", "us-east-1", "--json", '{"messages":[]}']
WAIT = 30  # seconds a server waits for the test's signal before giving up (a failure, never a pass)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path)


def frame(headers: list[tuple[str, str]], payload: bytes) -> bytes:
    """One event stream message, string headers only (the AWS documentation's layout)."""
    hb = b"".join(
        bytes([len(n)]) + n.encode() + b"\x07" + struct.pack("!H", len(v.encode())) + v.encode() for n, v in headers
    )
    prelude = struct.pack("!II", 16 + len(hb) + len(payload), len(hb))
    prelude += struct.pack("!I", zlib.crc32(prelude))
    body = prelude + hb + payload
    return body + struct.pack("!I", zlib.crc32(body))


def event(kind: str, member: object) -> bytes:
    return frame([(":event-type", kind), (":content-type", "application/json"), (":message-type", "event")],
                 json.dumps(member).encode())


def delta(text: str) -> bytes:
    return event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": text}, "p": "abc"})


def exception(kind: str, message: str) -> bytes:
    return frame([(":exception-type", kind), (":content-type", "application/json"), (":message-type", "exception")],
                 json.dumps({"message": message}).encode())


CONVERSATION = [
    event("messageStart", {"role": "assistant", "p": "a"}),
    delta("Hello"),
    delta(", world"),
    event("contentBlockStop", {"contentBlockIndex": 0}),
    event("messageStop", {"stopReason": "end_turn"}),
    event("metadata", {"usage": {"inputTokens": 12, "outputTokens": 3, "totalTokens": 15}, "metrics": {"latencyMs": 321}}),
]


def botocore_messages(data: bytes) -> list[dict[str, object]]:
    """The stream as botocore decodes it, in the NDJSON shape (string headers; JSON payloads parsed)."""
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    out: list[dict[str, object]] = []
    for message in buffer:
        payload = message.payload
        value: object = json.loads(payload) if message.headers.get(":content-type") == "application/json" else payload.decode()
        out.append({"headers": dict(message.headers), "payload": value})
    return out


class Gate:
    """A streamed body that sends ``first``, then waits for the test's signal before sending ``rest``."""

    def __init__(self, first: list[bytes], rest: list[bytes]) -> None:
        self.first = first
        self.rest = rest
        self.signal = threading.Event()
        self.released: list[bool] = []  # True: the signal came; False: the server gave up waiting

    def body(self) -> Iterator[bytes]:
        yield from self.first
        self.released.append(self.signal.wait(WAIT))
        yield from self.rest


def popen(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return start_process(args, env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def finish(proc: subprocess.Popen[bytes], stdout: IO[bytes]) -> tuple[int, bytes, str]:
    rest = stdout.read()
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    return proc.wait(timeout=WAIT), rest, err


# --- pipes: NDJSON, live ---------------------------------------------------------------


def test_pipe_gets_each_event_as_a_json_line_before_the_next_is_sent(server: VerifyingServer, env: dict[str, str]) -> None:
    gate = Gate(CONVERSATION[:2], CONVERSATION[2:])
    server.queue(Response(headers=EVENTSTREAM, body=gate.body()))
    proc = popen([*BEDROCK, server.url_for("/model/m/converse-stream")], env)
    assert proc.stdout is not None
    first = [proc.stdout.readline(), proc.stdout.readline()]  # messageStart, then the first delta
    gate.signal.set()
    code, rest, err = finish(proc, proc.stdout)
    assert gate.released == [True], "sigcurl held the first events until more arrived"
    assert code == 0, err
    lines = [json.loads(line) for line in first + rest.splitlines(keepends=True)]
    assert lines == botocore_messages(b"".join(CONVERSATION))
    assert all(line.endswith(b"\n") for line in first)
    assert server.last.ok, server.last.verification.reason


def test_output_file_gets_the_lines(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    server.queue(Response(headers=EVENTSTREAM, body=iter(CONVERSATION)))
    out = tmp_path / "events.ndjson"
    result = run([*BEDROCK, "-o", str(out), server.url_for("/model/m/converse-stream")], env)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line) for line in out.read_bytes().splitlines()] == botocore_messages(b"".join(CONVERSATION))


def test_frames_split_anywhere_decode_the_same(server: VerifyingServer, env: dict[str, str]) -> None:
    data = b"".join(CONVERSATION)
    server.queue(Response(headers=EVENTSTREAM, body=iter([data[i : i + 7] for i in range(0, len(data), 7)])))
    result = run([*BEDROCK, server.url], env)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == botocore_messages(data)


# --- errors inside the stream and broken streams -------------------------------------


@pytest.mark.parametrize("fail", [[], ["-f"]], ids=["plain", "with-f"])
def test_exception_event_ends_with_exit_94_after_the_events_before_it(server: VerifyingServer, env: dict[str, str],
                                                                      fail: list[str]) -> None:
    frames = [delta("Hel"), exception("ThrottlingException", "Too many tokens, please wait."), delta("never shown")]
    server.queue(Response(headers=EVENTSTREAM, body=iter(frames)))
    result = run([*fail, *BEDROCK, server.url], env)
    assert result.exit_code == 94
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == botocore_messages(b"".join(frames[:2]))  # the exception's own line too; nothing after it
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("sigcurl: the event stream ended with ThrottlingException: Too many tokens, please wait. — ")
    assert "Traceback" not in result.stderr


def test_error_message_type_ends_with_exit_94(server: VerifyingServer, env: dict[str, str]) -> None:
    error = frame([(":message-type", "error"), (":error-code", "InternalFailure"), (":error-message", "boom")], b"")
    server.queue(Response(headers=EVENTSTREAM, body=iter([delta("a"), error])))
    result = run([*BEDROCK, server.url], env)
    assert result.exit_code == 94
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr.strip() .startswith("sigcurl: the event stream ended with InternalFailure: boom — ")


def _corrupt(data: bytes) -> bytes:
    broken = bytearray(data)
    broken[-6] ^= 0x01  # a payload byte: the message CRC no longer matches
    return bytes(broken)


OVERSIZE = struct.pack("!II", 17 << 20, 0)
OVERSIZE += struct.pack("!I", zlib.crc32(OVERSIZE))

BROKEN = {
    "crc": ([delta("ok"), _corrupt(delta("bad"))], "CRC mismatch"),
    "oversize": ([delta("ok"), OVERSIZE], "over the 16777216-byte limit"),
    "cut-mid-frame": ([delta("ok"), delta("cut")[:20]], "ended inside the frame"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_stream_ends_with_exit_56_after_what_was_decoded(server: VerifyingServer, env: dict[str, str],
                                                                case: str) -> None:
    frames, expected = BROKEN[case]
    server.queue(Response(headers=EVENTSTREAM, body=iter(frames)))
    result = run([*BEDROCK, server.url], env)
    assert result.exit_code == 56
    assert [json.loads(line) for line in result.stdout.splitlines()] == botocore_messages(frames[0])
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("sigcurl: ") and expected in line and " — " in line


# --- --raw -----------------------------------------------------------------------------


def test_raw_keeps_the_frames_byte_exact(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    data = b"".join(CONVERSATION)
    server.queue(Response(headers=EVENTSTREAM, body=iter(CONVERSATION)), Response(headers=EVENTSTREAM, body=iter(CONVERSATION)))
    result = run(["--raw", *BEDROCK, server.url], env)
    assert (result.exit_code, result.stdout) == (0, data), result.stderr
    out = tmp_path / "frames.bin"
    result = run(["--raw", "-o", str(out), *BEDROCK, server.url], env)
    assert result.exit_code == 0 and out.read_bytes() == data


def test_raw_writes_every_byte_and_still_reports_the_stream(server: VerifyingServer, env: dict[str, str]) -> None:
    frames = [delta("a"), exception("ValidationException", "bad input"), delta("after")]
    server.queue(Response(headers=EVENTSTREAM, body=iter(frames)))
    result = run(["--raw", *BEDROCK, server.url], env)
    assert (result.exit_code, result.stdout) == (94, b"".join(frames))
    frames = BROKEN["crc"][0]
    server.queue(Response(headers=EVENTSTREAM, body=iter(frames)))
    result = run(["--raw", *BEDROCK, server.url], env)
    assert (result.exit_code, result.stdout) == (56, b"".join(frames))


# --- other streams flow through pipes live ------------------------------------------


@pytest.mark.parametrize("delimited", [False, True], ids=["chunked", "content-length"])
@pytest.mark.parametrize("content_type, first, rest", [
    ("text/event-stream", [b'data: {"text":"Hel"}\n\n'], [b'data: {"text":"lo"}\n\n', b"data: [DONE]\n\n"]),
    ("application/x-ndjson", [b'{"n":1}\n'], [b'{"n":2}\n']),
])
def test_sse_and_json_lines_pass_through_live(server: VerifyingServer, env: dict[str, str], content_type: str,
                                              first: list[bytes], rest: list[bytes], delimited: bool) -> None:
    """Chunked or delimited by a Content-Length, what has arrived is written without waiting for more."""
    gate = Gate(first, rest)
    length = len(b"".join(first + rest)) if delimited else None
    server.queue(Response(headers=[("Content-Type", content_type)], body=gate.body(), content_length=length))
    proc = popen(["--service", "lambda", "--region", "us-east-1", server.url], env)
    assert proc.stdout is not None
    got = proc.stdout.readline()
    gate.signal.set()
    code, tail, err = finish(proc, proc.stdout)
    assert gate.released == [True] and code == 0, err
    assert got + tail == b"".join(first + rest)


# --- terminals -------------------------------------------------------------------------


class Pty:
    """sigcurl with stdout and stderr on a pseudo-terminal, read as it writes."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        import pty

        self.master, slave = pty.openpty()
        self.proc = start_process(args, {**env, "TERM": "xterm-256color", "NO_COLOR": None}, stdout=slave, stderr=slave,
                                  stdin=subprocess.DEVNULL)
        os.close(slave)
        self.out = b""

    def read_until(self, marker: bytes) -> bool:
        """Read until ``marker`` has been written (False: the output ended, or nothing came for a long while)."""
        import select

        while marker not in self.out:
            ready, _, _ = select.select([self.master], [], [], WAIT)
            if not ready:
                return False
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return False
            if not data:
                return False
            self.out += data
        return True

    def finish(self) -> tuple[int, bytes]:
        self.read_until(b"\x00never")
        os.close(self.master)
        return self.proc.wait(timeout=WAIT), self.out


def test_terminal_shows_the_text_live_and_a_summary(server: VerifyingServer, env: dict[str, str]) -> None:
    gate = Gate(CONVERSATION[:2], CONVERSATION[2:])
    server.queue(Response(headers=EVENTSTREAM, body=gate.body()))
    term = Pty([*BEDROCK, "--no-color", server.url], env)
    seen = term.read_until(b"Hello")
    gate.signal.set()
    code, out = term.finish()
    assert seen and gate.released == [True], out
    assert code == 0, out
    text = out.replace(b"\r\n", b"\n")
    assert text == b"Hello, world\nstop: end_turn\nusage: 12 input tokens, 3 output tokens; 321 ms\n"


def test_terminal_verbose_shows_every_event(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(headers=EVENTSTREAM, body=iter(CONVERSATION)))
    code, out = Pty(["-s", "-v", *BEDROCK, server.url], env).finish()
    assert code == 0, out
    lines = [json.loads(line) for line in out.replace(b"\r\n", b"\n").splitlines() if line.startswith(b'{"headers"')]
    assert lines == botocore_messages(b"".join(CONVERSATION))


def test_terminal_exception_and_chunk_bytes(server: VerifyingServer, env: dict[str, str]) -> None:
    model = {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "Bonjour \x1b[31m"}}
    chunk = event("chunk", {"bytes": base64.b64encode(json.dumps(model).encode()).decode()})
    server.queue(Response(headers=EVENTSTREAM, body=iter([chunk, exception("ModelStreamErrorException", "it broke")])))
    code, out = Pty([*BEDROCK, server.url], env).finish()
    assert code == 94
    text = out.replace(b"\r\n", b"\n").decode()
    assert text.startswith("Bonjour \ufffd[31m\n")  # the payload's escape sequence is not passed to the terminal
    assert "sigcurl: the event stream ended with ModelStreamErrorException: it broke — " in text
    assert "Traceback" not in text


def test_terminal_raw_refuses_frames(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(headers=EVENTSTREAM, body=iter(CONVERSATION)))
    code, out = Pty(["--raw", *BEDROCK, server.url], env).finish()
    assert code == 23 and b"binary output" in out and b"contentBlockDelta" not in out


def test_terminal_json_lines_flow_unbuffered(server: VerifyingServer, env: dict[str, str]) -> None:
    gate = Gate([b'{"n":1}\n'], [b'{"n":2}\n'])
    server.queue(Response(headers=[("Content-Type", "application/x-ndjson")], body=gate.body()))
    term = Pty(["--service", "lambda", "--region", "us-east-1", server.url], env)
    seen = term.read_until(b'{"n":1}')
    gate.signal.set()
    code, out = term.finish()
    assert seen and gate.released == [True] and code == 0, out
    assert out.replace(b"\r\n", b"\n") == b'{"n":1}\n{"n":2}\n'


def test_no_buffer_writes_a_json_document_as_it_arrives(server: VerifyingServer, env: dict[str, str]) -> None:
    gate = Gate([b'{"first": 1,'], [b' "second": 2}'])
    server.queue(Response(headers=[("Content-Type", "application/json")], body=gate.body()))
    term = Pty(["-N", "--service", "lambda", "--region", "us-east-1", server.url], env)
    seen = term.read_until(b'{"first": 1,')
    gate.signal.set()
    code, out = term.finish()
    assert seen and gate.released == [True] and code == 0, out
    assert out == b'{"first": 1, "second": 2}'


# --- the options -----------------------------------------------------------------------


@pytest.mark.parametrize("argv, isatty, events, no_buffer", [
    ([], False, "lines", False),
    ([], True, "view", False),
    (["-v"], True, "lines", False),
    (["--raw"], True, "raw", False),
    (["--raw"], False, "raw", False),
    (["--pretty"], False, "view", False),
    (["-o", "x"], True, "lines", False),
    (["-N"], False, "lines", True),
    (["--no-buffer"], True, "view", True),
])
def test_event_stream_form_and_no_buffer_are_compiled_once(argv: list[str], isatty: bool, events: str,
                                                           no_buffer: bool) -> None:
    import io

    from sigcurl.cli import cli, group_opts
    from sigcurl.options import compile_run

    ctx = cli.make_context("sigcurl", [*argv, "https://example.com/"])
    run_spec = compile_run([group_opts(ctx, dict(ctx.params))], stdin=io.BytesIO(), stdout_isatty=isatty, environ={})
    [spec] = list(run_spec.transfers)
    assert (spec.output.events, spec.output.no_buffer) == (events, no_buffer)
