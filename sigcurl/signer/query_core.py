"""The query-signing (presign) core shared by SigV4 and SigV4a.

:func:`presign_with` takes the algorithm's name, scope and signature
function; :mod:`presign` and :mod:`sigv4a` call it, and it imports neither.
"""

from __future__ import annotations

from collections.abc import Callable
from hashlib import sha256

from sigcurl.signer.canonical import (
    PLAIN_QUERY,
    canonical_headers,
    canonical_uri,
    encode_pairs,
    sort_plain_query,
    split_query_cached,
    uri_encode,
    wire_query_encoded,
)
from sigcurl.signer.keys import BoundedCache
from sigcurl.signer.request import HeadersInput, payload_sha256, request_headers, split_url
from sigcurl.signer.types import (
    UNSIGNED_PAYLOAD,
    Credentials,
    SignedRequest,
    SigningSettings,
)

MAX_EXPIRES = 7 * 24 * 3600

_DROP = frozenset({"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"})
#: (algorithm, access key, scope) -> the first two parameters (see _algorithm_and_credential).
_PREFIXES: BoundedCache[tuple[str, str, str], str] = BoundedCache(64)
_new = tuple.__new__  # builds a named tuple without its slower Python-level __new__
_OURS = frozenset(
    {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
     "X-Amz-Security-Token", "X-Amz-Signature"}
)


def presign_with(
    method: str,
    url: str,
    headers: HeadersInput,
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
    scheme, netloc, path, query = split_url(url)
    out, signed_headers = request_headers(headers, drop, scheme, netloc)
    uri = canonical_uri(path, settings.normalize_path, settings.double_encode)
    if payload_hash is None:
        payload_hash = UNSIGNED_PAYLOAD if settings.unsigned_presign_payload else payload_sha256(body)
    block, signed = canonical_headers(signed_headers)
    token = credentials.session_token
    # The X-Amz-* parameters, encoded (their names are unreserved characters; amz_date,
    # YYYYMMDDTHHMMSSZ, and expires, digits, are too).
    ours = (
        f"{_algorithm_and_credential(algorithm, credentials.access_key, scope)}&X-Amz-Date={amz_date}"
        f"&X-Amz-Expires={expires}&X-Amz-SignedHeaders={uri_encode(signed)}"
    )
    if extra_params:
        ours += "".join([f"&{uri_encode(k)}={uri_encode(v)}" for k, v in extra_params])
    if token and settings.sign_session_token:
        ours += f"&X-Amz-Security-Token={uri_encode(token)}"
    user_canonical, user_wire = _user_query(query, extra_params)
    canonical_q = sort_plain_query(f"{ours}&{user_canonical}" if user_canonical else ours)
    method = method.upper()
    creq = f"{method}\n{uri}\n{canonical_q}\n{block}\n{signed}\n{payload_hash}"
    # Task 2: the string to sign, over the SHA-256 of the canonical request.
    sts = f"{algorithm}\n{amz_date}\n{scope}\n{sha256(creq.encode()).hexdigest()}"
    signature = signature_of(sts)
    ours += f"&X-Amz-Signature={signature}"
    if token and not settings.sign_session_token:
        ours += f"&X-Amz-Security-Token={uri_encode(token)}"
    # The path as given (as canonicalised, when encoded once), the caller's query, then ours.
    wire_path = (path or "/") if settings.double_encode else uri
    url = f"{scheme}://{netloc}{wire_path}?{user_wire}&{ours}" if user_wire else f"{scheme}://{netloc}{wire_path}?{ours}"
    return _new(SignedRequest, (method, url, out, creq, sts, signature, signed, scope, payload_hash, amz_date))


def _algorithm_and_credential(algorithm: str, access_key: str, scope: str) -> str:
    """``X-Amz-Algorithm=...&X-Amz-Credential=...``, encoded (cached: the same all day)."""
    key = (algorithm, access_key, scope)
    found = _PREFIXES.get(key)
    if found is None:
        found = _PREFIXES.put(
            key, f"X-Amz-Algorithm={uri_encode(algorithm)}&X-Amz-Credential={uri_encode(f'{access_key}/{scope}')}"
        )
    return found


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
