"""The AWS CLI's retry modes (AWS_RETRY_MODE/AWS_MAX_ATTEMPTS) as botocore applies them.

Tables first (the rules are pure: no server, waits exact with the jitter's
upper bound), then the same outcomes through botocore's own retry classes:
``retries.standard`` (StandardRetryConditions, ExponentialBackoff with the
ThrottlingErrorDetector) and the legacy ``retryhandler`` built from
``data/_retry.json`` -- same retry decision, same wait for the same random
draw, same default attempts.  End to end: the command under
AWS_MAX_ATTEMPTS retries a 429 and ignores ``Retry-After``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import base_env, run

from sigcurl.awserror import AwsError
from sigcurl.curlopts import HttpRequest
from sigcurl.errors import ExitCode
from sigcurl.transport import RetryPolicy, TransportOptions
from sigcurl.transport.aws_retry_rules import backoff, for_service, status_retried
from sigcurl.transport.policy import Answer, Attempt, Deliver, Failure, Retry, decide
from support.server import Response, VerifyingServer

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
FULL = lambda x: x  # noqa: E731 - the jitter's upper bound, as botocore's random() == 1.0
HALF = lambda x: x / 2  # noqa: E731
GET = HttpRequest("GET", "https://dynamodb.us-east-1.amazonaws.com/", [], None)


def aws(mode: str, service: str = "", retries: int | None = None) -> RetryPolicy:
    policy = RetryPolicy(retries=0, aws_mode=mode, aws_default_attempts=retries is None, given=False)
    policy = for_service(policy, service)
    return policy if retries is None else policy._replace(retries=retries)


# --- tables ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "service", "retries"), [
    ("standard", "", 2), ("adaptive", "s3", 2), ("standard", "dynamodb", 3), ("legacy", "", 4), ("legacy", "dynamodb", 9),
])
def test_default_attempts(mode: str, service: str, retries: int) -> None:
    assert aws(mode, service).retries == retries


def test_max_attempts_wins_over_the_service_default() -> None:
    given = RetryPolicy(retries=6, aws_mode="standard", aws_default_attempts=False)
    assert for_service(given, "dynamodb").retries == 6 and for_service(given, "dynamodb").aws_service == "dynamodb"


@pytest.mark.parametrize(("status", "code", "mode", "service", "retried"), [
    (500, "", "standard", "", True), (503, "", "standard", "", True), (504, "", "adaptive", "", True),
    (429, "", "standard", "", True), (408, "", "standard", "", False), (509, "", "standard", "", False),
    (400, "ThrottlingException", "standard", "", True), (400, "SlowDown", "standard", "s3", True),
    (400, "RequestTimeout", "standard", "s3", True), (400, "ValidationException", "standard", "", False),
    (400, "IDPCommunicationError", "standard", "sts", True), (400, "IDPCommunicationError", "standard", "s3", False),
    (403, "AccessDenied", "legacy", "", False), (429, "", "legacy", "", True), (509, "", "legacy", "", True),
    (400, "Throttling", "legacy", "", True), (403, "Throttling", "legacy", "", False),
    (400, "SlowDown", "legacy", "s3", False), (400, "RequestTimeout", "legacy", "s3", True),
    (403, "RequestThrottled", "legacy", "sqs", True), (409, "ReplicatedWriteConflictException", "legacy", "dynamodb", True),
    (400, "LimitExceededException", "legacy", "kinesis", True), (400, "LimitExceededException", "legacy", "", False),
])
def test_retried(status: int, code: str, mode: str, service: str, retried: bool) -> None:
    assert status_retried(status, code, aws(mode, service)) == retried


@pytest.mark.parametrize(("i", "status", "code", "header", "mode", "service", "wait"), [
    (0, 500, "", None, "standard", "", 0.05), (2, 500, "", None, "standard", "", 0.2),
    (0, 500, "", None, "standard", "dynamodb", 0.025), (0, None, "", None, "standard", "", 0.05),
    (0, 400, "ThrottlingException", None, "standard", "", 1.0), (3, 429, "", None, "standard", "", 8.0),
    (6, 503, "SlowDown", None, "standard", "s3", 20.0), (0, 503, "", "2000", "standard", "", 2.0),
    (0, 503, "", "60000", "standard", "", 5.05), (0, 503, "", "bad", "standard", "", 0.05),
    (3, 500, "", None, "legacy", "", 8.0), (6, 500, "", None, "legacy", "", 64.0), (2, 500, "", None, "legacy", "dynamodb", 0.2),
    (0, 503, "", "60000", "legacy", "", 1.0),
])
def test_backoff(i: int, status: int | None, code: str, header: str | None, mode: str, service: str, wait: float) -> None:
    assert backoff(i, status, code, header, aws(mode, service), FULL) == pytest.approx(wait)


def _decide(outcome: Answer | Failure, policy: RetryPolicy, retries: int = 0) -> Any:
    return decide(GET, True, outcome, Attempt(retries=retries), TransportOptions(retry=policy), now=NOW, jitter=HALF)


def test_decide_uses_the_modes_rules() -> None:
    standard = aws("standard", "dynamodb")
    throttled = Answer(400, "Bad Request", [("Retry-After", "30")], AwsError("ProvisionedThroughputExceededException", "slow"))
    assert _decide(throttled, standard) == Retry(0.5, "HTTP 400 ProvisionedThroughputExceededException")  # Retry-After unread
    assert _decide(Answer(408, "Request Timeout"), standard) == Deliver()  # curl retries 408; botocore does not
    assert _decide(Answer(500, "Internal"), standard, retries=2) == Retry(0.05, "HTTP 500 Internal")
    assert _decide(Answer(500, "Internal"), standard, retries=3) == Deliver()  # 4 attempts for DynamoDB
    assert _decide(Failure(ExitCode.RECV_ERROR, "reset"), standard._replace(aws_service="")) == Retry(0.025, "reset")
    post = decide(GET._replace(method="POST"), True, Failure(ExitCode.EMPTY_REPLY, "empty"), Attempt(),
                  TransportOptions(retry=aws("legacy")), now=NOW, jitter=HALF)
    assert post == Retry(0.5, "empty")  # any method, as the SDKs resend
    curl = RetryPolicy(retries=3)
    assert _decide(Answer(408, "Request Timeout"), curl) == Retry(0.5, "HTTP 408 Request Timeout")


# --- the same through botocore's retry classes ------------------------------------------------------


def _context(botocore_std: Any, i: int, status: int | None, code: str, header: str | None, service: str = "") -> Any:
    """botocore's RetryContext for one outcome; the operation has no modeled errors (sigcurl knows no models)."""
    from types import SimpleNamespace

    from botocore.awsrequest import AWSResponse
    from botocore.exceptions import ConnectionClosedError

    operation = SimpleNamespace(service_model=SimpleNamespace(service_name=service), error_shapes=[])
    if status is None:
        return botocore_std.RetryContext(attempt_number=i + 1, operation_model=operation,
                                         caught_exception=ConnectionClosedError(endpoint_url="x"))
    headers = {"x-amz-retry-after": header} if header is not None else {}
    parsed = {"Error": {"Code": code, "Message": "m"}} if code else {"Error": {}}
    return botocore_std.RetryContext(attempt_number=i + 1, parsed_response=parsed, operation_model=operation,
                                     http_response=AWSResponse("https://x", status, headers, None))


