"""SSO, container and instance-metadata credentials against fake loopback endpoints."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from credentials_fixtures import AwsHome, FakeServer, Recorded, assert_no_secret

from sigcurl.credentials import resolve_credentials
from sigcurl.errors import CredentialSourceError, NoCredentialsError

NOW = datetime.now(timezone.utc).replace(microsecond=0)
PORTAL_SECRET = "ssoSECRETdoNOTleak0000000000000000000000"
BEARER = "bearer-token-do-not-leak"


def resolve(home: AwsHome, **kw: object):  # type: ignore[no-untyped-def]
    return resolve_credentials(environ=home.env, now=NOW, **kw)  # type: ignore[arg-type]


# --- SSO --------------------------------------------------------------------------------------


def portal(status: int = 200) -> FakeServer:
    def handle(rec: Recorded) -> tuple[int, dict[str, str], bytes]:
        if rec.headers.get("x-amz-sso_bearer_token") != BEARER:
            return 401, {}, b'{"message":"Session token not found or invalid"}'
        body = {"roleCredentials": {"accessKeyId": "ASIASSOEXAMPLE", "secretAccessKey": PORTAL_SECRET,
                                    "sessionToken": "ssotoken", "expiration": int((NOW.timestamp() + 3600) * 1000)}}
        return status, {"Content-Type": "application/json"}, json.dumps(body).encode()

    return FakeServer(handle)


def write_token(home: AwsHome, name: str, expires: datetime, token: str = BEARER) -> None:
    d = home.aws / "sso" / "cache"
    d.mkdir(parents=True, exist_ok=True)
    (d / (hashlib.sha1(name.encode()).hexdigest() + ".json")).write_text(json.dumps(
        {"accessToken": token, "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "us-east-1",
         "startUrl": "https://example.awsapps.com/start"}))


SSO_SESSION = ("[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Reader\n"
               "[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n")
SSO_LEGACY = ("[profile dev]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
              "sso_account_id = 111122223333\nsso_role_name = Reader\n")


@pytest.mark.parametrize("config, token_name", [(SSO_SESSION, "corp"), (SSO_LEGACY, "https://example.awsapps.com/start")],
                         ids=["sso-session", "legacy"])
def test_sso(aws_home: AwsHome, config: str, token_name: str) -> None:
    aws_home.write(config=config)
    write_token(aws_home, token_name, NOW + timedelta(hours=8))
    with portal() as srv:
        aws_home.env["AWS_ENDPOINT_URL_SSO"] = srv.url
        got = resolve(aws_home, profile="dev")
        again = resolve(aws_home, profile="dev")
    assert got.credentials.access_key == "ASIASSOEXAMPLE" and got.source == "sso profile dev (Reader in 111122223333)"
    assert again.source.endswith("(cached)") and len(srv.requests) == 1
    rec = srv.requests[0]
    assert rec.method == "GET" and rec.path == "/federation/credentials?role_name=Reader&account_id=111122223333"


def test_sso_endpoint_from_profile_endpoint_url(aws_home: AwsHome) -> None:
    write_token(aws_home, "corp", NOW + timedelta(hours=8))
    with portal() as srv:
        aws_home.write(config=SSO_SESSION.replace("[profile dev]\n", f"[profile dev]\nendpoint_url = {srv.url}\n"))
        assert resolve(aws_home, profile="dev").credentials.access_key == "ASIASSOEXAMPLE"


@pytest.mark.parametrize("case", ["missing", "expired", "refused", "garbage-token"])
def test_sso_login_errors(aws_home: AwsHome, case: str) -> None:
    aws_home.write(config=SSO_SESSION)
    if case == "expired":
        write_token(aws_home, "corp", NOW - timedelta(minutes=1))
    elif case == "refused":
        write_token(aws_home, "corp", NOW + timedelta(hours=1), token="revoked")
    elif case == "garbage-token":
        write_token(aws_home, "corp", NOW + timedelta(hours=1))
        next((aws_home.aws / "sso" / "cache").glob("*.json")).write_text("{oops")
    with portal() as srv:
        aws_home.env["AWS_ENDPOINT_URL_SSO"] = srv.url
        with pytest.raises(CredentialSourceError) as exc:
            resolve(aws_home, profile="dev")
    msg = str(exc.value)
    assert "aws sso login --profile dev" in msg
    assert_no_secret(msg, BEARER, PORTAL_SECRET, "revoked")


def test_sso_incomplete_profile(aws_home: AwsHome) -> None:
    aws_home.write(config="[profile dev]\nsso_account_id = 1\n")
    with pytest.raises(CredentialSourceError, match="lacks sso_start_url, sso_region, sso_role_name"):
        resolve(aws_home, profile="dev")
    aws_home.write(config="[profile dev]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = r\n")
    with pytest.raises(CredentialSourceError, match='sso_session "nope"'):
        resolve(aws_home, profile="dev")


# --- container --------------------------------------------------------------------------------

CONTAINER_SECRET = "containerSECRETdoNOTleak000000000000000"


def container_server(expected_auth: str | None = None) -> FakeServer:
    def handle(rec: Recorded) -> tuple[int, dict[str, str], bytes]:
        if expected_auth is not None and rec.headers.get("authorization") != expected_auth:
            return 401, {}, b"denied"
        body = {"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": CONTAINER_SECRET, "Token": "ctok",
                "Expiration": (NOW + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")}
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    return FakeServer(handle)


def test_container_full_uri_with_token_file(aws_home: AwsHome, tmp_path: Path) -> None:
    token = tmp_path / "eks-token"
    token.write_text("pod-identity-token\n")
    with container_server("pod-identity-token") as srv:
        aws_home.env.update(AWS_CONTAINER_CREDENTIALS_FULL_URI=srv.url + "/v1/credentials",
                            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token),
                            AWS_CONTAINER_AUTHORIZATION_TOKEN="ignored-when-file-set")
        got = resolve(aws_home)
    assert got.credentials.access_key == "ASIACONTAINER" and got.credentials.session_token == "ctok"
    assert got.source.startswith("container") and got.expiry == NOW + timedelta(hours=6)
    assert srv.requests[0].path == "/v1/credentials"


def test_container_relative_uri(aws_home: AwsHome, monkeypatch: pytest.MonkeyPatch) -> None:
    from sigcurl.credentials import container

    with container_server("tok") as srv:
        monkeypatch.setattr(container, "ECS_HOST", srv.url.removeprefix("http://"))
        aws_home.env.update(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="/v2/credentials/abc",
                            AWS_CONTAINER_AUTHORIZATION_TOKEN="tok")
        assert resolve(aws_home).credentials.access_key == "ASIACONTAINER"
    assert srv.requests[0].path == "/v2/credentials/abc"


@pytest.mark.parametrize("url", ["http://169.254.169.254/creds", "http://example.com/creds", "file:///etc/passwd"])
def test_container_full_uri_host_restriction(aws_home: AwsHome, url: str) -> None:
    aws_home.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = url
    with pytest.raises(CredentialSourceError, match="not https, loopback"):
        resolve(aws_home)


def test_container_failures(aws_home: AwsHome) -> None:
    with container_server("right") as srv:
        aws_home.env.update(AWS_CONTAINER_CREDENTIALS_FULL_URI=srv.url + "/", AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong")
        with pytest.raises(CredentialSourceError, match="HTTP 401"):
            resolve(aws_home)
        aws_home.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "bad\r\nX-Injected: 1"
        with pytest.raises(CredentialSourceError, match="line break"):
            resolve(aws_home)
    with FakeServer(lambda rec: (200, {}, b"<html>")) as srv:
        aws_home.env.update(AWS_CONTAINER_CREDENTIALS_FULL_URI=srv.url + "/", AWS_CONTAINER_AUTHORIZATION_TOKEN="x")
        with pytest.raises(CredentialSourceError, match="malformed"):
            resolve(aws_home)


def test_environment_wins_over_container(aws_home: AwsHome) -> None:
    aws_home.env.update(AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:9/", AWS_ACCESS_KEY_ID="AKIAENV",
                        AWS_SECRET_ACCESS_KEY="s")
    assert resolve(aws_home).source == "environment"


# --- instance metadata ------------------------------------------------------------------------

IMDS_SECRET = "imdsSECRETdoNOTleak00000000000000000000"


def imds_server(v2: bool = True, role: str = "web-role") -> FakeServer:
    def handle(rec: Recorded) -> tuple[int, dict[str, str], bytes]:
        if rec.path == "/latest/api/token":
            if not v2:
                return 405, {}, b""
            if rec.method != "PUT" or rec.headers.get("x-aws-ec2-metadata-token-ttl-seconds") != "21600":
                return 400, {}, b""
            return 200, {}, b"imds-session-token"
        if v2 and rec.headers.get("x-aws-ec2-metadata-token") != "imds-session-token":
            return 401, {}, b""
        if rec.path == "/latest/meta-data/iam/security-credentials/":
            return (200, {}, role.encode()) if role else (404, {}, b"")
        if rec.path == f"/latest/meta-data/iam/security-credentials/{role}":
            body = {"Code": "Success", "AccessKeyId": "ASIAIMDS", "SecretAccessKey": IMDS_SECRET, "Token": "itok",
                    "Expiration": (NOW + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")}
            return 200, {}, json.dumps(body).encode()
        return 404, {}, b""

    return FakeServer(handle)


@pytest.mark.parametrize("v2", [True, False], ids=["imdsv2", "imdsv1-fallback"])
def test_imds(aws_home: AwsHome, v2: bool) -> None:
    with imds_server(v2=v2) as srv:
        del aws_home.env["AWS_EC2_METADATA_DISABLED"]
        aws_home.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = srv.url
        got = resolve(aws_home)
    assert got.credentials.access_key == "ASIAIMDS" and got.source == "imds (instance role web-role)"
    assert got.expiry == NOW + timedelta(hours=6)
    assert [r.method for r in srv.requests] == ["PUT", "GET", "GET"]


def test_imds_endpoint_from_profile(aws_home: AwsHome) -> None:
    with imds_server() as srv:
        del aws_home.env["AWS_EC2_METADATA_DISABLED"]
        aws_home.write(config=f"[default]\nec2_metadata_service_endpoint = {srv.url}\n")
        assert resolve(aws_home).credentials.access_key == "ASIAIMDS"


def test_imds_v1_disabled(aws_home: AwsHome) -> None:
    with imds_server(v2=False) as srv:
        aws_home.env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=srv.url, AWS_EC2_METADATA_V1_DISABLED="true",
                            AWS_EC2_METADATA_DISABLED="false")
        with pytest.raises(NoCredentialsError, match="token request answered HTTP 405"):
            resolve(aws_home)


def test_imds_no_role_and_disabled_and_unreachable(aws_home: AwsHome) -> None:
    with imds_server(role="") as srv:
        aws_home.env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=srv.url, AWS_EC2_METADATA_DISABLED="false")
        with pytest.raises(NoCredentialsError, match=r"instance metadata \(no instance role\)"):
            resolve(aws_home)
    aws_home.env["AWS_EC2_METADATA_DISABLED"] = "TRUE"
    with pytest.raises(NoCredentialsError, match="disabled by AWS_EC2_METADATA_DISABLED"):
        resolve(aws_home)
    aws_home.env.update(AWS_EC2_METADATA_DISABLED="false", AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:9")
    with pytest.raises(NoCredentialsError, match="not reachable"):
        resolve(aws_home)


def test_imds_ipv6_mode_selects_ipv6_endpoint(aws_home: AwsHome) -> None:
    from sigcurl.credentials.chain import Resolver
    from sigcurl.credentials.imds import IPV6_ENDPOINT, endpoint

    aws_home.write(config="[default]\nec2_metadata_service_endpoint_mode = IPv6\n")
    assert endpoint(Resolver(environ=aws_home.env, now=NOW, interactive=False, profile="default")) == IPV6_ENDPOINT


def test_credential_source_ec2_and_container(aws_home: AwsHome) -> None:
    # credential_source fetches from the named provider; a failing STS is fine, we only need the source call.
    with imds_server() as srv:
        aws_home.env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=srv.url, AWS_EC2_METADATA_DISABLED="false",
                            AWS_ENDPOINT_URL_STS="http://127.0.0.1:9")
        aws_home.write(config="[profile r]\nrole_arn = arn:aws:iam::1:role/x\ncredential_source = Ec2InstanceMetadata\n")
        with pytest.raises(CredentialSourceError, match="cannot connect") as exc:
            resolve(aws_home, profile="r")
        assert len(srv.requests) == 3
        assert_no_secret(str(exc.value), IMDS_SECRET)
