"""Fault injection, retries: --retry and its backoff (exponential, full jitter, capped), Retry-After,
throttling codes, dropped connections (GET retried, POST replayed only when told), bodies re-read
or resent from their spool, refused connections, timeouts (28) and truncated bodies (18).

Every test drives the real command in-process (``click.testing.CliRunner``)
against the verifying loopback server and asserts on what the server
received: how many requests, whether each was signed afresh and verified.
Waiting is injected: the command's environment carries a fake clock
(``Env.clock``: sleep, wall clock, jitter; ``Env.now``), so backoff and
Retry-After are tested without real waiting.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from sigcurl.environment import SYSTEM_CLOCK
from support import reliability_fixtures
from support.clock import FakeClock
from support.server import Response, VerifyingServer

# the shared fixtures, by name (pytest finds fixtures in the module)
clock, run = reliability_fixtures.clock, reliability_fixtures.run


def dates(server: VerifyingServer) -> list[str | None]:
    return [r.header("X-Amz-Date") for r in server.requests]


def signatures(server: VerifyingServer) -> list[str]:
    return [re.sub(r".*Signature=", "", r.header("Authorization") or "") for r in server.requests]


# --- retries -------------------------------------------------------------------------


def test_retry_503_then_success_signs_every_attempt_afresh(server: VerifyingServer, run: Any, clock: FakeClock) -> None:
    clock.jitter = lambda upper: upper  # whole seconds apart
    server.queue(Response(503), Response(503), Response(200, body=b"done"))
    result = run("--service", "s3", "--retry", "3", "-v", server.url_for("/bucket/key"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "done"
    reqs = server.requests
    assert len(reqs) == 3 and all(r.ok for r in reqs)
    assert len(set(dates(server))) == 3  # a new X-Amz-Date each attempt
    assert len(set(signatures(server))) == 3
    assert len(clock.slept) == 2
    assert "* retrying in" in result.stderr and "(attempt 1/3): HTTP 503" in result.stderr
    assert "(attempt 2/3)" in result.stderr


def test_no_retry_without_the_option(server: VerifyingServer, run: Any, clock: FakeClock) -> None:
    server.queue(Response(503), Response(200))
    result = run("--service", "s3", "-f", server.url_for("/k"))
    assert result.exit_code == 22
    assert server.request_count == 1 and clock.slept == []


def test_backoff_is_exponential_with_full_jitter_and_capped(server: VerifyingServer, run: Any, clock: FakeClock) -> None:
    uppers: list[float] = []
    clock.jitter = lambda upper: uppers.append(upper) or upper / 2
    server.queue(*[Response(500) for _ in range(7)], Response(200))
    result = run("--service", "s3", "--retry", "7", server.url_for("/k"))
    assert result.exit_code == 0, result.stderr
    assert uppers == [1.0, 2.0, 4.0, 8.0, 16.0, 20.0, 20.0]
    assert clock.slept == [u / 2 for u in uppers]


def test_real_jitter_stays_within_its_bounds() -> None:
    for upper in (0.5, 1.0, 20.0):
        values = [SYSTEM_CLOCK.jitter(upper) for _ in range(200)]
        assert all(0.0 <= v <= upper for v in values)
        assert len(set(values)) > 100


def test_retry_delay_is_fixed(server: VerifyingServer, run: Any, clock: FakeClock) -> None:
    server.queue(Response(502), Response(504), Response(200))
    result = run("--service", "s3", "--retry", "5", "--retry-delay", "0.25", server.url_for("/k"))
    assert result.exit_code == 0
    assert clock.slept == [0.25, 0.25]


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(server: VerifyingServer, run: Any, clock: FakeClock, status: int) -> None:
    server.queue(Response(status, headers={"Retry-After": "7"}), Response(200))
    result = run("--service", "s3", "--retry", "1", "-v", server.url_for("/k"))
    assert result.exit_code == 0
    assert clock.slept == [7.0]
    assert "retrying in 7.0 s (attempt 1/1)" in result.stderr


@pytest.mark.parametrize("code", ["ThrottlingException", "Throttling", "RequestLimitExceeded", "TooManyRequestsException",
                                  "ProvisionedThroughputExceededException", "SlowDown", "RequestThrottled"])
def test_aws_throttling_codes_are_retried_with_retry_after(server: VerifyingServer, run: Any, clock: FakeClock, code: str) -> None:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "Rate exceeded"})
    server.queue(
        Response(400, headers={"Content-Type": "application/x-amz-json-1.0", "Retry-After": "3"}, body=body),
        Response.json({"Table": {}}),
    )
    result = run("--service", "dynamodb", "--json", "{}", "--retry", "2", "-v", server.url_for("/"))
    assert result.exit_code == 0, result.stderr
    assert server.request_count == 2 and all(r.ok for r in server.requests)
    assert server.requests[0].body == server.requests[1].body == b"{}"
    assert clock.slept == [3.0]
    assert code in result.stderr


def test_plain_400_is_not_retried(server: VerifyingServer, run: Any, clock: FakeClock) -> None:
    server.queue(Response.aws_error("InvalidArgument", "nope"), Response(200))
    result = run("--service", "s3", "--retry", "3", server.url_for("/k"))
    assert result.exit_code == 0  # no -f: the error body is the output
    assert server.request_count == 1
    assert "InvalidArgument" in result.stderr


def test_retries_exhausted_returns_the_last_answer(server: VerifyingServer, run: Any, clock: FakeClock) -> None:
    server.queue(*[Response.aws_error("InternalError", f"boom {i}", status=500) for i in range(4)])
    result = run("--service", "s3", "--retry", "2", "-f", server.url_for("/k"))
    assert result.exit_code == 22
    assert server.request_count == 3 and len(clock.slept) == 2
    assert "boom 2" in result.stderr


def test_retry_all_errors_with_fail_retries_any_http_error(server: VerifyingServer, run: Any, clock: FakeClock) -> None:
    server.queue(Response(404), Response(200, body=b"found"))
    result = run("--service", "s3", "--retry", "1", "--retry-all-errors", "-f", server.url_for("/k"))
    assert result.exit_code == 0 and result.stdout == "found"
    assert server.request_count == 2


def test_retry_max_time_stops_retrying(server: VerifyingServer, run: Any, clock: FakeClock) -> None:
    server.queue(Response(503), Response(200))
    result = run("--service", "s3", "--retry", "3", "--retry-delay", "10", "--retry-max-time", "5", "-f", server.url_for("/k"))
    assert result.exit_code == 22
    assert server.request_count == 1 and clock.slept == []


def test_dropped_connection_on_get_is_retried(server: VerifyingServer, run: Any, clock: FakeClock) -> None:
    server.queue(Response(drop=True), Response(200, body=b"again"))
    result = run("--service", "s3", "--retry", "1", server.url_for("/k"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "again"
    assert server.request_count == 2 and all(r.ok for r in server.requests)


def test_dropped_connection_on_post_is_not_replayed(server: VerifyingServer, run: Any, clock: FakeClock) -> None:
    server.queue(Response(drop=True), Response(200))
    result = run("--service", "execute-api", "--retry", "3", "-d", "order=1", server.url_for("/orders"))
    assert result.exit_code == 52, result.stderr
    assert server.request_count == 1  # a POST that may have been processed is never sent twice
    assert clock.slept == []


def test_dropped_connection_on_post_is_retried_with_retry_all_errors(server: VerifyingServer, run: Any, clock: FakeClock) -> None:
    server.queue(Response(drop=True), Response(200, body=b"ok"))
    result = run("--service", "execute-api", "--retry", "1", "--retry-all-errors", "-d", "order=1", server.url_for("/orders"))
    assert result.exit_code == 0
    assert server.request_count == 2


def test_post_503_is_retried_and_the_file_body_reread(server: VerifyingServer, run: Any, clock: FakeClock, tmp_path: Path) -> None:
    data = tmp_path / "payload.bin"
    data.write_bytes(bytes(range(256)) * 400)
    server.queue(Response(503), Response(201))
    result = run("--service", "execute-api", "--retry", "1", "--data-binary", f"@{data}", server.url_for("/upload"))
    assert result.exit_code == 0, result.stderr
    reqs = server.requests
    assert len(reqs) == 2 and all(r.ok for r in reqs)
    assert reqs[0].body == reqs[1].body == data.read_bytes()


def test_upload_from_stdin_is_resent_from_its_spool(server: VerifyingServer, run: Any, clock: FakeClock) -> None:
    payload = b"line\n" * 5000
    server.queue(Response(500), Response(200))
    result = run("--service", "s3", "--retry", "2", "-T", "-", server.url_for("/bucket/from-stdin"), input=payload)
    assert result.exit_code == 0, result.stderr
    reqs = server.requests
    assert len(reqs) == 2 and all(r.ok for r in reqs)
    assert reqs[0].payload == reqs[1].payload == payload


def test_connection_refused_is_retried_then_fails(run: Any, clock: FakeClock) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    result = run("--service", "s3", "--retry", "2", "-d", "x=1", f"http://127.0.0.1:{port}/k")
    assert result.exit_code == 7
    assert len(clock.slept) == 2  # before the request was sent, so safe even for a POST
    assert result.stderr.count("sigcurl:") == 1


def test_timeout_is_retried(server: VerifyingServer, run: Any, clock: FakeClock) -> None:
    server.queue(Response(200, body=b"late", delay=2.0), Response(200, body=b"quick"))
    result = run("--service", "s3", "-m", "0.4", "--retry", "1", server.url_for("/k"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "quick"  # the first attempt (answered after 2 s) was given up: -m bounds each attempt


# --- timeouts and broken responses ---------------------------------------------------------


def test_slow_response_times_out_with_28(server: VerifyingServer, run: Any) -> None:
    server.queue(Response(200, body=b"late", delay=3.0))
    result = run("--service", "s3", "-m", "0.5", server.url_for("/k"))
    assert result.exit_code == 28  # the answer (after 3 s) was never waited for
    assert "timed out" in result.stderr and "Traceback" not in result.stderr


def test_truncated_body_exits_18(server: VerifyingServer, run: Any) -> None:
    server.queue(Response(200, body=b"x" * 10000, truncate=100))
    result = run("--service", "s3", server.url_for("/k"))
    assert result.exit_code == 18
    assert "ended early" in result.stderr
