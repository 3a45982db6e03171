"""SigV4a's fast path: header signing and presigning of common requests in one pass.

An ECDSA P-256 signature costs about 20 µs in ``cryptography``; the shared
cores (``header_core.sign_with``, ``query_core.presign_with``) add 10 to
30 µs around it for a request seen for the first time, mostly in
``urllib``'s ``unquote``/``quote`` (an S3 key with ``%20`` in it, a version
id with ``%2F``) and in a dozen small calls.  The functions here sign the
common shapes directly and return None for anything else, which the caller
then signs with the shared cores:

* the URL's path (S3: not normalised, encoded once) and query are already
  in their canonical encoding: unreserved characters and upper-case
  ``%XY`` escapes of bytes that encoding would escape again (so decoding
  then encoding gives the same text, and the wire form is the text given);
* every header name is an HTTP token and no value holds CR, LF or NUL;
  Host at most once; no ``x-amz-content-sha256`` header (a payload hash
  given that way goes through the shared core; the ``payload_hash``
  argument is fine); for presigning no ``X-Amz-*`` parameter in the query.

For the requests it accepts the result is the shared cores' result, field
for field (tests/test_sigv4a_fast.py compares the two on the official
vectors and on random requests).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from hashlib import sha256
from operator import itemgetter
from typing import Any

from sigcurl.signer.canonical import (
    UNSIGNED_HEADERS,
    add_header,
    canonical_uri,
    check_header,
    sort_plain_query,
    uri_encode,
)
from sigcurl.signer.keys import BoundedCache
from sigcurl.signer.request import HeadersInput, host_header, payload_sha256
from sigcurl.signer.types import UNSIGNED_PAYLOAD, Credentials, SignedRequest, SigningSettings

ALGORITHM = "AWS4-ECDSA-P256-SHA256"

#: scheme, authority, path, query (the fragment is dropped): the general split_url's pattern (request.split_url_general).
_URL = re.compile(r"(.+?)://([^/?#]*)([^?#]*)(?:\?([^#]*))?", re.DOTALL).match
#: An S3 path, and ``key=value`` pairs (keys not empty, one ``=`` each), of unreserved characters and ``%``.
_PATH_CHARS = re.compile(r"[A-Za-z0-9_.~/%-]*").fullmatch
_QUERY_CHARS = re.compile(r"[A-Za-z0-9_.~%-]+=[A-Za-z0-9_.~%-]*(?:&[A-Za-z0-9_.~%-]+=[A-Za-z0-9_.~%-]*)*").fullmatch
#: A ``%`` that decoding then encoding would rewrite: not followed by two upper-case hex digits, or
#: escaping an unreserved character (``%41`` becomes ``A``) -- and in a path also ``/`` (``%2F``).
_REWRITTEN_IN_QUERY = re.compile(r"%(?:(?![0-9A-F]{2})|2[DE]|3[0-9]|4[1-9A-F]|5[0-9AF]|6[1-9A-F]|7[0-9AE])").search
_REWRITTEN_IN_PATH = re.compile(r"%(?:(?![0-9A-F]{2})|2[D-F]|3[0-9]|4[1-9A-F]|5[0-9AF]|6[1-9A-F]|7[0-9AE])").search

_DROP = frozenset({"authorization", "x-amz-date", "x-amz-region-set"})
_DROP_TOKEN = _DROP | {"x-amz-security-token"}
_DROP_QUERY = _DROP_TOKEN | {"x-amz-content-sha256"}
_CONTENT_SHA256 = "x-amz-content-sha256"

#: Header names already checked -> lower-case name (bounded).
_NAMES: dict[str, str] = {}
_NAMES_MAX = 512
#: Signed header names in the order given -> (block template, values getter, signed names, the same encoded).
_LAYOUTS: BoundedCache[tuple[str, ...], tuple[str, Callable[[dict[str, str]], Any], str, str]] = BoundedCache(128)
#: (access key, scope, region set) -> the fixed part of a presigned URL's parameters.
_PARAMS: BoundedCache[tuple[str, str, str], tuple[str, str]] = BoundedCache(64)


def _canonical_path(path: str, settings: SigningSettings) -> tuple[str, str] | None:
    """``(canonical URI, wire path)``, None when the path needs the general rules' decoding."""
    if settings.double_encode:
        return canonical_uri(path, settings.normalize_path, True), path or "/"
    if settings.normalize_path or not _PATH_CHARS(path) or ("%" in path and _REWRITTEN_IN_PATH(path)):
        return None
    return path or "/", path or "/"


