"""The AWS CLI's retry quota (standard and adaptive modes), against botocore's own classes.

botocore's ``RetryQuotaChecker`` over a ``RetryQuota`` (with its own
``ThrottlingErrorDetector`` on real ``RetryContext`` objects) is the oracle:
the same random runs of outcomes give the same retry/no-retry decisions and
the same capacity after every step.  End to end, one command with a glob of
120 URLs against a loopback server that answers 503 to everything stops
retrying exactly when botocore's client would (the server counts the
requests), on a fake clock (no real waits).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigcurl.transport.aws_retry_rules import is_throttling, status_retried
from sigcurl.transport.aws_retry_state import INITIAL_CAPACITY, AwsClients, RetryQuota
from sigcurl.transport.options import RetryPolicy
from support.clock import FakeClock
from support.reliability_fixtures import clock, run  # noqa: F401 - fixtures
from support.responses import Response
from support.server import VerifyingServer

STANDARD = RetryPolicy(retries=10, aws_mode="standard", aws_service="s3")
#: (status, code): None is a connection error; 200 a success; the rest errors, retried or not.
OUTCOMES = [(None, ""), (200, ""), (204, ""), (503, ""), (500, "InternalError"), (429, ""), (400, "Throttling"),
            (400, "ThrottlingException"), (503, "SlowDown"), (400, "RequestTimeout"), (404, "NoSuchKey"),
            (403, "AccessDenied")]


def _context(botocore_std: Any, attempt: int, status: int | None, code: str, request_context: dict[str, Any]) -> Any:
    from types import SimpleNamespace

    from botocore.awsrequest import AWSResponse
    from botocore.exceptions import ConnectionClosedError

    operation = SimpleNamespace(service_model=SimpleNamespace(service_name="s3"), error_shapes=[])
    if status is None:
        return botocore_std.RetryContext(attempt_number=attempt, operation_model=operation, request_context=request_context,
                                         caught_exception=ConnectionClosedError(endpoint_url="x"))
    parsed = {"Error": {"Code": code, "Message": "m"}} if code else {"Error": {}}
    return botocore_std.RetryContext(attempt_number=attempt, parsed_response=parsed, operation_model=operation,
                                     http_response=AWSResponse("https://x", status, {}, None),
                                     request_context=request_context)


def _botocore_run(requests: list[list[tuple[int | None, str]]], max_attempts: int) -> list[tuple[str, int]]:
    """Each attempt's fate under botocore's standard retry handler: (what happened, capacity after)."""
    from botocore.awsrequest import AWSResponse
    from botocore.retries import quota, standard

    checker = standard.StandardRetryConditions(max_attempts=max_attempts)
    bucket = quota.RetryQuota()
    retry_quota = standard.RetryQuotaChecker(bucket, standard.ThrottlingErrorDetector(standard.RetryEventAdapter()))
    trail = []
    for attempts in requests:
        request_context: dict[str, Any] = {}
        for i, (status, code) in enumerate(attempts, start=1):
            if status is not None and 200 <= status < 300:
                retry_quota.release_retry_quota(request_context, AWSResponse("https://x", status, {}, None))
                trail.append(("delivered", bucket.available_capacity))
                break
            ctx = _context(standard, i, status, code, request_context)
            if not checker.is_retryable(ctx):
                trail.append(("delivered", bucket.available_capacity))
                break
            if not retry_quota.acquire_retry_quota(ctx):
                trail.append(("quota spent", bucket.available_capacity))
                break
            trail.append(("retried", bucket.available_capacity))
    return trail


def _sigcurl_run(requests: list[list[tuple[int | None, str]]], max_attempts: int) -> list[tuple[str, int]]:
    """The same through sigcurl's rules and quota (as the send loop uses them)."""
    quota = RetryQuota()
    policy = STANDARD._replace(retries=max_attempts - 1)
    trail = []
    for attempts in requests:
        paid: int | None = None
        for i, (status, code) in enumerate(attempts):
            if status is not None and 200 <= status < 300:
                quota.release(paid)
                trail.append(("delivered", quota.available))
                break
            retried = status is None or status_retried(status, code, policy)
            if not retried or i >= policy.retries:
                trail.append(("delivered", quota.available))
                break
            paid = quota.acquire(status is not None and is_throttling(status, code))
            if paid is None:
                trail.append(("quota spent", quota.available))
                break
            trail.append(("retried", quota.available))
    return trail


