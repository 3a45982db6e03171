"""The HTTP the credential providers make (STS, SSO, container, IMDS): the interface and a default.

Providers never choose how to reach the network: they call the
:class:`HttpClient` they are given (``resolve_credentials(http=...)``,
threaded through :class:`~sigcurl.credentials.chain.Resolver`).  The
command gives them the transport's client, which uses the user's
``--cacert``, ``-k``, ``-x``/``--noproxy`` and proxy variables
(:func:`sigcurl.transport.credential_client`); library users get
:func:`request`, a plain requests client that honours the environment.

Contract of a client: send one request without following redirects and
with the given timeout; return an :class:`HttpReply` (status and body, the
body capped at :data:`MAX_BODY_BYTES`); raise
:class:`~sigcurl.errors.HTTPFailure` when no response came.
``use_proxies=False`` means no proxy whatever the settings (link-local
metadata endpoints must never go through a proxy).  ``headers`` given as a
list are sent exactly (a signed request); as a mapping, with the client's
defaults.  ``requests`` is imported lazily, only when a provider needs the
network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from sigcurl.errors import MAX_CREDENTIAL_BODY, HTTPFailure, read_capped

__all__ = ["MAX_BODY_BYTES", "HTTPFailure", "HTTPResponse", "Headers", "HttpClient", "HttpReply", "request"]

#: Responses larger than this are refused (credential responses are tiny).
MAX_BODY_BYTES = MAX_CREDENTIAL_BODY

Headers = Mapping[str, str] | list[tuple[str, str]] | None


class HttpReply(Protocol):
    """What a client returns: a status code and a (bounded) body."""

    @property
    def status(self) -> int: ...

    @property
    def body(self) -> bytes: ...


class HttpClient(Protocol):
    """The credential providers' HTTP: :func:`request`'s signature (see the module docstring)."""

    def __call__(
        self,
        method: str,
        url: str,
        *,
        headers: Headers = None,
        data: bytes | None = None,
        timeout: float | tuple[float, float],
        use_proxies: bool = True,
    ) -> HttpReply: ...


@dataclass(frozen=True, slots=True)
class HTTPResponse:
    """A status code and a (bounded) body."""

    status: int
    body: bytes


def request(
    method: str,
    url: str,
    *,
    headers: Headers = None,
    data: bytes | None = None,
    timeout: float | tuple[float, float],
    use_proxies: bool = True,
) -> HTTPResponse:
    """Send one request without following redirects; return status and body.

    ``use_proxies=False`` ignores proxy environment variables (link-local
    metadata endpoints must never go through a proxy).
    """
    import requests  # lazily: only providers that reach the network pay for it

    session = requests.Session()
    session.trust_env = use_proxies
    if isinstance(headers, list):
        # Keep exactly the headers given (the signer's list), without requests' defaults.
        session.headers.clear()
        hdrs: dict[str, str] = {}
        for name, value in headers:
            hdrs[name] = value
        hdrs.setdefault("Accept-Encoding", "identity")
    else:
        hdrs = dict(headers or {})
    try:
        with session:
            resp = session.request(
                method, url, headers=hdrs, data=data, timeout=timeout, allow_redirects=False, stream=True
            )
            with resp:
                return HTTPResponse(resp.status_code, read_capped(resp.iter_content(65536), _origin(url)))
    except HTTPFailure:
        raise
    except requests.exceptions.Timeout:
        raise HTTPFailure("timeout", f"{_origin(url)} did not answer in time") from None
    except requests.exceptions.ConnectionError:
        raise HTTPFailure("connect", f"cannot connect to {_origin(url)}") from None
    except (requests.exceptions.RequestException, ValueError) as exc:
        raise HTTPFailure("other", f"request to {_origin(url)} failed ({type(exc).__name__})") from None


def _origin(url: str) -> str:
    """Scheme, host and port of *url* (never its query, which may carry a token)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
