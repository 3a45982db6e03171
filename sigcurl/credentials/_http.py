"""The small HTTP client the credential providers share (STS, SSO, container, IMDS).

``requests`` is imported here, lazily, only when a provider needs the
network; every call has an explicit timeout and a cap on the body size.
Failures become :class:`HTTPFailure` so each provider can word its own
message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: Responses larger than this are refused (credential responses are tiny).
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class HTTPResponse:
    """A status code and a (bounded) body."""

    status: int
    body: bytes


class HTTPFailure(Exception):
    """The request never produced a response: ``kind`` is connect, timeout, too-large or other."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | list[tuple[str, str]] | None = None,
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
                chunks: list[bytes] = []
                total = 0
                for chunk in resp.iter_content(65536):
                    total += len(chunk)
                    if total > MAX_BODY_BYTES:
                        raise HTTPFailure("too-large", f"response from {_origin(url)} exceeds {MAX_BODY_BYTES} bytes")
                    chunks.append(chunk)
                return HTTPResponse(resp.status_code, b"".join(chunks))
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
