"""``--parallel``, against the verifying loopback server: whole outputs in order (stdout, files,
-v), ``--parallel-max`` bounding concurrency and connections, failures and ``--fail-early``,
progress on a terminal, more transfers than the window.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cli_helpers import base_env, run
from cli_helpers import run_injected as invoke

from support.batch import API, all_verified, echo_path, fail_on, slow_first, urls
from support.server import Response, VerifyingServer


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path)


def test_parallel_outputs_whole_and_in_order(server: VerifyingServer, env: dict[str, str]) -> None:
    n, size = 12, 300_000
    server.handler = slow_first(n, size)
    result = run(["-Z", *API, *urls(server, n), "-w", "%{url_effective}\n"], env)
    assert result.exit_code == 0, result.stderr
    expected = b"".join(bytes([ord("a") + i]) * size + b"\n" + f"{server.url}/item/{i}\n".encode() for i in range(n))
    assert result.stdout == expected  # never interleaved, in the order given
    assert server.handler.active["max"] > 1  # type: ignore[attr-defined]  # really concurrent
    all_verified(server)


def test_parallel_max_bounds_concurrency_and_connections(server: VerifyingServer, env: dict[str, str]) -> None:
    n = 16
    server.handler = slow_first(n, 10)
    result = run(["--parallel", "--parallel-max", "3", *API, *urls(server, n)], env)
    assert result.exit_code == 0, result.stderr
    assert server.handler.active["max"] <= 3  # type: ignore[attr-defined]
    assert server.connection_count <= 3 < server.request_count
    all_verified(server)


def test_parallel_outputs_to_files(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    server.handler = echo_path
    args = ["-Z", *API]
    for i in range(6):
        args += ["-o", str(tmp_path / f"{i}.out"), server.url + f"/f/{i}"]
    result = run([*args, server.url + "/stdout"], env)
    assert result.exit_code == 0, result.stderr
    for i in range(6):
        assert (tmp_path / f"{i}.out").read_bytes() == f"</f/{i}>\n".encode()
    assert result.stdout == b"</stdout>\n"


def test_parallel_failure_in_the_middle(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = fail_on(["/item/3"])
    result = run(["-Z", "-f", *API, *urls(server, 8)], env)
    assert result.exit_code == 22
    assert server.request_count == 8
    assert result.stdout == b"".join(f"</item/{i}>\n".encode() for i in range(8) if i != 3)
    assert "1 of 8 transfers failed" in result.stderr
    assert result.stderr.count("(22)") == 1


def test_parallel_fail_early_stops_starting_transfers(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = fail_on(["/item/0"])
    result = run(["-Z", "--parallel-max", "1", "-f", "--fail-early", *API, *urls(server, 10)], env)
    assert result.exit_code == 22
    assert server.request_count < 10
    assert " not run (--fail-early)" in result.stderr


def test_parallel_progress_on_a_terminal(server: VerifyingServer, env: dict[str, str]) -> None:
    """With stderr on a terminal, one progress display for the whole run; stdout stays the bodies."""
    server.handler = echo_path
    out, err = io.BytesIO(), io.StringIO()
    code = invoke(["-Z", *API, *urls(server, 5)], env, stdout=out, stderr=err, stderr_isatty=True)
    assert code == 0
    assert out.getvalue() == b"".join(f"</item/{i}>\n".encode() for i in range(5))
    assert "5/5" in err.getvalue()


def test_parallel_verbose_output_kept_whole(server: VerifyingServer, env: dict[str, str]) -> None:
    """Each transfer's -v lines reach stderr as one block: request, then its response, then the next transfer."""
    n = 6
    server.handler = slow_first(n, 10)
    result = run(["-Zv", *API, *urls(server, n)], env)
    assert result.exit_code == 0, result.stderr
    marks = [line for line in result.stderr.splitlines() if line.startswith(("> GET", "< HTTP"))]
    expected = []
    for i in range(n):
        expected += [f"> GET /item/{i} HTTP/1.1", "< HTTP/1.1 200 OK"]
    assert marks == expected


def test_parallel_more_transfers_than_the_window(server: VerifyingServer, env: dict[str, str]) -> None:
    """More URLs than the submission window (2 workers: 18 queued at a time): all run, output in order."""
    n = 45
    server.handler = lambda r: Response(body=f"<{r.path}>\n".encode(), delay=0.01 if r.path.endswith("/0") else 0.0)
    result = run(["-Z", "--parallel-max", "2", *API, *urls(server, n)], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == b"".join(f"</item/{i}>\n".encode() for i in range(n))
    assert server.request_count == n
    all_verified(server)
