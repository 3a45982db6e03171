"""Fault injection, redirects: S3 region redirects (301 with x-amz-bucket-region, HEAD bucket, the
region in an AuthorizationHeaderMalformed body) corrected once, only for S3 and the same bucket,
and plain redirects signed afresh on the same host, with no credentials to another one.

Every test drives the real command in-process (``click.testing.CliRunner``)
against the verifying loopback server and asserts on what the server
received: how many requests, whether each was signed afresh and verified,
and where credentials went.
"""

from __future__ import annotations

import re
from typing import Any

from support import reliability_fixtures
from support.server import Response, VerifyingServer

# the shared fixtures, by name (pytest finds fixtures in the module)
clock, run = reliability_fixtures.clock, reliability_fixtures.run


def scope_region(req: Any) -> str:
    m = re.search(r"Credential=[^/]+/\d+/([^/]+)/", req.header("Authorization") or "")
    assert m, req.headers
    return m.group(1)


# --- S3 region redirects -----------------------------------------------------------------------


def _region_handler(server: VerifyingServer, region: str, answer: Any) -> None:
    def handler(req: Any) -> Response:
        if scope_region(req) != region:
            return answer(req)
        return Response(200, body=f"hello from {region}".encode())

    server.handler = handler


def test_s3_permanent_redirect_with_bucket_region_header(server: VerifyingServer, run: Any) -> None:
    _region_handler(server, "eu-west-1", lambda req: Response.aws_error(
        "PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.",
        status=301, headers={"x-amz-bucket-region": "eu-west-1"},
    ))
    result = run("--service", "s3", "--region", "us-east-1", "-v", server.url_for("/bucket/key"))  # no -L
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "hello from eu-west-1"
    first, second = server.requests
    assert scope_region(first) == "us-east-1" and scope_region(second) == "eu-west-1"
    assert second.ok
    assert "S3 bucket is in eu-west-1, not us-east-1: re-signing for eu-west-1" in result.stderr


def test_s3_head_bucket_region_redirect(server: VerifyingServer, run: Any) -> None:
    _region_handler(server, "ap-south-1", lambda req: Response(301, headers={"x-amz-bucket-region": "ap-south-1"}))
    result = run("--service", "s3", "-I", server.url_for("/bucket"))
    assert result.exit_code == 0, result.stderr
    assert [scope_region(r) for r in server.requests] == ["us-east-1", "ap-south-1"]


def test_s3_authorization_header_malformed_region_in_body(server: VerifyingServer, run: Any) -> None:
    def answer(req: Any) -> Response:
        body = (
            "<Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; "
            "the region 'us-east-1' is wrong; expecting 'eu-central-1'</Message><Region>eu-central-1</Region></Error>"
        )
        return Response(400, headers={"Content-Type": "application/xml"}, body=body)

    _region_handler(server, "eu-central-1", answer)
    result = run("--service", "s3", server.url_for("/bucket/key"))
    assert result.exit_code == 0, result.stderr
    assert scope_region(server.last) == "eu-central-1" and server.last.ok


def test_region_redirect_only_for_s3(server: VerifyingServer, run: Any) -> None:
    server.handler = lambda req: Response(301, headers={"x-amz-bucket-region": "eu-west-1"})
    result = run("--service", "execute-api", server.url_for("/k"))
    assert result.exit_code == 0
    assert server.request_count == 1


def test_region_redirect_is_corrected_once(server: VerifyingServer, run: Any) -> None:
    server.handler = lambda req: Response.aws_error("PermanentRedirect", "moved", status=301,
                                                    headers={"x-amz-bucket-region": "eu-west-1" if scope_region(req) == "us-east-1" else "us-east-1"})
    result = run("--service", "s3", server.url_for("/bucket/key"))
    assert server.request_count == 2
    assert "PermanentRedirect" in result.stdout


def test_region_redirect_honours_max_redirs(server: VerifyingServer, run: Any) -> None:
    server.handler = lambda req: Response(301, headers={"x-amz-bucket-region": "eu-west-1"})
    result = run("--service", "s3", "--max-redirs", "0", server.url_for("/bucket/key"))
    assert result.exit_code == 47
    assert server.request_count == 1


