"""A body cut short by -m: what arrived before the deadline is written, as curl writes it.

The server sends the head and a few pieces of the body at once, then stalls
past ``-m``.  The system's curl is the reference: both commands exit 28 and
write the same bytes, to stdout and to an ``-o`` file, whether the body is
delimited by Content-Length or chunked.  On a terminal, a JSON document that
would have been pretty-printed is shown as it came.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cli_helpers import base_env, run_process

from support.curldiff import CURL
from support.hostile import Act, Conn, HostileServer
from support.terminal import run_in_pty

PIECES = (b'{"items": [', b'"one", ', b'"two", ')
STALL = 8.0  # seconds of silence after the pieces, far past -m 1


def stalled(content_type: str, chunked: bool) -> Act:
    """An act: the head and PIECES at once (each its own write), then silence."""

    def act(conn: Conn, head: bytes) -> bool:
        framing = "Transfer-Encoding: chunked" if chunked else "Content-Length: 1000"
        conn.send(f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n{framing}\r\n\r\n".encode())
        for piece in PIECES:
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            conn.sleep(0.02)
        conn.sleep(STALL)
        return False

    return act


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "file"])
def test_what_arrived_before_the_deadline_is_written_as_curl_writes_it(
    hostile: HostileServer, tmp_path: Path, chunked: bool, to_file: bool
) -> None:
    hostile.default = stalled("text/plain", chunked)
    outputs = []
    for tool in ("curl", "sigcurl"):
        out = tmp_path / f"{tool}.out"
        argv = ["-s", "-m", "1", *(["-o", str(out)] if to_file else []), hostile.url_for("/cut")]
        if tool == "curl":
            proc = subprocess.run([CURL, *argv], capture_output=True, timeout=30, env={**os.environ, "NO_PROXY": "*"})
            code, stdout = proc.returncode, proc.stdout
        else:
            result = run_process(["--service", "s3", "--region", "us-east-1", *argv], base_env(tmp_path))
            code, stdout = result.exit_code, result.stdout
        outputs.append((code, out.read_bytes() if to_file else stdout))
    assert outputs[0] == (28, b"".join(PIECES))
    assert outputs[1] == outputs[0]


def test_a_document_cut_short_on_a_terminal_is_shown_as_it_came(hostile: HostileServer, tmp_path: Path) -> None:
    hostile.default = stalled("application/json", chunked=False)
    code, shown = run_in_pty(["-m", "1", "--service", "s3", "--region", "us-east-1", hostile.url_for("/doc")],
                             base_env(tmp_path))
    assert code == 28
    assert b"".join(PIECES) in shown
    assert b"operation timed out" in shown
