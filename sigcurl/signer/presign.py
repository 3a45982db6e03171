"""Presigned URLs: SigV4 with the signature in the query string.

The ``X-Amz-*`` parameters (algorithm, credential, date, expiry, signed
headers, session token) are part of the canonical query; the signature is
appended last.  ``X-Amz-SignedHeaders`` never lists ``x-amz-date`` (the date
travels in the query).  S3 presigned URLs sign ``UNSIGNED-PAYLOAD``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from hashlib import sha256

from sigcurl.signer import request as rq
from sigcurl.signer.canonical import (
    PLAIN_QUERY,
    canonical_headers,
    encode_pairs,
    sort_plain_query,
    split_query_cached,
    uri_encode,
    wire_query_encoded,
)
from sigcurl.signer.keys import signature_function
from sigcurl.signer.settings import resolve
from sigcurl.signer.sigv4 import ALGORITHM
from sigcurl.signer.types import (
    UNSIGNED_PAYLOAD,
    Credentials,
    SignedRequest,
    SigningSettings,
)

MAX_EXPIRES = 7 * 24 * 3600

_DROP = frozenset({"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"})
_OURS = frozenset(
    {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
     "X-Amz-Security-Token", "X-Amz-Signature"}
)


def presign(
    method: str,
    url: str,
    headers: rq.HeadersInput = (),
    *,
    credentials: Credentials,
    region: str,
    service: str,
    time: datetime,
    expires: int = 900,
    body: bytes | str = b"",
    normalize_path: bool | None = None,
    double_encode: bool | None = None,
    payload_hash: str | None = None,
    content_sha256_header: bool | None = None,
    sign_session_token: bool = True,
    algorithm: str = "sigv4",
) -> SignedRequest:
    """A presigned URL valid for ``expires`` seconds (1 s to 7 days) from ``time``.

    ``.url`` of the result carries every ``X-Amz-*`` parameter; ``.headers``
    are the request headers that were signed (Host at least) and must be sent.
    """
    if isinstance(expires, bool) or not isinstance(expires, int) or not 1 <= expires <= MAX_EXPIRES:
        raise ValueError(f"expires must be a whole number of seconds from 1 to {MAX_EXPIRES} (7 days)")
    settings = resolve(service, normalize_path, double_encode, content_sha256_header, sign_session_token)
    if algorithm == "sigv4a":
        from sigcurl.signer import sigv4a

        return sigv4a.presign_query(
            method, url, headers, body, credentials=credentials, region_set=region,
            service=service, time=time, expires=expires, settings=settings, payload_hash=payload_hash,
        )
    if algorithm != "sigv4":
        raise ValueError(f"unknown algorithm {algorithm!r}: use 'sigv4' or 'sigv4a'")
    date_time = rq.amz_date(time)
    scope = f"{date_time[:8]}/{region}/{service}/aws4_request"
    signature_of = signature_function(credentials.secret_key, date_time[:8], region, service)
    return presign_with(
        method, url, headers, body, credentials, settings, payload_hash, expires,
        ALGORITHM, date_time, scope, signature_of, (),
    )


def presign_with(
    method: str,
    url: str,
    headers: rq.HeadersInput,
    body: bytes | str | None,
    credentials: Credentials,
    settings: SigningSettings,
    payload_hash: str | None,
    expires: int,
    algorithm: str,
    amz_date: str,
    scope: str,
    signature_of: Callable[[str], str],
    extra_params: tuple[tuple[str, str], ...],
) -> SignedRequest:
    """Query signing for any algorithm: ``signature_of`` turns a string to sign into a signature.

    Positional parameters: cheaper to call on the hot path than keywords.
    """
    drop = _DROP.union([k.lower() for k, _ in extra_params]) if extra_params else _DROP
    parsed = rq.parse(method, url, headers, settings, drop)
    if payload_hash is None:
        payload_hash = UNSIGNED_PAYLOAD if settings.unsigned_presign_payload else rq.payload_sha256(body)
    block, signed = canonical_headers(parsed.signed)
    token = credentials.session_token
    # The X-Amz-* parameters, encoded (their names are unreserved characters).
    params = [
        f"X-Amz-Algorithm={uri_encode(algorithm)}",
        f"X-Amz-Credential={uri_encode(f'{credentials.access_key}/{scope}')}",
        f"X-Amz-Date={uri_encode(amz_date)}",
        f"X-Amz-Expires={expires}",
        f"X-Amz-SignedHeaders={uri_encode(signed)}",
    ]
    params.extend([f"{uri_encode(k)}={uri_encode(v)}" for k, v in extra_params])
    if token and settings.sign_session_token:
        params.append(f"X-Amz-Security-Token={uri_encode(token)}")
    user_canonical, user_wire = _user_query(parsed.raw_query, extra_params)
    query = "&".join(params)
    canonical_q = sort_plain_query(f"{query}&{user_canonical}" if user_canonical else query)
    creq = (
        f"{parsed.method}\n{parsed.canonical_uri}\n{canonical_q}\n"
        f"{block}\n{signed}\n{payload_hash}"
    )
    # Task 2: the string to sign, over the SHA-256 of the canonical request.
    sts = f"{algorithm}\n{amz_date}\n{scope}\n{sha256(creq.encode()).hexdigest()}"
    signature = signature_of(sts)
    params.append(f"X-Amz-Signature={signature}")
    if token and not settings.sign_session_token:
        params.append(f"X-Amz-Security-Token={uri_encode(token)}")
    url = rq.wire_url(parsed, user_wire, "&".join(params))
    return SignedRequest(
        parsed.method, url, parsed.headers, creq, sts, signature, signed, scope, payload_hash, amz_date
    )


def _user_query(query: str, extra_params: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    """The caller's query without any of the signer's parameters: (its encoded
    ``key=value`` pairs joined by ``&``, for the canonical query; its wire form)."""
    if not query:
        return "", ""
    if "X-Amz-" not in query and PLAIN_QUERY(query):  # the signer's names all start with X-Amz-
        return query, query
    ours = _OURS.union([k for k, _ in extra_params]) if extra_params else _OURS
    user = [p for p in split_query_cached(query) if p[0] not in ours]
    encoded = encode_pairs(user) if user else user
    return "&".join([f"{k}={v}" for k, v, _ in encoded]), wire_query_encoded(encoded)
