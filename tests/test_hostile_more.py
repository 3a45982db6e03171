"""More hostile cases: a dripped body under ``-m``, a connection closed mid-upload (exit 55), ``-w`` with a
credential-bearing URL, and standard input replayed to several URLs in bounded memory.

Every case runs the real command against a loopback server (:mod:`support.hostile`,
or the verifying server for uploads, which checks each signature and hashes each
body with botocore's rules).  References are independent of sigcurl: the system's
curl for the exit codes it shares, the server's own digest of what arrived, and
the kernel's account of the child's peak memory (``wait4``).  No assertion is
about time: a run that would hang is ended by the subprocess timeout, which is
far longer than ``-m``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from cli_helpers import SECRET_KEY, base_env, process_env, run, run_process

from support.hostile import Act, Conn, HostileServer, encodings, reply
from support.server import VerifyingServer

TOKEN = "IQoJb3JpZ2luX2VjEHostileSessionToken/with+plus=and/slash"
MiB = 1 << 20


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path, AWS_SESSION_TOKEN=TOKEN)


# --- -m bounds the body, not only the head ----------------------------------------------


def drip_body(length: int = 100) -> Act:
    """Headers at once, then the body a byte a second (never a whole read's worth between checks)."""

    def act(conn: Conn, head: bytes) -> bool:
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % length)
        for _ in range(length):
            conn.send(b"x")
            conn.sleep(1.0)
        return True

    return act


@pytest.mark.parametrize("extra", [[], ["-o", "OUT"], ["--retry", "2"]], ids=["stdout", "file", "retry"])
def test_max_time_ends_a_body_dripped_a_byte_a_second(hostile: HostileServer, env: dict[str, str], tmp_path: Path,
                                                      extra: list[str]) -> None:
    # Before: the deadline was checked between 64 KiB reads, which never returned: ran 100 s (to the body's end).
    hostile.queue(drip_body(), drip_body(), drip_body())
    args = [a.replace("OUT", str(tmp_path / "out")) for a in extra]
    result = run_process(["-m", "2", *args, "--service", "s3", hostile.url_for("/bucket/key")], env, timeout=40)
    assert result.exit_code == 28, result.stderr
    assert "timed out" in result.stderr


def test_max_time_ends_a_dripped_error_body(hostile: HostileServer, env: dict[str, str]) -> None:
    # An error body is read ahead to classify it: that read is bounded too.
    def act(conn: Conn, head: bytes) -> bool:
        conn.send(b"HTTP/1.1 500 Oops\r\nContent-Type: application/xml\r\nContent-Length: 200\r\n\r\n<Error>")
        for _ in range(200):
            conn.send(b" ")
            conn.sleep(1.0)
        return True

    hostile.queue(act)
    result = run_process(["-m", "2", "--service", "s3", hostile.url_for("/bucket/key")], env, timeout=40)
    assert result.exit_code == 28, result.stderr


def test_a_body_within_the_deadline_leaves_the_connection_reusable(hostile: HostileServer, env: dict[str, str]) -> None:
    # The watchdog is cancelled when a body ends: the kept-alive connection serves the next URL.
    hostile.queue(reply(200, b"one", content_type="text/plain"), reply(200, b"two", content_type="text/plain"))
    result = run(["-m", "30", "--service", "s3", hostile.url_for("/b/1"), hostile.url_for("/b/2")], env)
    assert (result.exit_code, result.stdout) == (0, b"onetwo"), result.stderr
    assert hostile.connections == 1


# --- exit 55: the server closes the connection while the request is being sent ------------


