"""The AWS CLI's console sign-in sessions (``aws login``): profiles with ``login_session``.

``aws login`` writes a token file to ``~/.aws/login/cache/<sha256 of the
login_session value>.json`` (``AWS_LOGIN_CACHE_DIRECTORY`` moves the
directory; ``$VAR`` and ``~`` are expanded): temporary credentials under
``accessToken`` (``accessKeyId``, ``secretAccessKey``, ``sessionToken``,
``accountId``, ``expiresAt``), a ``refreshToken``, the ``clientId``, a
P-256 ``dpopKey`` and, from newer logins, the ``signInRegion``.  sigcurl
never starts a login itself.

As botocore's ``LoginProvider``: the cached credentials are used while
more than :data:`REFRESH_BEFORE_SECONDS` (5 minutes) remain; otherwise the
session is refreshed with the sign-in service's CreateOAuth2Token (``POST
/v1/token``, unsigned, JSON body ``{"clientId", "grantType":
"refresh_token", "refreshToken"}``, proven with a ``DPoP`` header, see
:mod:`sigcurl.credentials.dpop`) at ``https://REGION.signin.aws.amazon.com``
(the partition's domain elsewhere; the token's ``signInRegion`` wins over
the configured region; ``AWS_ENDPOINT_URL_SIGNIN``, ``AWS_ENDPOINT_URL``,
the ``[services]`` section or the profile's ``endpoint_url`` override the
URL).  The new credentials and refresh token replace the old ones in the
token file, every other field kept, written atomically with mode 0600.

Every failure is one :class:`~sigcurl.errors.CredentialSourceError` (exit
92) that says ``run aws login --profile NAME``; no message contains a token,
a key or the server's echo of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sigcurl.credentials._types import ResolvedCredentials, check_credentials, expand_path, home_dir, parse_timestamp, short_path
from sigcurl.errors import CredentialSourceError, HTTPFailure

if TYPE_CHECKING:
    from sigcurl.credentials.chain import Resolver
    from sigcurl.signer.types import Credentials

#: The session is refreshed when fewer seconds than this remain (botocore's ``LoginCredentialFetcher``).
REFRESH_BEFORE_SECONDS = 5 * 60
#: Connect and read timeouts for the sign-in service, in seconds.
SIGNIN_TIMEOUT = (5.0, 30.0)
#: Token files larger than this are corrupt by definition.
MAX_TOKEN_FILE_BYTES = 256 * 1024
_REQUIRED = ("accessToken", "refreshToken", "dpopKey", "clientId")
_CREDENTIAL_KEYS = ("accessKeyId", "secretAccessKey", "sessionToken")
#: Region prefix -> the partition's sign-in domain (botocore's signin endpoint rules); the rest: aws.amazon.com.
#: A region name as it may stand in a host name (``us-east-1``, ``us-gov-west-1``, ``eusc-de-east-1``).
_REGION = re.compile(r"[a-z]{2,4}(?:-[a-z0-9]+)+-\d+")
_PARTITION_DOMAINS = (
    ("cn-", "amazonaws.cn"), ("us-gov-", "amazonaws-us-gov.com"), ("us-isob-", "sc2shome.sgov.gov"),
    ("us-isof-", "csphome.hci.ic.gov"), ("us-iso-", "c2shome.ic.gov"), ("eu-isoe-", "csphome.adc-e.uk"),
    ("eusc-", "amazonaws-eusc.eu"),
)


def login_cache_directory(environ: Mapping[str, str]) -> str:
    """``AWS_LOGIN_CACHE_DIRECTORY`` (expanded) or ``~/.aws/login/cache``."""
    configured = environ.get("AWS_LOGIN_CACHE_DIRECTORY")
    if configured is not None:
        return expand_path(configured, environ)
    return os.path.join(home_dir(environ), ".aws", "login", "cache")


def token_path(session: str, environ: Mapping[str, str]) -> str:
    """The token file of the login session *session*."""
    return os.path.join(login_cache_directory(environ), hashlib.sha256(session.encode("utf-8")).hexdigest() + ".json")


def signin_url(region: str) -> str:
    """The sign-in service's regional endpoint for *region*."""
    domain = next((d for prefix, d in _PARTITION_DOMAINS if region.startswith(prefix)), "aws.amazon.com")
    return f"https://{region}.signin.{domain}"