# Mostly failures, so that runs reach the bottom of the quota and climb back.
attempt = st.sampled_from(OUTCOMES[3:] * 3 + OUTCOMES[:3])


@settings(max_examples=60, deadline=None)
@given(requests=st.lists(st.lists(attempt, min_size=1, max_size=6), min_size=1, max_size=250),
       max_attempts=st.integers(1, 6))
def test_quota_decides_as_botocore(requests: list[list[tuple[int | None, str]]], max_attempts: int) -> None:
    assert _sigcurl_run(requests, max_attempts) == _botocore_run(requests, max_attempts)


def test_quota_runs_out_and_refills_as_botocore() -> None:
    """A fixed run that empties the quota (503s), then refills it with successes (capped at the capacity)."""
    requests = [[(503, "")] * 3] * 40 + [[(200, "")]] * 600 + [[(429, ""), (200, "")]] * 200
    ours = _sigcurl_run(requests, 3)
    assert ours == _botocore_run(requests, 3)
    assert ("quota spent", 10) in ours and ours[-1] == ("delivered", INITIAL_CAPACITY)


def test_one_quota_per_mode_service_and_region_and_none_for_legacy() -> None:
    quotas = AwsClients()
    first = quotas.get("standard", "s3", "us-east-1", 0.0)
    assert first is not None and quotas.get("standard", "s3", "us-east-1", 5.0) is first and first.limiter is None
    assert quotas.get("standard", "s3", "eu-west-1", 0.0) is not first
    assert quotas.get("standard", "sqs", "us-east-1", 0.0) is not first
    adaptive = quotas.get("adaptive", "s3", "us-east-1", 0.0)
    assert adaptive is not None and adaptive.limiter is not None and adaptive is not first
    assert quotas.get("legacy", "s3", "us-east-1", 0.0) is None and quotas.get(None, "s3", "us-east-1", 0.0) is None


# --- end to end ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("parallel", [[], ["-Z", "--parallel-max", "4"]], ids=["serial", "parallel"])
@pytest.mark.parametrize(("status", "code"), [(503, ""), (429, "ThrottlingException")])
def test_glob_of_120_runs_the_quota_out_as_botocore(server: VerifyingServer, tmp_path: Path, run: Any,  # noqa: F811
                                                     clock: FakeClock, parallel: list[str], status: int,  # noqa: F811
                                                     code: str) -> None:
    answer = Response.aws_error(code, "busy", status=status) if code else Response(status, body=b"busy")
    server.handler = lambda request: answer
    (tmp_path / "config").write_text("")
    result = run("-sv", *parallel, "--service", "execute-api", "--region", "us-east-1", server.url + "/r[1-120]",
                 env={"AWS_RETRY_MODE": "standard"})
    retried = sum(fate == "retried" for fate, _ in _botocore_run([[(status, code)] * 3] * 120, 3))
    assert server.request_count == 120 + retried, result.stderr
    assert all(r.ok for r in server.requests)
    spent = result.stderr.count("* not retrying: the retry quota is spent")
    theirs = sum(fate == "quota spent" for fate, _ in _botocore_run([[(status, code)] * 3] * 120, 3))
    # -Z: which transfers are refused depends on how their retries interleave; how many retries were paid does not
    assert spent == theirs if not parallel else theirs <= spent <= 120


def test_legacy_mode_has_no_quota(server: VerifyingServer, tmp_path: Path, run: Any) -> None:  # noqa: F811
    server.handler = lambda request: Response(503, body=b"busy")
    (tmp_path / "config").write_text("")
    run("-s", "--service", "execute-api", "--region", "us-east-1", server.url + "/r[1-30]",
        env={"AWS_RETRY_MODE": "legacy"})
    assert server.request_count == 30 * 5  # 5 attempts each: 116 retries, more than a quota of 500 allows at 14
