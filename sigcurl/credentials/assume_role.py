"""Assume-role profiles (``role_arn`` + ``source_profile`` / ``credential_source``) and ``--role-arn``.

As in the AWS CLI: ``source_profile`` chains are followed (a profile may
name itself only to use its own static keys; any other revisit is a cycle
and an error), ``credential_source`` is ``Environment``,
``Ec2InstanceMetadata`` or ``EcsContainer`` (case-insensitive), and
``external_id``, ``role_session_name``, ``duration_seconds`` and
``mfa_serial`` are passed to AssumeRole.  An MFA code is prompted for on a
terminal only when the caller says the session is interactive.  Results are
cached (see :mod:`sigcurl.credentials.cache`) before the source credentials
are even resolved, so a cached role costs no STS call and no MFA prompt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sigcurl.credentials._types import REFRESH_WINDOW_SECONDS, ResolvedCredentials
from sigcurl.errors import CredentialSourceError

if TYPE_CHECKING:
    from sigcurl.credentials.chain import Resolver

_SOURCES = {"environment": "Environment", "ec2instancemetadata": "Ec2InstanceMetadata", "ecscontainer": "EcsContainer"}


def _has_static(prof: dict[str, str]) -> bool:
    return "aws_access_key_id" in prof or "aws_secret_access_key" in prof


def _is_role(prof: dict[str, str]) -> bool:
    return "role_arn" in prof and "web_identity_token_file" not in prof


#: profile_credentials(resolver, name, top_level=..., disable_env=...): the chain's profile providers,
#: passed in by the chain (a source profile may itself be a role profile: the recursion goes through it).
ProfileCredentials = Callable[..., "ResolvedCredentials | None"]


def from_role_profile(r: Resolver, name: str, visited: list[str], profile_credentials: ProfileCredentials) -> ResolvedCredentials:
    """Assume the role profile *name* describes; *visited* holds the profiles already on the path."""
    files = r.files
    prof = files.profile(name)
    where = files.where(name)
    role_arn = prof["role_arn"]
    source_profile = prof.get("source_profile")
    credential_source = prof.get("credential_source")
    if source_profile is not None and credential_source is not None:
        raise CredentialSourceError(
            f'profile "{name}" in {where} has both source_profile and credential_source',
            "keep only one of them",
        )
    if source_profile is None and credential_source is None:
        raise CredentialSourceError(
            f'profile "{name}" in {where} has role_arn but neither source_profile nor credential_source',
            "add source_profile = PROFILE or credential_source = Environment|Ec2InstanceMetadata|EcsContainer",
        )
    if credential_source is not None and credential_source.lower() not in _SOURCES:
        raise CredentialSourceError(
            f'credential_source "{credential_source}" in profile "{name}" ({where}) is not valid',
            "use Environment, Ec2InstanceMetadata or EcsContainer",
        )
    if source_profile is not None:
        if not files.has_profile(source_profile):
            raise CredentialSourceError(
                f'source_profile "{source_profile}" of profile "{name}" is not defined in {files.files_read()}',
                f"add profile {source_profile} or fix source_profile in {where}",
            )
        if source_profile in visited and (
            source_profile != name or not _has_static(files.profile(source_profile))
        ):
            path = " -> ".join([*visited, source_profile])
            raise CredentialSourceError(
                f"source_profile cycle in {files.files_read()}: {path}",
                "make one profile in the chain use static keys, SSO, credential_process or credential_source",
            )
    duration = _int_or_none(prof.get("duration_seconds"))
    label = f"profile {name}"

    def source() -> ResolvedCredentials:
        if credential_source is not None:
            return _named_source(r, credential_source, name)
        assert source_profile is not None
        visited.append(source_profile)
        sprof = files.profile(source_profile)
        if _has_static(sprof) or not _is_role(sprof):
            found = profile_credentials(r, source_profile, top_level=False, disable_env=True)
            if found is None:
                raise CredentialSourceError(
                    f'source_profile "{source_profile}" of profile "{name}" has no credentials '
                    f"({files.where(source_profile)})",
                    "give it aws_access_key_id/aws_secret_access_key, SSO settings, credential_process, or a role",
                )
            return found
        return from_role_profile(r, source_profile, visited, profile_credentials)

    return assume(
        r,
        source,
        role_arn=role_arn,
        role_session_name=prof.get("role_session_name"),
        external_id=prof.get("external_id"),
        duration_seconds=duration,
        mfa_serial=prof.get("mfa_serial"),
        label=label,
        profile=name,
    )


def assume(
    r: Resolver,
    source: object,
    *,
    role_arn: str,
    role_session_name: str | None,
    external_id: str | None,
    duration_seconds: int | None,
    mfa_serial: str | None,
    label: str,
    profile: str | None,
) -> ResolvedCredentials:
    """Assume *role_arn*, from the cache when possible, else with the credentials ``source()`` returns."""
    from sigcurl.credentials.cache import assume_role_cache_key

    key = assume_role_cache_key(
        role_arn,
        role_session_name=role_session_name,
        external_id=external_id,
        mfa_serial=mfa_serial,
        duration_seconds=duration_seconds,
    )
    window = float(REFRESH_WINDOW_SECONDS)
    if duration_seconds is not None:
        window = min(window, duration_seconds / 3)
    hit = r.cache.load(key, r.now, window)
    if hit is not None:
        return ResolvedCredentials(hit.credentials, f"assume-role {role_arn} via {label} (cached)", hit.expiry, profile)
    base = source() if callable(source) else source
    assert isinstance(base, ResolvedCredentials)
    token_code = _mfa_code(r, mfa_serial, label) if mfa_serial else None
    from sigcurl.credentials import sts

    result = sts.assume_role(
        base.credentials,
        r.sts_endpoint(),
        role_arn=role_arn,
        role_session_name=role_session_name or f"sigcurl-{int(r.now.timestamp())}",
        external_id=external_id,
        duration_seconds=duration_seconds,
        mfa_serial=mfa_serial,
        token_code=token_code,
        context=label,
        now=r.now,
        http=r.http,
    )
    extra = {"AssumedRoleUser": {"Arn": result.assumed_arn}} if result.assumed_arn else None
    r.cache.store(key, result.credentials, result.expiry, extra)
    return ResolvedCredentials(result.credentials, f"assume-role {role_arn} via {label}", result.expiry, profile)


def _named_source(r: Resolver, credential_source: str, name: str) -> ResolvedCredentials:
    canonical = _SOURCES[credential_source.lower()]
    found: ResolvedCredentials | None
    if canonical == "Environment":
        from sigcurl.credentials.env import from_environment

        found = from_environment(r.environ)
    elif canonical == "EcsContainer":
        from sigcurl.credentials.container import from_container

        found = from_container(r)
    else:
        from sigcurl.credentials.imds import from_instance_metadata

        found = from_instance_metadata(r)
    if found is None:
        raise CredentialSourceError(
            f'credential_source {canonical} of profile "{name}" supplied no credentials',
            {
                "Environment": "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                "EcsContainer": "run inside a container with AWS_CONTAINER_CREDENTIALS_* set",
                "Ec2InstanceMetadata": "run on an EC2 instance with a role attached",
            }[canonical],
        )
    return found


def _mfa_code(r: Resolver, mfa_serial: str, label: str) -> str:
    if not r.interactive:
        raise CredentialSourceError(
            f"{label} needs an MFA code (mfa_serial {mfa_serial}) and sigcurl is not running on a terminal",
            "run sigcurl once on a terminal to enter the code (the role's credentials are then cached), "
            "or use credentials that need no MFA",
        )
    import getpass

    try:
        code = getpass.getpass(f"Enter MFA code for {mfa_serial}: ").strip()
    except (EOFError, KeyboardInterrupt):
        code = ""
    if not code:
        raise CredentialSourceError(f"no MFA code entered for {mfa_serial} ({label})", "enter the 6-digit code")
    return code


def assume_on_top(
    r: Resolver,
    base: ResolvedCredentials,
    *,
    role_arn: str,
    role_session_name: str | None,
    external_id: str | None,
    duration_seconds: int | None,
) -> ResolvedCredentials:
    """``--role-arn``: assume a role with whatever credentials the chain found."""
    return assume(
        r,
        base,
        role_arn=role_arn,
        role_session_name=role_session_name,
        external_id=external_id,
        duration_seconds=duration_seconds,
        mfa_serial=None,
        label=base.source,
        profile=base.profile,
    )


def _int_or_none(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


__all__ = ["assume", "assume_on_top", "from_role_profile"]