def from_login(r: Resolver, name: str) -> ResolvedCredentials:
    """Credentials of the profile *name*, which has ``login_session``."""
    session = r.files.profile(name)["login_session"]
    login = f"run aws login --profile {name}"
    path = token_path(session, r.environ)
    shown = short_path(path, r.environ)
    token = _load(path, shown, name, login)
    label = f"aws login profile {name}"
    account = token["accessToken"].get("accountId")
    if isinstance(account, str) and account:
        label += f" (account {account})"
    expiry = parse_timestamp(token["accessToken"].get("expiresAt"))
    if expiry is not None and (expiry - r.now).total_seconds() > REFRESH_BEFORE_SECONDS:
        return ResolvedCredentials(_credentials(token, f"the aws login session in {shown}"), label, expiry, name)
    token, expiry = _refresh(r, name, token, login)
    _save(path, token, shown)
    return ResolvedCredentials(_credentials(token, f"the sign-in service for profile {name}"), label + " (refreshed)",
                               expiry, name)


def _load(path: str, shown: str, name: str, login: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_TOKEN_FILE_BYTES + 1)
        if len(raw) > MAX_TOKEN_FILE_BYTES:
            raise ValueError
        token = json.loads(raw.decode("utf-8"))
        if not isinstance(token, dict):
            raise ValueError
    except FileNotFoundError:
        raise CredentialSourceError(f"no aws login session found for profile {name} ({shown} does not exist)",
                                    login) from None
    except (OSError, ValueError, RecursionError):
        raise CredentialSourceError(f"the aws login session for profile {name} ({shown}) is unreadable", login) from None
    missing = [k for k in _REQUIRED if not token.get(k)]
    access = token.get("accessToken")
    if isinstance(access, dict):
        missing += [f"accessToken.{k}" for k in (*_CREDENTIAL_KEYS, "expiresAt") if not access.get(k)]
    elif "accessToken" not in missing:
        missing.append("accessToken")
    if missing:
        raise CredentialSourceError(f"the aws login session for profile {name} ({shown}) lacks {', '.join(missing)}",
                                    login)
    return token


def _credentials(token: Mapping[str, Any], where: str) -> Credentials:
    from sigcurl.signer.types import Credentials

    access = token["accessToken"]
    values = [access.get(k) for k in _CREDENTIAL_KEYS]
    if not all(isinstance(v, str) and v for v in values):
        raise CredentialSourceError(f"{where} has credentials that are not text", "run aws login again")
    return check_credentials(Credentials(values[0], values[1], values[2]), where, _CREDENTIAL_KEYS)


def _endpoint(r: Resolver, token: Mapping[str, Any], name: str) -> str:
    from sigcurl.credentials.sts import configured_endpoint_url

    configured = configured_endpoint_url("signin", r.files, r.profile, r.environ)
    if configured:
        return configured
    region = token.get("signInRegion")
    if not isinstance(region, str) or not region:
        region = r.region()
    if not region:
        raise CredentialSourceError(f"no region to refresh the aws login session of profile {name}",
                                    f"set region in profile {name} or AWS_REGION")
    if not _REGION.fullmatch(region):  # it becomes a host name: nothing else may reach the URL
        raise CredentialSourceError(f"the aws login session of profile {name} names the sign-in region {region!r}, "
                                    "which is not a region", f"run aws login --profile {name} again")
    return signin_url(region)


