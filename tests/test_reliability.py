"""Fault injection: retries, clock skew, S3 region redirects, redirects, timeouts, mismatch diagnosis.

Every test drives the real command in-process (``click.testing.CliRunner``)
against the verifying loopback server and asserts on what the server
received: how many requests, whether each was signed afresh and verified,
and where credentials went.  Waiting is injected: the command's
environment carries a fake clock (``Env.clock``: sleep, wall clock,
jitter; ``Env.now``), so backoff, Retry-After and skew are tested without
real waiting.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import base_env
from cli_helpers import invoke as invoke_cli
from click.testing import Result

from sigcurl.environment import SYSTEM_CLOCK
from support.clock import FakeClock, patch_env_clock
from support.server import Response, VerifyingServer

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    patch_env_clock(monkeypatch, fake)
    return fake


@pytest.fixture
def run(tmp_path: Path, clock: FakeClock) -> Any:
    """run(*argv, env=None, input=None) -> click Result (credentials of the example key)."""

    def invoke(*argv: str, env: dict[str, str] | None = None, input: bytes | None = None) -> Result:
        return invoke_cli(list(argv), {**base_env(tmp_path), **(env or {})}, input=input)

    return invoke


def dates(server: VerifyingServer) -> list[str | None]:
    return [r.header("X-Amz-Date") for r in server.requests]


def signatures(server: VerifyingServer) -> list[str]:
    return [re.sub(r".*Signature=", "", r.header("Authorization") or "") for r in server.requests]


def scope_region(req: Any) -> str:
    m = re.search(r"Credential=[^/]+/\d+/([^/]+)/", req.header("Authorization") or "")
    assert m, req.headers
    return m.group(1)


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


# --- clock skew ------------------------------------------------------------------------


def _skew_handler(server: VerifyingServer, answer: Any) -> None:
    def handler(req: Any) -> Response:
        if not req.ok and "server clock" in req.verification.reason:
            return answer()
        return Response(200, body=b"in sync")

    server.handler = handler


def test_clock_skew_is_corrected_from_the_server_date(server: VerifyingServer, run: Any) -> None:
    server.clock_offset = 2 * 3600 + 125  # the server is 2 h 2 min 5 s ahead of us
    _skew_handler(server, lambda: Response.aws_error(
        "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", status=403
    ))
    result = run("--service", "s3", "-v", server.url_for("/k"))  # no --retry needed
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "in sync"
    first, second = server.requests
    assert not first.ok and second.ok
    # The Date header has one-second resolution, so the measured offset may be a second short.
    assert re.search(r"local clock is 2 h 2 min [4-9] s behind the server's", result.stderr)


def test_clock_ahead_json_service_signature_expired(server: VerifyingServer, run: Any) -> None:
    server.clock_offset = -1800
    body = json.dumps({
        "__type": "InvalidSignatureException",
        "message": "Signature expired: 20240101T003000Z is now earlier than 20240101T001000Z (20240101T002500Z - 15 min.)",
    })
    _skew_handler(server, lambda: Response(400, headers={"Content-Type": "application/x-amz-json-1.1"}, body=body))
    result = run("--service", "execute-api", "-v", server.url_for("/k"))
    assert result.exit_code == 0, result.stderr
    assert server.request_count == 2 and server.last.ok
    assert "ahead of the server's" in result.stderr


def test_clock_skew_is_corrected_only_once(server: VerifyingServer, run: Any) -> None:
    server.handler = lambda req: Response.aws_error("RequestTimeTooSkewed", "still skewed", status=403, date_skew=900)
    result = run("--service", "s3", "-f", server.url_for("/k"))
    assert result.exit_code == 22
    assert server.request_count == 2
    assert "RequestTimeTooSkewed" in result.stderr


def test_fixed_date_is_not_corrected(server: VerifyingServer, run: Any) -> None:
    server.handler = lambda req: Response.aws_error("RequestTimeTooSkewed", "skewed", status=403)
    result = run("--service", "s3", "--date", "20150830T123600Z", "-v", server.url_for("/k"))
    assert server.request_count == 1
    assert "--date fixes it" in result.stderr


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


# --- signature mismatch diagnosis --------------------------------------------------------------


def _mismatch_handler(server: VerifyingServer, mutate: Any, json_style: bool = False) -> None:
    """Answer SignatureDoesNotMatch with a canonical request the "service" computed differently."""

    def handler(req: Any) -> Response:
        creq = mutate(req.verification.canonical_request)
        sts = req.verification.string_to_sign
        if json_style:
            message = (
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
                "Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String "
                f"for this request should have been\n'{creq}'\n\nThe String-to-Sign should have been\n'{sts}'\n"
            )
            return Response(403, headers={"Content-Type": "application/json"},
                            body=json.dumps({"__type": "InvalidSignatureException", "message": message}))
        from xml.sax.saxutils import escape

        body = (f"<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match"
                f"</Message><StringToSign>{escape(sts)}</StringToSign><CanonicalRequest>{escape(creq)}</CanonicalRequest></Error>")
        return Response(403, headers={"Content-Type": "application/xml"}, body=body)

    server.handler = handler


def test_mismatch_without_verbose_says_how_to_see_it(server: VerifyingServer, run: Any) -> None:
    _mismatch_handler(server, lambda c: c.replace("host:127.0.0.1", "host:proxy.internal"))
    result = run("--service", "s3", server.url_for("/bucket/key"))
    lines = [line for line in result.stderr.splitlines() if line]
    assert len(lines) == 1  # one line: what happened, and how to see why
    assert lines[0].startswith("sigcurl: HTTP 403 from 127.0.0.1") and "SignatureDoesNotMatch" in lines[0]
    assert lines[0].endswith(" — rerun with -v to see how the service's canonical request differs from sigcurl's")


def test_mismatch_diff_names_the_rewritten_host(server: VerifyingServer, run: Any) -> None:
    _mismatch_handler(server, lambda c: c.replace("host:127.0.0.1", "host:proxy.internal"))
    result = run("--service", "s3", "-v", server.url_for("/bucket/key"))
    err = result.stderr
    assert "--- canonical request (sigcurl signed)" in err and "+++ canonical request (service computed)" in err
    assert re.search(r"^-host:127\.0\.0\.1:\d+$", err, re.M)
    assert re.search(r"^\+host:proxy\.internal:\d+$", err, re.M)
    assert "* hint: the Host differs" in err


def test_mismatch_json_service_message_is_diffed(server: VerifyingServer, run: Any) -> None:
    _mismatch_handler(server, lambda c: c.replace("/bucket/key", "/bucket/key%20"), json_style=True)
    result = run("--service", "execute-api", "-v", server.url_for("/bucket/key"))
    err = result.stderr
    assert "InvalidSignatureException" in err
    assert "-/bucket/key\n+/bucket/key%20" in err
    assert "* hint: the path differs" in err
    assert "* the string to sign matches what the service computed" in err


def test_mismatch_with_identical_texts_blames_the_secret(server: VerifyingServer, run: Any) -> None:
    server.add_key("AKIDEXAMPLE", "a-different-secret-the-server-knows")
    server.reject_bad_signatures = True
    result = run("--service", "s3", "-v", server.url_for("/bucket/key"))
    assert "* the canonical request matches what the service computed" in result.stderr
    assert "the secret key is wrong" in result.stderr


def test_error_body_is_written_once(server: VerifyingServer, run: Any) -> None:
    server.queue(Response.aws_error("NoSuchKey", "The specified key does not exist."))
    result = run("--service", "s3", server.url_for("/bucket/key"))
    assert result.stdout.count("<Error>") == 1
    assert "NoSuchKey" in result.stderr
    big = b"<Error><Code>InternalError</Code><Message>" + b"m" * (300 << 10) + b"</Message></Error>"
    server.queue(Response(500, headers={"Content-Type": "application/xml"}, body=big))
    result = run("--service", "s3", "-o", "-", server.url_for("/bucket/key"))
    assert result.stdout_bytes == big
