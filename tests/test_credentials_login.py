"""``aws login`` sessions (profiles with ``login_session``): the token cache, the DPoP-proven refresh, errors.

The sign-in service is a loopback fake that VERIFIES every DPoP proof with
``cryptography`` and the JWK the proof carries (signature, ``typ``/``alg``,
the key being the cached one, ``htm``, ``htu``, ``iat``, a fresh ``jti``)
before it hands out new credentials.  The same cache file and fake service
go through botocore's ``LoginProvider`` (pointed at the loopback with
``AWS_ENDPOINT_URL_SIGNIN``) and through sigcurl: same credentials, same
calls, the same rewritten token file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import stat
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run
from credentials_fixtures import AwsHome, FakeServer, Recorded, assert_no_secret
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from sigcurl.credentials import resolve_credentials
from sigcurl.errors import CredentialSourceError

NOW = datetime.now(timezone.utc).replace(microsecond=0)
SESSION = "arn:aws:iam::111122223333:user/dev"
CLIENT_ID = "arn:aws:signin:::devtools/same-device"
OLD_SECRET = "oldSECRETdoNOTleak000000000000000000000000"
NEW_SECRET = "newSECRETdoNOTleak000000000000000000000000"
REFRESH = "refresh-token-1-do-not-leak"
CONFIG = f"[profile p]\nlogin_session = {SESSION}\nregion = us-west-2\n"


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _make_key() -> tuple[str, ec.EllipticCurvePublicNumbers]:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption()).decode()
    return pem, key.public_key().public_numbers()


PEM, PUBLIC = _make_key()


def token_file(cache: Path, session: str = SESSION) -> Path:
    return cache / (hashlib.sha256(session.encode()).hexdigest() + ".json")


def write_token(cache: Path, expires: datetime, **extra: Any) -> dict[str, Any]:
    cache.mkdir(parents=True, exist_ok=True)
    token: dict[str, Any] = {
        "accessToken": {"accessKeyId": "ASIAOLDLOGINEXAMPLE", "secretAccessKey": OLD_SECRET, "sessionToken": "old-session",
                        "accountId": "111122223333", "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ")},
        "tokenType": "aws_sigv4", "refreshToken": REFRESH, "idToken": "id-token", "clientId": CLIENT_ID,
        "dpopKey": PEM, **extra,
    }
    token_file(cache).write_text(json.dumps(token))
    return token


class SignIn:
    """A fake AWS sign-in service: verifies the DPoP proof, then rotates the session."""

    def __init__(self, error: str | None = None) -> None:
        self.error = error
        self.problems: list[str] = []
        self.jtis: set[str] = set()
        self.server = FakeServer(self._handle)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[Recorded]:
        return self.server.requests

    def __enter__(self) -> SignIn:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def verify(self, rec: Recorded) -> list[str]:
        """What is wrong with this request's DPoP proof and body (empty: nothing)."""
        problems: list[str] = []
        try:
            head_b64, claims_b64, sig_b64 = rec.headers["dpop"].split(".")
            header, claims = json.loads(_b64d(head_b64)), json.loads(_b64d(claims_b64))
            jwk = header["jwk"]
            public = ec.EllipticCurvePublicNumbers(int.from_bytes(_b64d(jwk["x"]), "big"),
                                                   int.from_bytes(_b64d(jwk["y"]), "big"), ec.SECP256R1()).public_key()
            raw = _b64d(sig_b64)
            der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
            public.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except Exception as exc:  # any malformed or forged proof
            return [f"proof: {type(exc).__name__}"]
        if len(raw) != 64 or header.get("typ") != "dpop+jwt" or header.get("alg") != "ES256":
            problems.append(f"header {header}")
        if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or public.public_numbers() != PUBLIC:
            problems.append("not the cached key")
        if claims.get("htm") != "POST" or claims.get("htu") != self.url + "/v1/token" or rec.path != "/v1/token":
            problems.append(f"htm/htu {claims.get('htm')} {claims.get('htu')} {rec.path}")
        if not isinstance(claims.get("iat"), int) or abs(claims["iat"] - time.time()) > 300:
            problems.append(f"iat {claims.get('iat')}")
        jti = claims.get("jti")
        if not isinstance(jti, str) or str(uuid.UUID(jti)) != jti or jti in self.jtis:
            problems.append(f"jti {jti}")
        self.jtis.add(str(jti))
        body = json.loads(rec.body)
        if body != {"clientId": CLIENT_ID, "grantType": "refresh_token", "refreshToken": REFRESH}:
            problems.append(f"body {body}")
        if not rec.headers.get("content-type", "").startswith("application/json"):
            problems.append("content-type")
        return problems

    def _handle(self, rec: Recorded) -> tuple[int, dict[str, str], bytes]:
        problems = self.verify(rec)
        self.problems += problems
        if problems:
            return 400, {"x-amzn-ErrorType": "ValidationException"}, json.dumps(
                {"error": "INVALID_REQUEST", "message": "; ".join(problems)}).encode()
        if self.error:
            return 403, {"x-amzn-ErrorType": "AccessDeniedException", "Content-Type": "application/json"}, json.dumps(
                {"error": self.error, "message": f"refresh token {REFRESH} is no longer valid"}).encode()
        out = {"accessToken": {"accessKeyId": "ASIANEWLOGINEXAMPLE", "secretAccessKey": NEW_SECRET,
                               "sessionToken": "new-session"},
               "tokenType": "aws_sigv4", "expiresIn": 900, "refreshToken": "refresh-token-2"}
        return 200, {"Content-Type": "application/json"}, json.dumps(out).encode()


