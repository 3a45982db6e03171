"""An event stream written to a pipe: the pipe's buffer is widened (Linux), the lines are unchanged.

The kernel is the reference: after the command has written a stream to a
pipe, ``F_GETPIPE_SZ`` on the test's end of that pipe reports the buffer
sigcurl asked for; the NDJSON lines are checked against botocore's
``EventStreamBuffer`` decoding the same bytes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.eventstream import EventStreamBuffer
from cli_helpers import base_env, start_process

from sigcurl.eventstream import encode_message
from sigcurl.output.stream import PIPE_SIZE
from support.server import Response, VerifyingServer

EVENTSTREAM = [("Content-Type", "application/vnd.amazon.eventstream")]
BEDROCK = ["--service", "bedrock", "--region", "us-east-1", "--json", '{"messages":[]}']


def frames(count: int) -> list[bytes]:
    headers = {":event-type": "contentBlockDelta", ":content-type": "application/json", ":message-type": "event"}
    return [encode_message(headers, json.dumps({"delta": {"text": f"token {i} " * 50}}).encode()) for i in range(count)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="F_SETPIPE_SZ is Linux's")
def test_a_stream_to_a_pipe_widens_it_and_writes_every_line(server: VerifyingServer, tmp_path: Path) -> None:
    import fcntl

    data = frames(200)
    server.queue(Response(headers=EVENTSTREAM, body=iter(data)))
    proc = start_process([*BEDROCK, server.url_for("/model/m/converse-stream")], base_env(tmp_path),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    size = fcntl.fcntl(proc.stdout.fileno(), fcntl.F_GETPIPE_SZ)  # the same pipe: one buffer for both ends
    out = first + proc.stdout.read()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert size >= PIPE_SIZE
    buffer = EventStreamBuffer()
    buffer.add_data(b"".join(data))
    expected = [json.loads(message.payload) for message in buffer]
    assert [json.loads(line)["payload"] for line in out.splitlines()] == expected
