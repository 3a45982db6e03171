"""Web identity: AssumeRoleWithWebIdentity with a token file (EKS IRSA, GitHub OIDC...).

Each setting comes from its environment variable, else from the profile:
``AWS_WEB_IDENTITY_TOKEN_FILE`` / ``web_identity_token_file``,
``AWS_ROLE_ARN`` / ``role_arn``, ``AWS_ROLE_SESSION_NAME`` /
``role_session_name``.  The environment is not read when a profile was
passed explicitly (as in the AWS CLI).  The call is unsigned; the result is
cached like an assumed role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcurl.credentials._types import ResolvedCredentials, expand_path, short_path
from sigcurl.errors import CredentialSourceError

if TYPE_CHECKING:
    from sigcurl.credentials.chain import Resolver

#: A token file larger than this is refused.
MAX_TOKEN_BYTES = 64 * 1024

_ENV = {
    "web_identity_token_file": "AWS_WEB_IDENTITY_TOKEN_FILE",
    "role_arn": "AWS_ROLE_ARN",
    "role_session_name": "AWS_ROLE_SESSION_NAME",
}


def from_web_identity(r: Resolver, name: str, *, disable_env: bool) -> ResolvedCredentials | None:
    """Credentials for the web identity configured in the environment or profile *name*, else None."""
    prof = r.files.profile(name)

    def get(key: str) -> tuple[str | None, str]:
        if not disable_env and _ENV[key] in r.environ:
            return r.environ[_ENV[key]], _ENV[key]
        return prof.get(key), f'profile "{name}"'

    token_file, token_origin = get("web_identity_token_file")
    if not token_file:
        return None
    role_arn, _ = get("role_arn")
    if not role_arn:
        raise CredentialSourceError(
            f"web identity is configured ({token_origin}) but no role ARN is",
            f'set AWS_ROLE_ARN or role_arn in profile "{name}"',
        )
    session_name, _ = get("role_session_name")
    from sigcurl.credentials.cache import assume_role_cache_key

    key = assume_role_cache_key(role_arn, role_session_name=session_name)
    label = f"web identity {role_arn} ({token_origin})"
    hit = r.cache.load(key, r.now)
    if hit is not None:
        return ResolvedCredentials(hit.credentials, label + " (cached)", hit.expiry, name)
    path = expand_path(token_file, r.environ)
    shown = short_path(path, r.environ)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_TOKEN_BYTES + 1)
    except OSError as exc:
        raise CredentialSourceError(
            f"cannot read the web identity token file {shown} ({token_origin}): {exc.strerror or type(exc).__name__}",
            "check AWS_WEB_IDENTITY_TOKEN_FILE / web_identity_token_file",
        ) from None
    if len(raw) > MAX_TOKEN_BYTES or not raw.strip():
        raise CredentialSourceError(
            f"the web identity token file {shown} ({token_origin}) is {'empty' if not raw.strip() else 'too large'}",
            "check AWS_WEB_IDENTITY_TOKEN_FILE / web_identity_token_file",
        )
    try:
        token = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise CredentialSourceError(
            f"the web identity token file {shown} is not text", "check AWS_WEB_IDENTITY_TOKEN_FILE"
        ) from None
    from sigcurl.credentials import sts

    result = sts.assume_role_with_web_identity(
        r.sts_endpoint(),
        role_arn=role_arn,
        role_session_name=session_name or f"sigcurl-{int(r.now.timestamp())}",
        web_identity_token=token,
        context=f'profile "{name}"' if token_origin.startswith("profile") else token_origin,
        http=r.http,
    )
    r.cache.store(key, result.credentials, result.expiry)
    return ResolvedCredentials(result.credentials, label, result.expiry, name)
