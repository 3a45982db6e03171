"""The header-signing core shared by SigV4 and SigV4a: canonical request, string to sign, Authorization.

:func:`sign_with` takes the algorithm's name, scope and signature function,
so :mod:`sigv4` and :mod:`sigv4a` differ only in those; both import this
module, and it imports neither (no import circle).
"""

from __future__ import annotations

from collections.abc import Callable
from hashlib import sha256

from sigcurl.signer.canonical import add_header, canonical_headers, canonical_uri, query_forms
from sigcurl.signer.keys import BoundedCache, signature_function
from sigcurl.signer.request import HeadersInput, payload_sha256, request_headers, split_url
from sigcurl.signer.types import Credentials, SignedRequest, SigningSettings

ALGORITHM = "AWS4-HMAC-SHA256"

_DROP = frozenset({"authorization", "x-amz-date"})
_DROP_TOKEN = _DROP | {"x-amz-security-token"}
_CONTENT_SHA256 = "x-amz-content-sha256"
#: (secret, date, region, service) -> (credential scope, signature function).
_SCOPES: BoundedCache[tuple[str, str, str, str], tuple[str, Callable[[str], str]]] = BoundedCache(64)
#: Builds a named tuple without its Python-level ``__new__`` (a third of the cost).
_new = tuple.__new__


def scope_and_signer(secret_key: str, date: str, region: str, service: str) -> tuple[str, Callable[[str], str]]:
    """SigV4's ``(credential scope, string to sign -> signature)`` for a day (YYYYMMDD), region and
    service, cached: both are the same for every request of the day."""
    key = (secret_key, date, region, service)
    found = _SCOPES.get(key)
    if found is None:
        found = _SCOPES.put(
            key, (f"{date}/{region}/{service}/aws4_request", signature_function(secret_key, date, region, service))
        )
    return found


def sign_with(
    method: str,
    url: str,
    headers: HeadersInput,
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
    scheme, netloc, path, query = split_url(url)
    out, signed_headers = request_headers(headers, drop, scheme, netloc)
    uri = canonical_uri(path, settings.normalize_path, settings.double_encode)
    if _CONTENT_SHA256 in signed_headers:  # given by the caller: signed as given, not added
        if payload_hash is None:
            payload_hash = _first_value(out, _CONTENT_SHA256).strip()
    else:
        if payload_hash is None:
            payload_hash = payload_sha256(body)
        if settings.content_sha256_header:
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
    canonical_q, wire_q = query_forms(query) if query else ("", "")
    method = method.upper()
    creq = f"{method}\n{uri}\n{canonical_q}\n{block}\n{signed}\n{payload_hash}"
    # Task 2: the string to sign, over the SHA-256 of the canonical request.
    sts = f"{algorithm}\n{amz_date}\n{scope}\n{sha256(creq.encode()).hexdigest()}"
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
    # The path as given (as canonicalised, when encoded once), then the query.
    wire_path = (path or "/") if settings.double_encode else uri
    url = f"{scheme}://{netloc}{wire_path}?{wire_q}" if wire_q else f"{scheme}://{netloc}{wire_path}"
    return _new(SignedRequest, (method, url, out, creq, sts, signature, signed, scope, payload_hash, amz_date))


def _first_value(headers: list[tuple[str, str]], lname: str) -> str:
    """The value of the first header named ``lname`` (lower-case) in ``headers``."""
    return next(value for name, value in headers if name.lower() == lname)
