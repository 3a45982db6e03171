"""The credential providers' HTTP client, with the user's TLS and proxy settings.

:func:`credential_client` returns a callable with the signature of
:class:`sigcurl.credentials._http.HttpClient` (this package does not import
the credentials: the caller passes the client to
``resolve_credentials(http=...)``).  STS, SSO, container and instance
metadata calls then verify TLS and choose proxies exactly as the user's
request does (``--cacert``, ``-k``, the CA variables, ``-x``, ``--noproxy``,
the proxy variables), but never through the user's ``--resolve`` /
``--connect-to`` mapping, and never through a proxy when the provider says
so (``use_proxies=False``) or the host is a link-local metadata address.
Failures raise :class:`~sigcurl.errors.HTTPFailure`, as the default client does.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests

from sigcurl.environment import SYSTEM_CLOCK, Clock
from sigcurl.errors import ExitCode, HTTPFailure, read_capped
from sigcurl.transport.errors import map_exception, through_proxy
from sigcurl.transport.options import TransportOptions
from sigcurl.transport.wire import Wire

#: IPv6 metadata hosts (IMDS, EKS Pod Identity) that are not link-local but must never be proxied.
_METADATA_HOSTS = frozenset({"fd00:ec2::254", "fd00:ec2::23"})
_CONNECT_CODES = frozenset({ExitCode.RESOLVE, ExitCode.CONNECT, ExitCode.PROXY_RESOLVE})
_TLS_CODES = frozenset({ExitCode.TLS_CERT, ExitCode.TLS_CONNECT})


class CredentialReply(NamedTuple):
    """A status code and a (bounded) body."""

    status: int
    body: bytes


def is_metadata_host(host: str) -> bool:
    """Whether ``host`` is a link-local or metadata address (never reached through a proxy)."""
    host = host.strip("[]").lower()
    if host in _METADATA_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_link_local
    except ValueError:
        return False


class CredentialClient:
    """Sends the providers' requests through one session with the user's TLS and proxy settings."""

    def __init__(self, options: TransportOptions, clock: Clock = SYSTEM_CLOCK) -> None:
        self.wire = Wire(options._replace(resolve=(), cert=None, key=None, password=None), clock, resolve=False)
        self.clock = clock
        self.max_time = options.max_time
        self.deadline: float | None = None  # -m: the credential fetch gets the time -m gives, from its first call

    def bounded(self, timeout: float | tuple[float, float], origin: str) -> tuple[float | tuple[float, float], float | None]:
        """``timeout`` capped by what is left of ``-m`` (and the deadline for the head's watchdog)."""
        if not self.max_time:
            return timeout, None
        now = self.clock.monotonic()
        if self.deadline is None:
            self.deadline = now + self.max_time
        remaining = self.deadline - now
        if remaining <= 0:
            raise HTTPFailure("timeout", f"{origin} did not answer in time (-m {self.max_time:g})")
        if isinstance(timeout, tuple):
            return (min(timeout[0], remaining), min(timeout[1], remaining)), self.deadline
        return min(timeout, remaining), self.deadline

    def out_of_time(self) -> bool:
        """Whether the time ``-m`` gives has run out (the fetch was cut off)."""
        return self.deadline is not None and self.clock.monotonic() >= self.deadline - 0.05

    def close(self) -> None:
        self.wire.close()

    def settings(self, url: str, *, use_proxies: bool) -> dict[str, Any]:
        """The request's TLS and proxy settings for ``url``; no proxy for metadata hosts or when told so."""
        settings = self.wire.settings(url)
        if not use_proxies or is_metadata_host(urlsplit(url).hostname or ""):
            settings["proxies"] = {}
        return settings

    def __call__(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | list[tuple[str, str]] | None = None,
        data: bytes | None = None,
        timeout: float | tuple[float, float],
        use_proxies: bool = True,
    ) -> CredentialReply:
        origin = _origin(url)
        if isinstance(headers, list):
            # Exactly the headers given (a signed request), without requests' defaults.
            hdrs: dict[str, str] = dict(headers)
            hdrs.setdefault("Accept-Encoding", "identity")
        else:
            hdrs = {**requests.utils.default_headers(), **dict(headers or {})}
        settings = self.settings(url, use_proxies=use_proxies)
        timeout, self.wire.probe.deadline = self.bounded(timeout, origin)
        try:
            prepared = requests.Request(method=method, url=url, headers=hdrs, data=data).prepare()
            resp = self.wire.session.send(prepared, stream=True, allow_redirects=False, timeout=timeout, **settings)
            with resp:
                return CredentialReply(resp.status_code, read_capped(resp.iter_content(65536), origin))
        except HTTPFailure:
            raise
        except Exception as exc:  # noqa: BLE001 - classified by type, worded without the URL's query
            raise _failure(exc, url, origin) from None
        finally:
            self.wire.probe.deadline = None


def _failure(exc: BaseException, url: str, origin: str) -> HTTPFailure:
    mapped = map_exception(exc, url)
    if mapped.exit_code == ExitCode.TIMEOUT:
        return HTTPFailure("timeout", f"{origin} did not answer in time")
    if mapped.exit_code in _CONNECT_CODES and not through_proxy(exc):
        return HTTPFailure("connect", f"cannot connect to {origin}")
    if mapped.exit_code in _CONNECT_CODES or mapped.exit_code in _TLS_CODES:
        # say why (the proxy, the certificate) and how to fix it with the same options as the request's
        return HTTPFailure("connect", f"cannot connect to {origin}: {mapped.what} ({mapped.fix})")
    return HTTPFailure("other", f"request to {origin} failed ({type(exc).__name__})")


def credential_client(options: TransportOptions, clock: Clock = SYSTEM_CLOCK) -> CredentialClient:
    """A credentials ``HttpClient`` with ``options``' TLS and proxy settings (not its --resolve)."""
    return CredentialClient(options, clock)


def _origin(url: str) -> str:
    """Scheme, host and port of *url* (never its query, which may carry a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