def test_region_endpoint_on_another_host_gets_no_credentials(
    server: VerifyingServer, other_server: VerifyingServer, run: Any
) -> None:
    server.handler = lambda req: Response(
        301, headers={"Content-Type": "application/xml"},
        body=f"<Error><Code>PermanentRedirect</Code><Message>use the endpoint</Message><Endpoint>{other_server.host}</Endpoint>"
             "<Region>eu-west-1</Region></Error>",
    )
    result = run("--service", "s3", "-v", server.url_for("/bucket/key"), env={"AWS_SESSION_TOKEN": "TOKEN-not-for-others"})
    assert other_server.request_count == 0
    assert "not sending credentials there" in result.stderr
    result = run("--service", "s3", "--location-trusted", server.url_for("/bucket/key"))
    assert result.exit_code == 0, result.stderr
    assert other_server.request_count == 1
    assert scope_region(other_server.last) == "eu-west-1" and other_server.last.ok


def test_region_host_rewrites_stay_within_the_bucket() -> None:
    from sigcurl.transport import policy as t

    assert t.swap_region("b.s3.us-east-1.amazonaws.com", "us-east-1", "eu-west-1") == "b.s3.eu-west-1.amazonaws.com"
    assert t.swap_region("b.s3-us-west-2.amazonaws.com", "us-west-2", "eu-west-1") == "b.s3.eu-west-1.amazonaws.com"
    assert t.swap_region("b.s3.amazonaws.com", "us-east-1", "eu-west-1") == "b.s3.amazonaws.com"
    assert t.swap_region("127.0.0.1:9000", "us-east-1", "eu-west-1") == "127.0.0.1:9000"
    assert t.same_s3_bucket("b.s3.amazonaws.com", "b.s3.eu-west-1.amazonaws.com")
    assert t.same_s3_bucket("s3.amazonaws.com", "s3.eu-west-1.amazonaws.com")
    assert not t.same_s3_bucket("b.s3.amazonaws.com", "other.s3.eu-west-1.amazonaws.com")
    assert not t.same_s3_bucket("b.s3.amazonaws.com", "b.s3.eu-west-1.amazonaws.com.evil.example")
    assert not t.same_s3_bucket("127.0.0.1", "b.s3.eu-west-1.amazonaws.com")


# --- redirects ----------------------------------------------------------------------------


def test_same_host_redirect_is_signed_afresh(server: VerifyingServer, run: Any) -> None:
    server.queue(Response.redirect("/new/place?x=1"), Response(200, body=b"moved"))
    result = run("--service", "execute-api", "-L", server.url_for("/old"))
    assert result.exit_code == 0 and result.stdout == "moved"
    first, second = server.requests
    assert second.target == "/new/place?x=1" and second.ok and first.ok


def test_cross_host_redirect_sends_no_credentials(server: VerifyingServer, other_server: VerifyingServer, run: Any) -> None:
    server.queue(Response.redirect(other_server.url_for("/elsewhere")))
    result = run("--service", "execute-api", "-L", "-v", server.url_for("/start"), env={"AWS_SESSION_TOKEN": "TOKEN-stays-home"})
    assert result.exit_code == 0, result.stderr
    got = other_server.last
    assert got.header("Authorization") is None
    assert got.header("X-Amz-Security-Token") is None
    assert "TOKEN-stays-home" not in got.raw_head.decode("latin-1")
    assert "use --location-trusted" in result.stderr


def test_cross_host_redirect_signed_with_location_trusted(server: VerifyingServer, other_server: VerifyingServer, run: Any) -> None:
    server.queue(Response.redirect(other_server.url_for("/elsewhere"), status=307))
    result = run("--service", "execute-api", "--location-trusted", server.url_for("/start"))
    assert result.exit_code == 0
    assert other_server.last.ok and other_server.last.header("Authorization")


def test_redirect_loop_exits_47(server: VerifyingServer, run: Any) -> None:
    server.handler = lambda req: Response.redirect("/again")
    result = run("--service", "s3", "-L", "--max-redirs", "3", server.url_for("/k"))
    assert result.exit_code == 47
    assert server.request_count == 4


def test_redirect_without_l_is_not_followed(server: VerifyingServer, run: Any) -> None:
    server.queue(Response.redirect("/other"))
    result = run("--service", "s3", server.url_for("/k"))
    assert result.exit_code == 0 and server.request_count == 1
