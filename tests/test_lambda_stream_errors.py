"""Lambda InvokeWithResponseStream: a function error in the final ``InvokeComplete`` event ends the command (exit 94).

The events are built with sigcurl's encoder and checked against botocore: its
``EventStreamBuffer`` decodes the frames and its ``EventStreamJSONParser``,
with the Lambda service model's ``InvokeWithResponseStreamResponseEvent``,
reads the last one as ``InvokeComplete`` with ``ErrorCode`` and
``ErrorDetails`` (``InvokeWithResponseStreamCompleteEvent``), as boto3 would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.eventstream import EventStreamBuffer
from botocore.parsers import EventStreamJSONParser
from cli_helpers import base_env, run

from sigcurl.eventstream import encode_message
from support.server import Response, VerifyingServer

EVENTSTREAM = [("Content-Type", "application/vnd.amazon.eventstream")]
LAMBDA = ["--service", "lambda", "--region", "us-east-1", "-d", "{}"]
PATH = "/2021-11-15/functions/f/response-streaming-invocations"
DETAILS = '{"errorType":"Error","errorMessage":"boom",\n "trace":["Error: boom","    at handler (/var/task/index.mjs:3:9)"]}'


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path)


def chunk(data: bytes) -> bytes:
    return encode_message({":event-type": "PayloadChunk", ":content-type": "application/octet-stream",
                           ":message-type": "event"}, data)


def complete(members: dict[str, str]) -> bytes:
    return encode_message({":event-type": "InvokeComplete", ":content-type": "application/json",
                           ":message-type": "event"}, json.dumps(members).encode())


FAILED = [chunk(b"Hello, "), chunk(b"wor"), complete({"ErrorCode": "Unhandled", "ErrorDetails": DETAILS, "LogResult": ""})]


def boto3_events(data: bytes) -> list[dict[str, Any]]:
    """The stream as boto3 reads it: each event parsed with Lambda's service model."""
    model = botocore.session.get_session().get_service_model("lambda").operation_model("InvokeWithResponseStream")
    shape = model.get_event_stream_output()
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    parser = EventStreamJSONParser()
    return [parser.parse(message.to_response_dict(), shape) for message in buffer]


def test_the_frames_are_what_boto3_reads_as_a_failed_invocation() -> None:
    events = boto3_events(b"".join(FAILED))
    assert events[0] == {"PayloadChunk": {"Payload": b"Hello, "}}
    assert events[-1] == {"InvokeComplete": {"ErrorCode": "Unhandled", "ErrorDetails": DETAILS, "LogResult": ""}}


def _one_error_line(stderr: str) -> str:
    [line] = stderr.strip().splitlines()
    assert "Traceback" not in stderr
    return line


def test_pipe_writes_every_event_then_exits_94_naming_the_error(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(headers=EVENTSTREAM, body=iter(FAILED)))
    result = run([*LAMBDA, server.url_for(PATH)], env)
    assert result.exit_code == 94
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["payload"] for line in lines[:2]] == ["Hello, ", "wor"]
    assert lines[-1]["payload"] == boto3_events(b"".join(FAILED))[-1]["InvokeComplete"]  # its own line, as sent
    line = _one_error_line(result.stderr)
    details = " ".join(DETAILS.split())
    assert line.startswith(f"sigcurl: the event stream ended with Unhandled: {details} — the Lambda function failed")
    assert server.last.ok, server.last.verification.reason


def test_raw_keeps_the_bytes_and_exits_94(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    server.queue(Response(headers=EVENTSTREAM, body=iter(FAILED)))
    out = tmp_path / "frames"
    result = run(["--raw", "-o", str(out), *LAMBDA, server.url_for(PATH)], env)
    assert result.exit_code == 94
    assert out.read_bytes() == b"".join(FAILED)
    assert _one_error_line(result.stderr).startswith("sigcurl: the event stream ended with Unhandled: ")


def test_readable_view_shows_the_text_then_exits_94(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(headers=EVENTSTREAM, body=iter(FAILED)))
    result = run(["--pretty", *LAMBDA, server.url_for(PATH)], env)
    assert result.exit_code == 94
    assert result.stdout.startswith(b"Hello, wor")
    assert b"Unhandled" not in result.stdout  # the error is the one line on stderr
    assert _one_error_line(result.stderr).startswith("sigcurl: the event stream ended with Unhandled: ")


@pytest.mark.parametrize("members", [{}, {"LogResult": "U1RBUlQ="}, {"ErrorCode": "", "ErrorDetails": ""}],
                         ids=["empty", "log-only", "empty-code"])
def test_a_successful_invocation_completes_with_exit_0(server: VerifyingServer, env: dict[str, str],
                                                       members: dict[str, str]) -> None:
    frames = [chunk(b"Hello"), complete(members)]
    assert "ErrorCode" not in {k for k, v in boto3_events(b"".join(frames))[-1]["InvokeComplete"].items() if v}
    server.queue(Response(headers=EVENTSTREAM, body=iter(frames)))
    result = run([*LAMBDA, server.url_for(PATH)], env)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr == ""