def _query_is_canonical(query: str) -> bool:
    """Whether a query is already canonical pair by pair (its sorted form is its canonical query)."""
    return _QUERY_CHARS(query) is not None and ("%" not in query or _REWRITTEN_IN_QUERY(query) is None)


def _headers(
    headers: HeadersInput, drop: frozenset[str]
) -> tuple[list[tuple[str, str]], dict[str, str], str | None] | None:
    """``(headers to send, signed canonical headers, Host or None)`` as ``request.request_headers`` makes
    them; None for anything it would reject (the general path raises its error)."""
    items = headers if type(headers) is list or type(headers) is tuple else (
        headers.items() if isinstance(headers, dict) else None
    )
    if items is None:
        return None
    cleaned: list[tuple[str, str]] = []
    signed: dict[str, str] = {}
    host: str | None = None
    names = _NAMES
    for name, value in items:
        lname = names.get(name)
        if lname is None or "\r" in value or "\n" in value or "\x00" in value:
            if not isinstance(value, str) or "\n" in value or "\r" in value or "\x00" in value:
                return None
            try:
                check_header(name, value)
            except (ValueError, TypeError):
                return None
            if len(names) >= _NAMES_MAX:
                names.clear()
            lname = names[name] = name.lower()
        if lname in drop:
            continue
        if lname == "host":
            if host is not None:
                return None
            host = value.strip()
        cleaned.append((name, value))
        if lname in UNSIGNED_HEADERS:
            continue
        if lname in signed or "  " in value or "\t" in value or value[:1] == " " or value[-1:] == " ":
            add_header(signed, lname, value)
        else:
            signed[lname] = value
    return cleaned, signed, host


def _canonical_headers(signed: dict[str, str]) -> tuple[str, str, str]:
    """``canonical.canonical_headers(signed)``: ``(block ending in a newline, signed names)``, and
    the signed names encoded for ``X-Amz-SignedHeaders``.

    Requests of a run share their header names: per tuple of names (in the
    order given) the sorted block is a cached ``%``-template filled from one
    ``itemgetter`` call.
    """
    key = tuple(signed)
    layout = _LAYOUTS.get(key)
    if layout is None:
        names = sorted(key)
        template = "".join([f"{name.replace('%', '%%')}:%s\n" for name in names])
        getter = itemgetter(*names) if len(names) > 1 else _one_value(names[0])
        signed_names = ";".join(names)
        layout = _LAYOUTS.put(key, (template, getter, signed_names, uri_encode(signed_names)))
    return layout[0] % layout[1](signed), layout[2], layout[3]


def _one_value(name: str) -> Callable[[dict[str, str]], tuple[str]]:
    return lambda signed: (signed[name],)


def _common_request(
    url: str, headers: HeadersInput, settings: SigningSettings, drop: frozenset[str], *, presign: bool
) -> tuple[str, str, str, tuple[str, str], list[tuple[str, str]], dict[str, str]] | None:
    """``(scheme, netloc, query, (canonical path, wire path), headers to send, signed headers)`` of a
    common request, Host added; None for anything the shared cores must sign (a presign's query may
    not carry ``X-Amz-*`` parameters)."""
    m = _URL(url)
    if m is None:
        return None
    scheme, netloc, path, query = m.groups()
    if not netloc or (query and ((presign and "X-Amz-" in query) or not _query_is_canonical(query))):
        return None
    paths = _canonical_path(path, settings)
    parsed = _headers(headers, drop)
    if paths is None or parsed is None:
        return None
    out, signed, host = parsed
    scheme = scheme.lower()
    if host is None:
        host = host_header(scheme, netloc)
        out.insert(0, ("Host", host))
        signed["host"] = host
    return scheme, netloc, query or "", paths, out, signed


