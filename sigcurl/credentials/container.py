"""Container credentials (ECS task roles, EKS Pod Identity, local emulators).

``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`` is fetched from
``http://169.254.170.2``; ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` may be any
``https`` URL, or ``http`` only to a loopback address or the ECS/EKS hosts
(169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost), as in the AWS
SDKs.  The ``Authorization`` header comes from
``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`` (read on every fetch, so a rotated
token is picked up) or ``AWS_CONTAINER_AUTHORIZATION_TOKEN``.  Proxies are
never used.  Each run fetches fresh credentials, so they are never used
near their expiry.
"""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sigcurl.credentials._types import ResolvedCredentials, check_credentials, expand_path, parse_timestamp, short_path
from sigcurl.errors import CredentialSourceError, HTTPFailure

if TYPE_CHECKING:
    from sigcurl.credentials.chain import Resolver

ECS_HOST = "169.254.170.2"
ALLOWED_HTTP_HOSTS = frozenset({ECS_HOST, "169.254.170.23", "fd00:ec2::23", "localhost"})
#: Connect/read timeout and attempts for the container endpoint.
TIMEOUT_SECONDS = 2.0
ATTEMPTS = 2

REL = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
FULL = "AWS_CONTAINER_CREDENTIALS_FULL_URI"


def _allowed(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    try:
        if ipaddress.ip_address(parts.hostname).is_loopback:
            return True
    except ValueError:
        pass
    return parts.hostname in ALLOWED_HTTP_HOSTS


def from_container(r: Resolver) -> ResolvedCredentials | None:
    """Credentials from the container endpoint, or None when neither variable is set."""
    env = r.environ
    if REL in env:
        rel = env[REL]
        if not rel.startswith("/"):
            raise CredentialSourceError(f"{REL} must be a path starting with /", f"check {REL}")
        url = f"http://{ECS_HOST}{rel}"
    elif FULL in env:
        url = env[FULL]
        if not _allowed(url):
            host = urlsplit(url).hostname or url[:60]
            raise CredentialSourceError(
                f"{FULL} points at {host}, which is not https, loopback or an ECS/EKS credentials host",
                f"use https, 127.0.0.1, or one of {', '.join(sorted(ALLOWED_HTTP_HOSTS))}",
            )
    else:
        return None
    headers = {"Accept": "application/json"}
    token = _auth_token(r)
    if token is not None:
        headers["Authorization"] = token
    origin = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    failure = ""
    for _ in range(ATTEMPTS):
        try:
            resp = r.http("GET", url, headers=headers, timeout=TIMEOUT_SECONDS, use_proxies=False)
        except HTTPFailure as exc:
            failure = exc.detail
            continue
        if resp.status != 200:
            failure = f"HTTP {resp.status} from {origin}"
            if 400 <= resp.status < 500:
                break
            continue
        try:
            data = json.loads(resp.body)
            access_key, secret_key = data["AccessKeyId"], data["SecretAccessKey"]
            session_token = data.get("Token")
            expiry = parse_timestamp(data.get("Expiration"))
            if not isinstance(access_key, str) or not isinstance(secret_key, str):
                raise ValueError
            if session_token is not None and not isinstance(session_token, str):
                raise ValueError
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise CredentialSourceError(f"the container credentials endpoint {origin} returned malformed JSON",
                                        f"check {REL} / {FULL}") from None
        from sigcurl.signer.types import Credentials

        creds = check_credentials(Credentials(access_key, secret_key, session_token or None),
                                  f"the container credentials endpoint {origin}", ("AccessKeyId", "SecretAccessKey", "Token"))
        return ResolvedCredentials(creds, f"container ({origin})", expiry, None)
    raise CredentialSourceError(f"container credentials could not be fetched: {failure}",
                                f"check {REL} / {FULL} and the authorization token")


def _auth_token(r: Resolver) -> str | None:
    env = r.environ
    token: str | None = None
    if "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" in env:
        path = expand_path(env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], env)
        try:
            with open(path, encoding="utf-8") as fh:
                token = fh.read(64 * 1024).rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise CredentialSourceError(
                f"cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {short_path(path, env)} "
                f"({getattr(exc, 'strerror', None) or type(exc).__name__})",
                "check the file",
            ) from None
    elif "AWS_CONTAINER_AUTHORIZATION_TOKEN" in env:
        token = env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    if token is not None and ("\r" in token or "\n" in token):
        raise CredentialSourceError("the container authorization token contains a line break",
                                    "fix AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)")
    return token
