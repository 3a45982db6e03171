"""Role assumption against a real moto STS: assume-role profiles, chains, credential_source,
web identity, --role-arn, MFA, the cache (STS calls counted), STS errors and endpoint selection."""

from __future__ import annotations

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
    assert_no_secret,
)

from sigcurl.credentials import resolve_credentials
from sigcurl.credentials.shared_files import load_shared_files
from sigcurl.credentials.sts import sts_endpoint
from sigcurl.errors import CredentialSourceError

ROLE = "arn:aws:iam::123456789012:role/reader"
ROLE2 = "arn:aws:iam::123456789012:role/admin"
SOURCE = f"[src]\naws_access_key_id = {SOURCE_KEY}\naws_secret_access_key = {SOURCE_SECRET}\n"


def now() -> datetime:
    # moto issues credentials valid for an hour from the real clock.
    return datetime.now(timezone.utc)


def resolve(home: AwsHome, **kw: object):  # type: ignore[no-untyped-def]
    return resolve_credentials(environ=home.env, now=now(), **kw)  # type: ignore[arg-type]


def test_assume_role_profile_signed_by_sigcurl(aws_home: AwsHome, sts: StsProxy) -> None:
    aws_home.write(config=f"[profile role]\nrole_arn = {ROLE}\nsource_profile = src\nrole_session_name = me\n",
                   credentials=SOURCE)
    got = resolve(aws_home, profile="role")
    assert got.credentials.access_key.startswith("ASIA") and got.credentials.session_token
    assert got.source == f"assume-role {ROLE} via profile role" and got.profile == "role"
    assert got.expiry is not None and got.expiry > now()
    assert sts.count("AssumeRole") == 1 and sts.bad_signatures == 0


def test_cache_means_one_sts_call_for_many_runs(aws_home: AwsHome, sts: StsProxy) -> None:
    aws_home.write(config=f"[profile role]\nrole_arn = {ROLE}\nsource_profile = src\n", credentials=SOURCE)
    keys = {resolve(aws_home, profile="role").credentials.access_key for _ in range(50)}
    assert len(keys) == 1 and sts.count("AssumeRole") == 1
    assert len(aws_home.cache_files()) == 1
    # 15 minutes before expiry the role is assumed again.
    later = now() + timedelta(minutes=50)
    resolve_credentials(profile="role", environ=aws_home.env, now=later)
    assert sts.count("AssumeRole") == 2


def test_role_chain_with_options(aws_home: AwsHome, sts: StsProxy) -> None:
    aws_home.write(
        config=f"[profile first]\nrole_arn = {ROLE}\nsource_profile = src\nexternal_id = ext-1\n"
        f"[profile second]\nrole_arn = {ROLE2}\nsource_profile = first\nduration_seconds = 1800\n",
        credentials=SOURCE,
    )
    got = resolve(aws_home, profile="second")
    assert got.source == f"assume-role {ROLE2} via profile second"
    assert sts.count("AssumeRole") == 2 and sts.bad_signatures == 0
    bodies = [r.body.decode() for r in sts.server.requests]
    assert "ExternalId=ext-1" in bodies[0] and "DurationSeconds=1800" in bodies[1]
    # Top-level cached: no STS at all, the intermediate role is not even needed.
    resolve(aws_home, profile="second")
    assert sts.count("AssumeRole") == 2


def test_credential_source_environment(aws_home: AwsHome, sts: StsProxy) -> None:
    aws_home.write(config=f"[profile role]\nrole_arn = {ROLE}\ncredential_source = environment\n")
    aws_home.env.update(AWS_ACCESS_KEY_ID=SOURCE_KEY, AWS_SECRET_ACCESS_KEY=SOURCE_SECRET)
    got = resolve(aws_home, profile="role")
    assert got.credentials.access_key.startswith("ASIA") and sts.bad_signatures == 0
    assert sts.server.requests[0].headers["authorization"].split("Credential=")[1].startswith(SOURCE_KEY)


def test_role_arn_on_top_of_the_chain(aws_home: AwsHome, sts: StsProxy) -> None:
    aws_home.env.update(AWS_ACCESS_KEY_ID=SOURCE_KEY, AWS_SECRET_ACCESS_KEY=SOURCE_SECRET)
    got = resolve(aws_home, role_arn=ROLE, role_session_name="cli", external_id="x", duration_seconds=900)
    assert got.source == f"assume-role {ROLE} via environment"
    body = sts.server.requests[0].body.decode()
    assert "RoleSessionName=cli" in body and "ExternalId=x" in body and "DurationSeconds=900" in body
    resolve(aws_home, role_arn=ROLE, role_session_name="cli", external_id="x", duration_seconds=900)
    assert sts.count("AssumeRole") == 1


