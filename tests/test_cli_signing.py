"""End-to-end, what the command signs and with what: redirects re-signed (and never credentials
to another host), --sign-host/--connect-to, session tokens, key flags and profiles, --sign-only,
--presign and --debug-signature against AWS's documented examples, service and region inference,
--whoami.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import SECRET_KEY, SESSION_TOKEN, base_env, run

from support.server import Response, VerifyingServer, assert_verified


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path)


def test_redirect_followed_and_resigned(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response.redirect("/second?x=1", status=302))
    result = run(["-L", "--service", "execute-api", server.url + "/first"], env)
    assert result.exit_code == 0
    first, second = server.requests[-2:]
    assert second.path == "/second"
    assert first.header("Authorization") != second.header("Authorization")
    assert_verified(server)


def test_include_and_verbose_show_every_followed_redirect(server: VerifyingServer, env: dict[str, str]) -> None:
    # curl -i -L writes the header block of each hop, then the body; -v shows each response too.
    server.queue(Response.redirect("/second", status=302, headers=[("X-Hop", "1")]), Response(body=b"done"))
    result = run(["-i", "-v", "-L", "-w", "%{size_header}", "--service", "execute-api", server.url + "/first"], env)
    assert result.exit_code == 0, result.stderr
    blocks = result.stdout.split(b"\r\n\r\n")
    assert blocks[0].startswith(b"HTTP/1.1 302") and b"X-Hop: 1" in blocks[0]
    assert blocks[1].startswith(b"HTTP/1.1 200")
    body, size_header = blocks[2][:4], blocks[2][4:]
    assert body == b"done"
    assert int(size_header) == len(blocks[0]) + len(blocks[1]) + 8
    assert "< HTTP/1.1 302" in result.stderr and "< X-Hop: 1" in result.stderr
    assert result.stderr.index("< HTTP/1.1 302") < result.stderr.index("> GET /second")


def test_redirect_not_followed_without_location(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response.redirect("/second", status=302))
    result = run(["--service", "execute-api", "-w", "%{http_code}", server.url + "/first"], env)
    assert result.stdout.endswith(b"302")
    assert server.request_count == 1


def test_max_redirs(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(*[Response.redirect("/again", status=302) for _ in range(5)])
    result = run(["-L", "--max-redirs", "2", "--service", "execute-api", server.url], env)
    assert result.exit_code == 47
    # curl: -1 means no limit; below that is a usage error
    server.queue(*[Response.redirect("/again", status=302) for _ in range(60)])
    result = run(["-L", "--max-redirs", "-1", "--service", "execute-api", "-w", "%{num_redirects}", server.url], env)
    assert result.exit_code == 0 and int(result.stdout.rpartition(b"}")[2]) >= 60  # more than the default 50
    assert run(["-L", "--max-redirs", "-2", "--service", "execute-api", server.url], env).exit_code == 2


def test_cross_host_redirect_sends_no_credentials(server: VerifyingServer, other_server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response.redirect(other_server.url + "/elsewhere", status=307))
    result = run(["-L", "--service", "execute-api", server.url], env)
    assert result.exit_code == 0
    r = other_server.last
    assert r.header("Authorization") is None and r.header("X-Amz-Security-Token") is None


def test_sign_host_and_connect_to(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["--sign-host", "vpce.example.com", "--service", "execute-api", "--region", "eu-west-1", server.url + "/x"], env)
    assert result.exit_code == 0
    assert server.last.header("Host") == "vpce.example.com"
    assert_verified(server)
    port = server.url.rsplit(":", 1)[1]
    url = f"http://api.example.test:{port}/y"
    result = run(["--resolve", f"api.example.test:{port}:127.0.0.1", "--service", "execute-api", url], env)
    assert result.exit_code == 0, result.stderr
    assert server.last.header("Host") == f"api.example.test:{port}"
    assert_verified(server)
    result = run(["--connect-to", f"other.example.test:{port}:127.0.0.1:{port}", "--service", "execute-api", f"http://other.example.test:{port}/z"], env)
    assert result.exit_code == 0, result.stderr
    assert_verified(server)


def test_session_token_sent_and_signed(server: VerifyingServer, env: dict[str, str]) -> None:
    server.add_key("AKIDEXAMPLE", SECRET_KEY, SESSION_TOKEN)
    env = dict(env, AWS_SESSION_TOKEN=SESSION_TOKEN)
    result = run(["--service", "execute-api", server.url], env)
    assert result.exit_code == 0
    assert server.last.header("X-Amz-Security-Token") == SESSION_TOKEN
    assert "x-amz-security-token" in (server.last.header("Authorization") or "")
    assert_verified(server)


def test_explicit_key_flags(server: VerifyingServer, tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "c"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "k"),
           "AWS_EC2_METADATA_DISABLED": "true"}
    result = run(["--access-key", "AKIDEXAMPLE", "--secret-key", SECRET_KEY, "--service", "execute-api", server.url], env)
    assert result.exit_code == 0, result.stderr
    assert_verified(server)


def test_profile_static_keys(server: VerifyingServer, tmp_path: Path) -> None:
    (tmp_path / "credentials").write_text("[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
    env = {"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"), "AWS_EC2_METADATA_DISABLED": "true"}
    result = run(["--profile", "dev", "--service", "execute-api", server.url], env)
    assert result.exit_code == 0, result.stderr
    assert "AKIAIOSFODNN7EXAMPLE/" in (server.last.header("Authorization") or "")
    assert_verified(server)


# --- offline modes --------------------------------------------------------------------

EXAMPLE_URL = "https://examplebucket.s3.amazonaws.com/test.txt"


def test_sign_only_is_reproducible(env: dict[str, str]) -> None:
    args = ["--sign-only", "--date", "2013-05-24T00:00:00Z", EXAMPLE_URL]
    first = run(args, env)
    assert first.exit_code == 0
    lines = first.stdout.decode().splitlines()
    assert lines[0] == "GET /test.txt HTTP/1.1"
    assert "Host: examplebucket.s3.amazonaws.com" in lines
    assert "X-Amz-Date: 20130524T000000Z" in lines
    assert any(line.startswith("Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20130524/us-east-1/s3/aws4_request") for line in lines)
    assert run(["--sign-only", "--date", "20130524T000000Z", EXAMPLE_URL], env).stdout == first.stdout


def test_presign_matches_s3_documentation(tmp_path: Path) -> None:
    env = base_env(tmp_path, AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    result = run(["--presign", "--expires", "86400", "--date", "20130524T000000Z", EXAMPLE_URL], env)
    assert result.exit_code == 0
    assert result.stdout.decode().strip() == (
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )


def test_presigned_url_works(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["--presign", "--service", "s3", server.url + "/bucket/report.pdf"], env)
    url = result.stdout.decode().strip()
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.status == 200
    assert server.last.ok, server.last.verification.reason


def test_debug_signature_masks_the_token_in_a_presigned_query(env: dict[str, str]) -> None:
    from urllib.parse import quote

    env = dict(env, AWS_SESSION_TOKEN=SESSION_TOKEN)  # has '+', '/' and '=': URI-encoded in the query
    result = run(["--presign", "--debug-signature", "--service", "s3", "https://bucket.s3.amazonaws.com/k"], env)
    assert result.exit_code == 0, result.stderr
    assert "X-Amz-Security-Token=<session-token>&" in result.stderr
    assert quote(SESSION_TOKEN, safe="") not in result.stderr and SESSION_TOKEN not in result.stderr
    assert quote(SESSION_TOKEN, safe="") in result.stdout.decode()  # the URL itself needs it


def test_presign_signs_every_user_header(env: dict[str, str], tmp_path: Path) -> None:
    headers = tmp_path / "h.txt"
    headers.write_text("X-From-File: 1\n")
    result = run(["--presign", "--service", "s3", "-A", "agent", "-H", f"@{headers}", "-H", "X-Empty;", "-H", "X-A: 1",
                  "-d", "x=1", "https://bucket.s3.amazonaws.com/k"], env)
    assert result.exit_code == 0, result.stderr
    assert "X-Amz-SignedHeaders=host%3Bx-a%3Bx-empty%3Bx-from-file&" in result.stdout.decode()


def test_debug_signature_prints_exact_text(env: dict[str, str]) -> None:
    env = dict(env, AWS_SESSION_TOKEN=SESSION_TOKEN)
    result = run(["--sign-only", "--debug-signature", "--date", "20150830T123600Z", "--service", "service", "--region", "us-east-1",
                  "https://example.amazonaws.com/"], env)
    assert "--- canonical request ---\nGET\n/\n\n" in result.stderr
    assert "x-amz-security-token:<session-token>" in result.stderr
    assert "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" in result.stderr
    assert SESSION_TOKEN not in result.stderr


def test_unknown_host_needs_service(env: dict[str, str]) -> None:
    result = run(["--sign-only", "https://example.com/"], env)
    assert result.exit_code == 90
    assert result.stderr.startswith("sigcurl: ") and "--service" in result.stderr


def test_inference_from_host(env: dict[str, str]) -> None:
    result = run(["--sign-only", "https://abc.execute-api.eu-west-1.amazonaws.com/prod/x"], env)
    assert "/eu-west-1/execute-api/aws4_request" in result.stdout.decode()
    result = run(["--sign-only", "https://bedrock-runtime.us-west-2.amazonaws.com/model/x/invoke"], env)
    assert "/us-west-2/bedrock/aws4_request" in result.stdout.decode()
    result = run(["--sign-only", "--region", "ap-south-1", "https://sts.amazonaws.com/"], env)
    assert "/ap-south-1/sts/aws4_request" in result.stdout.decode()


def test_region_from_environment(env: dict[str, str]) -> None:
    env = dict(env, AWS_REGION="eu-central-1")
    result = run(["--sign-only", "https://bucket.s3.amazonaws.com/k"], env)
    assert "/eu-central-1/s3/aws4_request" in result.stdout.decode()


def test_whoami(env: dict[str, str]) -> None:
    result = run(["--whoami", "--region", "eu-west-2"], env)
    assert result.exit_code == 0
    out = result.stdout.decode()
    assert "AKIDEXAMPLE" in out and "environment" in out and "eu-west-2" in out
    assert SECRET_KEY not in out


def test_unknown_host_without_region_says_so_with_verbose(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["-v", "--service", "execute-api", "-o", "/dev/null", server.url], env)
    assert "/us-east-1/execute-api/" in (server.last.header("Authorization") or "")
    assert "* no region for 127.0.0.1" in result.stderr and "--region" in result.stderr
    quiet = run(["-v", "--service", "execute-api", "--region", "eu-west-1", "-o", "/dev/null", server.url], env)
    assert "no region" not in quiet.stderr
    assert run(["--sign-only", "--service", "execute-api", server.url], env).stderr == ""


def test_region_flag_is_the_session_region_for_role_calls(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    import sigcurl.credentials as credentials

    seen: dict[str, object] = {}
    real = credentials.resolve_credentials

    def capture(**kwargs: object) -> object:
        seen.update(kwargs)
        return real(**{**kwargs, "role_arn": None})

    monkeypatch.setattr(credentials, "resolve_credentials", capture)
    run(["--sign-only", "--region", "eu-west-2", "--role-arn", "arn:aws:iam::123456789012:role/r", "https://sts.amazonaws.com/"], env)
    assert seen["role_arn"] == "arn:aws:iam::123456789012:role/r"
    assert seen["environ"]["AWS_REGION"] == "eu-west-2"  # type: ignore[index]