@pytest.fixture
def signin(aws_home: AwsHome) -> Iterator[SignIn]:
    with SignIn() as fake:
        aws_home.env["AWS_ENDPOINT_URL_SIGNIN"] = fake.url
        aws_home.write(config=CONFIG)
        yield fake


def cache_dir(home: AwsHome) -> Path:
    return home.aws / "login" / "cache"


def resolve(home: AwsHome, **kw: Any) -> Any:
    return resolve_credentials(profile="p", environ=home.env, now=NOW, **kw)


# --- sigcurl alone ----------------------------------------------------------------------------------


def test_valid_session_is_used_without_a_call(aws_home: AwsHome, signin: SignIn) -> None:
    before = write_token(cache_dir(aws_home), NOW + timedelta(minutes=6))
    got = resolve(aws_home)
    assert got.credentials.access_key == "ASIAOLDLOGINEXAMPLE" and got.credentials.secret_key == OLD_SECRET
    assert got.source == "aws login profile p (account 111122223333)" and got.expiry == NOW + timedelta(minutes=6)
    assert signin.requests == [] and json.loads(token_file(cache_dir(aws_home)).read_text()) == before


@pytest.mark.parametrize("left", [timedelta(minutes=5), timedelta(seconds=1), -timedelta(hours=3)],
                         ids=["5-minutes-left", "1-second-left", "expired"])
