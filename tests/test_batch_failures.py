"""Failures in the middle of a batch, against the verifying loopback server: the exit status is the
last failure's, a summary line unless one transfer or -s, ``--fail-early`` stops at the first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import base_env, run

from support.batch import API, fail_on, urls
from support.server import VerifyingServer


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path)


def test_failure_in_the_middle(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = fail_on(["/item/2"])
    result = run(["-f", *API, *urls(server, 5)], env)
    assert result.exit_code == 22
    assert server.request_count == 5  # later transfers still run
    assert result.stdout == b"".join(f"</item/{i}>\n".encode() for i in (0, 1, 3, 4))
    summary = result.stderr[result.stderr.index("1 of 5 transfers failed"):]
    lines = summary.strip().splitlines()
    assert len(lines) == 2
    assert f"[3/5] {server.url}/item/2: (22)" in lines[1]


def test_exit_status_is_the_last_failure(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = fail_on(["/item/1"])
    result = run(["-f", *API, *urls(server, 3), "http://127.0.0.1:9/refused", server.url + "/ok"], env)
    assert result.exit_code == 7  # connection refused came after the 404
    assert "2 of 5 transfers failed" in result.stderr
    assert server.request_count == 4


def test_fail_early_stops_at_the_first_failure(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = fail_on(["/item/1"])
    result = run(["-f", "--fail-early", *API, *urls(server, 3), "http://127.0.0.1:9/refused"], env)
    assert result.exit_code == 22
    assert server.request_count == 2
    assert "1 of 4 transfers failed" in result.stderr
    assert "2 transfers not run (--fail-early)" in result.stderr


def test_single_failed_transfer_has_no_summary(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = fail_on(["/x"])
    result = run(["-f", *API, server.url + "/x"], env)
    assert result.exit_code == 22
    assert "transfers failed" not in result.stderr


def test_silent_hides_the_summary_show_error_keeps_it(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = fail_on(["/item/0"])
    assert run(["-sf", *API, *urls(server, 2)], env).stderr == ""
    assert "1 of 2 transfers failed" in run(["-sSf", *API, *urls(server, 2)], env).stderr
