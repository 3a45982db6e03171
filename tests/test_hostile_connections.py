"""Hostile connections and transfers: closed or stalled answers, dripped heads bounded by -m (the
credential fetch too), stale keep-alive connections resent once, many or huge response headers,
header values (UTF-8, line breaks), a full disk, and an interrupt against a dripping server.

Each test runs the real command (in-process, or as a process where a file
descriptor matters) against :mod:`support.hostile`.  No assertion is about time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import base_env, run, run_process

from support.hostile import (
    HostileServer,
    close_idle,
    reply,
)
from support.hostile_checks import TOKEN, one_line


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path, AWS_SESSION_TOKEN=TOKEN)


# --- output that cannot be written -----------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_to_a_full_disk_is_exit_23_in_one_line(hostile: HostileServer, tmp_path: Path) -> None:
    hostile.default = reply(200, b"x" * (1 << 20), content_type="application/octet-stream")
    result = run_process(["-o", "/dev/full", "--service", "s3", hostile.url_for("/bucket/key")], base_env(tmp_path))
    one_line(result, 23, "No space left")


def test_a_connection_closed_without_an_answer(hostile: HostileServer, env: dict[str, str]) -> None:
    hostile.queue(close_idle())
    one_line(run(["--service", "s3", hostile.url_for("/k")], env), 52)


def test_headers_stalled_then_dripped(hostile: HostileServer, env: dict[str, str]) -> None:
    hostile.queue(reply(200, b'{"ok": true}', content_type="application/json", stall=0.2, drip=(3, 0.001)))
    result = run(["--service", "s3", hostile.url_for("/k")], env)
    assert result.exit_code == 0 and result.stdout == b'{"ok": true}', result.stderr


def test_max_time_bounds_a_dripped_head(hostile: HostileServer, env: dict[str, str]) -> None:
    # the status line and headers one byte every 0.5 s: every recv is in time, the whole head is not
    hostile.queue(reply(200, b"ok", [("X-Pad", "p" * 40)], drip=(1, 0.5)))
    result = run(["-m", "2", "--service", "s3", hostile.url_for("/k")], env)
    one_line(result, 28, "timed out")
    assert hostile.dropped.wait(10), "the server saw the connection closed early"


def test_max_time_bounds_the_credential_fetch(hostile: HostileServer, tmp_path: Path) -> None:
    hostile.default = reply(200, b'{"AccessKeyId": "A", "SecretAccessKey": "s"}', content_type="application/json",
                            drip=(1, 0.5))
    env = base_env(tmp_path, AWS_ACCESS_KEY_ID="", AWS_CONTAINER_CREDENTIALS_FULL_URI=hostile.url_for("/creds"))
    result = run(["-m", "2", "--sign-only", "--service", "s3", "http://127.0.0.1:9/k"], env)
    assert result.exit_code == 28 and "container" in result.stderr, result.stderr  # a timeout, as curl's -m
    assert hostile.dropped.wait(10), "the server saw the connection closed early"


@pytest.mark.parametrize("method", [[], ["-d", "x=1"]], ids=["GET", "POST"])
def test_a_stale_keep_alive_connection_is_resent_once_on_a_new_one(
    hostile: HostileServer, env: dict[str, str], method: list[str]
) -> None:
    # each kept-alive connection is closed, unanswered, when it is reused (as curl does, 30 of 30 complete)
    for _ in range(30):
        hostile.queue(reply(200, b"ok", content_type="text/plain"), close_idle())
    urls = [hostile.url_for(f"/k{i}") for i in range(30)]
    result = run([*method, "--service", "s3", *urls], env)
    assert result.exit_code == 0 and result.stdout == b"ok" * 30, result.stderr


def test_a_connection_closed_twice_unanswered_is_not_resent_forever(hostile: HostileServer, env: dict[str, str]) -> None:
    hostile.queue(reply(200, b"ok", content_type="text/plain"), close_idle(), close_idle())
    result = run(["--service", "s3", hostile.url_for("/a"), hostile.url_for("/b")], env)
    assert result.exit_code == 52 and result.stdout == b"ok", result.stderr


def test_write_out_for_transfers_that_fail_before_a_response_lines_up(hostile: HostileServer, env: dict[str, str]) -> None:
    import shutil
    import subprocess

    hostile.queue(close_idle(), reply(200, b"", content_type="text/plain"))
    urls = [hostile.url_for("/a"), hostile.url_for("/b"), "http://127.0.0.1:9/c"]
    fmt = "%{http_code} %{exitcode}\\n"
    result = run(["-s", "--service", "s3", "-w", fmt, *urls], env)
    assert result.stdout.decode().splitlines() == ["000 52", "200 0", "000 7"], result.stderr
    curl = shutil.which("curl")
    if curl is not None:  # the reference: the system's curl against the same script
        hostile.queue(close_idle(), reply(200, b"", content_type="text/plain"))
        ref = subprocess.run([curl, "-s", "-w", fmt.replace("\\n", "\n"), *urls], capture_output=True, timeout=30)
        assert ref.stdout.decode().splitlines() == ["000 52", "200 0", "000 7"]


@pytest.mark.parametrize("count", [101, 1000])
def test_many_response_headers_are_accepted_as_curl_does(hostile: HostileServer, env: dict[str, str], count: int) -> None:
    hostile.queue(reply(200, b"ok", [(f"X-H{i}", "v" * 20) for i in range(count)], content_type="text/plain"))
    result = run(["-s", "-i", "--service", "s3", hostile.url_for("/k")], env)
    assert result.exit_code == 0 and result.stdout.endswith(b"ok"), result.stderr
    assert result.stdout.count(b"X-H") == count


def test_a_response_head_over_300_kib_is_exit_56(hostile: HostileServer, env: dict[str, str]) -> None:
    hostile.queue(reply(200, b"ok", [(f"X-H{i}", "v" * 1000) for i in range(400)], content_type="text/plain"))
    one_line(run(["--service", "s3", hostile.url_for("/k")], env), 56)


def test_a_non_ascii_header_value_is_sent_as_the_utf8_bytes_signed(server: Any, env: dict[str, str]) -> None:
    # the loopback server verifies the signature with botocore over the bytes received
    result = run(["--service", "s3", "-H", "x-amz-meta-price: 5 €", server.url + "/bucket/k"], env)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("flag", ["-A", "--sign-host", "-e"])
@pytest.mark.parametrize("value", ["a\n b", "a\r\nX-Evil: 1", "a\nb"])
def test_a_line_break_in_a_header_option_is_a_usage_error(env: dict[str, str], flag: str, value: str) -> None:
    one_line(run([flag, value, "--service", "s3", "http://127.0.0.1:9/k"], env), 2, "line break")


def test_a_folded_user_agent_from_a_config_file_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "k.conf"
    config.write_text('user-agent = "agent\\n folded"\n')
    one_line(run(["-K", str(config), "--service", "s3", "http://127.0.0.1:9/k"], env), 2, "line break")


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_an_interrupt_stops_parallel_transfers_against_a_dripping_server(
    hostile: HostileServer, tmp_path: Path, sig: str
) -> None:
    import signal
    import subprocess

    hostile.default = reply(200, b"x" * 10_000, content_type="text/plain", drip=(1, 0.5))  # ~2 hours each
    env = {**os.environ, **base_env(tmp_path), "PYTHONPATH": os.getcwd()}
    urls = [hostile.url_for(f"/k{i}") for i in range(3)]
    proc = subprocess.Popen([sys.executable, "-m", "sigcurl", "-Z", "-s", "--service", "s3", *urls],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        for _ in range(200):  # bounded: until the server has the three requests
            if len(hostile.requests) >= 3:
                break
            hostile.stopping.wait(0.05)
        proc.send_signal(getattr(signal, sig))
        _, err = proc.communicate(timeout=20)  # before the fix: waits for the dripped answers
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == (130 if sig == "SIGINT" else 143), err
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sigcurl: "), err
    assert b"Traceback" not in err
