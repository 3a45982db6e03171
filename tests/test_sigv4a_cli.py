"""SigV4a from the command line, verified by the independent loopback server."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from cli_helpers import base_env, run

from support.server import VerifyingServer

MRAP = "https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/key"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path)


def test_mrap_host_selects_sigv4a_without_flags(env: dict[str, str]) -> None:
    result = run(["--sign-only", "--date", "20150830T123600Z", MRAP], env)
    assert result.exit_code == 0, result.stderr
    out = result.stdout.decode()
    assert "Authorization: AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20150830/s3/aws4_request" in out
    assert "X-Amz-Region-Set: *" in out
    assert "x-amz-region-set" in out


def test_mrap_presign(env: dict[str, str]) -> None:
    result = run(["--presign", MRAP], env)
    url = result.stdout.decode().strip()
    assert "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256" in url and "X-Amz-Region-Set=%2A" in url


@pytest.mark.parametrize("region_set", [None, "us-east-1,us-west-2"])
def test_sigv4a_request_verifies(server: VerifyingServer, env: dict[str, str], region_set: str | None) -> None:
    args = ["--sigv4a", "--service", "s3", "-d", "payload", server.url + "/bucket/key"]
    if region_set:
        args[1:1] = ["--region-set", region_set]
    result = run(args, env)
    assert result.exit_code == 0, result.stderr
    r = server.last
    assert r.ok, r.verification.reason
    assert r.header("X-Amz-Region-Set") == (region_set or "*")
    assert (r.header("Authorization") or "").startswith("AWS4-ECDSA-P256-SHA256 ")


def test_sigv4a_presigned_url_verifies(server: VerifyingServer, env: dict[str, str]) -> None:
    url = run(["--presign", "--sigv4a", "--service", "s3", server.url + "/bucket/k"], env).stdout.decode().strip()
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.status == 200
    assert server.last.ok, server.last.verification.reason


def test_sigv4a_debug_signature(env: dict[str, str]) -> None:
    result = run(["--sign-only", "--debug-signature", MRAP], env)
    assert "AWS4-ECDSA-P256-SHA256\n" in result.stderr and "x-amz-region-set:*" in result.stderr


def test_bad_region_set(env: dict[str, str]) -> None:
    result = run(["--sign-only", "--region-set", "us east", MRAP], env)
    assert result.exit_code == 2 and result.stderr.startswith("sigcurl: ")
