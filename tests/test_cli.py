"""End-to-end: the real command against a loopback server that verifies with botocore.

Every request the server receives is checked by an independent verifier
(``tests/support``), never by sigcurl's own signer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import SECRET_KEY, SESSION_TOKEN, base_env, run, run_process

from support.server import Response, VerifyingServer
from support.terminal import run_in_pty


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path)


def _ok(server: VerifyingServer) -> None:
    for r in server.requests:
        assert r.ok, r.verification.reason


# --- the bytes on the wire are exactly what was signed ---------------------------

WIRE_SHAPES = [
    pytest.param("s3", "/bucket/a/../b", "/bucket/a/../b", id="s3-dot-dot"),
    pytest.param("s3", "/bucket/a%2Fb", "/bucket/a/b", id="s3-encoded-slash"),
    pytest.param("s3", "/bucket/a+b", "/bucket/a%2Bb", id="s3-plus"),
    pytest.param("s3", "/bucket/my key", "/bucket/my%20key", id="s3-space"),
    pytest.param("s3", "/bucket/f\u00fc\u00df/\u1234", "/bucket/f%C3%BC%C3%9F/%E1%88%B4", id="s3-unicode"),
    pytest.param("s3", "/bucket/x//y/./z", "/bucket/x//y/./z", id="s3-no-normalise"),
    pytest.param("s3", "/bucket/%41", "/bucket/A", id="s3-unreserved-escape"),
    pytest.param("execute-api", "/prod/a/../b", "/prod/a/../b", id="api-dot-dot"),
    pytest.param("execute-api", "/prod/%41%2F", "/prod/%41%2F", id="api-escapes-kept"),
    pytest.param("execute-api", "/prod/a b", "/prod/a%20b", id="api-space"),
    pytest.param("execute-api", "/prod/arn:aws:x", "/prod/arn:aws:x", id="api-colon"),
    pytest.param("execute-api", "/prod//x/./y", "/prod//x/./y", id="api-double-slash"),
    pytest.param("lambda", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af/invocations",
                 "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af/invocations", id="lambda-arn"),
]


@pytest.mark.parametrize(("service", "path", "wire"), WIRE_SHAPES)
def test_wire_path_is_what_was_signed(server: VerifyingServer, env: dict[str, str], service: str, path: str, wire: str) -> None:
    result = run(["-s", "--service", service, server.url + path], env)
    assert result.exit_code == 0, result.stderr
    assert server.last.path == wire
    _ok(server)


QUERIES = [
    pytest.param("?b=2&a=1&a=0", id="repeated-keys"),
    pytest.param("?acl", id="no-value"),
    pytest.param("?x=", id="empty-value"),
    pytest.param("?q=a+b", id="plus"),
    pytest.param("?q=a%20b&r=%2F", id="escapes"),
    pytest.param("?p=a/b:c=d", id="reserved"),
    pytest.param("?\u00e9=\u1234", id="unicode"),
    pytest.param("?Action=GetCallerIdentity&Version=2011-06-15", id="sts"),
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("service", ["s3", "execute-api"])
def test_queries(server: VerifyingServer, env: dict[str, str], service: str, query: str) -> None:
    result = run(["-s", "--service", service, server.url + "/p" + query], env)
    assert result.exit_code == 0, result.stderr
    _ok(server)


# --- curl's request options ----------------------------------------------------------


def test_get_defaults(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["--service", "execute-api", server.url + "/items"], env)
    assert result.exit_code == 0
    r = server.last
    assert r.method == "GET"
    assert r.header("Accept") == "*/*"
    assert r.header("User-Agent", "").startswith("sigcurl/")
    assert r.header("X-Amz-Date")
    assert "Signature=" in (r.header("Authorization") or "")
    assert json.loads(result.stdout)["ok"] is True
    _ok(server)


def test_data_posts_form(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["--service", "execute-api", "-d", "a=1", "-d", "b=2", server.url + "/"], env)
    assert result.exit_code == 0
    r = server.last
    assert (r.method, r.body) == ("POST", b"a=1&b=2")
    assert r.header("Content-Type") == "application/x-www-form-urlencoded"
    _ok(server)


def test_data_at_file_strips_newlines_binary_keeps(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    f = tmp_path / "d.txt"
    f.write_bytes(b"line1\r\nline2\n")
    run(["--service", "execute-api", "-d", f"@{f}", server.url], env)
    assert server.last.body == b"line1line2"
    run(["--service", "execute-api", "--data-binary", f"@{f}", server.url], env)
    assert server.last.body == b"line1\r\nline2\n"
    _ok(server)


def test_data_raw_and_urlencode(server: VerifyingServer, env: dict[str, str]) -> None:
    run(["--service", "execute-api", "--data-raw", "@notafile", server.url], env)
    assert server.last.body == b"@notafile"
    run(["--service", "execute-api", "--data-urlencode", "q=a b&c", "--data-urlencode", "=x/y", server.url], env)
    assert server.last.body == b"q=a+b%26c&x%2Fy"  # curl 7.88's form encoding: a space is +
    _ok(server)


def test_json_sets_headers_and_reads_stdin(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["--service", "execute-api", "--json", "@-", server.url], env, stdin=b'{"TableName":"t"}')
    assert result.exit_code == 0
    r = server.last
    assert r.body == b'{"TableName":"t"}'
    assert r.header("Content-Type") == "application/json"
    assert r.header("Accept") == "application/json"
    _ok(server)


def test_get_moves_data_to_query(server: VerifyingServer, env: dict[str, str]) -> None:
    run(["--service", "execute-api", "-G", "-d", "a=1", "-d", "b=x y", server.url + "/q?z=0"], env)
    r = server.last
    assert r.method == "GET"
    assert r.query_pairs == [("z", "0"), ("a", "1"), ("b", "x y")]
    assert not r.body
    _ok(server)


def test_headers_remove_empty_replace(server: VerifyingServer, env: dict[str, str]) -> None:
    run(["--service", "execute-api", "-H", "Accept:", "-H", "X-Empty;", "-H", "X-Target: Svc.Op", "-H", "User-Agent: mine", server.url], env)
    r = server.last
    assert r.header("Accept") is None
    assert r.header("X-Empty") == ""
    assert r.header("X-Target") == "Svc.Op"
    assert r.header("User-Agent") == "mine"
    _ok(server)


def test_header_file(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    f = tmp_path / "h.txt"
    f.write_text("X-One: 1\nX-Two: 2\n")
    run(["--service", "execute-api", "-H", f"@{f}", server.url], env)
    assert (server.last.header("X-One"), server.last.header("X-Two")) == ("1", "2")
    _ok(server)


def test_upload_file_puts(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    f = tmp_path / "up.bin"
    f.write_bytes(bytes(range(256)) * 10)
    result = run(["--service", "s3", "-T", str(f), server.url + "/bucket/"], env)
    assert result.exit_code == 0, result.stderr
    r = server.last
    assert r.method == "PUT"
    assert r.path == "/bucket/up.bin"
    assert (r.payload or r.body) == bytes(range(256)) * 10
    _ok(server)


def test_head_and_include(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["--service", "execute-api", "-I", server.url], env)
    assert server.last.method == "HEAD"
    assert result.stdout.startswith(b"HTTP/1.1 200")
    result = run(["--service", "execute-api", "-i", server.url], env)
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Type: application/json" in head
    assert json.loads(body)["ok"] is True
    _ok(server)


def test_empty_user_agent_sends_none(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["--service", "execute-api", "-A", "", server.url], env)
    assert result.exit_code == 0, result.stderr
    assert server.last.header("User-Agent") is None
    assert server.last.header("Accept-Encoding") is None  # http.client's "identity" is not added either
    _ok(server)


@pytest.mark.parametrize("extra", [["-d", "a=1"], ["--json", "{}"], ["-T", "__file__"], ["-F", "a=1"]], ids=["d", "json", "T", "F"])
def test_head_with_a_body_is_a_usage_error(server: VerifyingServer, env: dict[str, str], extra: list[str]) -> None:
    # curl: "You can only select one HTTP request method!" (exit 2); sigcurl sent a POST or PUT instead.
    extra = [__file__ if x == "__file__" else x for x in extra]
    result = run(["--service", "execute-api", "-I", *extra, server.url], env)
    assert result.exit_code == 2
    assert result.stderr.startswith("sigcurl: -I") and result.stderr.count("\n") == 1
    assert server.request_count == 0
    result = run(["--service", "execute-api", "-I", "-G", "-d", "a=1", server.url], env)
    assert result.exit_code == 0 and server.last.method == "HEAD" and server.last.query == "a=1"


def test_method_override(server: VerifyingServer, env: dict[str, str]) -> None:
    run(["--service", "execute-api", "-X", "DELETE", server.url + "/x"], env)
    assert server.last.method == "DELETE"
    _ok(server)


def test_output_file_only(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "sub" / "o.json"
    result = run(["--service", "execute-api", "--create-dirs", "-o", str(out), server.url], env)
    assert result.exit_code == 0
    assert result.stdout == b""
    assert json.loads(out.read_bytes())["ok"] is True


def test_write_out(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(body=b"hello", headers=[("Content-Type", "text/plain"), ("X-Thing", "1")]))
    fmt = "%{http_code} %{size_download} %{content_type} %{url_effective}|%{header_json}\\n"
    result = run(["-s", "--service", "execute-api", "-w", fmt, server.url + "/w"], env)
    body, _, out = result.stdout.partition(b" ")
    assert result.stdout.startswith(b"hello200 5 text/plain " + (server.url + "/w").encode() + b"|")
    headers = json.loads(result.stdout.split(b"|", 1)[1])
    assert headers["x-thing"] == ["1"]
    assert result.stdout.endswith(b"\n")
    time_total = run(["-s", "--service", "execute-api", "-w", "%{time_total}", "-o", "/dev/null", server.url], env)
    assert float(time_total.stdout) >= 0


def test_fail_and_fail_with_body(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response.aws_error("AccessDenied", "no way", status=403))
    result = run(["--service", "s3", "-f", server.url + "/b/k"], env)
    assert result.exit_code == 22
    assert result.stdout == b""
    assert "AccessDenied" in result.stderr and "403" in result.stderr
    server.queue(Response.aws_error("AccessDenied", "no way", status=403))
    result = run(["--service", "s3", "--fail-with-body", server.url + "/b/k"], env)
    assert result.exit_code == 22
    assert b"<Code>AccessDenied</Code>" in result.stdout
    server.queue(Response.aws_error("AccessDenied", "no way", status=403))
    result = run(["--service", "s3", server.url + "/b/k"], env)
    assert result.exit_code == 0
    assert b"AccessDenied" in result.stdout
    # curl: both at once is a usage error; %{errormsg} is the message alone
    assert run(["--service", "s3", "-f", "--fail-with-body", server.url + "/b/k"], env).exit_code == 2
    server.queue(Response(status=404))
    result = run(["--service", "s3", "-sf", "-w", "%{errormsg}", server.url + "/b/k"], env)
    assert (result.exit_code, result.stdout) == (22, f"HTTP 404 Not Found from {server.host} (-f)".encode())


def test_silent_fail_prints_nothing_unless_show_error(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(status=500, body=b"x"))
    result = run(["-sf", "--service", "execute-api", server.url], env)
    assert (result.exit_code, result.stderr) == (22, "")
    server.queue(Response(status=500, body=b"x"))
    result = run(["-sSf", "--service", "execute-api", server.url], env)
    assert result.exit_code == 22 and result.stderr.startswith("sigcurl: ")


def test_json_error_summary(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response.json({"__type": "com.amazon#UnrecognizedClientException", "message": "bad token"}, status=400))
    result = run(["--service", "dynamodb", "--region", "us-east-1", server.url], env)
    line = [x for x in result.stderr.splitlines() if "UnrecognizedClientException" in x]
    assert line and "bad token" in line[0] and " — " in line[0]


def test_redirect_followed_and_resigned(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response.redirect("/second?x=1", status=302))
    result = run(["-L", "--service", "execute-api", server.url + "/first"], env)
    assert result.exit_code == 0
    first, second = server.requests[-2:]
    assert second.path == "/second"
    assert first.header("Authorization") != second.header("Authorization")
    _ok(server)


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
    _ok(server)
    port = server.url.rsplit(":", 1)[1]
    url = f"http://api.example.test:{port}/y"
    result = run(["--resolve", f"api.example.test:{port}:127.0.0.1", "--service", "execute-api", url], env)
    assert result.exit_code == 0, result.stderr
    assert server.last.header("Host") == f"api.example.test:{port}"
    _ok(server)
    result = run(["--connect-to", f"other.example.test:{port}:127.0.0.1:{port}", "--service", "execute-api", f"http://other.example.test:{port}/z"], env)
    assert result.exit_code == 0, result.stderr
    _ok(server)


def test_session_token_sent_and_signed(server: VerifyingServer, env: dict[str, str]) -> None:
    server.add_key("AKIDEXAMPLE", SECRET_KEY, SESSION_TOKEN)
    env = dict(env, AWS_SESSION_TOKEN=SESSION_TOKEN)
    result = run(["--service", "execute-api", server.url], env)
    assert result.exit_code == 0
    assert server.last.header("X-Amz-Security-Token") == SESSION_TOKEN
    assert "x-amz-security-token" in (server.last.header("Authorization") or "")
    _ok(server)


def test_explicit_key_flags(server: VerifyingServer, tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "c"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "k"),
           "AWS_EC2_METADATA_DISABLED": "true"}
    result = run(["--access-key", "AKIDEXAMPLE", "--secret-key", SECRET_KEY, "--service", "execute-api", server.url], env)
    assert result.exit_code == 0, result.stderr
    _ok(server)


def test_profile_static_keys(server: VerifyingServer, tmp_path: Path) -> None:
    (tmp_path / "credentials").write_text("[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
    env = {"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"), "AWS_EC2_METADATA_DISABLED": "true"}
    result = run(["--profile", "dev", "--service", "execute-api", server.url], env)
    assert result.exit_code == 0, result.stderr
    assert "AKIAIOSFODNN7EXAMPLE/" in (server.last.header("Authorization") or "")
    _ok(server)


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


# --- exit codes and errors --------------------------------------------------------------

ERRORS = [
    pytest.param(["ftp://x/"], 1, id="unsupported-protocol"),
    pytest.param(["--service", "s3", "http://:80/"], 3, id="no-host"),
    pytest.param(["--service", "s3", "http://h:99999/"], 3, id="bad-port"),
    pytest.param(["--service", "s3", "--sign-only", "-H", "Bad Name: x", "https://h/"], 2, id="bad-header-name"),
    pytest.param(["--service", "s3", "--sign-only", "-H", "NoColon", "https://h/"], 2, id="header-no-colon"),
    pytest.param(["--service", "s3", "--sign-only", "--date", "yesterday", "https://h/"], 2, id="bad-date"),
    pytest.param(["--service", "s3", "--presign", "--expires", "0", "https://h/"], 2, id="expires-zero"),
    pytest.param(["--service", "s3", "--presign", "--expires", "604801", "https://h/"], 2, id="expires-too-long"),
    pytest.param(["--service", "S3!", "--sign-only", "https://h/"], 2, id="bad-service"),
    pytest.param(["--service", "s3", "--region", "us east", "--sign-only", "https://h/"], 2, id="bad-region"),
    pytest.param(["--service", "s3", "-d", "@/nonexistent/file", "--sign-only", "https://h/"], 26, id="unreadable-data"),
    pytest.param(["--service", "s3", "-T", "/nonexistent/file", "--sign-only", "https://h/"], 26, id="unreadable-upload"),
    pytest.param(["--no-such-option", "https://h/"], 2, id="unknown-option"),
    pytest.param([], 2, id="no-url"),
    pytest.param(["--service", "s3", "http://127.0.0.1:9/"], 7, id="connection-refused"),
    pytest.param(["--service", "s3", "http://no-such-host.invalid/"], 6, id="cannot-resolve"),
]


@pytest.mark.parametrize(("args", "code"), ERRORS)
def test_errors_are_one_line_with_exit_code(env: dict[str, str], args: list[str], code: int) -> None:
    result = run(args, env)
    assert result.exit_code == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sigcurl: ") and " — " in lines[0]
    assert "Traceback" not in result.stderr


def test_no_credentials(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "c"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "k"),
           "AWS_EC2_METADATA_DISABLED": "true"}
    result = run(["--sign-only", "https://sts.amazonaws.com/"], env)
    assert result.exit_code == 91
    assert "credentials" in result.stderr


def test_whoami(env: dict[str, str]) -> None:
    result = run(["--whoami", "--region", "eu-west-2"], env)
    assert result.exit_code == 0
    out = result.stdout.decode()
    assert "AKIDEXAMPLE" in out and "environment" in out and "eu-west-2" in out
    assert SECRET_KEY not in out


# --- stdout/stderr for pipes and terminals ---------------------------------------------------


def test_pipe_gets_exact_bytes(server: VerifyingServer, env: dict[str, str]) -> None:
    body = bytes(range(256)) * 1000
    server.queue(Response(body=body, headers=[("Content-Type", "application/octet-stream")]))
    result = run_process(["--service", "s3", server.url + "/b/k"], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == body
    assert result.stderr == ""


def test_pipe_json_not_reformatted(server: VerifyingServer, env: dict[str, str]) -> None:
    raw = b'{"a":1,"b":[1,2]}'
    server.queue(Response(body=raw, headers=[("Content-Type", "application/json")]))
    assert run(["--service", "execute-api", server.url], env).stdout == raw


def test_pretty_forced_json_and_xml(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(body=b'{"a":1,"b":[1,2]}', headers=[("Content-Type", "application/json")]))
    out = run(["--pretty", "--no-color", "--service", "execute-api", server.url], env).stdout
    assert out == b'{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ]\n}\n'
    server.queue(Response(body=b"<a><b>1</b></a>", headers=[("Content-Type", "application/xml")]))
    out = run(["--pretty", "--no-color", "--service", "s3", server.url], env).stdout
    assert b"<a>\n  <b>1</b>\n</a>" in out


def test_terminal_pretty_prints_json_in_colour(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(body=b'{"name":"x","n":[1,2]}', headers=[("Content-Type", "application/json")]))
    code, out = run_in_pty(["--service", "execute-api", server.url], env)
    assert code == 0
    assert b"\x1b[" in out  # highlighted
    assert b'"name"' in out and b"\n" in out


def test_terminal_refuses_binary(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(body=b"\x00\x01\x02binary", headers=[("Content-Type", "application/octet-stream")]))
    code, out = run_in_pty(["--service", "s3", server.url], env)
    assert code == 23
    assert b"binary output" in out and b"\x00\x01\x02" not in out


def test_verbose_redacts(server: VerifyingServer, env: dict[str, str]) -> None:
    server.add_key("AKIDEXAMPLE", SECRET_KEY, SESSION_TOKEN)
    env = dict(env, AWS_SESSION_TOKEN=SESSION_TOKEN)
    result = run(["-v", "--service", "execute-api", server.url], env)
    assert "> GET / HTTP/1.1" in result.stderr
    assert "Signature=<redacted>" in result.stderr
    assert "X-Amz-Security-Token: <redacted>" in result.stderr
    assert "< HTTP/1.1 200 OK" in result.stderr
    assert SESSION_TOKEN not in result.stderr and SECRET_KEY not in result.stderr
    assert server.last.ok


def test_binary_data_urlencoded_and_in_query(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    f = tmp_path / "bin"
    f.write_bytes(bytes(range(256)))
    run(["--service", "execute-api", "--data-urlencode", f"v@{f}", server.url], env)
    from urllib.parse import unquote_to_bytes

    assert unquote_to_bytes(server.last.body.split(b"=", 1)[1].replace(b"+", b" ")) == bytes(range(256))
    # -G: every ASCII byte (the verifier, like most servers, reads the query as UTF-8)
    f.write_bytes(bytes(range(128)))
    result = run(["--service", "execute-api", "-G", "--data-binary", f"@{f}", server.url], env)
    assert result.exit_code == 0, result.stderr
    _ok(server)


def test_write_out_unknown_variable_warns(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["--service", "execute-api", "-o", "/dev/null", "-w", "[%{nope}%{http_code}]", server.url], env)
    assert result.stdout == b"[200]"
    assert "unknown --write-out variable %{nope}" in result.stderr
    quiet = run(["-s", "--service", "execute-api", "-o", "/dev/null", "-w", "%{nope}", server.url], env)
    assert (quiet.stdout, quiet.stderr) == (b"", "")


def test_fail_error_line_says_how_to_see_the_body(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(status=404, body=b"missing"))
    result = run(["-f", "--service", "execute-api", server.url], env)
    assert result.exit_code == 22
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("sigcurl: HTTP 404") and " — use --fail-with-body" in line


def test_compressed_decodes_and_counts_bytes_received(server: VerifyingServer, env: dict[str, str]) -> None:
    import gzip

    payload = b'{"items": ' + b"[1, 2, 3], " * 200 + b"}"
    packed = gzip.compress(payload)
    server.queue(Response(body=packed, headers=[("Content-Type", "application/json"), ("Content-Encoding", "gzip")]))
    result = run(["-s", "--compressed", "--service", "execute-api", "-w", "\\n%{size_download}", server.url], env)
    body, _, size = result.stdout.rpartition(b"\n")
    assert body == payload
    assert int(size) == len(packed)
    assert "gzip" in (server.last.header("Accept-Encoding") or "")


def test_help_is_grouped(env: dict[str, str]) -> None:
    out = run(["--help"], env).stdout.decode()
    sections = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert sections[0].startswith("Usage: sigcurl [OPTIONS] URL...")
    assert [s for s in sections if s.endswith(":") and s != "Examples:"] == [
        "Curl options:", "Transfers:", "Signing:", "Credentials:", "Output:", "About:",
    ]
    assert "\n  URL...\n" not in out


def test_repeated_headers_are_shown_as_sent(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["-v", "--service", "execute-api", "-H", "X-A: 1", "-H", "X-A: 2", server.url], env)
    assert server.last.header_all("X-A") == ["1,2"]
    assert "> X-A: 1,2" in result.stderr and "> X-A: 1\n" not in result.stderr
    assert server.last.ok
    signed = run(["--sign-only", "--service", "execute-api", "-H", "X-A: 1", "-H", "X-A: 2", server.url], env)
    assert "X-A: 1,2" in signed.stdout.decode()


def test_fail_with_an_aws_error_is_one_line(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response.aws_error("AccessDenied", "no way", status=403))
    result = run(["-f", "--service", "s3", server.url + "/b/k"], env)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 22 and len(lines) == 1
    assert lines[0].startswith("sigcurl: HTTP 403 from ") and "AccessDenied: no way (-f) — " in lines[0]


def test_write_out_file_is_read_before_sending(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    result = run(["--service", "execute-api", "-d", "x", "-w", f"@{tmp_path}/missing", server.url], env)
    assert result.exit_code == 26
    assert server.request_count == 0
    fmt = tmp_path / "fmt"
    fmt.write_text("%{http_code}")
    assert run(["-s", "-o", "/dev/null", "--service", "execute-api", "-w", f"@{fmt}", server.url], env).stdout == b"200"


def test_unknown_host_without_region_says_so_with_verbose(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["-v", "--service", "execute-api", "-o", "/dev/null", server.url], env)
    assert "/us-east-1/execute-api/" in (server.last.header("Authorization") or "")
    assert "* no region for 127.0.0.1" in result.stderr and "--region" in result.stderr
    quiet = run(["-v", "--service", "execute-api", "--region", "eu-west-1", "-o", "/dev/null", server.url], env)
    assert "no region" not in quiet.stderr
    assert run(["--sign-only", "--service", "execute-api", server.url], env).stderr == ""


def test_write_out_json_has_numbers(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["-s", "-o", "/dev/null", "--service", "execute-api", "-w", "%{json}", server.url], env)
    info = json.loads(result.stdout)
    assert info["http_code"] == 200 and isinstance(info["size_download"], int) and isinstance(info["time_total"], float)
    assert info["exitcode"] == 0 and info["errormsg"] is None


def test_connect_error_names_the_port(env: dict[str, str]) -> None:
    result = run(["--service", "s3", "http://127.0.0.1:9/"], env)
    assert result.exit_code == 7 and "127.0.0.1 port 9" in result.stderr


def test_json_to_an_aws_json_api_gets_its_content_type(server: VerifyingServer, env: dict[str, str]) -> None:
    port = server.url.rsplit(":", 1)[1]
    host = "dynamodb.us-east-1.amazonaws.com"
    args = ["--connect-to", f"{host}:80:127.0.0.1:{port}", "--json", "@-", "-H", "X-Amz-Target: DynamoDB_20120810.DescribeTable", f"http://{host}/"]
    result = run(args, env, stdin=b'{"TableName":"t"}')
    assert result.exit_code == 0, result.stderr
    assert server.last.header("Content-Type") == "application/x-amz-json-1.0" and server.last.ok
    run([*args[:-1], "-H", "Content-Type: application/json", args[-1]], env, stdin=b"{}")
    assert server.last.header("Content-Type") == "application/json"  # -H wins
    run(["--json", "{}", "--service", "execute-api", server.url], env)
    assert server.last.header("Content-Type") == "application/json"  # no X-Amz-Target: plain JSON


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
