"""The transport's policy as tables: every rule of the send loop, decided without a server.

Each row gives one attempt's outcome (an HTTP answer with its parsed AWS
error, or a transfer failure) and the state and options, and the one
decision expected: deliver, retry after N seconds, follow a redirect,
re-sign for the server's clock, or re-sign for the bucket's region.  The
clock and the random draw are arguments, so waits are exact numbers.
The reference for each rule is curl's documented behaviour (``--retry``,
``-L``, ``--max-redirs``) and the AWS CLI's (S3 region redirects, clock
skew); the end-to-end tests in ``test_reliability.py`` drive the same
rules through the real command and a loopback server.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from sigcurl.awserror import AwsError
from sigcurl.body import BytesBody
from sigcurl.curlopts import HttpRequest
from sigcurl.errors import ExitCode
from sigcurl.transport import RetryPolicy, TransportOptions
from sigcurl.transport.policy import (
    RETRY_AFTER_CAP,
    Answer,
    Attempt,
    Deliver,
    Failure,
    FixClock,
    FixRegion,
    Follow,
    Retry,
    decide,
    is_trusted,
    origin,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
S3 = "https://bucket.s3.us-east-1.amazonaws.com/key"
GET = HttpRequest("GET", S3, [("Accept", "*/*")], None)
BODY = BytesBody(b"a=1")
POST = HttpRequest("POST", "https://api.example.com/orders",
                   [("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", "3"), ("X-Keep", "1")],
                   BODY)


def opts(**retry: Any) -> TransportOptions:
    follow = retry.pop("follow", False)
    max_redirs = retry.pop("max_redirs", 50)
    trusted = retry.pop("location_trusted", False)
    return TransportOptions(follow=follow, max_redirs=max_redirs, location_trusted=trusted,
                            retry=RetryPolicy(**retry))


FRESH = Attempt()


def run(outcome: Answer | Failure, *, req: HttpRequest = GET, trusted: bool = True, state: Attempt = FRESH,
        options: TransportOptions | None = None, jitter: Any = lambda upper: upper) -> Any:
    return decide(req, trusted, outcome, state, options or opts(retries=3), now=NOW, jitter=jitter)


def err(code: str, message: str = "", **kw: Any) -> AwsError:
    return AwsError(code, message, **kw)


def http_date(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S GMT")


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


# -- S3 region corrections ----------------------------------------------------------------------------

OTHER_BUCKET = "other.s3.eu-west-1.amazonaws.com"
REGION_ROWS = [
    # status, headers, error, url, options, state, (region, url after) or None
    (301, [("x-amz-bucket-region", "eu-west-1")], None, S3, opts(), Attempt(),
     ("eu-west-1", "https://bucket.s3.eu-west-1.amazonaws.com/key")),
    (307, [("x-amz-bucket-region", "eu-west-1")], None, S3, opts(), Attempt(),
     ("eu-west-1", "https://bucket.s3.eu-west-1.amazonaws.com/key")),
    (400, [], err("AuthorizationHeaderMalformed", "wrong", region="eu-west-1"), S3, opts(), Attempt(),
     ("eu-west-1", "https://bucket.s3.eu-west-1.amazonaws.com/key")),
    (400, [], err("AuthorizationHeaderMalformed", "the region 'us-east-1' is wrong; expecting 'ap-south-1'"), S3,
     opts(), Attempt(), ("ap-south-1", "https://bucket.s3.ap-south-1.amazonaws.com/key")),
    (301, [("x-amz-bucket-region", "eu-west-1")], err("PermanentRedirect", "use the endpoint",
                                                      endpoint="bucket.s3.eu-west-1.amazonaws.com"), S3,
     opts(), Attempt(), ("eu-west-1", "https://bucket.s3.eu-west-1.amazonaws.com/key")),
    (301, [("x-amz-bucket-region", "eu-west-1")], None, "https://bucket.s3-us-east-1.amazonaws.com/key", opts(),
     Attempt(), ("eu-west-1", "https://bucket.s3.eu-west-1.amazonaws.com/key")),  # legacy dash form
    (301, [("x-amz-bucket-region", "eu-west-1")], None, "https://s3.amazonaws.com/bucket/key", opts(), Attempt(),
     ("eu-west-1", "https://s3.amazonaws.com/bucket/key")),  # global endpoint: same URL, re-signed
    (301, [("x-amz-bucket-region", "eu-west-1")], None, "http://127.0.0.1:9000/bucket/key", opts(), Attempt(),
     ("eu-west-1", "http://127.0.0.1:9000/bucket/key")),  # not AWS: the host is kept
    # another bucket's endpoint: credentials stay home unless --location-trusted
    (301, [("x-amz-bucket-region", "eu-west-1")], err("PermanentRedirect", "", endpoint=OTHER_BUCKET),
     S3, opts(), Attempt(), None),
    (301, [("x-amz-bucket-region", "eu-west-1")], err("PermanentRedirect", "", endpoint=OTHER_BUCKET),
     S3,
     opts(location_trusted=True), Attempt(), ("eu-west-1", "https://other.s3.eu-west-1.amazonaws.com/key")),
    (301, [("x-amz-bucket-region", "eu-west-1")], None, S3, opts(), Attempt(region_corrected=True), None),  # once
    (301, [("x-amz-bucket-region", "EU WEST 1")], None, S3, opts(), Attempt(), None),  # not a region
    (400, [("x-amz-bucket-region", "eu-west-1")], err("InvalidArgument"), S3, opts(), Attempt(), None),
    (403, [("x-amz-bucket-region", "eu-west-1")], err("AccessDenied"), S3, opts(), Attempt(), None),
    (200, [("x-amz-bucket-region", "eu-west-1")], None, S3, opts(), Attempt(), None),
]


@pytest.mark.parametrize(("status", "headers", "error", "url", "options", "state", "expected"), REGION_ROWS)
def test_region_rules(status: int, headers: list[tuple[str, str]], error: AwsError | None, url: str,
                      options: TransportOptions, state: Attempt, expected: tuple[str, str] | None) -> None:
    got = run(Answer(status, "R", headers, error, url), req=GET._replace(url=url), state=state, options=options)
    if expected is None:
        assert not isinstance(got, FixRegion)
    else:
        assert isinstance(got, FixRegion) and got.error is None
        assert (got.region, got.url("us-east-1")) == expected


def test_region_correction_is_not_offered_to_an_untrusted_hop() -> None:
    answer = Answer(301, "R", [("x-amz-bucket-region", "eu-west-1")], None, S3)
    assert run(answer, trusted=False) == Deliver()


def test_refused_endpoint_is_said_on_the_decision_that_follows() -> None:
    headers = [("Location", "https://x/"), ("x-amz-bucket-region", "eu-west-1")]
    answer = Answer(301, "R", headers, err("PermanentRedirect", "", endpoint="evil.example"), S3)
    got = run(answer, options=opts(follow=True))
    assert isinstance(got, Follow) and len(got.notes) == 1
    assert "evil.example, a host you did not name" in got.notes[0]


def test_region_correction_counts_as_a_redirect() -> None:
    answer = Answer(301, "R", [("x-amz-bucket-region", "eu-west-1")], None, S3)
    got = run(answer, state=Attempt(redirects=2), options=opts(max_redirs=2))
    assert isinstance(got, FixRegion) and got.error is not None and got.error.exit_code == ExitCode.TOO_MANY_REDIRECTS


# -- redirects -------------------------------------------------------------------------------------------

REDIRECT_ROWS = [
    # status, request, method after, body kept
    (301, GET, "GET", False),
    (302, POST, "GET", False),  # curl: POST becomes GET on 301/302/303
    (301, POST, "GET", False),
    (303, POST, "GET", False),
    (303, POST._replace(method="PUT"), "GET", False),  # 303: anything but HEAD becomes GET
    (303, GET._replace(method="HEAD"), "HEAD", False),
    (302, POST._replace(method="PUT"), "PUT", True),  # 301/302 change only POST
    (307, POST, "POST", True),
    (308, POST, "POST", True),
]


@pytest.mark.parametrize(("status", "req", "method", "kept"), REDIRECT_ROWS)
def test_redirect_method_rules(status: int, req: HttpRequest, method: str, kept: bool) -> None:
    answer = Answer(status, "R", [("Location", "/next?x=1")], None, "https://api.example.com/orders?a=b")
    got = run(answer, req=req, options=opts(follow=True))
    assert isinstance(got, Follow) and got.error is None
    hop = got.request
    assert hop.method == method and hop.url == "https://api.example.com/next?x=1"
    if kept:
        assert hop.body is req.body and hop.headers == req.headers
    else:  # the body and what described it are dropped; other headers stay
        assert hop.body is None
        assert hop.headers == [(n, v) for n, v in req.headers if n.lower() not in ("content-type", "content-length")]


MAX_REDIRS_ROWS = [
    # --max-redirs, redirects so far, exceeded
    (50, 0, False),
    (50, 49, False),
    (50, 50, True),
    (0, 0, True),
    (2, 1, False),
    (2, 2, True),
    (-1, 10_000, False),  # -1: no limit
]


@pytest.mark.parametrize(("limit", "done", "exceeded"), MAX_REDIRS_ROWS)
def test_max_redirs(limit: int, done: int, exceeded: bool) -> None:
    answer = Answer(302, "Found", [("Location", "https://api.example.com/again")], None, "https://api.example.com/")
    got = run(answer, state=Attempt(redirects=done), options=opts(follow=True, max_redirs=limit))
    assert isinstance(got, Follow)
    assert (got.error is not None) is exceeded
    if got.error is not None:
        assert got.error.exit_code == ExitCode.TOO_MANY_REDIRECTS and f"maximum ({limit})" in got.error.what


@pytest.mark.parametrize(
    ("status", "headers", "options"),
    [
        (302, [("Location", "/x")], opts()),  # no -L
        (302, [], opts(follow=True)),  # no Location
        (304, [("Location", "/x")], opts(follow=True)),
        (200, [("Location", "/x")], opts(follow=True)),
        (300, [("Location", "/x")], opts(follow=True)),
    ],
)
def test_answers_that_are_not_followed(status: int, headers: list[tuple[str, str]], options: TransportOptions) -> None:
    assert run(Answer(status, "R", headers, None, S3), options=options) == Deliver()


def test_retryable_status_is_retried_before_a_location_is_considered() -> None:
    answer = Answer(503, "R", [("Location", "/x")], None, S3)
    assert isinstance(run(answer, options=opts(follow=True, retries=1)), Retry)


# -- trust of hops ------------------------------------------------------------------------------------------

TRUST_ROWS = [
    # hop URL, origins named, --location-trusted, trusted
    ("https://api.example.com/b", {"https://api.example.com:"}, False, True),
    ("https://API.example.com/b", {"https://api.example.com:"}, False, True),  # host case does not matter
    ("https://other.example.com/b", {"https://api.example.com:"}, False, False),  # another host
    ("http://api.example.com/b", {"https://api.example.com:"}, False, False),  # another scheme
    ("https://api.example.com:8443/b", {"https://api.example.com:"}, False, False),  # another port
    ("https://other.example.com/b", {"https://api.example.com:"}, True, True),  # --location-trusted
]


@pytest.mark.parametrize(("url", "origins", "location_trusted", "trusted"), TRUST_ROWS)
def test_cross_host_hops_are_untrusted_unless_location_trusted(url: str, origins: set[str], location_trusted: bool,
                                                               trusted: bool) -> None:
    assert origin("https://api.example.com/a") == "https://api.example.com:"
    assert is_trusted(url, origins, opts(location_trusted=location_trusted)) is trusted


def test_policy_imports_no_http_stack() -> None:
    import subprocess
    import sys

    code = ("import sys, sigcurl.transport.policy; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('requests', 'urllib3')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


# S3's region correction: only ever the region of the same bucket, on the same endpoint form and port.
SAME_BUCKET_TABLE = [
    ("b.s3.amazonaws.com", "b.s3.eu-west-1.amazonaws.com", "eu-west-1", True),
    ("b.s3.us-east-1.amazonaws.com", "b.s3.eu-west-1.amazonaws.com", "eu-west-1", True),
    ("b.s3-us-west-2.amazonaws.com", "b.s3.eu-west-1.amazonaws.com", "eu-west-1", True),
    ("my.dotted.bucket.s3.us-east-1.amazonaws.com", "my.dotted.bucket.s3.eu-west-1.amazonaws.com", "eu-west-1", True),
    ("s3.us-east-1.amazonaws.com", "s3.eu-west-1.amazonaws.com", "eu-west-1", True),
    ("b.s3.dualstack.us-east-1.amazonaws.com", "b.s3.dualstack.eu-west-1.amazonaws.com", "eu-west-1", True),
    ("b.s3.cn-north-1.amazonaws.com.cn", "b.s3.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1", True),
    ("mybucket.s3.amazonaws.com", "mybucket.s3.attacker.s3.amazonaws.com", "eu-west-1", False),
    ("mybucket.s3.amazonaws.com", "mybucket.s3.attacker.s3.amazonaws.com:4443", "attacker", False),
    ("mybucket.s3.amazonaws.com", "mybucket.s3.eu-west-1.amazonaws.com:4443", "eu-west-1", False),
    ("mybucket.s3.amazonaws.com:443", "mybucket.s3.eu-west-1.amazonaws.com:8443", "eu-west-1", False),
    ("mybucket.s3.amazonaws.com", "other.s3.eu-west-1.amazonaws.com", "eu-west-1", False),
    ("mybucket.s3.amazonaws.com", "s3.eu-west-1.amazonaws.com", "eu-west-1", False),
    ("s3.amazonaws.com", "mybucket.s3.eu-west-1.amazonaws.com", "eu-west-1", False),
    ("b.s3.amazonaws.com", "b.s3.eu-west-1.amazonaws.com", "us-west-2", False),
    ("b.s3.amazonaws.com", "b.s3-accelerate.amazonaws.com", "eu-west-1", False),
    ("b.s3.amazonaws.com", "b.s3.dualstack.eu-west-1.amazonaws.com", "eu-west-1", False),
    ("b.s3.amazonaws.com", "b.s3.eu-west-1.amazonaws.com.cn", "eu-west-1", False),
    ("b.s3.amazonaws.com", "b.s3.eu-west-1.amazonaws.com.evil.example", "eu-west-1", False),
    ("b.s3.amazonaws.com", "b.s3.eu-west-1.amazonaws.com@evil.example", "eu-west-1", False),
    ("127.0.0.1:9000", "b.s3.eu-west-1.amazonaws.com", "eu-west-1", False),
]


@pytest.mark.parametrize(("old", "new", "region", "same"), SAME_BUCKET_TABLE)
def test_region_correction_only_moves_the_same_bucket(old: str, new: str, region: str, same: bool) -> None:
    from sigcurl.transport.policy import same_s3_bucket

    assert same_s3_bucket(old, new, region) is same
