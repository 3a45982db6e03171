"""Secrets never leak: a broad set of CLI runs, every output grepped for the secret key and session token.

Each invocation runs with temporary credentials (access key, secret key and
session token) against the verifying server, which knows them; successes,
HTTP errors, signature mismatches with ``-v`` (the service echoes the
canonical request, token included), ``--debug-signature``, ``-w``,
network failures, redirects and credential-source failures are all
covered.  ``--presign`` and ``--sign-only`` are the two outputs that must
carry the session token (on stdout: the URL or request cannot work
without it); even there the secret key never appears, and stderr never
carries either.
"""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import ACCESS_KEY, SECRET_KEY, base_env
from cli_helpers import invoke as invoke_cli
from click.testing import Result

from support.clock import FakeClock, patch_env_clock
from support.server import Response, VerifyingServer

ACCESS = ACCESS_KEY  # the keys base_env gives the command
SECRET = SECRET_KEY
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE-session-token-Zm9vYmFyYmF6cXV4" + "x" * 40
SECRETS = (SECRET, TOKEN, TOKEN[:32], SECRET[:24])


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    patch_env_clock(monkeypatch, FakeClock())  # --retry must not really wait
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))

    def invoke(*argv: str, env: dict[str, str] | None = None, input: bytes | None = None) -> Result:
        environ = {**base_env(tmp_path, AWS_SESSION_TOKEN=TOKEN, TMPDIR=str(tmp)), **(env or {})}
        result = invoke_cli(list(argv), environ, input=input)
        for name in os.listdir(tmp):
            assert not any(s in name for s in SECRETS), name
        return result

    return invoke


def assert_clean(result: Result, *, token_on_stdout: bool = False) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    out = result.stdout_bytes.decode("utf-8", "replace")
    err = result.stderr
    for secret in SECRETS:
        assert secret not in err, f"secret on stderr:\n{err}"
        if not (token_on_stdout and secret.startswith(TOKEN[:20])):
            assert secret not in out, f"secret on stdout:\n{out}"
    text = repr(result.exception) if result.exception else ""
    assert not any(s in text for s in SECRETS)


@pytest.fixture
def srv(server: VerifyingServer) -> VerifyingServer:
    server.add_key(ACCESS, SECRET, TOKEN)
    return server


ARGVS = [
    pytest.param(["-v"], id="get-verbose"),
    pytest.param(["-v", "--debug-signature"], id="debug-signature"),
    pytest.param(["-i", "-w", "%{header_json}%{json}%{errormsg}\\n"], id="write-out"),
    pytest.param(["-v", "-d", "a=1", "-X", "POST"], id="post-verbose"),
    pytest.param(["-v", "--json", '{"k": "v"}', "-f"], id="json-fail"),
    pytest.param(["-v", "-T", "-"], id="upload-stdin"),
    pytest.param(["-v", "--unsigned-payload", "-I"], id="head-unsigned"),
    pytest.param(["-v", "--sigv4a"], id="sigv4a"),
]


@pytest.mark.parametrize("argv", ARGVS)
def test_success_outputs_are_clean(srv: VerifyingServer, run: Any, argv: list[str]) -> None:
    result = run("--service", "s3", *argv, srv.url_for("/bucket/key"), input=b"payload")
    assert_clean(result)
    assert srv.last.ok, srv.last.verification.reason
    if "-v" in argv:
        assert "Signature=<redacted>" in result.stderr
        assert "X-Amz-Security-Token: <redacted>" in result.stderr


def test_debug_signature_masks_only_the_session_token(srv: VerifyingServer, run: Any) -> None:
    result = run("--service", "s3", "--debug-signature", srv.url_for("/bucket/key"))
    assert_clean(result)
    assert "x-amz-security-token:<session-token>" in result.stderr
    assert "AWS4-HMAC-SHA256\n" in result.stderr  # the string to sign itself is shown verbatim
    assert f"Credential={ACCESS}" not in result.stderr or "<redacted>" in result.stderr


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(Response.aws_error("AccessDenied", "Access Denied", status=403), id="access-denied"),
        pytest.param(Response.aws_error("ExpiredToken", "The provided token has expired.", status=400), id="expired-token"),
        pytest.param(Response(500, body=b"oops"), id="500"),
        pytest.param(Response(200, body=b"x" * 1000, truncate=10), id="truncated"),
        pytest.param(Response(drop=True), id="drop"),
    ],
)
def test_error_outputs_are_clean(srv: VerifyingServer, run: Any, answer: Response) -> None:
    srv.queue(answer)
    result = run("--service", "s3", "-v", "-f", "--retry", "1", "-w", "%{errormsg}", srv.url_for("/bucket/key"))
    assert_clean(result)


