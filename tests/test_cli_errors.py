"""End-to-end, how the command fails: -f/--fail-with-body, -s/-S, AWS error summaries, and every
user error as one line ``sigcurl: <what> — <how to fix>`` with its documented exit code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import base_env, run

from support.server import Response, VerifyingServer


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path)


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


def test_fail_error_line_says_how_to_see_the_body(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(status=404, body=b"missing"))
    result = run(["-f", "--service", "execute-api", server.url], env)
    assert result.exit_code == 22
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("sigcurl: HTTP 404") and " — use --fail-with-body" in line


def test_fail_with_an_aws_error_is_one_line(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response.aws_error("AccessDenied", "no way", status=403))
    result = run(["-f", "--service", "s3", server.url + "/b/k"], env)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 22 and len(lines) == 1
    assert lines[0].startswith("sigcurl: HTTP 403 from ") and "AccessDenied: no way (-f) — " in lines[0]


def test_connect_error_names_the_port(env: dict[str, str]) -> None:
    result = run(["--service", "s3", "http://127.0.0.1:9/"], env)
    assert result.exit_code == 7 and "127.0.0.1 port 9" in result.stderr
