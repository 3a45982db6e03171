"""End-to-end, the request the command builds: the wire path and query, -d/--data-*, --json, -G, -H,
-T, -A, -X and HEAD, each checked by a loopback server that verifies with botocore.

Every request the server receives is checked by an independent verifier
(``tests/support``), never by sigcurl's own signer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import base_env, run

from support.server import VerifyingServer, assert_verified


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path)


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
    assert_verified(server)


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
    assert_verified(server)


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
    assert_verified(server)


def test_data_posts_form(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["--service", "execute-api", "-d", "a=1", "-d", "b=2", server.url + "/"], env)
    assert result.exit_code == 0
    r = server.last
    assert (r.method, r.body) == ("POST", b"a=1&b=2")
    assert r.header("Content-Type") == "application/x-www-form-urlencoded"
    assert_verified(server)


def test_data_at_file_strips_newlines_binary_keeps(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    f = tmp_path / "d.txt"
    f.write_bytes(b"line1\r\nline2\n")
    run(["--service", "execute-api", "-d", f"@{f}", server.url], env)
    assert server.last.body == b"line1line2"
    run(["--service", "execute-api", "--data-binary", f"@{f}", server.url], env)
    assert server.last.body == b"line1\r\nline2\n"
    assert_verified(server)


def test_data_raw_and_urlencode(server: VerifyingServer, env: dict[str, str]) -> None:
    run(["--service", "execute-api", "--data-raw", "@notafile", server.url], env)
    assert server.last.body == b"@notafile"
    run(["--service", "execute-api", "--data-urlencode", "q=a b&c", "--data-urlencode", "=x/y", server.url], env)
    assert server.last.body == b"q=a+b%26c&x%2Fy"  # curl 7.88's form encoding: a space is +
    assert_verified(server)


def test_json_sets_headers_and_reads_stdin(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["--service", "execute-api", "--json", "@-", server.url], env, stdin=b'{"TableName":"t"}')
    assert result.exit_code == 0
    r = server.last
    assert r.body == b'{"TableName":"t"}'
    assert r.header("Content-Type") == "application/json"
    assert r.header("Accept") == "application/json"
    assert_verified(server)


def test_get_moves_data_to_query(server: VerifyingServer, env: dict[str, str]) -> None:
    run(["--service", "execute-api", "-G", "-d", "a=1", "-d", "b=x y", server.url + "/q?z=0"], env)
    r = server.last
    assert r.method == "GET"
    assert r.query_pairs == [("z", "0"), ("a", "1"), ("b", "x y")]
    assert not r.body
    assert_verified(server)


def test_headers_remove_empty_replace(server: VerifyingServer, env: dict[str, str]) -> None:
    run(["--service", "execute-api", "-H", "Accept:", "-H", "X-Empty;", "-H", "X-Target: Svc.Op", "-H", "User-Agent: mine", server.url], env)
    r = server.last
    assert r.header("Accept") is None
    assert r.header("X-Empty") == ""
    assert r.header("X-Target") == "Svc.Op"
    assert r.header("User-Agent") == "mine"
    assert_verified(server)


def test_header_file(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    f = tmp_path / "h.txt"
    f.write_text("X-One: 1\nX-Two: 2\n")
    run(["--service", "execute-api", "-H", f"@{f}", server.url], env)
    assert (server.last.header("X-One"), server.last.header("X-Two")) == ("1", "2")
    assert_verified(server)


def test_upload_file_puts(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    f = tmp_path / "up.bin"
    f.write_bytes(bytes(range(256)) * 10)
    result = run(["--service", "s3", "-T", str(f), server.url + "/bucket/"], env)
    assert result.exit_code == 0, result.stderr
    r = server.last
    assert r.method == "PUT"
    assert r.path == "/bucket/up.bin"
    assert (r.payload or r.body) == bytes(range(256)) * 10
    assert_verified(server)


def test_empty_user_agent_sends_none(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["--service", "execute-api", "-A", "", server.url], env)
    assert result.exit_code == 0, result.stderr
    assert server.last.header("User-Agent") is None
    assert server.last.header("Accept-Encoding") is None  # http.client's "identity" is not added either
    assert_verified(server)


def test_method_override(server: VerifyingServer, env: dict[str, str]) -> None:
    run(["--service", "execute-api", "-X", "DELETE", server.url + "/x"], env)
    assert server.last.method == "DELETE"
    assert_verified(server)


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
    assert_verified(server)


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
