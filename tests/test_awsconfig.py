"""The AWS CLI's configuration honoured: --no-sign-request, AWS_ENDPOINT_URL*, CA bundle, region set, retries."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.server import VerifyingServer
from tests.cli_helpers import base_env, run


def test_no_sign_request_sends_unsigned_without_credentials(server: VerifyingServer, tmp_path: Path) -> None:
    env = base_env(tmp_path)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(key)
    env["AWS_PROFILE"] = "does-not-exist"  # would fail if credentials were looked up
    result = run(["--no-sign-request", "-v", server.url + "/public/object.txt"], env)
    assert result.exit_code == 0, result.stderr
    r = server.last
    assert r.header("Authorization") is None and r.header("X-Amz-Date") is None
    assert r.header("X-Amz-Security-Token") is None
    assert "* not signing: --no-sign-request" in result.stderr


def test_no_sign_request_sign_only_prints_the_plain_request(tmp_path: Path) -> None:
    result = run(["--no-sign-request", "--sign-only", "https://my-bucket.s3.us-west-2.amazonaws.com/k"], base_env(tmp_path))
    assert result.exit_code == 0, result.stderr
    out = result.stdout.decode()
    assert "Authorization" not in out and "X-Amz-Date" not in out
    assert out.startswith("GET /k HTTP/1.1\nHost: my-bucket.s3.us-west-2.amazonaws.com\n"), out


def test_no_sign_request_with_presign_is_a_usage_error(tmp_path: Path) -> None:
    result = run(["--no-sign-request", "--presign", "https://my-bucket.s3.us-west-2.amazonaws.com/k"], base_env(tmp_path))
    assert result.exit_code == 2
    assert "--no-sign-request and --presign cannot be combined" in result.stderr


# --- configured endpoint URLs -------------------------------------------------------


def _config(tmp_path: Path, text: str) -> None:
    (tmp_path / "config").write_text(text)


@pytest.mark.parametrize("how", ["service env", "global env", "services section", "profile"])
def test_configured_endpoint_receives_the_request_signed_for_the_inferred_scope(
    server: VerifyingServer, tmp_path: Path, how: str
) -> None:
    env = base_env(tmp_path)
    base = server.url + "/base/"
    if how == "service env":
        env["AWS_ENDPOINT_URL_DYNAMODB"] = base
        env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9/"  # the service's own wins
    elif how == "global env":
        env["AWS_ENDPOINT_URL"] = base
    elif how == "services section":
        _config(tmp_path, f"[default]\nservices = local\nendpoint_url = http://127.0.0.1:9/\n"
                          f"[services local]\ndynamodb =\n  endpoint_url = {base}\n")
    else:
        _config(tmp_path, f"[default]\nendpoint_url = {base}\n")
    url = "https://dynamodb.eu-west-1.amazonaws.com/path?x=1"
    result = run(["-v", "-H", "X-Amz-Target: DynamoDB_20120810.ListTables", "--json", "{}", url], env)
    assert result.exit_code == 0, result.stderr
    r = server.last
    assert r.ok, r
    assert r.path == "/base/path" and r.query == "x=1"
    assert r.header("Host") == server.host
    assert "/eu-west-1/dynamodb/aws4_request" in (r.header("Authorization") or "")
    assert "* sending to " in result.stderr


def test_ignore_configured_endpoint_urls(server: VerifyingServer, tmp_path: Path) -> None:
    env = base_env(tmp_path, AWS_ENDPOINT_URL="http://127.0.0.1:9/", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true")
    port = server.url.rsplit(":", 1)[1]
    host = "sqs.us-east-1.amazonaws.com"
    result = run(["--resolve", f"{host}:{port}:127.0.0.1", f"http://{host}:{port}/"], env)
    assert result.exit_code == 0, result.stderr
    assert server.last.ok


def test_s3_bucket_host_goes_path_style_to_the_endpoint(server: VerifyingServer, tmp_path: Path) -> None:
    env = base_env(tmp_path, AWS_ENDPOINT_URL_S3=server.url)
    result = run(["https://my-bucket.s3.us-west-2.amazonaws.com/key.txt"], env)
    assert result.exit_code == 0, result.stderr
    r = server.last
    assert r.ok and r.path == "/my-bucket/key.txt"
    assert "/us-west-2/s3/aws4_request" in (r.header("Authorization") or "")


def test_other_services_are_not_redirected(tmp_path: Path) -> None:
    env = base_env(tmp_path, AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:9/")
    result = run(["--sign-only", "https://sqs.us-east-1.amazonaws.com/"], env)
    assert result.exit_code == 0 and b"Host: sqs.us-east-1.amazonaws.com" in result.stdout