OUTCOMES = [(status, code, header) for status in (400, 403, 408, 409, 429, 500, 502, 503, 504, 509)
            for code in ("", "Throttling", "ThrottlingException", "SlowDown", "RequestTimeout", "RequestThrottled",
                         "LimitExceededException", "ReplicatedWriteConflictException", "IDPCommunicationError",
                         "ProvisionedThroughputExceededException", "AccessDenied", "BadDigest")
            for header in (None, "1500")] + [(None, "", None)]


@pytest.mark.parametrize("service", ["s3", "dynamodb", "sts", "sqs", "kinesis", "ec2"])
def test_standard_mode_agrees_with_botocore(service: str) -> None:
    from botocore.retries import standard

    detector = standard.ThrottlingErrorDetector(standard.RetryEventAdapter())
    checker = standard.StandardRetryConditions(max_attempts=10)
    for draw in (1.0, 0.3):
        theirs_backoff = standard.ExponentialBackoff(random=lambda d=draw: d, service_name=service,
                                                     throttling_detector=detector)
        for status, code, header in OUTCOMES:
            for i in (0, 1, 4, 6):
                ctx = _context(standard, i, status, code, header, service)
                ours = status is None or status_retried(status, code, aws("standard", service))
                assert ours == checker.is_retryable(ctx), (service, status, code)
                wait = backoff(i, status, code, header, aws("standard", service), lambda x, d=draw: x * d)
                assert wait == pytest.approx(theirs_backoff.delay_amount(ctx)), (service, status, code, header, i)
    assert aws("standard", service).retries + 1 == (standard._SERVICE_MAX_ATTEMPTS.get(service)
                                                    or standard.DEFAULT_MAX_ATTEMPTS)


@pytest.mark.parametrize("service", ["s3", "dynamodb", "sts", "sqs", "kinesis", "ec2", "glacier", "route53", "organizations"])
def test_legacy_mode_agrees_with_botocore(service: str, monkeypatch: pytest.MonkeyPatch, botocore_loader: Any) -> None:
    import random

    from botocore import retryhandler, translate
    from botocore.retries import standard

    model = botocore_loader.load_data("_retry")
    config = translate.build_retry_config(service, model["retry"], model["definitions"])
    handler = retryhandler.create_retry_handler(config)
    monkeypatch.setattr(random, "random", lambda: 0.7)
    for status, code, header in OUTCOMES:
        for i in (0, 1, 3):
            ctx = _context(standard, i, status, code, header)
            response = None if status is None else (ctx.http_response, ctx.parsed_response)
            theirs = handler(attempts=i + 1, response=response, caught_exception=ctx.caught_exception,
                             request_dict={"context": {}})
            retried = status is None or status_retried(status, code, aws("legacy", service))
            assert retried == (theirs is not None), (service, status, code)
            if theirs is not None:
                assert backoff(i, status, code, header, aws("legacy", service), lambda x: x * 0.7) == pytest.approx(theirs)
    assert aws("legacy", service).retries + 1 == config["__default__"]["max_attempts"]


# --- end to end ----------------------------------------------------------------------------------------


def test_command_retries_a_429_as_the_aws_cli(server: VerifyingServer, tmp_path: Path) -> None:
    (tmp_path / "config").write_text("")
    busy = Response.aws_error("TooManyRequestsException", "slow down", status=429, headers=[("Retry-After", "3600")])
    server.queue(busy, busy)
    env = base_env(tmp_path, AWS_MAX_ATTEMPTS="3")
    result = run(["-v", "--service", "execute-api", "--region", "us-east-1", server.url + "/r"], env)
    assert result.exit_code == 0, result.stderr
    assert server.request_count == 3 and all(r.ok for r in server.requests)  # each attempt signed afresh
    server.queue(Response(408, body=b""))
    run(["--service", "execute-api", "--region", "us-east-1", server.url + "/r"], env)
    assert server.request_count == 4  # 408 is not retried by the AWS CLI
