"""IAM Identity Center (SSO) profiles: ``sso_session`` sections and the legacy ``sso_*`` keys.

The access token comes from the AWS CLI's token cache,
``~/.aws/sso/cache/<sha1 of the sso-session name, or of the start URL for
legacy profiles>.json`` (written by ``aws sso login``); sigcurl never starts
a login itself.  Role credentials come from the portal's GetRoleCredentials
(``GET https://portal.sso.REGION.amazonaws.com/federation/credentials`` with
the ``x-amz-sso_bearer_token`` header; the endpoint can be overridden with
``AWS_ENDPOINT_URL_SSO``, ``AWS_ENDPOINT_URL`` or the profile's
``endpoint_url``) and are cached under the AWS CLI's key.  A missing,
expired or refused token is an error that says to run ``aws sso login``.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from sigcurl.credentials._types import ResolvedCredentials, check_credentials, home_dir, parse_timestamp
from sigcurl.errors import CredentialSourceError, HTTPFailure

if TYPE_CHECKING:
    from sigcurl.credentials.chain import Resolver

#: Connect and read timeouts for the SSO portal, in seconds.
SSO_TIMEOUT = (5.0, 30.0)
_REQUIRED = ("sso_start_url", "sso_region", "sso_role_name", "sso_account_id")


def from_sso(r: Resolver, name: str) -> ResolvedCredentials:
    """Role credentials for the SSO profile *name* (it has sso_role_name or sso_account_id)."""
    from sigcurl.credentials.cache import cache_key

    files = r.files
    config = files.profile(name)
    session_name = config.get("sso_session")
    if session_name is not None:
        session = files.sso_sessions.get(session_name)
        if session is None:
            raise CredentialSourceError(
                f'profile "{name}" names sso_session "{session_name}", which is not defined in {files.display_config}',
                f"add [sso-session {session_name}] to {files.display_config} (aws configure sso)",
            )
        config = dict(config)
        for key, value in session.items():
            if not isinstance(value, str):
                continue
            if key in config and config[key] != value:
                raise CredentialSourceError(
                    f'{key} differs between profile "{name}" and sso-session "{session_name}" in {files.display_config}',
                    "make them equal or remove it from the profile",
                )
            config[key] = value
    missing = [k for k in _REQUIRED if not config.get(k)]
    if missing:
        raise CredentialSourceError(
            f'profile "{name}" is configured for SSO but lacks {", ".join(missing)} ({files.where(name)})',
            f"run aws configure sso --profile {name}",
        )
    start_url, sso_region = config["sso_start_url"], config["sso_region"]
    role_name, account_id = config["sso_role_name"], config["sso_account_id"]
    key_args = {"roleName": role_name, "accountId": account_id}
    key_args.update({"sessionName": session_name} if session_name else {"startUrl": start_url})
    key = cache_key(key_args, compact=True)
    label = f"sso profile {name} ({role_name} in {account_id})"
    hit = r.cache.load(key, r.now)
    if hit is not None:
        return ResolvedCredentials(hit.credentials, label + " (cached)", hit.expiry, name)

    login = f"run aws sso login --profile {name}"
    token = _load_token(r, session_name or start_url, name, login)
    from sigcurl.credentials.sts import configured_endpoint_url

    base = configured_endpoint_url("sso", files, r.profile, r.environ) or f"https://portal.sso.{sso_region}.amazonaws.com"
    url = base.rstrip("/") + "/federation/credentials?" + urlencode({"role_name": role_name, "account_id": account_id})
    try:
        resp = r.http("GET", url, headers={"x-amz-sso_bearer_token": token, "Accept": "application/json"},
                       timeout=SSO_TIMEOUT)
    except HTTPFailure as exc:
        raise CredentialSourceError(f"SSO GetRoleCredentials for profile {name} failed: {exc.detail}",
                                    "check your network or AWS_ENDPOINT_URL_SSO") from None
    if resp.status in (401, 403):
        raise CredentialSourceError(
            f"the SSO session for profile {name} is expired or not valid for {role_name} in {account_id}", login
        )
    if resp.status != 200:
        raise CredentialSourceError(f"SSO GetRoleCredentials for profile {name} returned HTTP {resp.status}",
                                    f"check sso_role_name and sso_account_id, or {login}")
    try:
        rc = json.loads(resp.body)["roleCredentials"]
        access_key, secret_key = rc["accessKeyId"], rc["secretAccessKey"]
        session_token = rc.get("sessionToken")
        expiry = parse_timestamp(float(rc["expiration"]) / 1000.0)
        if not isinstance(access_key, str) or not isinstance(secret_key, str) or expiry is None:
            raise ValueError
        if session_token is not None and not isinstance(session_token, str):
            raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, OverflowError):
        raise CredentialSourceError(f"SSO GetRoleCredentials for profile {name} returned a malformed response",
                                    "check AWS_ENDPOINT_URL_SSO / endpoint_url") from None
    from sigcurl.signer.types import Credentials

    creds = check_credentials(Credentials(access_key, secret_key, session_token or None),
                              f"SSO GetRoleCredentials for profile {name}", ("accessKeyId", "secretAccessKey", "sessionToken"))
    r.cache.store(key, creds, expiry, {"ProviderType": "sso"})
    return ResolvedCredentials(creds, label, expiry, name)


def _load_token(r: Resolver, cache_name: str, name: str, login: str) -> str:
    digest = hashlib.sha1(cache_name.encode("utf-8")).hexdigest()
    path = os.path.join(home_dir(r.environ), ".aws", "sso", "cache", digest + ".json")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(1024 * 1024)
        data = json.loads(raw.decode("utf-8"))
        token = data["accessToken"]
        expires_at = parse_timestamp(data["expiresAt"])
        if not isinstance(token, str) or not token:
            raise ValueError
    except FileNotFoundError:
        raise CredentialSourceError(f"no SSO login found for profile {name}", login) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise CredentialSourceError(f"the cached SSO token for profile {name} is unreadable", login) from None
    if expires_at is None or expires_at <= r.now:
        raise CredentialSourceError(f"the SSO session for profile {name} has expired", login)
    return token