def test_signature_mismatch_diff_is_scrubbed(srv: VerifyingServer, run: Any) -> None:
    srv.add_key(ACCESS, "not-the-secret-sigcurl-uses", TOKEN)
    srv.reject_bad_signatures = True  # the error body echoes the canonical request, token line included
    result = run("--service", "s3", "-v", "--debug-signature", srv.url_for("/bucket/key"))
    assert "SignatureDoesNotMatch" in result.stderr
    assert "x-amz-security-token:" in result.stderr
    assert_clean(result)
    quiet = run("--service", "s3", srv.url_for("/bucket/key"))
    assert_clean(quiet)


def test_cross_host_redirect_and_retries_are_clean(srv: VerifyingServer, other_server: VerifyingServer, run: Any) -> None:
    srv.queue(Response(503), Response.redirect(other_server.url_for("/x")))
    result = run("--service", "s3", "-v", "-L", "--retry", "2", srv.url_for("/bucket/key"))
    assert_clean(result)
    assert TOKEN not in other_server.last.raw_head.decode("latin-1")


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["-v", "-m", "5", f"http://127.0.0.1:{_closed_port()}/k"], id="connect-refused"),
        pytest.param(["-v", "--cacert", "/nonexistent/ca.pem", "https://127.0.0.1:1/k"], id="bad-cacert"),
        pytest.param(["-v", "-x", "http://127.0.0.1:1", "http://example.invalid/k"], id="bad-proxy"),
    ],
)
def test_network_failures_are_clean(run: Any, argv: list[str]) -> None:
    result = run("--service", "s3", *argv)
    assert result.exit_code != 0
    assert_clean(result)


def test_flags_with_secrets_are_clean(srv: VerifyingServer, run: Any) -> None:
    flags = ["--access-key", ACCESS, "--secret-key", SECRET, "--session-token", TOKEN]
    assert_clean(run("--service", "s3", "-v", *flags, srv.url_for("/k"), env={"AWS_SECRET_ACCESS_KEY": ""}))
    assert srv.last.ok
    assert_clean(run("--service", "s3", "--secret-key", SECRET, srv.url_for("/k")))  # incomplete flags: an error
    bad = run("--service", "s3", "--access-key", ACCESS, "--secret-key", SECRET, "--session-token", TOKEN + "\n", srv.url_for("/k"))
    assert bad.exit_code == 2
    assert_clean(bad)


def test_presign_and_sign_only_carry_the_token_but_never_the_secret(srv: VerifyingServer, run: Any) -> None:
    for mode in ("--presign", "--sign-only"):
        result = run("--service", "s3", mode, "-v", "--debug-signature", srv.url_for("/bucket/key"))
        assert result.exit_code == 0, result.stderr
        assert_clean(result, token_on_stdout=True)


@pytest.mark.parametrize(
    "config",
    [
        pytest.param(f'[profile p]\ncredential_process = printf "{{\\"Version\\": 1, \\"SecretAccessKey\\": \\"{SECRET}\\", '
                     f'\\"SessionToken\\": \\"{TOKEN}\\""\n', id="process-bad-json"),
        pytest.param(f'[profile p]\ncredential_process = sh -c "echo {SECRET} {TOKEN} >&2; exit 3"\n', id="process-fails-with-secrets"),
        pytest.param(f'[profile p]\ncredential_process = printf \'{{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "{SECRET}"}}\'\n',
                     id="process-bad-version"),
        pytest.param(f"[profile p]\naws_access_key_id = {ACCESS}\n", id="missing-secret"),
        pytest.param(f"[profile p]\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n", id="missing-key-id"),
        pytest.param(f"[profile p\naws_secret_access_key = {SECRET}\n", id="malformed-file"),
    ],
)
def test_credential_errors_are_clean(run: Any, tmp_path: Path, config: str) -> None:
    (tmp_path / "config").write_text(config)
    result = run("--service", "s3", "-v", "--sign-only", "http://127.0.0.1:9/k",
                 env={"AWS_PROFILE": "p", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": ""})
    assert result.exit_code in (91, 92), result.stderr
    assert_clean(result)


def test_spool_files_are_not_named_after_secrets(srv: VerifyingServer, run: Any, tmp_path: Path) -> None:
    big = b"z" * (9 << 20)  # over the in-memory spool
    result = run("--service", "s3", "--part-size", "16M", "-T", "-", srv.url_for("/bucket/big"), input=big)  # one PUT
    assert result.exit_code == 0, result.stderr
    assert_clean(result)
    leftovers = [p for p in (tmp_path / "tmp").iterdir() if stat.S_ISREG(p.stat().st_mode)]
    assert leftovers == []
