"""The transport's policy as tables, where the next request goes: S3 region corrections (only the
same bucket, counted as a redirect, never offered to an untrusted hop), redirects (methods,
--max-redirs, answers not followed) and the trust of cross-host hops, decided without a server.

The reference for each rule is curl's documented behaviour (``-L``,
``--max-redirs``, ``--location-trusted``) and the AWS CLI's (S3 region
redirects); the end-to-end tests in ``test_reliability_redirects.py`` drive
the same rules through the real command and a loopback server.
"""

from __future__ import annotations

import pytest

from sigcurl.awserror import AwsError
from sigcurl.curlopts import HttpRequest
from sigcurl.errors import ExitCode
from sigcurl.transport import TransportOptions
from sigcurl.transport.policy import (
    Answer,
    Attempt,
    Deliver,
    FixRegion,
    Follow,
    Retry,
    is_trusted,
    origin,
)
from support.policy_cases import GET, POST, S3, err, opts, run

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