def sign_headers(
    method: str,
    url: str,
    headers: HeadersInput,
    body: bytes | str | None,
    credentials: Credentials,
    settings: SigningSettings,
    payload_hash: str | None,
    amz_date: str,
    scope: str,
    regions: str,
    signature_of: Callable[[str], str],
) -> SignedRequest | None:
    """``header_core.sign_with``'s result for SigV4a, or None when the request is not a common one."""
    token = credentials.session_token
    request = _common_request(url, headers, settings, _DROP_TOKEN if token else _DROP, presign=False)
    if request is None:
        return None
    scheme, netloc, query, paths, out, signed = request
    if _CONTENT_SHA256 in signed:
        return None
    if payload_hash is None:
        payload_hash = payload_sha256(body)
    if settings.content_sha256_header:
        out.append(("X-Amz-Content-SHA256", payload_hash))
        add_header(signed, _CONTENT_SHA256, payload_hash)
    out.append(("X-Amz-Date", amz_date))
    out.append(("X-Amz-Region-Set", regions))
    signed["x-amz-date"] = amz_date
    signed["x-amz-region-set"] = regions  # normalised: no whitespace to fold
    if token and settings.sign_session_token:
        out.append(("X-Amz-Security-Token", token))
        add_header(signed, "x-amz-security-token", token)
    block, signed_names, _ = _canonical_headers(signed)
    method = method.upper()
    canonical_q = (sort_plain_query(query) if "&" in query else query) if query else ""
    creq = f"{method}\n{paths[0]}\n{canonical_q}\n{block}\n{signed_names}\n{payload_hash}"
    sts = f"{ALGORITHM}\n{amz_date}\n{scope}\n{sha256(creq.encode()).hexdigest()}"
    signature = signature_of(sts)
    out.append((
        "Authorization",
        f"{ALGORITHM} Credential={credentials.access_key}/{scope}, SignedHeaders={signed_names}, Signature={signature}",
    ))
    if token and not settings.sign_session_token:
        out.append(("X-Amz-Security-Token", token))
    wire = f"{scheme}://{netloc}{paths[1]}?{query}" if query else f"{scheme}://{netloc}{paths[1]}"
    return SignedRequest(method, wire, out, creq, sts, signature, signed_names, scope, payload_hash, amz_date)


def presign_query(
    method: str,
    url: str,
    headers: HeadersInput,
    body: bytes | str | None,
    credentials: Credentials,
    settings: SigningSettings,
    payload_hash: str | None,
    expires: int,
    amz_date: str,
    scope: str,
    regions: str,
    signature_of: Callable[[str], str],
) -> SignedRequest | None:
    """``query_core.presign_with``'s result for SigV4a, or None when the request is not a common one."""
    request = _common_request(url, headers, settings, _DROP_QUERY, presign=True)
    if request is None:
        return None
    scheme, netloc, query, paths, out, signed = request
    if payload_hash is None:
        payload_hash = UNSIGNED_PAYLOAD if settings.unsigned_presign_payload else payload_sha256(body)
    block, signed_names, encoded_names = _canonical_headers(signed)
    head, region_set = _fixed_params(credentials.access_key, scope, regions)
    signed_param = f"X-Amz-SignedHeaders={encoded_names}"
    token = credentials.session_token
    token_param = f"&X-Amz-Security-Token={uri_encode(token)}" if token else ""
    signed_token = token_param if settings.sign_session_token else ""
    # The parameters in the order query_core sends them, and sorted (the canonical query): the
    # caller's follow when their smallest key sorts after X-Amz-SignedHeaders (a lower-case key).
    params = f"{head}{amz_date}&X-Amz-Expires={expires}&{signed_param}{region_set}{signed_token}"
    ours = f"{head}{amz_date}&X-Amz-Expires={expires}{region_set}{signed_token}&{signed_param}"
    if query:
        user = sort_plain_query(query) if "&" in query else query  # one pair: its own canonical form
        ours = f"{ours}&{user}" if user[0] > "X" else sort_plain_query(f"{params}&{query}")
    method = method.upper()
    creq = f"{method}\n{paths[0]}\n{ours}\n{block}\n{signed_names}\n{payload_hash}"
    sts = f"{ALGORITHM}\n{amz_date}\n{scope}\n{sha256(creq.encode()).hexdigest()}"
    signature = signature_of(sts)
    params = f"{params}&X-Amz-Signature={signature}{'' if settings.sign_session_token else token_param}"
    base = f"{scheme}://{netloc}{paths[1]}"
    return SignedRequest(
        method, f"{base}?{query}&{params}" if query else f"{base}?{params}", out, creq, sts, signature,
        signed_names, scope, payload_hash, amz_date,
    )


def _fixed_params(access_key: str, scope: str, regions: str) -> tuple[str, str]:
    """The encoded parameters around the date and signed headers (cached):
    ``("X-Amz-Algorithm=...&X-Amz-Credential=...&X-Amz-Date=", "&X-Amz-Region-Set=...")``."""
    key = (access_key, scope, regions)
    fixed = _PARAMS.get(key)
    if fixed is None:
        fixed = _PARAMS.put(key, (
            f"X-Amz-Algorithm={uri_encode(ALGORITHM)}&X-Amz-Credential={uri_encode(f'{access_key}/{scope}')}"
            "&X-Amz-Date=",
            f"&X-Amz-Region-Set={uri_encode(regions)}",
        ))
    return fixed
