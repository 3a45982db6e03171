"""The AWS CLI's configuration honoured: --no-sign-request, AWS_ENDPOINT_URL*, CA bundle, region set, retries."""

from __future__ import annotations

from pathlib import Path

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
