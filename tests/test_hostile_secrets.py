"""Hostile servers echoing secrets and hostile credential values: no secret in any output (the
streaming scrubber against a whole-text ``bytes.replace``), a success body byte for byte, and a
control character in a credential as one line naming its source.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import ACCESS_KEY, SECRET_KEY, base_env, run

from sigcurl.output.redact import Scrubber
from support.hostile import (
    HostileServer,
    echo_secrets,
    encodings,
    redirect,
    reply,
)
from support.hostile_checks import SECRETS, TOKEN, assert_no_secret, one_line


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path, AWS_SESSION_TOKEN=TOKEN)


# --- secrets are scrubbed in every encoding -----------------------------------------


def test_streaming_scrubber_matches_a_whole_text_replace() -> None:
    scrub = Scrubber(SECRETS)
    body = b"".join(b"%d:" % i + form + b"|" for i, s in enumerate(SECRETS * 3) for form in encodings(s))
    whole = scrub.in_bytes(body)
    for size in (1, 2, 3, 7, 64, 4096):
        pieces = [body[i : i + size] for i in range(0, len(body), size)]
        assert b"".join(scrub.stream(iter(pieces))) == whole
    assert_no_secret(whole)


def test_streaming_scrubber_holds_back_only_a_window() -> None:
    scrub = Scrubber(SECRETS)

    def endless() -> Iterator[bytes]:
        while True:
            yield b"x" * 65536

    first = next(scrub.stream(endless()))  # an endless body: output starts, memory stays bounded
    assert len(first) >= 65536 - scrub.window


@pytest.mark.parametrize("drip", [None, (7, 0.0)], ids=["chunked", "dripped"])
def test_an_error_body_echoing_secrets_is_scrubbed_whole(
    hostile: HostileServer, env: dict[str, str], drip: tuple[int, float] | None
) -> None:
    padding = 300 << 10 if drip is None else 2000  # past the first 256 KiB that is read whole
    hostile.queue(echo_secrets(SECRETS, padding=padding, drip=drip))
    result = run(["-i", "-v", "-w", "%{header_json}", "--service", "s3", hostile.url_for("/bucket/key")], env)
    assert result.exit_code == 0, result.stderr
    assert b"<CanonicalRequestBytes>" in result.stdout and b"<redacted>" in result.stdout
    assert b"</Error>" in result.stdout  # nothing lost: the whole body, past what was read to classify it
    assert b"X-Echo-0: <redacted>" in result.stdout
    assert_no_secret(result.stdout, result.stderr)
    assert ACCESS_KEY.encode() in result.stdout  # the access key id is not a secret


def test_a_success_body_is_the_users_data_byte_for_byte(hostile: HostileServer, env: dict[str, str]) -> None:
    body = b"my own note: " + SECRET_KEY.encode()
    hostile.queue(reply(200, body, [("X-Echo", TOKEN)], content_type="text/plain"))
    result = run(["-i", "--service", "s3", hostile.url_for("/bucket/key")], env)
    assert result.stdout.endswith(body)  # success bodies are not scrubbed ...
    assert TOKEN.encode() not in result.stdout  # ... headers always are


def test_a_redirect_to_another_port_echoing_secrets(hostile: HostileServer, env: dict[str, str]) -> None:
    with HostileServer(default=echo_secrets(SECRETS)) as other:
        hostile.queue(redirect(other.url_for("/other-bucket/key"), 307))
        result = run(["-L", "-i", "-v", "--service", "s3", hostile.url_for("/bucket/key")], env)
        assert b"X-Amz-Security-Token" not in other.requests[0]  # another host gets no credentials
    assert result.exit_code == 0, result.stderr
    assert_no_secret(result.stdout, result.stderr)


def test_secret_option_values_are_never_echoed(tmp_path: Path, env: dict[str, str]) -> None:
    config = tmp_path / "k.cfg"
    config.write_text(f"--secret-key={SECRET_KEY}\n")
    line = one_line(run(["--sign-only", "--service", "s3", "-K", str(config), "http://127.0.0.1:9/k"], env), 2, "unknown option")
    assert SECRET_KEY[:8] not in line
    config.write_text(f"sigv4a {SECRET_KEY}\n")
    assert SECRET_KEY[:8] not in one_line(run(["--sign-only", "-K", str(config), "http://127.0.0.1:9/k"], env), 2)
    for header in (f"Authorization AWS4-HMAC-SHA256 {SECRET_KEY}", TOKEN, f"{TOKEN}\r\n"):
        line = one_line(run(["--sign-only", "--service", "s3", "-H", header, "http://127.0.0.1:9/k"], env), 2, "not shown")
        assert SECRET_KEY[:8] not in line and TOKEN[:12] not in line
    result = run(["--sign-only", "--service", "s3", "--secret-key", SECRET_KEY, "--sigv4a=x", "http://127.0.0.1:9/k"], env)
    assert result.exit_code == 2 and SECRET_KEY not in result.stderr


# --- credential values with control characters --------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [("AWS_ACCESS_KEY_ID", ACCESS_KEY + "\r"), ("AWS_SECRET_ACCESS_KEY", SECRET_KEY + "\r"), ("AWS_SESSION_TOKEN", TOKEN + "\r"),
     ("AWS_SECRET_ACCESS_KEY", SECRET_KEY[:10] + "\x1b" + SECRET_KEY[10:])],
)
def test_a_credential_with_a_control_character_is_one_line_naming_the_variable(
    hostile: HostileServer, env: dict[str, str], variable: str, value: str
) -> None:
    # Before: an access key with a trailing CR printed the signed Authorization header, exit 56.
    result = run(["--service", "s3", hostile.url_for("/k")], {**env, variable: value})
    line = one_line(result, 92, variable)
    assert "Signature" not in line and SECRET_KEY[:8] not in line and TOKEN[:12] not in line
    assert hostile.requests == []  # nothing was sent


def test_control_characters_from_files_and_processes_name_their_source(tmp_path: Path) -> None:
    env = base_env(tmp_path, AWS_PROFILE="p", AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="")
    (tmp_path / "credentials").write_text(f"[p]\naws_access_key_id = A\x0bKID\naws_secret_access_key = {SECRET_KEY}\n")
    one_line(run(["--sign-only", "--service", "s3", "http://127.0.0.1:9/k"], env), 92, "aws_access_key_id", "credentials")
    (tmp_path / "credentials").write_text("")
    script = tmp_path / "proc.py"
    script.write_text(f'import json; print(json.dumps({{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "{SECRET_KEY}\\r"}}))')
    (tmp_path / "config").write_text(f"[profile p]\ncredential_process = {sys.executable} {script}\n")
    line = one_line(run(["--sign-only", "--service", "s3", "http://127.0.0.1:9/k"], env), 92, "SecretAccessKey", "credential_process")
    assert SECRET_KEY[:8] not in line
    assert not (tmp_path / ".aws" / "cli" / "cache").exists()  # process credentials are never written to disk
