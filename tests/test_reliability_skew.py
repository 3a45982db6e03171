"""Fault injection, the clock and signature mismatches: skew corrected once from the server's Date
(not with --date), SignatureDoesNotMatch diagnosed (how to see it, the canonical-request diff, the
secret blamed when the texts agree), an error body written once.

Every test drives the real command in-process (``click.testing.CliRunner``)
against the verifying loopback server and asserts on what the server
received.  Waiting is injected: the command's environment carries a fake
clock (``Env.clock``: sleep, wall clock, jitter; ``Env.now``), so skew is
tested without real waiting.
"""

from __future__ import annotations

import json
import re
from typing import Any

from support import reliability_fixtures
from support.server import Response, VerifyingServer

# the shared fixtures, by name (pytest finds fixtures in the module)
clock, run = reliability_fixtures.clock, reliability_fixtures.run

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


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
