"""Odd answers from credential sources: odd JSON from the container endpoint, IMDS and SSO,
corrupt or misplaced cache entries, expirations and skew errors at the calendar's edges.
One line, the right exit code, no internal error.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest
from cli_helpers import base_env, run

from sigcurl.credentials.cache import CredentialCache
from sigcurl.signer.types import Credentials
from support.hostile import (
    HostileServer,
    deep_json,
    reply,
)
from support.hostile_checks import TOKEN, one_line


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path, AWS_SESSION_TOKEN=TOKEN)


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