def test_expiring_session_is_refreshed_and_rewritten(aws_home: AwsHome, signin: SignIn, left: timedelta) -> None:
    before = write_token(cache_dir(aws_home), NOW + left, signInRegion="eu-central-1", futureField="kept")
    got = resolve(aws_home)
    assert signin.problems == [] and len(signin.requests) == 1
    assert got.credentials.access_key == "ASIANEWLOGINEXAMPLE" and got.credentials.secret_key == NEW_SECRET
    assert got.credentials.session_token == "new-session" and got.expiry == NOW + timedelta(seconds=900)
    path = token_file(cache_dir(aws_home))
    after = json.loads(path.read_text())
    assert after["refreshToken"] == "refresh-token-2" and after["accessToken"] == {
        "accessKeyId": "ASIANEWLOGINEXAMPLE", "secretAccessKey": NEW_SECRET, "sessionToken": "new-session",
        "accountId": "111122223333", "expiresAt": (NOW + timedelta(seconds=900)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert {k: v for k, v in after.items() if k not in ("accessToken", "refreshToken")} == {
        k: v for k, v in before.items() if k not in ("accessToken", "refreshToken")}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and [p.name for p in cache_dir(aws_home).iterdir()] == [path.name]


def test_login_cache_directory_variable(aws_home: AwsHome, signin: SignIn) -> None:
    write_token(aws_home.home / "elsewhere", NOW - timedelta(minutes=1))
    aws_home.env["AWS_LOGIN_CACHE_DIRECTORY"] = "$HOME/elsewhere"
    assert resolve(aws_home).credentials.access_key == "ASIANEWLOGINEXAMPLE"
    assert json.loads(token_file(aws_home.home / "elsewhere").read_text())["refreshToken"] == "refresh-token-2"


def test_endpoint_from_the_profile_services_section(aws_home: AwsHome, signin: SignIn) -> None:
    del aws_home.env["AWS_ENDPOINT_URL_SIGNIN"]
    aws_home.write(config=CONFIG + f"services = local\n[services local]\nsignin =\n  endpoint_url = {signin.url}\n")
    write_token(cache_dir(aws_home), NOW - timedelta(minutes=1))
    assert resolve(aws_home).credentials.access_key == "ASIANEWLOGINEXAMPLE" and signin.problems == []


def test_source_profile_may_be_a_login_profile(aws_home: AwsHome, signin: SignIn, sts: Any) -> None:
    aws_home.write(config=CONFIG + "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = p\n")
    write_token(cache_dir(aws_home), NOW + timedelta(minutes=10))
    sts.secrets["ASIAOLDLOGINEXAMPLE"] = OLD_SECRET
    got = resolve_credentials(profile="role", environ=aws_home.env)
    assert sts.count("AssumeRole") == 1 and sts.bad_signatures == 0 and got.credentials.access_key != "ASIAOLDLOGINEXAMPLE"


@pytest.mark.parametrize("error, words", [
    ("TOKEN_EXPIRED", "has expired or its credentials changed (TOKEN_EXPIRED)"),
    ("USER_CREDENTIALS_CHANGED", "has expired or its credentials changed"),
    ("INSUFFICIENT_PERMISSIONS", "signin:CreateOAuth2Token"),
    ("invalid_grant", "was refused: invalid_grant: refresh token <redacted> is no longer valid"),
])
def test_refused_refresh_is_one_line(aws_home: AwsHome, error: str, words: str) -> None:
    with SignIn(error) as fake:
        aws_home.env["AWS_ENDPOINT_URL_SIGNIN"] = fake.url
        aws_home.write(config=CONFIG)
        before = write_token(cache_dir(aws_home), NOW - timedelta(minutes=1))
        with pytest.raises(CredentialSourceError) as info:
            resolve(aws_home)
    text = str(info.value)
    assert info.value.exit_code == 92 and "\n" not in text and words in text and "run aws login --profile p" in text
    assert_no_secret(text, REFRESH, OLD_SECRET, PEM.splitlines()[1])
    assert json.loads(token_file(cache_dir(aws_home)).read_text()) == before  # nothing rewritten


@pytest.mark.parametrize("case", ["missing", "not-json", "no-refresh-token", "bad-key"])
def test_unusable_token_file(aws_home: AwsHome, signin: SignIn, case: str) -> None:
    if case != "missing":
        write_token(cache_dir(aws_home), NOW - timedelta(minutes=1))
    path = token_file(cache_dir(aws_home))
    if case == "not-json":
        path.write_text("{" + REFRESH)
    elif case == "no-refresh-token":
        path.write_text(json.dumps({**json.loads(path.read_text()), "refreshToken": ""}))
    elif case == "bad-key":
        path.write_text(json.dumps({**json.loads(path.read_text()), "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nAAAA\n"}))
    with pytest.raises(CredentialSourceError) as info:
        resolve(aws_home)
    text = str(info.value)
    assert "\n" not in text and "run aws login --profile p" in text and signin.requests == []
    assert_no_secret(text, REFRESH, OLD_SECRET)


def test_signin_region_and_partition_endpoints() -> None:
    from sigcurl.credentials.login import signin_url

    assert signin_url("us-west-2") == "https://us-west-2.signin.aws.amazon.com"
    assert signin_url("cn-north-1") == "https://cn-north-1.signin.amazonaws.cn"
    assert signin_url("us-gov-west-1") == "https://us-gov-west-1.signin.amazonaws-us-gov.com"


def test_endpoint_rules_match_botocore() -> None:
    """The default sign-in URL per region is where botocore's endpoint rules send CreateOAuth2Token."""
    import botocore.session
    from botocore import UNSIGNED
    from botocore.config import Config

    from sigcurl.credentials.login import signin_url

    class Sent(Exception):
        pass

    def capture(request: Any, **_: Any) -> None:
        raise Sent(request.url)

    session = botocore.session.Session()
    for region in ("us-east-1", "eu-central-1", "cn-north-1", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1"):
        client = session.create_client("signin", region_name=region, config=Config(signature_version=UNSIGNED))
        client.meta.events.register("before-send", capture)
        try:
            with pytest.raises(Sent) as sent:
                client.create_o_auth2_token(tokenInput={"clientId": "c", "grantType": "refresh_token", "refreshToken": "r"})
            assert str(sent.value) == signin_url(region) + "/v1/token", region
        finally:
            client.close()


# --- the same through botocore ------------------------------------------------------------------------


def _botocore_resolve(home: AwsHome, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Exception | None]:
    import botocore.credentials
    import botocore.session

    for name, value in home.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home.aws / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home.aws / "credentials"))
    monkeypatch.setattr(botocore.credentials, "_local_now", lambda: NOW)
    try:
        return botocore.session.Session(profile="p").get_credentials().get_frozen_credentials(), None
    except Exception as exc:
        return None, exc


@pytest.mark.parametrize("left", [-timedelta(hours=1), timedelta(minutes=4), timedelta(minutes=6),
                                  timedelta(minutes=14)], ids=["expired", "4-min-left", "6-min-left", "14-min-left"])
def test_same_as_botocore(aws_home: AwsHome, signin: SignIn, monkeypatch: pytest.MonkeyPatch, left: timedelta) -> None:
    pytest.importorskip("awscrt")
    write_token(cache_dir(aws_home), NOW + left, signInRegion="us-east-1")
    ours = aws_home.home / "ours"
    shutil.copytree(cache_dir(aws_home), ours)
    theirs, error = _botocore_resolve(aws_home, monkeypatch)
    assert error is None, error
    calls = len(signin.requests)
    assert calls == (1 if left.total_seconds() <= 300 else 0)
    aws_home.env["AWS_LOGIN_CACHE_DIRECTORY"] = str(ours)
    got = resolve(aws_home).credentials
    assert (got.access_key, got.secret_key, got.session_token) == (theirs.access_key, theirs.secret_key, theirs.token)
    assert len(signin.requests) == 2 * calls and signin.problems == []  # both proofs verified
    theirs_file, ours_file = token_file(cache_dir(aws_home)), token_file(ours)
    assert json.loads(ours_file.read_text()) == json.loads(theirs_file.read_text())
    assert ours_file.read_text() == theirs_file.read_text()  # byte for byte: same field order, same JSON layout
    assert stat.S_IMODE(ours_file.stat().st_mode) == stat.S_IMODE(theirs_file.stat().st_mode)


def test_same_refusal_as_botocore(aws_home: AwsHome, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("awscrt")
    from botocore.exceptions import LoginRefreshRequired

    with SignIn("TOKEN_EXPIRED") as fake:
        aws_home.env["AWS_ENDPOINT_URL_SIGNIN"] = fake.url
        aws_home.write(config=CONFIG)
        write_token(cache_dir(aws_home), NOW - timedelta(minutes=1))
        _, error = _botocore_resolve(aws_home, monkeypatch)
        with pytest.raises(CredentialSourceError, match="aws login"):
            resolve(aws_home)
    assert isinstance(error, LoginRefreshRequired) and fake.problems == []


# --- end to end -----------------------------------------------------------------------------------------


def test_command_signs_with_the_refreshed_credentials(aws_home: AwsHome, signin: SignIn, server: Any) -> None:
    write_token(cache_dir(aws_home), datetime.now(timezone.utc) - timedelta(minutes=1))
    server.add_key("ASIANEWLOGINEXAMPLE", NEW_SECRET, "new-session")
    env = {**aws_home.env, "AWS_CONFIG_FILE": str(aws_home.aws / "config"), "NO_PROXY": "*"}
    result = run(["--profile", "p", "--region", "us-east-1", "--service", "execute-api", server.url + "/hello"], env)
    assert result.exit_code == 0, result.stderr
    assert signin.problems == [] and len(signin.requests) == 1
    server.assert_all_verified()
    assert "Credential=ASIANEWLOGINEXAMPLE/" in (server.last.header("Authorization") or "")
    assert server.last.header("X-Amz-Security-Token") == "new-session"
    assert_no_secret(result.stderr, NEW_SECRET, REFRESH)


def test_command_error_for_an_expired_login(aws_home: AwsHome) -> None:
    with SignIn("TOKEN_EXPIRED") as fake:
        aws_home.write(config=CONFIG)
        write_token(cache_dir(aws_home), datetime.now(timezone.utc) - timedelta(minutes=1))
        env = {**aws_home.env, "AWS_ENDPOINT_URL_SIGNIN": fake.url, "NO_PROXY": "*"}
        result = run(["--profile", "p", "--service", "execute-api", "http://127.0.0.1:9/x"], env)
    assert result.exit_code == 92
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sigcurl: ") and "run aws login --profile p" in lines[0]