@pytest.mark.parametrize(
    "config, expected",
    [
        ("[profile a]\nrole_arn = R\nsource_profile = b\n[profile b]\nrole_arn = R\nsource_profile = a\n",
         "cycle in ~/.aws/credentials and ~/.aws/config: a -> b -> a"),
        ("[profile a]\nrole_arn = R\nsource_profile = a\n", "cycle"),
        ("[profile a]\nrole_arn = R\nsource_profile = nope\n", 'source_profile "nope" of profile "a" is not defined'),
        ("[profile a]\nrole_arn = R\n", "neither source_profile nor credential_source"),
        ("[profile a]\nrole_arn = R\nsource_profile = b\ncredential_source = Environment\n[profile b]\nregion=x\n",
         "both source_profile and credential_source"),
        ("[profile a]\nrole_arn = R\ncredential_source = Laptop\n", 'credential_source "Laptop"'),
        ("[profile a]\nrole_arn = R\ncredential_source = Environment\n", "credential_source Environment"),
        ("[profile a]\nrole_arn = R\nsource_profile = b\n[profile b]\nregion = x\n", "has no credentials"),
    ],
    ids=["cycle", "self-cycle", "missing-source", "no-source", "both", "bad-source", "empty-env", "source-empty"],
)
def test_role_profile_errors(aws_home: AwsHome, config: str, expected: str) -> None:
    aws_home.write(config=config, credentials=SOURCE)
    with pytest.raises(CredentialSourceError) as exc:
        resolve(aws_home, profile="a")
    assert expected in str(exc.value)
    assert_no_secret(str(exc.value))


def test_self_source_with_static_keys_is_allowed(aws_home: AwsHome, sts: StsProxy) -> None:
    aws_home.write(credentials=f"[a]\naws_access_key_id = {SOURCE_KEY}\naws_secret_access_key = {SOURCE_SECRET}\n",
                   config=f"[profile a]\nrole_arn = {ROLE}\nsource_profile = a\n")
    assert resolve(aws_home, profile="a").credentials.access_key.startswith("ASIA")


def test_mfa_needs_a_terminal(aws_home: AwsHome, sts: StsProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = "arn:aws:iam::123456789012:mfa/me"
    aws_home.write(config=f"[profile m]\nrole_arn = {ROLE}\nsource_profile = src\nmfa_serial = {serial}\n",
                   credentials=SOURCE)
    with pytest.raises(CredentialSourceError, match="MFA code") as exc:
        resolve(aws_home, profile="m")
    assert serial in str(exc.value) and sts.calls == []
    import getpass

    prompts: list[str] = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt: prompts.append(prompt) or "123456")
    got = resolve(aws_home, profile="m", interactive=True)
    assert got.credentials.access_key.startswith("ASIA") and prompts == [f"Enter MFA code for {serial}: "]
    body = sts.server.requests[0].body.decode()
    assert "TokenCode=123456" in body and "SerialNumber=" in body
    # Cached: the next non-interactive run needs no code.
    assert resolve(aws_home, profile="m").source.endswith("(cached)")


