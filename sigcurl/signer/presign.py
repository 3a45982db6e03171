"""Presigned URLs: SigV4 with the signature in the query string.

The ``X-Amz-*`` parameters (algorithm, credential, date, expiry, signed
headers, session token) are part of the canonical query; the signature is
appended last.  ``X-Amz-SignedHeaders`` never lists ``x-amz-date`` (the date
travels in the query).  S3 presigned URLs sign ``UNSIGNED-PAYLOAD``.
"""

from __future__ import annotations

from datetime import datetime

from sigcurl.signer import request as rq
from sigcurl.signer.header_core import ALGORITHM, scope_and_signer
from sigcurl.signer.query_core import MAX_EXPIRES, presign_with
from sigcurl.signer.settings import resolve
from sigcurl.signer.types import (
    Credentials,
    SignedRequest,
)

__all__ = ["MAX_EXPIRES", "presign", "presign_with"]


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
    if algorithm != "sigv4":  # one comparison on the common path
        if algorithm == "sigv4a":
            from sigcurl.signer import sigv4a

            return sigv4a.presign_query(
                method, url, headers, body, credentials=credentials, region_set=region,
                service=service, time=time, expires=expires, settings=settings, payload_hash=payload_hash,
            )
        raise ValueError(f"unknown algorithm {algorithm!r}: use 'sigv4' or 'sigv4a'")
    date_time = rq.amz_date(time)
    scope, signature_of = scope_and_signer(credentials.secret_key, date_time[:8], region, service)
    return presign_with(
        method, url, headers, body, credentials, settings, payload_hash, expires,
        ALGORITHM, date_time, scope, signature_of, (),
    )
