"""The transport's policy as tables: every rule of the send loop, decided without a server.

Each row gives one attempt's outcome (an HTTP answer with its parsed AWS
error, or a transfer failure) and the state and options, and the one
decision expected: deliver, retry after N seconds, follow a redirect,
re-sign for the server's clock, or re-sign for the bucket's region.  The
clock and the random draw are arguments, so waits are exact numbers.
The reference for each rule is curl's documented behaviour (``--retry``)
and the AWS CLI's (clock skew); the end-to-end tests in
``test_reliability_*.py`` drive the same rules through the real command and
a loopback server.  Region corrections, redirects and the trust of hops are
in ``test_policy_redirects.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sigcurl.awserror import AwsError
from sigcurl.errors import ExitCode
from sigcurl.transport import TransportOptions
from sigcurl.transport.policy import (
    RETRY_AFTER_CAP,
    Answer,
    Attempt,
    Deliver,
    Failure,
    FixClock,
    Retry,
)
from support.policy_cases import GET, NOW, S3, err, http_date, opts, run

# -- HTTP statuses and AWS codes ------------------------------------------------------------------

STATUS_ROWS = [
    # status, AWS error, options, state, expected decision
    (408, None, opts(retries=3), Attempt(), Retry(1.0, "HTTP 408 Reason")),
    (429, None, opts(retries=3), Attempt(), Retry(1.0, "HTTP 429 Reason")),
    (500, None, opts(retries=3), Attempt(), Retry(1.0, "HTTP 500 Reason")),
    (502, None, opts(retries=3), Attempt(), Retry(1.0, "HTTP 502 Reason")),
    (503, None, opts(retries=3), Attempt(), Retry(1.0, "HTTP 503 Reason")),
    (504, None, opts(retries=3), Attempt(), Retry(1.0, "HTTP 504 Reason")),
    (503, err("SlowDown", "Reduce your request rate."), opts(retries=3), Attempt(), Retry(1.0, "HTTP 503 SlowDown")),
    (503, None, opts(retries=0), Attempt(), Deliver()),  # no --retry: never
    (503, None, opts(retries=3), Attempt(retries=3), Deliver()),  # retries used up: the last answer
    (400, err("ThrottlingException"), opts(retries=1), Attempt(), Retry(1.0, "HTTP 400 ThrottlingException")),
    (400, err("Throttling"), opts(retries=1), Attempt(), Retry(1.0, "HTTP 400 Throttling")),
    (400, err("RequestLimitExceeded"), opts(retries=1), Attempt(), Retry(1.0, "HTTP 400 RequestLimitExceeded")),
    (400, err("TooManyRequestsException"), opts(retries=1), Attempt(), Retry(1.0, "HTTP 400 TooManyRequestsException")),
    (400, err("ProvisionedThroughputExceededException"), opts(retries=1), Attempt(),
     Retry(1.0, "HTTP 400 ProvisionedThroughputExceededException")),
    (400, err("RequestThrottled"), opts(retries=1), Attempt(), Retry(1.0, "HTTP 400 RequestThrottled")),
    (400, err("InternalError"), opts(retries=1), Attempt(), Retry(1.0, "HTTP 400 InternalError")),
    (400, err("ServiceUnavailable"), opts(retries=1), Attempt(), Retry(1.0, "HTTP 400 ServiceUnavailable")),
    (400, err("InvalidArgument"), opts(retries=3), Attempt(), Deliver()),  # a plain client error
    (404, None, opts(retries=3), Attempt(), Deliver()),
    (404, None, opts(retries=3, all_errors=True), Attempt(), Deliver()),  # --retry-all-errors without -f
    (404, None, opts(retries=3, all_errors=True, fail=True), Attempt(), Retry(1.0, "HTTP 404 Reason")),
    (403, err("AccessDenied"), opts(retries=3, all_errors=True, fail=True), Attempt(),
     Retry(1.0, "HTTP 403 AccessDenied")),
    (200, None, opts(retries=3, all_errors=True, fail=True), Attempt(), Deliver()),
    (301, None, opts(retries=3, all_errors=True, fail=True), Attempt(), Deliver()),  # a redirect is not an error
    # --retry-delay replaces the backoff
    (502, None, opts(retries=5, delay=0.25), Attempt(retries=1), Retry(0.25, "HTTP 502 Reason")),
    # --retry-max-time: no retry starts after it
    (503, None, opts(retries=3, delay=10.0, max_time=5.0), Attempt(), Deliver()),
    (503, None, opts(retries=3, delay=1.0, max_time=5.0), Attempt(elapsed=3.0), Retry(1.0, "HTTP 503 Reason")),
    (503, None, opts(retries=3, delay=1.0, max_time=5.0), Attempt(elapsed=4.5), Deliver()),
]


@pytest.mark.parametrize(("status", "error", "options", "state", "expected"), STATUS_ROWS)
def test_status_rules(status: int, error: AwsError | None, options: TransportOptions, state: Attempt,
                      expected: Any) -> None:
    assert run(Answer(status, "Reason", [], error, S3), state=state, options=options) == expected


@pytest.mark.parametrize(
    ("retries", "upper"), [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0), (5, 20.0), (9, 20.0)]
)
def test_backoff_is_exponential_with_full_jitter_capped_at_20_s(retries: int, upper: float) -> None:
    uppers: list[float] = []

    def jitter(top: float) -> float:
        uppers.append(top)
        return top / 2

    got = run(Answer(500, "Internal", [], None, S3), state=Attempt(retries=retries), options=opts(retries=10),
              jitter=jitter)
    assert uppers == [upper] and got == Retry(upper / 2, "HTTP 500 Internal")


RETRY_AFTER_ROWS = [
    # status, error, Retry-After, options, wait expected
    (503, None, "7", opts(retries=1), 7.0),
    (429, None, "7", opts(retries=1), 7.0),
    (400, err("ThrottlingException"), "3", opts(retries=1), 3.0),
    (500, None, "7", opts(retries=1), 1.0),  # not a throttling answer: the backoff
    (503, None, "99999", opts(retries=1), RETRY_AFTER_CAP),  # capped at ten minutes
    (503, None, http_date(NOW + timedelta(seconds=30)), opts(retries=1), 30.0),  # an HTTP date
    (503, None, http_date(NOW + timedelta(hours=2)), opts(retries=1), RETRY_AFTER_CAP),
    (503, None, http_date(NOW - timedelta(seconds=30)), opts(retries=1), 0.0),  # in the past: at once
    (503, None, "soon", opts(retries=1), 1.0),  # unreadable: the backoff
    (503, None, "7", opts(retries=1, delay=0.5), 7.0),  # the server's word beats --retry-delay
]


@pytest.mark.parametrize(("status", "error", "value", "options", "wait"), RETRY_AFTER_ROWS)
def test_retry_after(status: int, error: AwsError | None, value: str, options: TransportOptions, wait: float) -> None:
    got = run(Answer(status, "R", [("Retry-After", value)], error, S3), options=options)
    assert isinstance(got, Retry) and got.wait == wait


def test_retry_after_past_retry_max_time_is_not_waited_for() -> None:
    got = run(Answer(503, "R", [("Retry-After", "60")], None, S3), options=opts(retries=3, max_time=30.0))
    assert got == Deliver()


# -- failures without a response --------------------------------------------------------------------

FAILURE_ROWS = [
    # exit code, sent, method, options, expected (None: give up)
    (ExitCode.TIMEOUT, True, "GET", opts(retries=2), "timeout: t"),
    (ExitCode.TIMEOUT, True, "POST", opts(retries=2), "timeout: t"),  # curl retries timeouts for any method
    (ExitCode.CONNECT, False, "POST", opts(retries=2), "connection failed: t"),  # nothing sent: safe
    (ExitCode.CONNECT, True, "GET", opts(retries=2), "t"),
    (ExitCode.CONNECT, True, "POST", opts(retries=2), None),
    (ExitCode.EMPTY_REPLY, True, "GET", opts(retries=2), "t"),
    (ExitCode.EMPTY_REPLY, True, "PUT", opts(retries=2), "t"),
    (ExitCode.EMPTY_REPLY, True, "DELETE", opts(retries=2), "t"),
    (ExitCode.EMPTY_REPLY, True, "POST", opts(retries=2), None),  # a POST is never sent twice...
    (ExitCode.EMPTY_REPLY, True, "PATCH", opts(retries=2), None),
    (ExitCode.EMPTY_REPLY, True, "POST", opts(retries=2, all_errors=True), "t"),  # ...unless --retry-all-errors
    (ExitCode.RECV_ERROR, True, "GET", opts(retries=2), "t"),
    (ExitCode.SEND_ERROR, True, "HEAD", opts(retries=2), "t"),
    (ExitCode.RESOLVE, False, "GET", opts(retries=2), None),
    (ExitCode.RESOLVE, False, "GET", opts(retries=2, all_errors=True), "t"),
    (ExitCode.TLS_CERT, False, "GET", opts(retries=2), None),
    (ExitCode.PARTIAL_FILE, True, "GET", opts(retries=2), None),
    (ExitCode.TIMEOUT, True, "GET", opts(retries=0), None),
    (ExitCode.CONNECT, False, "GET", opts(retries=2, delay=9.0, max_time=5.0), None),
]


@pytest.mark.parametrize(("code", "sent", "method", "options", "reason"), FAILURE_ROWS)
def test_failure_rules(code: ExitCode, sent: bool, method: str, options: TransportOptions, reason: str | None) -> None:
    got = run(Failure(code, "t", sent), req=GET._replace(method=method), options=options)
    assert got == (Deliver() if reason is None else Retry(options.retry.delay or 1.0, reason))


def test_failure_after_the_last_retry_gives_up() -> None:
    assert run(Failure(ExitCode.TIMEOUT, "t"), state=Attempt(retries=2), options=opts(retries=2)) == Deliver()


# -- clock skew -------------------------------------------------------------------------------------

SERVER_TIME = NOW + timedelta(hours=2, minutes=2, seconds=5)
SKEW_ROWS = [
    # error, Date header, trusted, state, expected
    (err("RequestTimeTooSkewed"), http_date(SERVER_TIME), True, Attempt(), FixClock(SERVER_TIME)),
    (err("RequestExpired"), http_date(SERVER_TIME), True, Attempt(), FixClock(SERVER_TIME)),
    (err("InvalidSignatureException", "Signature expired: 20240101T003000Z is now earlier than ..."),
     http_date(SERVER_TIME), True, Attempt(), FixClock(SERVER_TIME)),
    (err("InvalidSignatureException", "Signature not yet current: 20240101T003000Z is still later than ..."),
     http_date(SERVER_TIME), True, Attempt(), FixClock(SERVER_TIME)),
    (err("RequestTimeTooSkewed"), http_date(SERVER_TIME), True, Attempt(clock_corrected=True), Deliver()),  # once
    (err("RequestTimeTooSkewed"), None, True, Attempt(), Deliver()),  # no Date: nothing to correct to
    (err("RequestTimeTooSkewed"), "garbage", True, Attempt(), Deliver()),
    (err("RequestTimeTooSkewed"), http_date(SERVER_TIME), False, Attempt(), Deliver()),  # an untrusted hop
    (err("AccessDenied"), http_date(SERVER_TIME), True, Attempt(), Deliver()),
]


@pytest.mark.parametrize(("error", "date", "trusted", "state", "expected"), SKEW_ROWS)
def test_clock_skew_rules(error: AwsError, date: str | None, trusted: bool, state: Attempt, expected: Any) -> None:
    headers = [("Date", date)] if date else []
    got = run(Answer(403, "Forbidden", headers, error, S3), trusted=trusted, state=state, options=opts(retries=0))
    assert got == expected


def test_clock_skew_comes_before_retries() -> None:
    answer = Answer(503, "R", [("Date", http_date(SERVER_TIME))], err("RequestTimeTooSkewed"), S3)
    assert run(answer, options=opts(retries=3)) == FixClock(SERVER_TIME)
    assert isinstance(run(answer, state=Attempt(clock_corrected=True), options=opts(retries=3)), Retry)


def test_policy_imports_no_http_stack() -> None:
    import subprocess
    import sys

    code = ("import sys, sigcurl.transport.policy; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('requests', 'urllib3')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
