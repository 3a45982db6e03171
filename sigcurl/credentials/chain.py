"""The provider chain, in the AWS CLI's order, and the state the providers share.

Order (botocore's ``create_credential_resolver``): command-line flags ->
environment (skipped when a profile is passed explicitly, as with the CLI's
``--profile``; ``AWS_PROFILE`` does not skip it) -> an assume-role profile
(``role_arn`` with ``source_profile`` or ``credential_source``) -> web
identity -> SSO -> the shared credentials file -> ``aws login`` (``login_session``) ->
``credential_process`` ->
static keys in the config file -> container credentials -> EC2 instance
metadata.  A named profile that exists in neither file is an error, never a
silent fall-back to other keys.  Provider modules are imported only when the
chain reaches them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from sigcurl.credentials._types import ResolvedCredentials, check_credentials
from sigcurl.errors import CredentialSourceError, NoCredentialsError

if TYPE_CHECKING:
    from sigcurl.credentials._http import HttpClient
    from sigcurl.credentials.cache import CredentialCache
    from sigcurl.credentials.shared_files import SharedFiles
    from sigcurl.credentials.sts import Endpoint


def pick_profile(profile: str | None, environ: Mapping[str, str]) -> tuple[str, bool]:
    """(profile name, whether it was named) from the argument, then AWS_DEFAULT_PROFILE / AWS_PROFILE.

    botocore reads ``AWS_DEFAULT_PROFILE`` before ``AWS_PROFILE``.
    """
    if profile:
        return profile, True
    env_profile = environ.get("AWS_DEFAULT_PROFILE") or environ.get("AWS_PROFILE")
    if env_profile:
        return env_profile, True
    return "default", False


class Resolver:
    """Shared state of one resolution: environment, clock, files (read once), cache.

    ``profile`` is the session's profile: it chooses the region and the STS /
    SSO endpoint overrides for every call in the chain, as a botocore session does.
    ``http`` is how every provider reaches the network (None: the default
    client, :func:`sigcurl.credentials._http.request`).
    """

    def __init__(
        self, *, environ: Mapping[str, str], now: datetime, interactive: bool, profile: str,
        http: HttpClient | None = None,
    ) -> None:
        self._http = http
        self.environ = environ
        self.now = now
        self.interactive = interactive
        self.profile = profile
        self.tried: list[str] = []
        self._files: SharedFiles | None = None
        self._cache: CredentialCache | None = None

    @property
    def http(self) -> HttpClient:
        """The HTTP client the providers call (STS, SSO, container, instance metadata)."""
        if self._http is None:
            from sigcurl.credentials._http import request

            self._http = request
        return self._http

    @property
    def files(self) -> SharedFiles:
        """Both shared files, parsed on first use."""
        if self._files is None:
            from sigcurl.credentials.shared_files import load_shared_files

            self._files = load_shared_files(self.environ)
        return self._files

    @property
    def cache(self) -> CredentialCache:
        """The on-disk credential cache (~/.aws/cli/cache)."""
        if self._cache is None:
            from sigcurl.credentials.cache import CredentialCache

            self._cache = CredentialCache.default(self.environ)
        return self._cache

    def region(self) -> str | None:
        """The session's region: AWS_REGION, AWS_DEFAULT_REGION, then the profile's ``region``."""
        region = self.environ.get("AWS_REGION") or self.environ.get("AWS_DEFAULT_REGION")
        if region:
            return region
        return self.files.profile(self.profile).get("region") or None

    def setting(self, env_name: str | None, key: str) -> str | None:
        """A setting from the environment, else from the session's profile."""
        if env_name and self.environ.get(env_name):
            return self.environ[env_name]
        return self.files.profile(self.profile).get(key) or None

    def sts_endpoint(self) -> Endpoint:
        """The STS endpoint for this session."""
        from sigcurl.credentials.sts import sts_endpoint

        return sts_endpoint(self.files, self.profile, self.region(), self.environ)


