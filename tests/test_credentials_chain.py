"""The credential chain without the network: flags, environment, shared files, credential_process,
errors (missing profile, malformed files, hostile processes), region, whoami and start-up cost."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest
from credentials_fixtures import SOURCE_KEY, SOURCE_SECRET, AwsHome, assert_no_secret

from sigcurl.credentials import resolve_credentials, resolve_region
from sigcurl.credentials.whoami import whoami_lines
from sigcurl.errors import CredentialSourceError, ExitCode, NoCredentialsError, UsageError

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)


def resolve(home: AwsHome, **kw: object):  # type: ignore[no-untyped-def]
    return resolve_credentials(environ=home.env, now=NOW, **kw)  # type: ignore[arg-type]


def test_flags_win_over_everything(aws_home: AwsHome) -> None:
    aws_home.env.update(AWS_ACCESS_KEY_ID="AKIAENV", AWS_SECRET_ACCESS_KEY="envsecret")
    got = resolve(aws_home, access_key="AKIAFLAG", secret_key="flagsecret", session_token="tok")
    assert got.credentials.access_key == "AKIAFLAG" and got.credentials.session_token == "tok"
    assert got.source == "command-line flags"


@pytest.mark.parametrize("kw", [{"access_key": "AKIA"}, {"secret_key": "s3cr3tFLAG"}, {"session_token": "t"}])
def test_partial_flags_are_a_usage_error(aws_home: AwsHome, kw: dict[str, str]) -> None:
    with pytest.raises(UsageError) as exc:
        resolve(aws_home, **kw)
    assert "s3cr3tFLAG" not in str(exc.value)


def test_environment(aws_home: AwsHome) -> None:
    aws_home.env.update(AWS_ACCESS_KEY_ID="AKIAENV", AWS_SECRET_ACCESS_KEY="envsecret",
                        AWS_SESSION_TOKEN="sess", AWS_CREDENTIAL_EXPIRATION="2030-01-01T13:00:00Z")
    got = resolve(aws_home)
    assert (got.credentials.access_key, got.credentials.session_token, got.source) == ("AKIAENV", "sess", "environment")
    assert got.expiry == datetime(2030, 1, 1, 13, tzinfo=timezone.utc)


def test_security_token_read_before_session_token(aws_home: AwsHome) -> None:
    aws_home.env.update(AWS_ACCESS_KEY_ID="AKIAENV", AWS_SECRET_ACCESS_KEY="x",
                        AWS_SESSION_TOKEN="new", AWS_SECURITY_TOKEN="old")
    assert resolve(aws_home).credentials.session_token == "old"


def test_env_access_key_without_secret(aws_home: AwsHome) -> None:
    aws_home.env.update(AWS_ACCESS_KEY_ID="AKIAENV")
    with pytest.raises(CredentialSourceError) as exc:
        resolve(aws_home)
    assert exc.value.exit_code == ExitCode.CREDENTIAL_SOURCE == 92
    assert "AWS_SECRET_ACCESS_KEY" in str(exc.value)


def test_credentials_file_then_config_file(aws_home: AwsHome) -> None:
    aws_home.write(
        config="[default]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = c\n"
        "[profile dev]\naws_access_key_id = AKIADEVCONFIG\naws_secret_access_key = c\n",
        credentials="[default]\naws_access_key_id = AKIACREDS\naws_secret_access_key = s\naws_session_token = t\n",
    )
    got = resolve(aws_home)
    assert got.credentials.access_key == "AKIACREDS" and got.credentials.session_token == "t"
    assert got.source == "profile default in ~/.aws/credentials" and got.profile == "default"
    dev = resolve(aws_home, profile="dev")
    assert dev.credentials.access_key == "AKIADEVCONFIG" and dev.source == "profile dev in ~/.aws/config"


def test_profile_sections_profile_prefix_only_in_config(aws_home: AwsHome) -> None:
    # In the credentials file "[profile dev]" is a profile literally named "profile dev".
    aws_home.write(credentials="[profile dev]\naws_access_key_id = AKIAWRONG\naws_secret_access_key = s\n",
                   config="[dev]\nregion = eu-west-1\n")
    with pytest.raises(CredentialSourceError) as exc:
        resolve(aws_home, profile="dev")
    assert 'profile "dev"' in str(exc.value)


def test_custom_file_locations(aws_home: AwsHome, tmp_path: Path) -> None:
    creds = tmp_path / "elsewhere.ini"
    creds.write_text("[x]\naws_access_key_id = AKIAELSE\naws_secret_access_key = s\n")
    aws_home.env.update(AWS_SHARED_CREDENTIALS_FILE=str(creds), AWS_CONFIG_FILE=str(tmp_path / "none"))
    got = resolve(aws_home, profile="x")
    assert got.credentials.access_key == "AKIAELSE" and str(creds) in got.source


def test_explicit_profile_skips_environment_but_aws_profile_does_not(aws_home: AwsHome) -> None:
    aws_home.write(credentials="[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = s\n")
    aws_home.env.update(AWS_ACCESS_KEY_ID="AKIAENV", AWS_SECRET_ACCESS_KEY="e")
    assert resolve(aws_home, profile="dev").credentials.access_key == "AKIADEV"
    aws_home.env["AWS_PROFILE"] = "dev"
    assert resolve(aws_home).credentials.access_key == "AKIAENV"
    del aws_home.env["AWS_ACCESS_KEY_ID"]
    assert resolve(aws_home).credentials.access_key == "AKIADEV"


def test_aws_default_profile_read_before_aws_profile(aws_home: AwsHome) -> None:
    aws_home.write(credentials="[a]\naws_access_key_id = AKIAA\naws_secret_access_key = s\n"
                   "[b]\naws_access_key_id = AKIAB\naws_secret_access_key = s\n")
    aws_home.env.update(AWS_PROFILE="a", AWS_DEFAULT_PROFILE="b")
    assert resolve(aws_home).credentials.access_key == "AKIAB"


@pytest.mark.parametrize("via_env", [False, True])
def test_missing_profile_never_falls_back(aws_home: AwsHome, via_env: bool) -> None:
    aws_home.write(credentials=f"[default]\naws_access_key_id = {SOURCE_KEY}\naws_secret_access_key = {SOURCE_SECRET}\n")
    kw = {}
    if via_env:
        aws_home.env["AWS_PROFILE"] = "prod"
    else:
        kw["profile"] = "prod"
    with pytest.raises(CredentialSourceError) as exc:
        resolve(aws_home, **kw)
    msg = str(exc.value)
    assert 'profile "prod"' in msg and "~/.aws/credentials" in msg and "~/.aws/config" in msg
    assert ("AWS_PROFILE" if via_env else "--profile") in msg
    assert_no_secret(msg)


def test_nothing_found_lists_every_source(aws_home: AwsHome) -> None:
    with pytest.raises(NoCredentialsError) as exc:
        resolve(aws_home)
    assert exc.value.exit_code == ExitCode.NO_CREDENTIALS == 91
    msg = str(exc.value)
    assert msg.startswith("sigcurl: no AWS credentials found (tried: flags, environment, "
                          'profile "default" in ~/.aws/credentials and ~/.aws/config, container, instance metadata')
    assert "aws configure" in msg and "\n" not in msg


def test_malformed_config_names_file_without_echoing_content(aws_home: AwsHome) -> None:
    aws_home.write(credentials=f"aws_secret_access_key = {SOURCE_SECRET}\n[default]\n")
    with pytest.raises(CredentialSourceError) as exc:
        resolve(aws_home)
    msg = str(exc.value)
    assert "~/.aws/credentials" in msg and "line 1" in msg
    assert_no_secret(msg)


def test_duplicate_section_is_reported(aws_home: AwsHome) -> None:
    aws_home.write(config="[profile a]\nregion = x\n[profile a]\nregion = y\n")
    with pytest.raises(CredentialSourceError, match="appears twice"):
        resolve(aws_home)


def test_huge_config_file_is_refused(aws_home: AwsHome) -> None:
    aws_home.write(config="[default]\n" + ("# padding\n" * 600_000))
    with pytest.raises(CredentialSourceError, match="too large"):
        resolve(aws_home)


def test_static_key_without_secret_in_file(aws_home: AwsHome) -> None:
    aws_home.write(credentials="[default]\naws_access_key_id = AKIA\n")
    with pytest.raises(CredentialSourceError, match="aws_secret_access_key"):
        resolve(aws_home)


# --- credential_process ----------------------------------------------------------------------


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "helper.py"
    path.write_text(textwrap.dedent(body))
    return f"{sys.executable} {path}"


def _process_profile(home: AwsHome, command: str) -> None:
    home.write(config=f"[profile p]\ncredential_process = {command}\n")


def test_credential_process(aws_home: AwsHome, tmp_path: Path) -> None:
    cmd = _script(tmp_path, """
        import json, os
        print(json.dumps({"Version": 1, "AccessKeyId": "AKIAPROC", "SecretAccessKey": "procsecret",
                          "SessionToken": os.environ.get("HOME", "")[:3] and "tok"}))
    """)
    _process_profile(aws_home, cmd)
    got = resolve(aws_home, profile="p")
    assert got.credentials.access_key == "AKIAPROC" and got.credentials.session_token == "tok"
    assert got.source == "credential_process of profile p in ~/.aws/config" and got.expiry is None
    assert aws_home.cache_files() == []  # no Expiration: nothing cached


def test_credential_process_with_expiration_is_not_cached(aws_home: AwsHome, tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    cmd = _script(tmp_path, f"""
        import json
        with open({str(counter)!r}, "a") as fh: fh.write("x")
        print(json.dumps({{"Version": 1, "AccessKeyId": "AKIAPROC", "SecretAccessKey": "s",
                          "SessionToken": "t", "Expiration": "2030-01-01T13:00:00Z"}}))
    """)
    _process_profile(aws_home, cmd)
    for _ in range(3):
        got = resolve(aws_home, profile="p")
    assert counter.read_text() == "xxx"  # as the AWS CLI: the command runs every time, nothing is written
    assert aws_home.cache_files() == []
    assert not got.source.endswith("(cached)") and got.expiry == datetime(2030, 1, 1, 13, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "body, expected",
    [
        (f"import sys; sys.stderr.write('{SOURCE_SECRET}'); sys.exit(3)", "exited with status 3"),
        (f"print('garbage {SOURCE_SECRET}')", "not JSON"),
        ("print('[1, 2]')", "not an object"),
        (f"import json; print(json.dumps({{'Version': 2, 'AccessKeyId': 'A', 'SecretAccessKey': '{SOURCE_SECRET}'}}))",
         '"Version": 1'),
        ("import json; print(json.dumps({'Version': 1, 'AccessKeyId': 'A'}))", "without AccessKeyId and SecretAccessKey"),
        ("import sys; sys.stdout.write('x' * 10_000_000)", "more than"),
        (f"import json; print(json.dumps({{'Version': 1, 'AccessKeyId': 'A', 'SecretAccessKey': '{SOURCE_SECRET}', "
         "'Expiration': 'tomorrow'}))", "ISO 8601"),
        (f"import json; print(json.dumps({{'Version': 1, 'AccessKeyId': 'A', 'SecretAccessKey': '{SOURCE_SECRET}', "
         "'Expiration': '2000-01-01T00:00:00Z'}))", "expired"),
    ],
    ids=["nonzero-exit", "garbage", "not-object", "version-2", "missing-keys", "huge", "bad-expiration", "expired"],
)
def test_credential_process_failures(aws_home: AwsHome, tmp_path: Path, body: str, expected: str) -> None:
    _process_profile(aws_home, _script(tmp_path, body))
    with pytest.raises(CredentialSourceError) as exc:
        resolve(aws_home, profile="p")
    msg = str(exc.value)
    assert expected in msg and "profile p" in msg and "~/.aws/config" in msg
    assert_no_secret(msg)


def test_credential_process_timeout(aws_home: AwsHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sigcurl.credentials import process

    monkeypatch.setattr(process, "TIMEOUT_SECONDS", 0.5)
    _process_profile(aws_home, _script(tmp_path, "import time; time.sleep(30)"))
    with pytest.raises(CredentialSourceError, match="did not finish"):
        resolve(aws_home, profile="p")


def test_credential_process_missing_program(aws_home: AwsHome) -> None:
    _process_profile(aws_home, "/nonexistent/helper --flag")
    with pytest.raises(CredentialSourceError, match="could not be started"):
        resolve(aws_home, profile="p")


def test_static_credentials_file_wins_over_process(aws_home: AwsHome) -> None:
    aws_home.write(config="[profile p]\ncredential_process = /nonexistent\n",
                   credentials="[p]\naws_access_key_id = AKIAFILE\naws_secret_access_key = s\n")
    assert resolve(aws_home, profile="p").credentials.access_key == "AKIAFILE"


# --- region, whoami, start-up ----------------------------------------------------------------


def test_region_order(aws_home: AwsHome) -> None:
    aws_home.write(config="[default]\nregion = eu-west-1\n[profile dev]\nregion = ap-south-1\n")
    assert resolve_region(environ=aws_home.env) == "eu-west-1"
    assert resolve_region(profile="dev", environ=aws_home.env) == "ap-south-1"
    aws_home.env["AWS_PROFILE"] = "dev"
    assert resolve_region(environ=aws_home.env) == "ap-south-1"
    aws_home.env["AWS_DEFAULT_REGION"] = "us-west-2"
    assert resolve_region(environ=aws_home.env) == "us-west-2"
    aws_home.env["AWS_REGION"] = "us-east-2"
    assert resolve_region(environ=aws_home.env) == "us-east-2"
    assert resolve_region(profile="missing", environ={"HOME": aws_home.env["HOME"]}) is None


def test_whoami_never_shows_the_secret(aws_home: AwsHome) -> None:
    aws_home.env.update(AWS_ACCESS_KEY_ID=SOURCE_KEY, AWS_SECRET_ACCESS_KEY=SOURCE_SECRET, AWS_SESSION_TOKEN="TOKENxyz",
                        AWS_CREDENTIAL_EXPIRATION="2030-01-01T13:30:00Z")
    lines = whoami_lines(resolve(aws_home), "eu-west-1", now=NOW)
    text = "\n".join(lines)
    assert "source:      environment" in text and SOURCE_KEY in text and "eu-west-1" in text
    assert "2030-01-01T13:30:00Z (in 1 h 30 min)" in text
    assert_no_secret(text, "TOKENxyz")
    assert "(none" in "\n".join(whoami_lines(resolve(aws_home), None, now=NOW))


def test_environment_path_imports_only_the_standard_library(tmp_path: Path) -> None:
    code = (
        "import sys; from sigcurl.credentials import resolve_credentials;"
        "r = resolve_credentials(environ={'AWS_ACCESS_KEY_ID': 'A', 'AWS_SECRET_ACCESS_KEY': 'S'});"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('requests', 'urllib3', 'botocore', 'configparser')"
        " or m in ('sigcurl.credentials.sts', 'sigcurl.credentials.shared_files', 'sigcurl.credentials.cache',"
        " 'sigcurl.credentials._http', 'sigcurl.credentials.imds', 'sigcurl.credentials.process')];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_cache_files_are_private_and_corrupt_entries_are_rewritten(aws_home: AwsHome, tmp_path: Path) -> None:
    from sigcurl.credentials.cache import CredentialCache
    from sigcurl.signer.types import Credentials

    cache = CredentialCache.default(aws_home.env)
    expiry = datetime(2030, 1, 1, 14, tzinfo=timezone.utc)
    cache.store("k", Credentials("AKIAROLE", "s", "t"), expiry)
    [entry] = aws_home.cache_files()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700
    data = json.loads(entry.read_text())
    assert data["Credentials"]["AccessKeyId"] == "AKIAROLE" and data["Credentials"]["Expiration"] == "2030-01-01T14:00:00Z"
    entry.write_text("{not json")
    assert cache.load("k", NOW) is None
    cache.store("k", Credentials("AKIAROLE", "s", "t"), expiry)
    assert json.loads(entry.read_text())["Credentials"]["AccessKeyId"] == "AKIAROLE"