def closing_listener(stop: threading.Event) -> tuple[socket.socket, threading.Thread]:
    """A listener that accepts each connection and closes it at once (FIN), while the client is still sending."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.2)

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            conn.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return listener, thread


def test_a_connection_closed_during_the_upload_is_exit_55_as_curl(tmp_path: Path, env: dict[str, str]) -> None:
    # Before: 52 "empty reply" (urllib3 swallows the broken pipe to look for an early answer).
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(MiB) * 32)
    stop = threading.Event()
    listener, thread = closing_listener(stop)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/bucket/key"
    try:
        mine = run_process(["-T", str(big), "--service", "s3", url], env)
        if shutil.which("curl"):
            curl = subprocess.run(["curl", "-sS", "-H", "Expect:", "-T", str(big), url], capture_output=True, timeout=60)
            # curl: "(55) Send failure: Broken pipe", or "(56) Recv failure" when it polls for an early
            # answer and meets the reset there first (a race); sigcurl knows its sending broke: always 55
            assert curl.returncode in (55, 56), curl.stderr
    finally:
        stop.set()
        thread.join(5)
        listener.close()
    assert mine.exit_code == 55, mine.stderr
    assert "failed sending the request" in mine.stderr and len(mine.stderr.strip().splitlines()) == 1


def test_an_early_answer_to_an_upload_is_still_the_answer(hostile: HostileServer, env: dict[str, str], tmp_path: Path) -> None:
    # A 413 sent before the body was read, then the connection closed: the 413 is shown (curl does the same).
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * (80 * MiB))  # more than the hostile server reads of a body (64 MiB)
    hostile.queue(reply(413, b"too large", content_type="text/plain", close=True))
    result = run_process(["-T", str(big), "--service", "s3", hostile.url_for("/bucket/key")], env)
    assert result.exit_code in (0, 55), result.stderr  # the answer, or (if it was lost with the reset) 55
    if result.exit_code == 0:
        assert result.stdout == b"too large"


# --- -w never writes the session token ---------------------------------------------------


PRESIGNED = ("?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261204%2Fus-east-1%2Fs3%2Faws4_request"
             "&X-Amz-Date=20261204T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host"
             f"&X-Amz-Security-Token={quote(TOKEN, safe='')}&X-Amz-Signature=" + "ab" * 32)


@pytest.mark.parametrize("query", [PRESIGNED, f"?X-Amz-Security-Token={TOKEN}&x=1"], ids=["presigned", "raw-token"])
def test_write_out_urls_never_show_the_session_token(hostile: HostileServer, env: dict[str, str], query: str) -> None:
    # Before: %{url}, %{url_effective} and %{json} wrote the token (and a redirect's %{redirect_url}).
    hostile.queue(reply(302, b"", [("Location", "/elsewhere" + query)]))
    url = hostile.url_for("/bucket/key" + query)
    result = run(["-s", "-o", os.devnull, "-w", "%{url}\n%{url_effective}\n%{redirect_url}\n%{json}\n",
                  "--service", "s3", url], env)
    assert result.exit_code == 0, result.stderr
    out = result.stdout.decode()
    for form in encodings(TOKEN) + encodings(SECRET_KEY):
        assert form.decode() not in out
    lines = out.splitlines()
    expected = url.replace(query.split("X-Amz-Security-Token=")[1].split("&")[0], "<redacted>")
    assert lines[0] == lines[1] == expected  # the rest as curl writes it (signature, credential scope, order)
    assert lines[2] == expected.replace("/bucket/key", "/elsewhere")
    if query == PRESIGNED:
        assert "X-Amz-Signature=" + "ab" * 32 in lines[0] and "X-Amz-Credential=AKIDEXAMPLE%2F" in lines[0]


def test_write_out_for_a_failed_transfer_never_shows_the_token(env: dict[str, str]) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run(["-s", "-w", "%{url_effective} %{exitcode}\n", "--service", "s3",
                  f"http://127.0.0.1:{port}/b/k{PRESIGNED}"], env)
    assert result.exit_code == 7
    assert TOKEN.encode() not in result.stdout and quote(TOKEN, safe="").encode() not in result.stdout
    assert result.stdout.endswith(b"X-Amz-Security-Token=<redacted>&X-Amz-Signature=" + b"ab" * 32 + b" 7\n")


# --- standard input replayed to several URLs in bounded memory ---------------------------


#: Runs its arguments as a child and writes the child's peak RSS (KiB) to the file named first.  A child's
#: ``ru_maxrss`` includes what its parent held when it forked (the kernel keeps the old memory's high-water
#: mark across exec), so the measured child must come from this small process, not from pytest.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(code)\n"
)


def piece() -> bytes:
    return hashlib.sha256(b"piece").digest() * (MiB // 32)


def _pipe_run(args: list[str], env: dict[str, str], size: int, tmp_path: Path) -> tuple[int, int, str]:
    """Run sigcurl with ``size`` bytes piped to stdin; (exit code, its peak RSS in KiB, stderr)."""
    report = tmp_path / "maxrss"
    proc = subprocess.Popen([sys.executable, "-c", _MEASURE, str(report), sys.executable, "-m", "sigcurl", *args],
                            env=process_env(env), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stderr is not None
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    block = piece()
    try:
        for _ in range(size // len(block)):
            proc.stdin.write(block)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    try:
        code = proc.wait(timeout=300)  # a hang ends the test, not the suite
    finally:
        proc.kill()
    reader.join(10)
    return code, int(report.read_text()), b"".join(errors).decode("utf-8", "replace")


@pytest.mark.parametrize("how", [["-T", "-"], ["--data-binary", "@-"]], ids=["T", "data-binary"])
def test_stdin_for_several_urls_is_read_once_in_bounded_memory(server: VerifyingServer, tmp_path: Path, how: list[str]) -> None:
    # Before: standard input was read whole into memory for several URLs (a 1 GiB pipe: 1.07 GB of RSS).
    size = 300 * MiB
    env = base_env(tmp_path)
    code, peak_kib, stderr = _pipe_run([*how, "--service", "execute-api", "--region", "us-east-1",
                                        server.url_for("/one"), server.url_for("/two")], env, size, tmp_path)
    assert code == 0, stderr
    h, block = hashlib.sha256(), piece()
    for _ in range(size // len(block)):
        h.update(block)
    expected = h.hexdigest()
    got = [(r.target, r.body_info.size, r.body_info.sha256) for r in server.requests]
    assert got == [("/one", size, expected), ("/two", size, expected)]  # both whole, each signed for its bytes
    server.assert_all_verified()
    assert peak_kib < 150 * 1024, f"peak RSS {peak_kib // 1024} MiB for a {size // MiB} MiB pipe"


def test_stdin_replayed_from_a_small_pipe_and_a_redirected_file(server: VerifyingServer, tmp_path: Path) -> None:
    env = base_env(tmp_path)
    args = ["-T", "-", "--service", "execute-api", "--region", "us-east-1", server.url_for("/a"), server.url_for("/b")]
    piped = run_process(args, env, stdin=b"hello pipe")
    assert piped.exit_code == 0, piped.stderr
    source = tmp_path / "in.txt"
    source.write_bytes(b"skip:hello file")
    with source.open("rb") as f:
        f.seek(5)  # stdin's position is where the body starts, as curl reads it
        from_file = run_process(args, env, stdin=f)
    assert from_file.exit_code == 0, from_file.stderr
    assert [r.body for r in server.requests] == [b"hello pipe"] * 2 + [b"hello file"] * 2
    server.assert_all_verified()