def _refresh(r: Resolver, name: str, token: dict[str, Any], login: str) -> tuple[dict[str, Any], datetime]:
    """CreateOAuth2Token with the refresh token; the updated token and the new expiry."""
    from sigcurl.credentials.dpop import build_proof, load_private_key

    url = _endpoint(r, token, name).rstrip("/") + "/v1/token"
    secrets = [str(token.get(k) or "") for k in ("refreshToken", "dpopKey")]
    try:
        key = load_private_key(str(token["dpopKey"]))
    except ValueError as exc:
        raise CredentialSourceError(f"the aws login session for profile {name} has an unusable dpopKey ({exc})",
                                    login) from None
    proof = build_proof(key, "POST", url, iat=int(r.now.timestamp()))
    body = json.dumps({"clientId": token["clientId"], "grantType": "refresh_token",
                       "refreshToken": token["refreshToken"]}).encode("utf-8")
    headers = {"Content-Type": "application/json", "Accept": "application/json", "DPoP": proof}
    what = f"refreshing the aws login session for profile {name}"
    try:
        resp = r.http("POST", url, headers=headers, data=body, timeout=SIGNIN_TIMEOUT)
    except HTTPFailure as exc:
        raise CredentialSourceError(f"{what} failed: {exc.detail}",
                                    "check your network or AWS_ENDPOINT_URL_SIGNIN") from None
    if resp.status != 200:
        raise _refused(resp.status, resp.body, what, name, login, secrets)
    try:
        out = json.loads(resp.body)
        access, expires_in, refresh = out["accessToken"], out["expiresIn"], out["refreshToken"]
        values = [access[k] for k in _CREDENTIAL_KEYS]
        if not all(isinstance(v, str) and v for v in [*values, refresh]):
            raise ValueError
        if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)) or not 0 < expires_in < 10**8:
            raise ValueError
    except (ValueError, KeyError, TypeError, RecursionError):
        raise CredentialSourceError(f"{what}: the sign-in service returned a response sigcurl cannot read",
                                    f"check AWS_ENDPOINT_URL_SIGNIN / endpoint_url, or {login}") from None
    expiry = (r.now.astimezone(timezone.utc) + timedelta(seconds=expires_in)).replace(microsecond=0)
    updated = dict(token)
    updated["accessToken"] = {
        "accessKeyId": values[0], "secretAccessKey": values[1], "sessionToken": values[2],
        "accountId": token["accessToken"].get("accountId"), "expiresAt": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    updated["refreshToken"] = refresh
    return updated, expiry


def _refused(status: int, body: bytes, what: str, name: str, login: str, secrets: list[str]) -> CredentialSourceError:
    code = message = ""
    try:
        parsed = json.loads(body)
        if isinstance(parsed, dict):
            code = str(parsed.get("error") or parsed.get("__type") or "")[:80]
            message = str(parsed.get("message") or parsed.get("Message") or "")[:300]
    except (ValueError, RecursionError):
        pass
    for secret in secrets:
        if secret:
            code, message = code.replace(secret, "<redacted>"), message.replace(secret, "<redacted>")
    detail = f"{what} was refused: {code or f'HTTP {status}'}" + (f": {message}" if message else "")
    detail = " ".join(detail.split())
    if code in ("TOKEN_EXPIRED", "USER_CREDENTIALS_CHANGED"):
        return CredentialSourceError(f"the aws login session for profile {name} has expired or its credentials "
                                     f"changed ({code})", login)
    if code == "INSUFFICIENT_PERMISSIONS":
        return CredentialSourceError(detail, f"allow signin:CreateOAuth2Token for this identity, then {login}")
    return CredentialSourceError(detail, login)


def _save(path: str, token: Mapping[str, Any], shown: str) -> None:
    """Rewrite the token file atomically (0600), as botocore's JSONFileCache does."""
    from sigcurl.credentials.cache import write_private_json

    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        write_private_json(path, token)
    except OSError as exc:
        raise CredentialSourceError(
            f"the refreshed aws login session cannot be saved to {shown} ({exc.strerror or type(exc).__name__})",
            f"make {os.path.dirname(shown)} writable, then try again",
        ) from None