def test_web_identity_from_environment(aws_home: AwsHome, sts: StsProxy, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("eyJhbGciOi.fake.jwt\n")
    aws_home.env.update(AWS_WEB_IDENTITY_TOKEN_FILE=str(token), AWS_ROLE_ARN=ROLE, AWS_ROLE_SESSION_NAME="ci")
    got = resolve(aws_home)
    assert got.credentials.access_key.startswith("ASIA")
    assert got.source == f"web identity {ROLE} (AWS_WEB_IDENTITY_TOKEN_FILE)"
    rec = sts.server.requests[0]
    assert "authorization" not in rec.headers and "WebIdentityToken=eyJhbGciOi.fake.jwt&" in rec.body.decode() + "&"
    resolve(aws_home)
    assert sts.count("AssumeRoleWithWebIdentity") == 1


def test_web_identity_from_profile_and_explicit_profile_ignores_env(aws_home: AwsHome, sts: StsProxy,
                                                                    tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("tok")
    aws_home.write(config=f"[profile w]\nweb_identity_token_file = {token}\nrole_arn = {ROLE}\n")
    aws_home.env.update(AWS_WEB_IDENTITY_TOKEN_FILE="/nonexistent", AWS_ROLE_ARN=ROLE2)
    got = resolve(aws_home, profile="w")
    assert got.source == f'web identity {ROLE} (profile "w")'


def test_web_identity_errors(aws_home: AwsHome, tmp_path: Path) -> None:
    aws_home.env.update(AWS_WEB_IDENTITY_TOKEN_FILE=str(tmp_path / "missing"))
    with pytest.raises(CredentialSourceError, match="no role ARN"):
        resolve(aws_home)
    aws_home.env["AWS_ROLE_ARN"] = ROLE
    with pytest.raises(CredentialSourceError, match="cannot read the web identity token file"):
        resolve(aws_home)


def _sts_error(code: str, status: int = 403) -> FakeServer:
    body = (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            f"<Code>{code}</Code><Message>User is not authorized</Message></Error></ErrorResponse>").encode()
    return FakeServer(lambda rec: (status, {"Content-Type": "text/xml"}, body))


def test_sts_error_names_profile_and_code(aws_home: AwsHome) -> None:
    aws_home.write(config=f"[profile role]\nrole_arn = {ROLE}\nsource_profile = src\n", credentials=SOURCE)
    with _sts_error("AccessDenied") as srv:
        aws_home.env["AWS_ENDPOINT_URL_STS"] = srv.url
        with pytest.raises(CredentialSourceError) as exc:
            resolve(aws_home, profile="role")
    msg = str(exc.value)
    assert "profile role" in msg and "AccessDenied" in msg and ROLE in msg and "trust policy" in msg
    assert_no_secret(msg)


@pytest.mark.parametrize("reply", [b"not xml <", b"<AssumeRoleResponse><Nothing/></AssumeRoleResponse>", b""])
def test_sts_garbage_response(aws_home: AwsHome, reply: bytes) -> None:
    aws_home.write(config=f"[profile role]\nrole_arn = {ROLE}\nsource_profile = src\n", credentials=SOURCE)
    with FakeServer(lambda rec: (200, {}, reply)) as srv:
        aws_home.env["AWS_ENDPOINT_URL_STS"] = srv.url
        with pytest.raises(CredentialSourceError, match="cannot read"):
            resolve(aws_home, profile="role")


def test_sts_unreachable(aws_home: AwsHome) -> None:
    aws_home.write(config=f"[profile role]\nrole_arn = {ROLE}\nsource_profile = src\n", credentials=SOURCE)
    aws_home.env["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:9"
    with pytest.raises(CredentialSourceError, match="cannot connect"):
        resolve(aws_home, profile="role")


@pytest.mark.parametrize(
    "env, config, expected",
    [
        ({}, "", ("https://sts.amazonaws.com", "us-east-1")),
        ({"AWS_REGION": "eu-west-1"}, "", ("https://sts.eu-west-1.amazonaws.com", "eu-west-1")),
        ({}, "[default]\nregion = cn-north-1\n", ("https://sts.cn-north-1.amazonaws.com.cn", "cn-north-1")),
        ({"AWS_DEFAULT_REGION": "eu-west-1", "AWS_STS_REGIONAL_ENDPOINTS": "legacy"}, "",
         ("https://sts.amazonaws.com", "us-east-1")),
        ({"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://g", "AWS_ENDPOINT_URL_STS": "http://s"}, "",
         ("http://s", "eu-west-1")),
        ({"AWS_ENDPOINT_URL": "http://g"}, "[default]\nendpoint_url = http://p\n", ("http://g", "us-east-1")),
        ({}, "[default]\nservices = local\nendpoint_url = http://p\n[services local]\nsts =\n  endpoint_url = http://svc\n",
         ("http://svc", "us-east-1")),
        ({}, "[default]\nendpoint_url = http://p\n", ("http://p", "us-east-1")),
        ({"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL_STS": "http://s"}, "",
         ("https://sts.amazonaws.com", "us-east-1")),
    ],
)
def test_sts_endpoint_selection(aws_home: AwsHome, env: dict[str, str], config: str,
                                expected: tuple[str, str]) -> None:
    aws_home.write(config=config)
    aws_home.env.update(env)
    files = load_shared_files(aws_home.env)
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or files.profile("default").get("region")
    ep = sts_endpoint(files, "default", region, aws_home.env)
    assert (ep.url, ep.signing_region) == expected


def test_missing_services_section(aws_home: AwsHome) -> None:
    aws_home.write(config="[default]\nservices = nope\n")
    with pytest.raises(CredentialSourceError, match='services section "nope"'):
        sts_endpoint(load_shared_files(aws_home.env), "default", None, aws_home.env)


def test_sts_error_echoing_the_request_is_redacted(aws_home: AwsHome, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("WEBIDENTITYtokenDoNotLeak")

    def echo(rec: Recorded) -> tuple[int, dict[str, str], bytes]:
        from urllib.parse import parse_qsl

        text = " ".join(v for _, v in parse_qsl(rec.body.decode())) + " " + rec.headers.get("authorization", "")
        return 400, {}, (f"<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>{text}"
                         "</Message></Error></ErrorResponse>").encode()

    with FakeServer(echo) as srv:
        aws_home.env.update(AWS_ENDPOINT_URL_STS=srv.url, AWS_WEB_IDENTITY_TOKEN_FILE=str(token), AWS_ROLE_ARN=ROLE)
        with pytest.raises(CredentialSourceError) as exc:
            resolve(aws_home)
    assert "InvalidIdentityToken" in str(exc.value)
    assert_no_secret(str(exc.value), "WEBIDENTITYtokenDoNotLeak")
