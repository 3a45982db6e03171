"""Parsing a request into the parts that are signed.

Splits the caller's URL (:func:`split_url`), checks the headers and picks
those that are signed (:func:`request_headers`, which adds Host), formats
the time (:func:`amz_date`) and hashes a body held in memory.  Shared by
header signing (``header_core``), presigning (``query_core``) and so SigV4a;
the cores call these parts directly (no intermediate object to build).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from hashlib import sha256

from sigcurl.signer.canonical import (
    UNSIGNED_HEADERS,
    add_header,
    check_header,
)
from sigcurl.signer.types import EMPTY_SHA256

HeadersInput = Mapping[str, str] | Iterable[tuple[str, str]]

_DEFAULT_PORTS = {"http": "80", "https": "443"}
#: Header names already checked by ``check_header`` -> lower-case name (bounded, for the hot path).
_NAMES: dict[str, str] = {}
_NAMES_MAX = 512
#: scheme (everything before the first "://"), authority, path, query; the fragment is dropped.
_URL = re.compile(r"(.+?)://([^/?#]*)([^?#]*)(?:\?([^#]*))?", re.DOTALL).match
#: The common case of ``_URL``, with the same groups: a lower-case http(s) scheme (no ``.lower()``
#: needed) and a host that is not empty (no error to raise); anything else goes to ``_URL``.
_HTTP_URL = re.compile(r"(https?)://([^/?#]+)([^?#]*)(?:\?([^#]*))?").match
#: Two-digit text of 0 to 59, for :func:`amz_date`.
_TWO_DIGITS = [f"{i:02d}" for i in range(60)]
#: The ``YYYYMMDD`` of a day, by its proleptic ordinal (bounded).
_DAYS: dict[int, str] = {}


def amz_date(time: datetime) -> str:
    """``YYYYMMDDTHHMMSSZ`` of an aware datetime (converted to UTC, sub-second dropped)."""
    if time.tzinfo is timezone.utc:
        pass  # the common case: skip the offset checks
    elif time.tzinfo is None or time.utcoffset() is None:
        raise ValueError("time must be a timezone-aware datetime (e.g. datetime.now(timezone.utc))")
    elif time.utcoffset():
        time = time.astimezone(timezone.utc)
    day = _DAYS.get(time.toordinal())
    if day is None:
        if len(_DAYS) >= 64:
            _DAYS.clear()
        day = _DAYS[time.toordinal()] = "%04d%02d%02d" % (time.year, time.month, time.day)  # noqa: UP031
    two = _TWO_DIGITS
    return f"{day}T{two[time.hour]}{two[time.minute]}{two[time.second]}Z"


def payload_sha256(body: bytes | str | None) -> str:
    """Hex SHA-256 of a body held in memory (a ``str`` is hashed as UTF-8)."""
    if not body:
        return EMPTY_SHA256
    if isinstance(body, str):
        body = body.encode()
    return sha256(body).hexdigest()


def split_url(url: str) -> tuple[str, str, str, str]:
    """``(scheme, netloc, path, query)`` of an absolute http(s) URL; the fragment is dropped."""
    m = _HTTP_URL(url)  # the common case: nothing to lower-case, no error to raise
    if m is not None:
        return m.groups("")  # type: ignore[return-value]  # four groups, "" for a missing query
    return split_url_general(url)


def split_url_general(url: str) -> tuple[str, str, str, str]:
    """:func:`split_url` without its fast path (any scheme, in any case; the errors)."""
    m = _URL(url)
    if m is None:
        raise ValueError(f"not an absolute URL: {url!r}")
    scheme, netloc, path, query = m.groups()
    if not netloc:
        raise ValueError(f"URL has no host: {url!r}")
    return scheme.lower(), netloc, path, query or ""


@lru_cache(maxsize=256)
def host_header(scheme: str, netloc: str) -> str:
    """The Host value for a URL authority: user info dropped, default port omitted."""
    at = netloc.rfind("@")
    if at >= 0:
        netloc = netloc[at + 1 :]
    host, sep, port = netloc.rpartition(":")
    if sep and port.isdigit():
        if _DEFAULT_PORTS.get(scheme) == port:
            return host.lower()
        return f"{host.lower()}:{port}"
    return netloc.lower()


def iter_headers(headers: HeadersInput) -> Iterable[tuple[str, str]]:
    """Headers as (name, value) pairs, from a mapping or an iterable of pairs."""
    if isinstance(headers, (dict, Mapping)):  # dict first: a cheap check for the common case
        return headers.items()
    return headers


def request_headers(
    headers: HeadersInput, drop: frozenset[str], scheme: str, netloc: str
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """``(headers to send, signed canonical headers)`` of the caller's headers, checked, without
    those named in ``drop`` (lower-case); a Host header for ``scheme://netloc`` first when none is given.

    The signed headers map lower-case names to canonical values (see :func:`canonical.add_header`).
    """
    cleaned: list[tuple[str, str]] = []
    signed: dict[str, str] = {}
    host_given = False
    names = _NAMES
    for name, value in headers.items() if isinstance(headers, (dict, Mapping)) else headers:
        lname = names.get(name)
        if lname is None or "\r" in value or "\n" in value or "\x00" in value:
            check_header(name, value)
            if len(names) >= _NAMES_MAX:
                names.clear()
            lname = names[name] = name.lower()
        if lname in drop:
            continue
        if lname == "host":
            if host_given:
                raise ValueError("the Host header is given twice")
            host_given = True
        cleaned.append((name, value))
        if lname in UNSIGNED_HEADERS:
            continue
        # A cheaper superset of needs_folding(value) (strip() also sees other whitespace at either
        # end, and returns the value itself when there is none): add_header decides exactly.
        if lname in signed or "  " in value or "\t" in value or "\n" in value or value.strip() != value:
            add_header(signed, lname, value)
        else:  # add_header's common case, inlined
            signed[lname] = value
    if not host_given:
        host = host_header(scheme, netloc)
        cleaned.insert(0, ("Host", host))
        signed["host"] = host
    return cleaned, signed
