"""Where sigcurl's AWS credentials come from: the AWS CLI's provider chain, without botocore.

This package is the only part of sigcurl that reads ``~/.aws``, the
credential environment variables, or calls STS, SSO, container or instance
metadata endpoints.  :func:`resolve_credentials` runs the chain in the AWS
CLI's order (see :mod:`sigcurl.credentials.chain`); :func:`resolve_region`
gives the region from the environment and profile.  Resolving from
environment variables imports only the standard library; each other
provider's module (and ``requests``) is imported only when reached.

Errors: :class:`~sigcurl.errors.NoCredentialsError` (exit 91) lists every
source tried; :class:`~sigcurl.errors.CredentialSourceError` (exit 92) names
the source, profile and file that failed.  No message contains a secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from sigcurl.credentials._types import REFRESH_WINDOW_SECONDS, ResolvedCredentials

if TYPE_CHECKING:
    from sigcurl.credentials._http import HttpClient

__all__ = ["REFRESH_WINDOW_SECONDS", "ResolvedCredentials", "resolve_credentials", "resolve_region"]


def resolve_credentials(
    *,
    profile: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    session_token: str | None = None,
    role_arn: str | None = None,
    role_session_name: str | None = None,
    external_id: str | None = None,
    duration_seconds: int | None = None,
    environ: Mapping[str, str] | None = None,
    now: datetime | None = None,
    interactive: bool = False,
    http: HttpClient | None = None,
) -> ResolvedCredentials:
    """Find credentials as the AWS CLI would, then optionally assume ``role_arn`` with them.

    ``profile`` is an explicitly chosen profile (``--profile``); None means
    AWS_DEFAULT_PROFILE / AWS_PROFILE, else "default".  An explicit profile
    skips the environment keys, as the AWS CLI's ``--profile`` does.
    ``access_key``/``secret_key``/``session_token`` are explicit keys and win
    over everything.  ``environ`` defaults to ``os.environ``, ``now`` to the
    current UTC time; ``interactive`` allows prompting for an MFA code.
    ``http`` is the client every network call of the chain goes through
    (STS, SSO, container, instance metadata; see
    :class:`sigcurl.credentials._http.HttpClient`); None uses the default
    requests client, which honours the proxy and CA environment variables.

    Raises NoCredentialsError, CredentialSourceError or UsageError.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    when = now if now is not None else datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    from sigcurl.credentials._types import check_credentials
    from sigcurl.credentials.chain import resolve

    found = resolve(
        profile=profile,
        access_key=access_key,
        secret_key=secret_key,
        session_token=session_token,
        environ=env,
        now=when,
        interactive=interactive,
        http=http,
    )
    if role_arn:
        from sigcurl.credentials.assume_role import assume_on_top
        from sigcurl.credentials.chain import Resolver, pick_profile

        name, _ = pick_profile(profile, env)
        resolver = Resolver(environ=env, now=when, interactive=interactive, profile=name, http=http)
        found = assume_on_top(
            resolver,
            found,
            role_arn=role_arn,
            role_session_name=role_session_name,
            external_id=external_id,
            duration_seconds=duration_seconds,
        )
    check_credentials(found.credentials, found.source)  # every source: no control character reaches a header
    return found


def resolve_region(*, profile: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """The region from AWS_REGION, AWS_DEFAULT_REGION, then the profile's ``region``; None if unset.

    The CLI puts ``--region`` and host inference before this.  A missing or
    unreadable profile gives None here; :func:`resolve_credentials` reports it.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        return region
    from sigcurl.credentials.chain import pick_profile
    from sigcurl.credentials.shared_files import load_shared_files
    from sigcurl.errors import SigcurlError

    name, _ = pick_profile(profile, env)
    try:
        files = load_shared_files(env)
    except SigcurlError:
        return None
    return files.profile(name).get("region") or None
