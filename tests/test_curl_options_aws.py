"""curl's AWS syntax with curl's meaning: ``--aws-sigv4`` and ``-u`` (with a token part, parts
inferred, from a config file, without -u the credential chain) through sigcurl and the system's
curl, compared; curl 7.88 signs ``aws:amz:REGION:SERVICE`` requests the server verifies too.
Usage errors are one line, the secret never echoed, --trace redacted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, base_env, run

from support.curl_compare import AWS, both, needs_curl, ranged, sigcurl
from support.server import Response, VerifyingServer

# -- curl's AWS syntax -------------------------------------------------------------------------


@needs_curl
def test_aws_sigv4_and_user_send_what_curl_sends(server: VerifyingServer, tmp_path: Path) -> None:
    server.handler = ranged
    _, _, mine, theirs = both(server, [*AWS, "-d", "a=1", "-H", "X-Custom: 1", "{url}/items?x=1"], tmp_path)
    assert mine[0].ok and theirs[0].ok  # curl's own --aws-sigv4 verifies too: the same request, signed
    assert "/us-east-1/execute-api/aws4_request" in (mine[0].header("Authorization") or "")


@needs_curl
def test_session_token_header_is_signed_as_the_credentials_token(server: VerifyingServer, tmp_path: Path) -> None:
    server.add_key(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    server.handler = ranged
    _, _, mine, theirs = both(server, [*AWS, "-H", f"x-amz-security-token: {SESSION_TOKEN}", "{url}/t"], tmp_path)
    assert mine[0].ok and theirs[0].ok
    assert mine[0].header_all("X-Amz-Security-Token") == [SESSION_TOKEN]
    assert "x-amz-security-token" in (mine[0].header("Authorization") or "")


@needs_curl
def test_credentials_in_a_config_file_as_curl_reads_them(server: VerifyingServer, tmp_path: Path) -> None:
    server.add_key(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    server.handler = ranged
    config = (f'aws-sigv4 = "aws:amz:us-east-1:execute-api"\nuser = "{ACCESS_KEY}:{SECRET_KEY}"\n'
              f'header = "x-amz-security-token: {SESSION_TOKEN}"\n').encode()
    _, _, mine, theirs = both(server, ["-K", "cfg", "-d", "a=1", "{url}/k"], tmp_path, setup={"cfg": config})
    assert mine[0].ok and theirs[0].ok and mine[0].header("X-Amz-Security-Token") == SESSION_TOKEN


def test_user_with_a_token_part(server: VerifyingServer, tmp_path: Path) -> None:
    server.add_key(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    result = sigcurl(["--aws-sigv4", "aws:amz", "-u", f"{ACCESS_KEY}:{SECRET_KEY}:{SESSION_TOKEN}", "-v", server.url_for("/t")],
                     tmp_path, AWS_ACCESS_KEY_ID="AKIAOTHER", AWS_SECRET_ACCESS_KEY="other")
    assert result.exit_code == 0, result.stderr
    assert server.last.ok and server.last.header("X-Amz-Security-Token") == SESSION_TOKEN
    assert SECRET_KEY not in result.stderr and SESSION_TOKEN not in result.stderr


@pytest.mark.parametrize("provider", ["aws:amz", "AWS:AMZ", "aws:amz::", "aws:amz:us-east-1", "aws:amz:us-east-1:execute-api"])
def test_missing_parts_are_inferred(server: VerifyingServer, tmp_path: Path, provider: str) -> None:
    result = sigcurl(["--aws-sigv4", provider, "-u", f"{ACCESS_KEY}:{SECRET_KEY}", server.url_for("/")], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert server.last.ok and "/us-east-1/execute-api/" in (server.last.header("Authorization") or "")


def test_aws_sigv4_without_user_uses_the_credential_chain(server: VerifyingServer, tmp_path: Path) -> None:
    result = sigcurl(["--aws-sigv4", "aws:amz:us-east-1:execute-api", server.url_for("/")], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert server.last.ok and ACCESS_KEY in (server.last.header("Authorization") or "")


@pytest.mark.parametrize(("argv", "words"), [
    (["-u", "a:b"], "does not send Basic auth"),
    (["--aws-sigv4", "osc:osc", "-u", "a:b"], "AWS only"),
    (["--aws-sigv4", "aws", "-u", "a:b"], "aws:amz"),
    (["--aws-sigv4", "aws:amz:us-east-1:s3:x"], "more than four parts"),
    (["--aws-sigv4", "aws:amz:US-EAST-1"], "--aws-sigv4 region"),
    (["--aws-sigv4", "aws:amz", "-u", "justakey"], "KEY:SECRET"),
    (["--aws-sigv4", "aws:amz", "-u", "a:b", "--access-key", "c"], "cannot be combined"),
    (["--aws-sigv4", "aws:amz:eu-west-1", "--region", "us-east-1"], "disagree"),
])
def test_aws_syntax_usage_errors(tmp_path: Path, argv: list[str], words: str) -> None:
    result = run([*argv, "http://127.0.0.1:9/"], base_env(tmp_path))
    assert result.exit_code == 2
    assert words in result.stderr and result.stderr.count("\n") == 1


def test_secret_of_user_never_echoed(tmp_path: Path) -> None:
    result = run(["--aws-sigv4", "aws:amz", "-u", "AKID:se cret", "http://127.0.0.1:9/"], base_env(tmp_path))
    assert result.exit_code == 2 and "se cret" not in result.stderr


def test_trace_redacts_secrets(server: VerifyingServer, tmp_path: Path) -> None:
    server.add_key(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    server.queue(Response(200, body=f"echo {SESSION_TOKEN}".encode()))
    result = sigcurl(["--aws-sigv4", "aws:amz", "-u", f"{ACCESS_KEY}:{SECRET_KEY}:{SESSION_TOKEN}", "--trace-ascii", "t.txt",
                      "-o", "out", server.url_for("/")], tmp_path)
    assert result.exit_code == 0, result.stderr
    trace = (tmp_path / "t.txt").read_text()
    assert "=> Send header" in trace and "<= Recv header" in trace and "<= Recv data" in trace
    assert SECRET_KEY not in trace and SESSION_TOKEN not in trace and "Signature=<redacted>" in trace
