"""What the transfers of one run share: credentials, configured regions, connection pools, the clock offset.

Thread-safe (``--parallel`` runs transfers on threads).  Credentials are
resolved once per credential source and again only when they come within
:data:`~sigcurl.credentials.REFRESH_WINDOW_SECONDS` of expiry; a clock-skew
correction learnt by one transfer is used by every later one; the AWS
CLI's retry quota and adaptive rate limiter are one per (service, region); transfers
with equal transport options share one connection pool per thread.
Every secret seen is remembered so that output can scrub it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, BinaryIO

from sigcurl.environment import Env, isatty
from sigcurl.errors import ExitCode, SigcurlError
from sigcurl.spec import CredentialSpec, TransportOptions

if TYPE_CHECKING:
    from sigcurl.credentials import ResolvedCredentials
    from sigcurl.credentials.config_endpoints import ConfiguredEndpoint
    from sigcurl.transport.aws_retry_state import ClientState


class Session:
    """The state one run's transfers share."""

    def __init__(self, env: Env, secrets: list[str | None] | None = None) -> None:
        self.env = env
        self.lock = threading.Lock()
        #: every secret value seen (scrubbed from everything written)
        self.secrets: list[str | None] = [] if secrets is None else secrets
        self._credentials: dict[tuple[CredentialSpec, str | None, TransportOptions | None], ResolvedCredentials] = {}
        self._transports: dict[tuple[TransportOptions, int], Any] = {}
        self._credential_clients: dict[TransportOptions, Any] = {}
        self._regions: dict[str | None, str | None] = {}
        self._shared: Any = None  # the shared config files, read once (SharedFiles, or False: unreadable)
        #: server clock minus ours, learnt from a clock-skew error by any transfer of the run
        self.clock_offset = timedelta()
        self._files: dict[str, BinaryIO] = {}
        self.output_closed = False  # the reader of stdout went away: said once, not per transfer
        self._aws_clients: Any = None  # AwsClients, made on first use (the offline paths import no transport)

    def remember(self, *values: str | None) -> None:
        """Add secret values to scrub from output."""
        for v in values:
            if v and v not in self.secrets:
                self.secrets.append(v)

    def credentials(self, spec: CredentialSpec, region: str | None, transport: TransportOptions | None) -> ResolvedCredentials:
        """Credentials for ``spec``: resolved once, again when close to expiry.

        ``region`` (``--region``) is the session's region for role calls too,
        as the AWS CLI's is; ``transport`` gives their HTTP calls the user's
        TLS and proxy settings.
        """
        from sigcurl.credentials import REFRESH_WINDOW_SECONDS, resolve_credentials

        key = (spec, region, transport)
        with self.lock:
            found = self._credentials.get(key)
            now = self.env.now()
            if found is not None and (found.expiry is None or (found.expiry - now).total_seconds() > REFRESH_WINDOW_SECONDS):
                return found
            environ = self.env.environ
            if region:
                environ = {**environ, "AWS_REGION": region}
            http = self._credential_client(transport)
            try:
                found = resolve_credentials(
                    profile=spec.profile, access_key=spec.access_key, secret_key=spec.secret_key,
                    session_token=spec.session_token, role_arn=spec.role_arn, role_session_name=spec.role_session_name,
                    external_id=spec.external_id, duration_seconds=spec.duration, environ=environ,
                    interactive=isatty(self.env.stdin), http=http,
                )
            except SigcurlError as exc:
                if http is not None and http.out_of_time():  # -m ran out during the fetch: a timeout, as curl's 28
                    exc.exit_code = ExitCode.TIMEOUT
                raise
            self._credentials[key] = found
            self.remember(found.credentials.secret_key, found.credentials.session_token)
            return found

    def _credential_client(self, options: TransportOptions | None) -> Any:
        """The credential providers' HTTP client: the request's TLS and proxy settings (called under the lock).

        Made on first use, so ``--sign-only`` with keys from the environment imports no HTTP stack.
        """
        if options is None:
            return None  # the providers' default client
        found = self._credential_clients.get(options)
        if found is None:
            found = self._credential_clients[options] = _LazyClient(options, self.env)
        return found

    def shared_file(self, path: str) -> BinaryIO:
        """A file several transfers of the run write to (``-D``, ``--trace``): truncated once, then appended.

        Raises :class:`~sigcurl.errors.WriteError` (exit 23) when it cannot be opened.
        """
        with self.lock:
            found = self._files.get(path)
            if found is None:
                try:
                    found = self._files[path] = open(path, "wb")  # noqa: SIM115 - closed with the session
                except OSError as exc:
                    from sigcurl.errors import WriteError

                    raise WriteError(f"cannot write {path}: {exc.strerror or exc}", "check the path and its permissions") from None
            return found

    def configured_region(self, profile: str | None) -> Callable[[], str | None]:
        """The configured region for ``profile`` (environment, then profile; files read once per run)."""

        def region() -> str | None:
            with self.lock:
                if profile not in self._regions:
                    from sigcurl.credentials import resolve_region

                    self._regions[profile] = resolve_region(profile=profile, environ=self.env.environ)
                return self._regions[profile]

        return region

    def shared_files(self) -> Any:
        """The shared config and credentials files (SharedFiles), read once per run; None when unreadable
        (resolving credentials reports that)."""
        with self.lock:
            if self._shared is None:
                from sigcurl.credentials.shared_files import load_shared_files
                from sigcurl.errors import SigcurlError

                try:
                    self._shared = load_shared_files(self.env.environ)
                except SigcurlError:
                    self._shared = False
            return self._shared or None

    def configured_endpoint(self, profile: str | None, service_id: str) -> ConfiguredEndpoint | None:
        """The AWS CLI's configured endpoint URL for a service (``AWS_ENDPOINT_URL*``, the profile's
        ``endpoint_url`` and ``services`` section), or None."""
        from sigcurl.credentials.chain import pick_profile
        from sigcurl.credentials.config_endpoints import configured_endpoint

        environ = self.env.environ
        name, _ = pick_profile(profile, environ)
        files = self.shared_files()
        keys = files.profile(name) if files is not None else {}
        services = files.services if files is not None else {}
        shown = files.display_config if files is not None else "the config file"
        return configured_endpoint(service_id, environ, keys, services, name, shown)

    def configured_region_set(self, profile: str | None) -> Callable[[], str | None]:
        """The SigV4a region set the AWS CLI's configuration gives (``AWS_SIGV4A_SIGNING_REGION_SET``,
        then the profile's ``sigv4a_signing_region_set``), commas without spaces; None when unset."""

        def region_set() -> str | None:
            value = self.env.environ.get("AWS_SIGV4A_SIGNING_REGION_SET")
            if not value:
                from sigcurl.credentials.chain import pick_profile

                files = self.shared_files()
                name, _ = pick_profile(profile, self.env.environ)
                value = files.profile(name).get("sigv4a_signing_region_set") if files is not None else None
            return ",".join(part.strip() for part in value.split(",") if part.strip()) or None if value else None

        return region_set

    def aws_client(self, mode: str | None, service: str, region: str, now: float) -> ClientState | None:
        """The AWS CLI's retry quota and rate limiter for ``service`` in ``region`` (one per run, as one botocore
        client's), or None when ``mode`` (``AWS_RETRY_MODE``) has none."""
        if mode is None:
            return None
        with self.lock:
            if self._aws_clients is None:
                from sigcurl.transport.aws_retry_state import AwsClients

                self._aws_clients = AwsClients()
        return self._aws_clients.get(mode, service, region, now)  # type: ignore[no-any-return]

    def transport(self, options: TransportOptions) -> Any:
        """The transport (connection pool) for ``options`` on this thread."""
        key = (options, threading.get_ident())
        with self.lock:
            found = self._transports.get(key)
            if found is None:
                from sigcurl.transport import Transport

                found = self._transports[key] = Transport(options, clock=self.env.clock)
            return found

    def close(self) -> None:
        """Close every connection pool."""
        with self.lock:
            transports, self._transports = list(self._transports.values()), {}
            clients, self._credential_clients = list(self._credential_clients.values()), {}
            files, self._files = list(self._files.values()), {}
        for t in [*transports, *clients, *files]:
            t.close()


class _LazyClient:
    """A credential ``HttpClient`` whose transport is built on the first call."""

    __slots__ = ("options", "env", "client")

    def __init__(self, options: TransportOptions, env: Env) -> None:
        self.options = options
        self.env = env
        self.client: Any = None

    def __call__(self, method: str, url: str, **kwargs: Any) -> Any:
        if self.client is None:
            from sigcurl.transport import credential_client

            self.client = credential_client(self.options, self.env.clock)
        return self.client(method, url, **kwargs)

    def out_of_time(self) -> bool:
        """Whether ``-m`` ran out while the credentials were being fetched."""
        return self.client is not None and self.client.out_of_time()

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
