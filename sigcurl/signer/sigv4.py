"""SigV4 header signing: canonical request, string to sign, signature, Authorization.

:func:`sign` is pure: the time, the credentials and the settings are
arguments, and it returns a :class:`SignedRequest` (headers to send, the
canonical request and string to sign as text) without touching the
caller's objects.  ``algorithm="sigv4a"`` hands over to :mod:`sigv4a`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from sigcurl.signer import request as rq
from sigcurl.signer.canonical import add_header, canonical_headers, query_forms
from sigcurl.signer.keys import signature_function
from sigcurl.signer.settings import resolve
from sigcurl.signer.types import Credentials, SignedRequest, SigningSettings

ALGORITHM = "AWS4-HMAC-SHA256"

_DROP = frozenset({"authorization", "x-amz-date"})
_DROP_TOKEN = _DROP | {"x-amz-security-token"}
_CONTENT_SHA256 = "x-amz-content-sha256"


def sign(
    method: str,
    url: str,
    headers: rq.HeadersInput = (),
    body: bytes | str = b"",
    *,
    credentials: Credentials,
    region: str,
    service: str,
    time: datetime,
    normalize_path: bool | None = None,
    double_encode: bool | None = None,
    payload_hash: str | None = None,
    content_sha256_header: bool | None = None,
    sign_session_token: bool = True,
    algorithm: str = "sigv4",
) -> SignedRequest:
    """Sign a request with an ``Authorization`` header.

    ``headers`` is a mapping or an iterable of (name, value) pairs (repeated
    names allowed, order kept).  ``body`` is hashed unless ``payload_hash``
    is given (a hex digest, ``UNSIGNED-PAYLOAD`` or a ``STREAMING-*``
    marker).  Settings left as None take the service's default (S3: single
    encoding, no normalisation, ``x-amz-content-sha256`` sent).
    ``algorithm="sigv4a"`` signs with SigV4a; ``region`` is then the region
    set (``"*"`` or ``"us-east-1,us-west-2"``).
    """
    settings = resolve(service, normalize_path, double_encode, content_sha256_header, sign_session_token)
    if algorithm == "sigv4a":
        from sigcurl.signer import sigv4a

        return sigv4a.sign_headers(
            method, url, headers, body, credentials=credentials, region_set=region,
            service=service, time=time, settings=settings, payload_hash=payload_hash,
        )
    if algorithm != "sigv4":
        raise ValueError(f"unknown algorithm {algorithm!r}: use 'sigv4' or 'sigv4a'")
    date_time = rq.amz_date(time)
    scope = f"{date_time[:8]}/{region}/{service}/aws4_request"
    signature_of = signature_function(credentials.secret_key, date_time[:8], region, service)
    return sign_with(
        method, url, headers, body, credentials, settings, payload_hash,
        ALGORITHM, date_time, scope, signature_of, (),
    )


def sign_with(
    method: str,
    url: str,
    headers: rq.HeadersInput,
    body: bytes | str | None,
    credentials: Credentials,
    settings: SigningSettings,
    payload_hash: str | None,
    algorithm: str,
    amz_date: str,
    scope: str,
    signature_of: Callable[[str], str],
    extra_headers: tuple[tuple[str, str], ...],
) -> SignedRequest:
    """Header signing for any algorithm: ``signature_of`` turns a string to sign into a signature.

    Positional parameters: a call with a dozen keywords costs about a
    microsecond, a noticeable part of signing a small request.
    """
    token = credentials.session_token
    drop = _DROP_TOKEN if token else _DROP
    if extra_headers:
        drop = drop.union([name.lower() for name, _ in extra_headers])
    parsed = rq.parse(method, url, headers, settings, drop)
    out, signed_headers = parsed.headers, parsed.signed
    given = _first_value(out, _CONTENT_SHA256) if _CONTENT_SHA256 in signed_headers else None
    if payload_hash is None:
        payload_hash = rq.payload_sha256(body) if given is None else given.strip()
    if settings.content_sha256_header and given is None:
        out.append(("X-Amz-Content-SHA256", payload_hash))
        add_header(signed_headers, _CONTENT_SHA256, payload_hash)
    out.append(("X-Amz-Date", amz_date))
    signed_headers["x-amz-date"] = amz_date
    for name, value in extra_headers:
        out.append((name, value))
        add_header(signed_headers, name.lower(), value)
    if token and settings.sign_session_token:
        out.append(("X-Amz-Security-Token", token))
        add_header(signed_headers, "x-amz-security-token", token)
    block, signed = canonical_headers(signed_headers)
    canonical_q, wire_q = query_forms(parsed.raw_query) if parsed.raw_query else ("", "")
    creq = f"{parsed.method}\n{parsed.canonical_uri}\n{canonical_q}\n{block}\n{signed}\n{payload_hash}"
    # Task 2: the string to sign, over the SHA-256 of the canonical request.
    sts = f"{algorithm}\n{amz_date}\n{scope}\n{hashlib.sha256(creq.encode()).hexdigest()}"
    signature = signature_of(sts)
    out.append(
        (
            "Authorization",
            f"{algorithm} Credential={credentials.access_key}/{scope}, "
            f"SignedHeaders={signed}, Signature={signature}",
        )
    )
    if token and not settings.sign_session_token:
        out.append(("X-Amz-Security-Token", token))
    url = rq.wire_url(parsed, wire_q)
    return SignedRequest(
        parsed.method, url, out, creq, sts, signature, signed, scope, payload_hash, amz_date
    )


def _first_value(headers: list[tuple[str, str]], lname: str) -> str:
    """The value of the first header named ``lname`` (lower-case) in ``headers``."""
    return next(value for name, value in headers if name.lower() == lname)
