"""Hostile servers and odd inputs: bounded rendering, no secret in any output, no internal error.

Each test runs the real command (in-process, or as a process where a real
terminal or file descriptor matters) against :mod:`support.hostile`, or a
pure function against a crafted input.  References are independent of
sigcurl: the standard library's ``json`` for the indented layout, plain
``bytes.replace`` on the whole text for the streaming scrubber, and the
server's own list of encodings for what must not be echoed.  No assertion
is about time: rendering cost is checked by peak memory (tracemalloc) and
the error-body parser by which bytes it reads.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import ACCESS_KEY, SECRET_KEY, Result, base_env, run, run_process

from sigcurl.awserror import PARSE_LIMIT, parse_aws_error
from sigcurl.credentials.cache import CredentialCache
from sigcurl.output.pretty import MAX_DEPTH, TooBig, pretty_bytes, render
from sigcurl.output.redact import Scrubber
from sigcurl.signer.types import Credentials
from support.hostile import (
    HostileServer,
    big_json,
    big_xml,
    close_idle,
    deep_json,
    deep_xml,
    echo_secrets,
    encodings,
    escapes_json,
    redirect,
    reply,
)
from support.terminal import run_in_pty

TOKEN = "IQoJb3JpZ2luX2VjEHostileSessionToken/with+plus=and/slash" + "Q" * 300
SECRETS = (SECRET_KEY, TOKEN)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as srv:
        yield srv


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path, AWS_SESSION_TOKEN=TOKEN)


def one_line(result: Result, code: int, *fragments: str) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("sigcurl:")]
    assert result.exit_code == code, result.stderr
    assert len(lines) == 1 and " — " in lines[0], result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def assert_no_secret(*outputs: bytes | str) -> None:
    for out in outputs:
        data = out.encode() if isinstance(out, str) else out
        for secret in SECRETS:
            for form in encodings(secret):
                assert form not in data, (secret[:8], form[:40])


# --- rendering is bounded ----------------------------------------------------------


def test_pretty_json_is_the_standard_layout_token_for_token() -> None:
    body = big_json(200_000)
    out = pretty_bytes(body, "json", color=False).decode()
    assert out == json.dumps(json.loads(body), indent=2, ensure_ascii=False) + "\n"
    coloured = pretty_bytes(body, "json", color=True).decode()
    assert ANSI.sub("", coloured) == out


@pytest.mark.parametrize(("kind", "body"), [("json", big_json(256 << 10)), ("xml", big_xml(256 << 10)), ("json", escapes_json(20_000))],
                         ids=["json", "xml", "json-escapes"])
def test_pretty_printing_costs_a_small_multiple_of_the_body(kind: str, body: bytes) -> None:
    # Before: about 700 bytes of memory per byte of body (rich's Syntax, minidom): 1.5 GB for 2 MB of JSON.
    # (tracemalloc slows allocation down: a quarter of a megabyte shows the ratio.)
    tracemalloc.start()
    try:
        size = sum(len(block) for block in render(body, kind, color=True) or ())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > len(body)
    assert peak < 8 * len(body), peak / len(body)


def test_pretty_xml_changes_only_whitespace() -> None:
    body = big_xml(100_000).replace(b"<Size>", b'<Size unit="B" note="a &gt; b">')
    out = ANSI.sub("", pretty_bytes(body, "xml", color=True).decode())
    assert re.sub(r"\s", "", out) == re.sub(r"\s", "", body.decode())
    assert out.count("\n") > 1000


def test_escapes_are_shown_escaped_never_as_terminal_controls() -> None:
    out = pretty_bytes(escapes_json(10), "json", color=True)
    assert b"\\u001b[31m" in out and b"\x1b[31m" not in ANSI.sub("", out.decode()).encode()
    assert b"\x07" not in out


@pytest.mark.parametrize("body", [deep_json(100_000), deep_xml(100_000), deep_json(MAX_DEPTH + 1)], ids=["json", "xml", "json-just-over"])
def test_deep_nesting_is_over_budget_not_a_crash(body: bytes) -> None:
    kind = "xml" if body.startswith(b"<") else "json"
    with pytest.raises(TooBig, match="nested more than"):
        render(body, kind, color=True)
    assert pretty_bytes(body, kind, color=False) == body
    assert pretty_bytes(deep_json(MAX_DEPTH), "json", color=False).count(b"\n") == 2 * MAX_DEPTH + 1


@pytest.mark.parametrize("status", [200, 400])
@pytest.mark.parametrize("pretty", [["--pretty", "--color"], []], ids=["pretty", "piped"])
def test_deep_json_from_the_server_is_shown_as_sent(hostile: HostileServer, env: dict[str, str], status: int, pretty: list[str]) -> None:
    body = deep_json(100_000)
    hostile.queue(reply(status, body, content_type="application/json"))
    result = run([*pretty, "--service", "execute-api", hostile.url_for("/deep")], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == body
    if pretty:
        one_line(result, 0, "shown as sent", "nested more than")


def test_a_large_body_on_a_terminal_is_raw_with_a_note(hostile: HostileServer, env: dict[str, str]) -> None:
    from sigcurl.output.body import PRETTY_LIMIT

    body = big_json(PRETTY_LIMIT + 1000)
    hostile.queue(reply(200, body, content_type="application/json", chunked=True))
    result = run(["--pretty", "--service", "execute-api", hostile.url_for("/big")], env)
    assert result.stdout == body
    one_line(result, 0, "shown as sent", "MiB")


def test_deep_json_on_a_real_terminal(hostile: HostileServer, env: dict[str, str]) -> None:
    hostile.queue(reply(200, deep_json(100_000), content_type="application/json"))
    code, out = run_in_pty(["--service", "execute-api", hostile.url_for("/deep")], env)
    assert code == 0, out[-500:]
    assert b"internal error" not in out and b"shown as sent" in out


# --- the error-body parser reads a bounded prefix -----------------------------------


class _Spy(bytes):
    """Bytes that record every index or slice taken of them."""

    seen: list[object]

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        self.seen.append(key)
        return super().__getitem__(key)


def test_the_error_parser_looks_at_parse_limit_bytes_only() -> None:
    # 256 KiB of unterminated tags took 65 s of CPU when every byte was scanned from every tag.
    body = _Spy(b"<Error>" + b"<Code>" * ((256 << 10) // 6) + b"<Code>Late</Code></Error>")
    body.seen = []
    assert parse_aws_error(body, []) is None
    assert body.seen == [slice(None, PARSE_LIMIT, None)]
    late = b"<Error>" + b" " * PARSE_LIMIT + b"<Code>Late</Code></Error>"
    assert parse_aws_error(late, []) is None  # a code past the limit is never read
    early = b"<Error><Code>AccessDenied</Code>" + b"<x>" * (1 << 20) + b"</Error>"
    assert parse_aws_error(early, [])[0] == "AccessDenied"  # type: ignore[index]


def test_the_error_parser_survives_deep_json() -> None:
    assert parse_aws_error(deep_json(100_000), [("Content-Type", "application/json")]) is None
    assert parse_aws_error(b'{"__type": ' + deep_json(50_000) + b"}", []) is None


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


# --- no internal error (exit 93) from odd credential answers ------------------------

ODD_JSON = [deep_json(100_000), b'{"AccessKeyId": ' + deep_json(50_000) + b"}", b"[1, 2]", b'"text"', b"null",
            b'{"AccessKeyId": "A", "SecretAccessKey": "s", "Token": 12}', b'{"AccessKeyId": ["A"], "SecretAccessKey": "s"}',
            b'{"AccessKeyId": "A", "SecretAccessKey": "s", "Token": "t\\r", "Expiration": "0001-01-01T00:00:00+01:00"}']


@pytest.mark.parametrize("body", ODD_JSON, ids=range(len(ODD_JSON)))
def test_odd_json_from_the_container_endpoint(hostile: HostileServer, tmp_path: Path, body: bytes) -> None:
    hostile.default = reply(200, body, content_type="application/json")
    env = base_env(tmp_path, AWS_ACCESS_KEY_ID="", AWS_CONTAINER_CREDENTIALS_FULL_URI=hostile.url_for("/creds"))
    one_line(run(["--sign-only", "--service", "s3", "http://127.0.0.1:9/k"], env), 92, "container")


@pytest.mark.parametrize("listing", [b"   \n\t\n", b"\n"], ids=["spaces", "newline"])
def test_imds_answering_whitespace_as_the_role(hostile: HostileServer, tmp_path: Path, listing: bytes) -> None:
    hostile.queue(reply(200, b"imds-token"), reply(200, listing), reply(200, listing))
    env = base_env(tmp_path, AWS_ACCESS_KEY_ID="", AWS_EC2_METADATA_DISABLED="false",
                   AWS_EC2_METADATA_SERVICE_ENDPOINT=hostile.url_for("/"))
    one_line(run(["--sign-only", "--service", "s3", "http://127.0.0.1:9/k"], env), 91, "no instance role")


@pytest.mark.parametrize("body", ODD_JSON[:3], ids=range(3))
def test_odd_json_from_imds(hostile: HostileServer, tmp_path: Path, body: bytes) -> None:
    hostile.queue(reply(200, b"imds-token"), reply(200, b"role\n"), reply(200, body), reply(200, body))
    env = base_env(tmp_path, AWS_ACCESS_KEY_ID="", AWS_EC2_METADATA_DISABLED="false",
                   AWS_EC2_METADATA_SERVICE_ENDPOINT=hostile.url_for("/"))
    one_line(run(["--sign-only", "--service", "s3", "http://127.0.0.1:9/k"], env), 91, "malformed")


def _sso_home(tmp_path: Path, hostile: HostileServer, token_file: bytes | None = None) -> dict[str, str]:
    (tmp_path / "config").write_text(
        "[profile s]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id = 123456789012\nsso_role_name = Dev\n"
    )
    cache = tmp_path / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    name = hashlib.sha1(b"https://d-1.awsapps.com/start").hexdigest()
    (cache / f"{name}.json").write_bytes(token_file or b'{"accessToken": "t", "expiresAt": "9999-12-31T23:59:59Z"}')
    return base_env(tmp_path, AWS_PROFILE="s", AWS_ACCESS_KEY_ID="", AWS_ENDPOINT_URL_SSO=hostile.url_for(""))


@pytest.mark.parametrize("body", ODD_JSON[:3] + [b'{"roleCredentials": {"accessKeyId": "A", "secretAccessKey": "s", "expiration": 1e400}}'],
                         ids=range(4))
def test_odd_json_from_sso(hostile: HostileServer, tmp_path: Path, body: bytes) -> None:
    hostile.default = reply(200, body, content_type="application/json")
    one_line(run(["--sign-only", "--service", "s3", "http://127.0.0.1:9/k"], _sso_home(tmp_path, hostile)), 92, "malformed")


def test_a_deep_sso_token_file(hostile: HostileServer, tmp_path: Path) -> None:
    env = _sso_home(tmp_path, hostile, token_file=deep_json(100_000))
    one_line(run(["--sign-only", "--service", "s3", "http://127.0.0.1:9/k"], env), 92, "unreadable", "aws sso login")


CORRUPT_ENTRIES = [
    deep_json(100_000), b"{not json", b"[]", b'{"Credentials": []}', b'{"Credentials": {"AccessKeyId": 1}}',
    b'{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "s", "Expiration": "9999-12-31T23:59:59-01:00"}}',
    b'{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "s", "Expiration": "0001-01-01T00:00:00+01:00"}}',
    b'{"Credentials": {"AccessKeyId": "A\\r", "SecretAccessKey": "s", "Expiration": "9999-12-31T23:59:59Z"}}',
    b"\xff\xfe",
]


@pytest.mark.parametrize("entry", CORRUPT_ENTRIES, ids=range(len(CORRUPT_ENTRIES)))
def test_a_corrupt_shared_cache_entry_is_ignored_and_replaced(hostile: HostileServer, tmp_path: Path, entry: bytes) -> None:
    # The SSO role's cache key, as the AWS CLI computes it: a corrupt entry there used to break every run.
    env = _sso_home(tmp_path, hostile)
    key = hashlib.sha1(json.dumps({"accountId": "123456789012", "roleName": "Dev", "startUrl": "https://d-1.awsapps.com/start"},
                                  sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    cache = tmp_path / ".aws" / "cli" / "cache"
    cache.mkdir(parents=True)
    (cache / f"{key}.json").write_bytes(entry)
    hostile.default = reply(200, json.dumps({"roleCredentials": {"accessKeyId": "ASIASSO", "secretAccessKey": "s3cr3tsso",
                                                                 "sessionToken": "tok", "expiration": 4102444800000}}).encode())
    result = run(["--sign-only", "--service", "s3", "http://127.0.0.1:9/k"], env)
    assert result.exit_code == 0, result.stderr
    assert b"Credential=ASIASSO/" in result.stdout
    assert json.loads((cache / f"{key}.json").read_text())["Credentials"]["AccessKeyId"] == "ASIASSO"


def test_the_cache_ignores_a_directory_where_an_entry_should_be(tmp_path: Path) -> None:
    cache = CredentialCache(str(tmp_path))
    os.mkdir(cache.path("k"))
    from datetime import datetime, timezone

    now = datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert cache.load("k", now) is None
    cache.store("k", Credentials("A", "s", None), datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc))  # no error


# --- timestamps at the calendar's edges ----------------------------------------------


@pytest.mark.parametrize(
    ("expiration", "code"),
    [("9999-12-31T23:59:59Z", 0), ("9999-12-31T23:59:59-01:00", 92), ("0001-01-01T00:00:00Z", 0), ("0001-01-01T00:00:00+01:00", 92),
     ("99999-01-01T00:00:00Z", 92)],
)
def test_aws_credential_expiration_at_the_calendar_edges(env: dict[str, str], expiration: str, code: int) -> None:
    result = run(["--sign-only", "--service", "s3", "http://127.0.0.1:9/k"], {**env, "AWS_CREDENTIAL_EXPIRATION": expiration})
    assert result.exit_code == code, result.stderr
    if code:
        one_line(result, code, "AWS_CREDENTIAL_EXPIRATION")


@pytest.mark.parametrize("expiration", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00"])
def test_process_expiration_at_the_calendar_edges(tmp_path: Path, expiration: str) -> None:
    script = tmp_path / "proc.py"
    answer = {"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "s", "Expiration": expiration}
    script.write_text(f"import json; print(json.dumps({answer!r}))")
    (tmp_path / "config").write_text(f"[profile p]\ncredential_process = {sys.executable} {script}\n")
    result = run(["--sign-only", "--service", "s3", "http://127.0.0.1:9/k"], base_env(tmp_path, AWS_PROFILE="p", AWS_ACCESS_KEY_ID=""))
    assert result.exit_code in (0, 92), result.stderr
    if result.exit_code:
        one_line(result, 92, "credential_process")


@pytest.mark.parametrize("date", ["Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 -2359",
                                  "Sat, 01 Jan 0000 00:00:00 GMT", "Thu, 01 Jan 1970 00:00:00 +2359"])
def test_a_skew_error_with_a_date_at_the_calendar_edge(hostile: HostileServer, env: dict[str, str], date: str) -> None:
    skewed = reply(403, b"<Error><Code>RequestTimeTooSkewed</Code><Message>The difference is too large.</Message></Error>",
                   [("Date", date)], content_type="application/xml")
    hostile.queue(skewed, skewed)
    result = run(["-f", "--service", "s3", hostile.url_for("/bucket/key")], env)
    one_line(result, 22, "RequestTimeTooSkewed")


# --- output that cannot be written -----------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_to_a_full_disk_is_exit_23_in_one_line(hostile: HostileServer, tmp_path: Path) -> None:
    hostile.default = reply(200, b"x" * (1 << 20), content_type="application/octet-stream")
    result = run_process(["-o", "/dev/full", "--service", "s3", hostile.url_for("/bucket/key")], base_env(tmp_path))
    one_line(result, 23, "No space left")


def test_a_connection_closed_without_an_answer(hostile: HostileServer, env: dict[str, str]) -> None:
    hostile.queue(close_idle())
    one_line(run(["--service", "s3", hostile.url_for("/k")], env), 52)


def test_headers_stalled_then_dripped(hostile: HostileServer, env: dict[str, str]) -> None:
    hostile.queue(reply(200, b'{"ok": true}', content_type="application/json", stall=0.2, drip=(3, 0.001)))
    result = run(["--service", "s3", hostile.url_for("/k")], env)
    assert result.exit_code == 0 and result.stdout == b'{"ok": true}', result.stderr


def test_max_time_bounds_a_dripped_head(hostile: HostileServer, env: dict[str, str]) -> None:
    # the status line and headers one byte every 0.5 s: every recv is in time, the whole head is not
    hostile.queue(reply(200, b"ok", [("X-Pad", "p" * 40)], drip=(1, 0.5)))
    result = run(["-m", "2", "--service", "s3", hostile.url_for("/k")], env)
    one_line(result, 28, "timed out")
    assert hostile.dropped.wait(10), "the server saw the connection closed early"


def test_max_time_bounds_the_credential_fetch(hostile: HostileServer, tmp_path: Path) -> None:
    hostile.default = reply(200, b'{"AccessKeyId": "A", "SecretAccessKey": "s"}', content_type="application/json",
                            drip=(1, 0.5))
    env = base_env(tmp_path, AWS_ACCESS_KEY_ID="", AWS_CONTAINER_CREDENTIALS_FULL_URI=hostile.url_for("/creds"))
    result = run(["-m", "2", "--sign-only", "--service", "s3", "http://127.0.0.1:9/k"], env)
    assert result.exit_code != 0 and "container" in result.stderr, result.stderr
    assert hostile.dropped.wait(10), "the server saw the connection closed early"


@pytest.mark.parametrize("method", [[], ["-d", "x=1"]], ids=["GET", "POST"])
def test_a_stale_keep_alive_connection_is_resent_once_on_a_new_one(
    hostile: HostileServer, env: dict[str, str], method: list[str]
) -> None:
    # each kept-alive connection is closed, unanswered, when it is reused (as curl does, 30 of 30 complete)
    for _ in range(30):
        hostile.queue(reply(200, b"ok", content_type="text/plain"), close_idle())
    urls = [hostile.url_for(f"/k{i}") for i in range(30)]
    result = run([*method, "--service", "s3", *urls], env)
    assert result.exit_code == 0 and result.stdout == b"ok" * 30, result.stderr


def test_a_connection_closed_twice_unanswered_is_not_resent_forever(hostile: HostileServer, env: dict[str, str]) -> None:
    hostile.queue(reply(200, b"ok", content_type="text/plain"), close_idle(), close_idle())
    result = run(["--service", "s3", hostile.url_for("/a"), hostile.url_for("/b")], env)
    assert result.exit_code == 52 and result.stdout == b"ok", result.stderr


def test_write_out_for_transfers_that_fail_before_a_response_lines_up(hostile: HostileServer, env: dict[str, str]) -> None:
    import shutil
    import subprocess

    hostile.queue(close_idle(), reply(200, b"", content_type="text/plain"))
    urls = [hostile.url_for("/a"), hostile.url_for("/b"), "http://127.0.0.1:9/c"]
    fmt = "%{http_code} %{exitcode}\\n"
    result = run(["-s", "--service", "s3", "-w", fmt, *urls], env)
    assert result.stdout.decode().splitlines() == ["000 52", "200 0", "000 7"], result.stderr
    curl = shutil.which("curl")
    if curl is not None:  # the reference: the system's curl against the same script
        hostile.queue(close_idle(), reply(200, b"", content_type="text/plain"))
        ref = subprocess.run([curl, "-s", "-w", fmt.replace("\\n", "\n"), *urls], capture_output=True, timeout=30)
        assert ref.stdout.decode().splitlines() == ["000 52", "200 0", "000 7"]


@pytest.mark.parametrize("count", [101, 1000])
def test_many_response_headers_are_accepted_as_curl_does(hostile: HostileServer, env: dict[str, str], count: int) -> None:
    hostile.queue(reply(200, b"ok", [(f"X-H{i}", "v" * 20) for i in range(count)], content_type="text/plain"))
    result = run(["-s", "-i", "--service", "s3", hostile.url_for("/k")], env)
    assert result.exit_code == 0 and result.stdout.endswith(b"ok"), result.stderr
    assert result.stdout.count(b"X-H") == count


def test_a_response_head_over_300_kib_is_exit_56(hostile: HostileServer, env: dict[str, str]) -> None:
    hostile.queue(reply(200, b"ok", [(f"X-H{i}", "v" * 1000) for i in range(400)], content_type="text/plain"))
    one_line(run(["--service", "s3", hostile.url_for("/k")], env), 56)


def test_a_non_ascii_header_value_is_sent_as_the_utf8_bytes_signed(server: Any, env: dict[str, str]) -> None:
    # the loopback server verifies the signature with botocore over the bytes received
    result = run(["--service", "s3", "-H", "x-amz-meta-price: 5 €", server.url + "/bucket/k"], env)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("flag", ["-A", "--sign-host", "-e"])
@pytest.mark.parametrize("value", ["a\n b", "a\r\nX-Evil: 1", "a\nb"])
def test_a_line_break_in_a_header_option_is_a_usage_error(env: dict[str, str], flag: str, value: str) -> None:
    one_line(run([flag, value, "--service", "s3", "http://127.0.0.1:9/k"], env), 2, "line break")


def test_a_folded_user_agent_from_a_config_file_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "k.conf"
    config.write_text('user-agent = "agent\\n folded"\n')
    one_line(run(["-K", str(config), "--service", "s3", "http://127.0.0.1:9/k"], env), 2, "line break")


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_an_interrupt_stops_parallel_transfers_against_a_dripping_server(
    hostile: HostileServer, tmp_path: Path, sig: str
) -> None:
    import signal
    import subprocess

    hostile.default = reply(200, b"x" * 10_000, content_type="text/plain", drip=(1, 0.5))  # ~2 hours each
    env = {**os.environ, **base_env(tmp_path), "PYTHONPATH": os.getcwd()}
    urls = [hostile.url_for(f"/k{i}") for i in range(3)]
    proc = subprocess.Popen([sys.executable, "-m", "sigcurl", "-Z", "-s", "--service", "s3", *urls],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        for _ in range(200):  # bounded: until the server has the three requests
            if len(hostile.requests) >= 3:
                break
            hostile.stopping.wait(0.05)
        proc.send_signal(getattr(signal, sig))
        _, err = proc.communicate(timeout=20)  # before the fix: waits for the dripped answers
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == (130 if sig == "SIGINT" else 143), err
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sigcurl: "), err
    assert b"Traceback" not in err
