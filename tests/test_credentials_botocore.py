"""Differential: sigcurl resolves the same access key (and token presence) as botocore itself.

botocore is used here only as the reference.  For each configuration both
run in the same isolated HOME and environment.  Roles are assumed at a real
moto STS; sigcurl resolves first and botocore is given the AWS CLI's file
cache (~/.aws/cli/cache), so an identical access key also proves the two
compute the same cache key and read each other's cache files.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from credentials_fixtures import (
    SOURCE_KEY,
    SOURCE_SECRET,
    AwsHome,
    FakeServer,
    Recorded,
    StsProxy,
)

from sigcurl.credentials import resolve_credentials

ROLE = "arn:aws:iam::123456789012:role/reader"
ROLE2 = "arn:aws:iam::123456789012:role/admin"
SRC = f"[src]\naws_access_key_id = {SOURCE_KEY}\naws_secret_access_key = {SOURCE_SECRET}\n"
NOW = datetime.now(timezone.utc)


@dataclass
class Case:
    config: str = ""
    credentials: str = ""
    env: dict[str, str] = field(default_factory=dict)
    profile: str | None = None
    server: str | None = None  # "container", "imds" or "sso"


def _script(tmp: Path) -> str:
    p = tmp / "proc.py"
    p.write_text("import json; print(json.dumps({'Version': 1, 'AccessKeyId': 'AKIAPROCESS', "
                 "'SecretAccessKey': 's', 'SessionToken': 't'}))")
    return f"{sys.executable} {p}"


CASES = {
    "env-keys": Case(env={"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s"}),
    "env-token": Case(env={"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}),
    "env-security-token": Case(env={"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s",
                                    "AWS_SECURITY_TOKEN": "t"}),
    "credentials-file": Case(credentials="[default]\naws_access_key_id = AKIACREDS\naws_secret_access_key = s\n"),
    "config-file": Case(config="[default]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = s\n"),
    "credentials-beat-config": Case(
        config="[profile dev]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = s\n",
        credentials="[dev]\naws_access_key_id = AKIACREDS\naws_secret_access_key = s\naws_security_token = t\n",
        profile="dev"),
    "aws-profile-env-keys-win": Case(
        credentials="[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = s\n",
        env={"AWS_PROFILE": "dev", "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s"}),
    "explicit-profile-beats-env": Case(
        credentials="[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = s\n",
        env={"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s"}, profile="dev"),
    "default-profile-over-profile": Case(
        credentials="[a]\naws_access_key_id = AKIAA\naws_secret_access_key = s\n"
        "[b]\naws_access_key_id = AKIAB\naws_secret_access_key = s\n",
        env={"AWS_PROFILE": "a", "AWS_DEFAULT_PROFILE": "b"}),
    "credential-process": Case(config="[profile p]\ncredential_process = {process}\n", profile="p"),
    "process-in-credentials-file": Case(credentials="[p]\ncredential_process = {process}\n", profile="p"),
    "assume-role": Case(config=f"[profile r]\nrole_arn = {ROLE}\nsource_profile = src\n", credentials=SRC,
                        profile="r"),
    "assume-role-chain-options": Case(
        config=f"[profile r1]\nrole_arn = {ROLE}\nsource_profile = src\nexternal_id = e1\nrole_session_name = s1\n"
        f"[profile r2]\nrole_arn = {ROLE2}\nsource_profile = r1\nduration_seconds = 1800\n",
        credentials=SRC, env={"AWS_PROFILE": "r2"}),
    "assume-role-credential-source-env": Case(
        config=f"[profile r]\nrole_arn = {ROLE}\ncredential_source = Environment\n",
        env={"AWS_ACCESS_KEY_ID": SOURCE_KEY, "AWS_SECRET_ACCESS_KEY": SOURCE_SECRET}, profile="r"),
    "role-beats-static-keys-in-credentials-file": Case(
        config=f"[profile r]\nrole_arn = {ROLE}\nsource_profile = r\n",
        credentials=f"[r]\naws_access_key_id = {SOURCE_KEY}\naws_secret_access_key = {SOURCE_SECRET}\n", profile="r"),
    "web-identity-env": Case(env={"AWS_WEB_IDENTITY_TOKEN_FILE": "{token}", "AWS_ROLE_ARN": ROLE,
                                  "AWS_ROLE_SESSION_NAME": "ci"}),
    "web-identity-profile": Case(config=f"[profile w]\nweb_identity_token_file = {{token}}\nrole_arn = {ROLE}\n",
                                 profile="w"),
    "sso-session": Case(
        config="[profile s]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Reader\n"
        "[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n",
        profile="s", server="sso"),
    "sso-legacy": Case(
        config="[profile s]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id = 111122223333\nsso_role_name = Reader\n", profile="s", server="sso"),
    "container": Case(server="container"),
    "imds": Case(server="imds"),
}


def _fake(kind: str) -> FakeServer:
    exp = (NOW + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def handle(rec: Recorded) -> tuple[int, dict[str, str], bytes]:
        if kind == "sso":
            body = {"roleCredentials": {"accessKeyId": "ASIASSO", "secretAccessKey": "s", "sessionToken": "t",
                                        "expiration": int((NOW.timestamp() + 3600) * 1000)}}
            return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()
        if kind == "container":
            return 200, {}, json.dumps({"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "s", "Token": "t",
                                        "Expiration": exp}).encode()
        if rec.path == "/latest/api/token":
            return 200, {}, b"tok"
        if rec.path == "/latest/meta-data/iam/security-credentials/":
            return 200, {}, b"role"
        return 200, {}, json.dumps({"Code": "Success", "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "s",
                                    "Token": "t", "Expiration": exp}).encode()

    return FakeServer(handle)


def _botocore(profile: str | None, home: Path):  # type: ignore[no-untyped-def]
    import botocore.session
    from botocore.utils import JSONFileCache

    session = botocore.session.Session(profile=profile)
    resolver = session.get_component("credential_provider")
    cache = JSONFileCache(str(home / ".aws" / "cli" / "cache"))
    for name in ("assume-role", "assume-role-with-web-identity", "sso"):
        provider = resolver.get_provider(name)
        provider.cache = cache
    creds = session.get_credentials()
    return creds.get_frozen_credentials() if creds is not None else None


@pytest.mark.parametrize("name", list(CASES))
def test_same_as_botocore(name: str, aws_home: AwsHome, sts: StsProxy, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    case = CASES[name]
    token = tmp_path / "web-token"
    token.write_text("header.payload.signature")
    subst = {"process": _script(tmp_path), "token": str(token)}
    aws_home.write(config=case.config.format(**subst), credentials=case.credentials.format(**subst))
    aws_home.env.update({k: v.format(**subst) for k, v in case.env.items()})
    aws_home.env["AWS_DEFAULT_REGION"] = "us-east-1"
    server = _fake(case.server) if case.server else None
    if server is not None:
        server.__enter__()
        if case.server == "sso":
            aws_home.env["AWS_ENDPOINT_URL_SSO"] = server.url
            d = aws_home.aws / "sso" / "cache"
            d.mkdir(parents=True)
            key = "corp" if name == "sso-session" else "https://example.awsapps.com/start"
            (d / (hashlib.sha1(key.encode()).hexdigest() + ".json")).write_text(json.dumps({
                "accessToken": "bearer", "expiresAt": (NOW + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": "us-east-1", "startUrl": "https://example.awsapps.com/start"}))
        elif case.server == "container":
            aws_home.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server.url + "/creds"
        else:
            aws_home.env.update(AWS_EC2_METADATA_DISABLED="false", AWS_EC2_METADATA_SERVICE_ENDPOINT=server.url)
    try:
        ours = resolve_credentials(profile=case.profile, environ=aws_home.env, now=NOW)
        for k, v in aws_home.env.items():
            monkeypatch.setenv(k, v)
        theirs = _botocore(case.profile, aws_home.home)
    finally:
        if server is not None:
            server.__exit__(None, None, None)
    assert theirs is not None
    assert ours.credentials.access_key == theirs.access_key
    assert bool(ours.credentials.session_token) == bool(theirs.token)
    assert ours.credentials.session_token == theirs.token


def test_sigcurl_reads_a_cache_botocore_wrote(aws_home: AwsHome, sts: StsProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    aws_home.write(config=f"[profile r]\nrole_arn = {ROLE}\nsource_profile = src\nexternal_id = ext-1\n", credentials=SRC)
    aws_home.env["AWS_DEFAULT_REGION"] = "us-east-1"
    for k, v in aws_home.env.items():
        monkeypatch.setenv(k, v)
    theirs = _botocore("r", aws_home.home)
    ours = resolve_credentials(profile="r", environ=aws_home.env, now=NOW)
    assert ours.credentials.access_key == theirs.access_key and ours.source.endswith("(cached)")
    assert sts.count("AssumeRole") == 1
