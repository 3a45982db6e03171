"""Bedrock's ConverseStream as a user calls it: the real endpoint's URL, the request body from a file.

``sigcurl --json @req.json https://bedrock-runtime.us-east-1.amazonaws.com/model/MODEL/converse-stream``
with nothing else but ``--connect-to`` (to a TLS loopback server whose test
CA issued a certificate for that host) and ``--cacert``: the service and
region are inferred from the host, botocore verifies the signature, and the
answer is an event stream.  Piped into the system's ``jq``, the text
arrives live (jq prints the first delta before the server sends the rest);
on a terminal, the answer's text and its summary are shown.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import base_env, start_process
from test_event_streams_cli import CONVERSATION, EVENTSTREAM, WAIT, Gate, exception

from support.server import Response, VerifyingServer
from support.terminal import run_in_pty

HOST = "bedrock-runtime.us-east-1.amazonaws.com"
URL = f"https://{HOST}/model/MODEL/converse-stream"
REQUEST = {"messages": [{"role": "user", "content": [{"text": "Say hello"}]}]}


@pytest.fixture
def bedrock() -> Iterator[VerifyingServer]:
    with VerifyingServer(tls=True, tls_names=(HOST,), name="bedrock") as srv:
        yield srv


def argv(server: VerifyingServer, tmp_path: Path) -> list[str]:
    request = tmp_path / "req.json"
    request.write_text(json.dumps(REQUEST))
    assert server.ca_bundle is not None
    return ["--json", f"@{request}", URL, "--connect-to", f"{HOST}:443:127.0.0.1:{server.port}",
            "--cacert", server.ca_bundle]


def assert_signed_for_bedrock(server: VerifyingServer) -> None:
    last = server.last
    assert last.ok, last.verification.reason
    assert last.verification.credential_scope is not None
    assert last.verification.credential_scope.endswith("/us-east-1/bedrock/aws4_request")
    assert json.loads(last.body) == REQUEST


@pytest.mark.skipif(shutil.which("jq") is None, reason="the system's jq is the reader here")
def test_ndjson_into_jq_live(bedrock: VerifyingServer, tmp_path: Path) -> None:
    gate = Gate(CONVERSATION[:2], CONVERSATION[2:])
    bedrock.queue(Response(headers=EVENTSTREAM, body=gate.body()))
    sigcurl = start_process(argv(bedrock, tmp_path), base_env(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    assert sigcurl.stdout is not None and sigcurl.stderr is not None
    jq = subprocess.Popen(["jq", "-r", "--unbuffered", ".payload.delta.text // empty"], stdin=sigcurl.stdout,
                          stdout=subprocess.PIPE)
    sigcurl.stdout.close()  # jq holds the pipe
    assert jq.stdout is not None
    try:
        first = jq.stdout.readline()  # the first delta, through sigcurl and jq, before the rest is sent
        gate.signal.set()
        rest = jq.stdout.read()
        assert jq.wait(timeout=WAIT) == 0
        assert sigcurl.wait(timeout=WAIT) == 0, sigcurl.stderr.read()
    finally:
        for proc in (sigcurl, jq):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        sigcurl.stderr.close()
        jq.stdout.close()
    assert gate.released == [True], "the first event did not reach jq before the rest was sent"
    assert first + rest == b"Hello\n, world\n"
    assert_signed_for_bedrock(bedrock)


def test_the_answer_on_a_terminal(bedrock: VerifyingServer, tmp_path: Path) -> None:
    bedrock.queue(Response(headers=EVENTSTREAM, body=iter(CONVERSATION)))
    code, shown = run_in_pty(["--no-color", *argv(bedrock, tmp_path)], base_env(tmp_path))
    assert code == 0, shown
    assert shown.replace(b"\r\n", b"\n") == b"Hello, world\nstop: end_turn\nusage: 12 input tokens, 3 output tokens; 321 ms\n"
    assert_signed_for_bedrock(bedrock)


def test_an_error_in_the_stream_is_reported_as_such(bedrock: VerifyingServer, tmp_path: Path) -> None:
    bedrock.queue(Response(headers=EVENTSTREAM, body=iter([*CONVERSATION[:2], exception("ThrottlingException", "slow down")])))
    code, shown = run_in_pty(["--no-color", *argv(bedrock, tmp_path)], base_env(tmp_path))
    text = shown.replace(b"\r\n", b"\n").decode()
    assert code == 94, text
    assert text.startswith("Hello\n")
    assert "sigcurl: the event stream ended with ThrottlingException: slow down — " in text