def resolve(
    *,
    profile: str | None,
    access_key: str | None,
    secret_key: str | None,
    session_token: str | None,
    environ: Mapping[str, str],
    now: datetime,
    interactive: bool,
    http: HttpClient | None = None,
) -> ResolvedCredentials:
    """Run the chain and return the first credentials found (see the module docstring)."""
    from sigcurl.credentials.env import from_environment, from_flags

    flagged = from_flags(access_key, secret_key, session_token)
    if flagged is not None:
        return flagged
    name, named = pick_profile(profile, environ)
    explicit = profile is not None
    r = Resolver(environ=environ, now=now, interactive=interactive, profile=name, http=http)
    r.tried.append("flags")
    if named and not r.files.has_profile(name):
        files = r.files
        how = "--profile" if explicit else ("AWS_DEFAULT_PROFILE" if environ.get("AWS_DEFAULT_PROFILE") else "AWS_PROFILE")
        raise CredentialSourceError(
            f'profile "{name}" (from {how}) is not defined in {files.files_read()}',
            f"check the name, or add [profile {name}] to {files.display_config} (aws configure --profile {name})",
        )
    if not explicit:
        found = from_environment(environ)
        if found is not None:
            return found
        r.tried.append("environment")
    found = profile_credentials(r, name, top_level=True, disable_env=explicit)
    if found is not None:
        return found
    r.tried.append(f'profile "{name}" in {r.files.files_read()}')
    from sigcurl.credentials.container import from_container

    found = from_container(r)
    if found is not None:
        return found
    r.tried.append("container")
    from sigcurl.credentials.imds import from_instance_metadata

    found = from_instance_metadata(r)
    if found is not None:
        return found
    if not any(t.startswith("instance metadata") for t in r.tried):
        r.tried.append("instance metadata")
    raise NoCredentialsError(
        f"no AWS credentials found (tried: {', '.join(r.tried)})",
        "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, pass --profile, or run aws configure",
    )


def profile_credentials(
    r: Resolver, name: str, *, top_level: bool, disable_env: bool
) -> ResolvedCredentials | None:
    """The profile-based providers for *name*, in order; None when none applies.

    At the top level an assume-role profile comes first; as a source
    profile the caller has already decided between static keys and a role.
    """
    prof = r.files.profile(name)
    if top_level and "role_arn" in prof and "web_identity_token_file" not in prof:
        from sigcurl.credentials.assume_role import from_role_profile

        return from_role_profile(r, name, [name], profile_credentials)
    from sigcurl.credentials.web_identity import from_web_identity

    found = from_web_identity(r, name, disable_env=disable_env)
    if found is not None:
        return found
    if "sso_role_name" in prof or "sso_account_id" in prof:
        from sigcurl.credentials.sso import from_sso

        return from_sso(r, name)
    found = _static(r, name, r.files.credentials_profiles.get(name, {}), r.files.display_credentials)
    if found is not None:
        return found
    if "login_session" in prof:
        from sigcurl.credentials.login import from_login

        return from_login(r, name)
    if prof.get("credential_process"):
        from sigcurl.credentials.process import from_process

        return from_process(r, name, prof["credential_process"])
    return _static(r, name, r.files.config_profiles.get(name, {}), r.files.display_config)


def _static(
    r: Resolver, name: str, section: Mapping[str, object], shown: str
) -> ResolvedCredentials | None:
    from sigcurl.signer.types import Credentials

    access_key = section.get("aws_access_key_id")
    if not isinstance(access_key, str):
        return None
    secret_key = section.get("aws_secret_access_key")
    if not isinstance(secret_key, str):
        raise CredentialSourceError(
            f'profile "{name}" in {shown} has aws_access_key_id but no aws_secret_access_key',
            f"add aws_secret_access_key to profile {name} in {shown}",
        )
    token = section.get("aws_security_token") or section.get("aws_session_token")
    creds = check_credentials(
        Credentials(access_key, secret_key, token if isinstance(token, str) and token else None),
        f"profile {name} in {shown}", ("aws_access_key_id", "aws_secret_access_key", "aws_session_token"),
    )
    return ResolvedCredentials(
        creds,
        source=f"profile {name} in {shown}",
        profile=name,
    )
