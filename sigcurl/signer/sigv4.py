"""SigV4 header signing: canonical request, string to sign, signature, Authorization.

:func:`sign` is pure: the time, the credentials and the settings are
arguments, and it returns a :class:`SignedRequest` (headers to send, the
canonical request and string to sign as text) without touching the
caller's objects.  ``algorithm="sigv4a"`` hands over to :mod:`sigv4a`.
"""

from __future__ import annotations

from datetime import datetime

from sigcurl.signer import request as rq
from sigcurl.signer.header_core import ALGORITHM, scope_and_signer, sign_with
from sigcurl.signer.settings import resolve
from sigcurl.signer.types import Credentials, SignedRequest

__all__ = ["ALGORITHM", "sign", "sign_with"]


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
    if algorithm != "sigv4":  # one comparison on the common path
        if algorithm == "sigv4a":
            from sigcurl.signer import sigv4a

            return sigv4a.sign_headers(
                method, url, headers, body, credentials=credentials, region_set=region,
                service=service, time=time, settings=settings, payload_hash=payload_hash,
            )
        raise ValueError(f"unknown algorithm {algorithm!r}: use 'sigv4' or 'sigv4a'")
    date_time = rq.amz_date(time)
    scope, signature_of = scope_and_signer(credentials.secret_key, date_time[:8], region, service)
    return sign_with(
        method, url, headers, body, credentials, settings, payload_hash,
        ALGORITHM, date_time, scope, signature_of, (),
    )
