"""``SigV4Auth``: a :mod:`requests` auth class that signs each prepared request.

For library users::

    import requests, sigcurl
    auth = sigcurl.SigV4Auth(sigcurl.Credentials(ak, sk), "eu-west-1", "execute-api")
    requests.get(url, auth=auth, allow_redirects=False)

requests applies an auth object last, to the final prepared request, so the
signer sees the final method, URL, headers and body.  The signed URL and
headers replace the prepared ones exactly (``prepared.url`` is set after
requests has prepared it, so it is not quoted again).

Bodies (the payload hash of the canonical request):

* ``bytes``/``str``/none: hashed (a ``str`` body is replaced by its UTF-8
  bytes, which is what is hashed and sent).
* a file-like object or an iterator of chunks, for S3 (and its relatives):
  ``UNSIGNED-PAYLOAD``, so an upload is streamed, never held in memory.
  (S3 wants a Content-Length: give requests a file, whose size it sends;
  an iterator goes out with ``Transfer-Encoding: chunked``, which S3 refuses.)
* the same for other services, which do not accept an unsigned payload: a
  seekable file is hashed in 1 MiB blocks and rewound (constant memory); a
  non-seekable file or an iterator is read into memory once and sent as
  bytes with a Content-Length.
* ``unsigned_payload=True`` signs ``UNSIGNED-PAYLOAD`` for any body, and
  sends it as ``X-Amz-Content-SHA256``.  An ``X-Amz-Content-SHA256`` header
  set by the caller is used as the payload hash as is.

Redirects: requests follows redirects *after* the response and offers no
hook before the next request is sent, so a followed redirect cannot be
signed afresh.  Pass ``allow_redirects=False`` and follow them yourself
(signing each hop).  If you do not, a response hook removes the
signature and the session token from the redirected request, so
requests' own redirect goes out unsigned (AWS then answers 403): the
credentials never travel to the redirect target, whatever its host.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from requests.auth import AuthBase
from requests.models import PreparedRequest, Response
from requests.structures import CaseInsensitiveDict

from sigcurl import signer
from sigcurl.signer.request import host_header, split_url
from sigcurl.signer.settings import S3_SERVICES
from sigcurl.signer.types import UNSIGNED_PAYLOAD, Credentials

if TYPE_CHECKING:
    from sigcurl.scope import Scope

__all__ = ["SigV4Auth"]

CredentialsSource = Credentials | Callable[[], Any]

_BLOCK = 1024 * 1024
#: Headers the signer sets; removed from a request that requests is about to redirect.
_SIGNING_HEADERS = ("Authorization", "X-Amz-Security-Token", "X-Amz-Date", "X-Amz-Content-SHA256", "X-Amz-Region-Set")
#: The same plus the Host the signer added (a Host the caller set is theirs to keep).
_SIGNING_HEADERS_AND_HOST = (*_SIGNING_HEADERS, "Host")


class SigV4Auth(AuthBase):
    """Sign every request made with requests with SigV4 (or SigV4a).

    ``credentials`` is a :class:`sigcurl.Credentials`, or a zero-argument
    callable returning one (or a :class:`sigcurl.ResolvedCredentials`), called
    for every request so a refreshing provider can be plugged in; None uses
    sigcurl's credential chain (environment, profiles, SSO, containers,
    instance metadata), resolved on first use and again shortly before
    temporary credentials expire.  ``region`` and ``service`` default to
    what the request's host says (``execute-api.eu-west-1.amazonaws.com``);
    the region then falls back to ``AWS_REGION``/the profile, then
    ``us-east-1``.  ``algorithm`` is ``"sigv4"`` or ``"sigv4a"`` (``region``
    is then the region set, default ``"*"``).  ``clock`` returns the signing
    time (default: the current UTC time).
    """

    def __init__(
        self,
        credentials: CredentialsSource | None = None,
        region: str | None = None,
        service: str | None = None,
        *,
        algorithm: str = "sigv4",
        unsigned_payload: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if algorithm not in ("sigv4", "sigv4a"):
            raise ValueError(f"unknown algorithm {algorithm!r}: use 'sigv4' or 'sigv4a'")
        self.region = region
        self.service = service
        self.algorithm = algorithm
        self.unsigned_payload = unsigned_payload
        self.clock: Callable[[], datetime] = clock or _utcnow
        self._credentials = credentials
        self._chain: Any = None  # a ResolvedCredentials cached from the default chain

    def __repr__(self) -> str:
        return (
            f"SigV4Auth(region={self.region!r}, service={self.service!r}, "
            f"algorithm={self.algorithm!r}, unsigned_payload={self.unsigned_payload!r})"
        )

    # -- credentials, region, service ------------------------------------

    def credentials(self) -> Credentials:
        """The credentials to sign the next request with."""
        source = self._credentials
        if isinstance(source, Credentials):
            return source
        if source is not None:
            return _unwrap(source())
        now = self.clock()
        cached = self._chain
        if cached is None or (cached.expiry is not None and _expiring(cached.expiry, now)):
            from sigcurl.credentials import resolve_credentials

            cached = self._chain = resolve_credentials(now=now)
        return _unwrap(cached)

    def _scope_for(self, url: str) -> Scope:
        """What a request to ``url`` is signed for (sigcurl's one precedence rule, :mod:`sigcurl.scope`)."""
        from sigcurl.errors import SigningConfigError
        from sigcurl.scope import resolve_scope

        scheme, netloc, _, _ = split_url(url)
        host = host_header(scheme, netloc)
        try:
            return resolve_scope(
                host, service=self.service, region=self.region, sigv4a=self.algorithm == "sigv4a",
                configured_region=_configured_region,
            )
        except SigningConfigError:
            raise ValueError(
                f"cannot tell the AWS service from the host {host!r}: pass service= (and region=) to SigV4Auth"
            ) from None

    # -- signing -----------------------------------------------------------

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        """Sign the prepared request in place and return it."""
        url = r.url or ""
        scope = self._scope_for(url)
        s3 = scope.service in S3_SERVICES
        headers = r.headers
        payload_hash = UNSIGNED_PAYLOAD if self.unsigned_payload else None
        body = r.body
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode()
            _set_body(r, body)
        elif not isinstance(body, (bytes, bytearray)):
            if s3 or payload_hash is not None:
                payload_hash = UNSIGNED_PAYLOAD
                body = b""
            else:
                digest = _hash_seekable(body)
                if digest is not None:
                    payload_hash, body = digest, b""
                else:
                    body = _read_all(body)
                    _set_body(r, body)
        if "x-amz-content-sha256" in headers:
            payload_hash = None  # the caller's header is the payload hash
        strip = _SIGNING_HEADERS if "host" in headers else _SIGNING_HEADERS_AND_HOST
        signed = signer.sign(
            r.method or "GET",
            url,
            [(_text(n), _text(v)) for n, v in headers.items()],
            bytes(body),
            credentials=self.credentials(),
            region=scope.region,
            service=scope.service,
            time=self.clock(),
            payload_hash=payload_hash,
            content_sha256_header=True if payload_hash == UNSIGNED_PAYLOAD else None,
            algorithm=scope.algorithm,
        )
        out: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        for name, value in signed.headers:
            prev = out.get(name)
            out[name] = value if prev is None else f"{_text(prev)},{value}"
        r.headers = out
        r.url = signed.url
        r.register_hook("response", _strip_on_redirect(strip))  # type: ignore[no-untyped-call]
        return r


def _strip_on_redirect(names: tuple[str, ...]) -> Callable[..., Response]:
    """A response hook removing ``names`` before requests copies the request to follow a redirect.

    Without it the signature and token would go to the redirect target, and
    the Host the signer added would name the old host there.
    """

    def hook(response: Response, **_: Any) -> Response:
        if response.is_redirect and response.request is not None:
            for name in names:
                response.request.headers.pop(name, None)
        return response

    return hook


def _text(value: str | bytes) -> str:
    """A header name or value as text (requests also accepts bytes, sent as latin-1)."""
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _configured_region() -> str | None:
    from sigcurl.credentials import resolve_region

    return resolve_region()


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _unwrap(value: Any) -> Credentials:
    """A Credentials from a Credentials or a ResolvedCredentials."""
    if isinstance(value, Credentials):
        return value
    inner = getattr(value, "credentials", None)
    if isinstance(inner, Credentials):
        return inner
    raise TypeError("the credentials callable must return a sigcurl.Credentials")


def _expiring(expiry: datetime, now: datetime) -> bool:
    from sigcurl.credentials import REFRESH_WINDOW_SECONDS

    return (expiry - now).total_seconds() < REFRESH_WINDOW_SECONDS


def _hash_seekable(body: Any) -> str | None:
    """SHA-256 hex of a seekable file from its current position (rewound after); None if not seekable."""
    try:
        start = body.tell()
        body.seek(start)
    except (AttributeError, OSError, ValueError):
        return None
    digest = hashlib.sha256()
    for block in iter(lambda: body.read(_BLOCK), b""):
        if not block:
            break
        digest.update(block.encode() if isinstance(block, str) else block)
    body.seek(start)
    return digest.hexdigest()


def _read_all(body: Any) -> bytes:
    """The whole of a non-seekable file or iterator of chunks, as bytes."""
    if hasattr(body, "read"):
        data = body.read()
        return data.encode() if isinstance(data, str) else bytes(data)
    return b"".join(c.encode() if isinstance(c, str) else bytes(c) for c in body)


def _set_body(r: PreparedRequest, body: bytes) -> None:
    """Replace the body with ``body`` and make the framing headers match it."""
    r.body = body
    r.headers.pop("Transfer-Encoding", None)
    if body or r.method not in ("GET", "HEAD"):
        r.headers["Content-Length"] = str(len(body))

