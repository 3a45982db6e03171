"""Canonicalisation: the URI, query string and headers of a canonical request.

Implements task 1 of the SigV4 process ("Create a canonical request") as
pure functions on strings.  The rules, with the AWS documents' wording:

* URI encoding: every byte except the unreserved characters ``A-Z a-z 0-9
  - . _ ~`` becomes ``%XY`` (upper-case hex of its UTF-8 bytes).
* Path, every service but S3: remove ``.`` and ``..`` segments, collapse
  empty segments, keep a trailing slash, then encode the path as it stands
  (so an already-encoded ``%3A`` becomes ``%253A``: "double encoding").
* Path, S3: no normalisation, encode each segment once.  The path may be
  given raw or already encoded: it is decoded, then encoded exactly once,
  and that same string is what goes on the wire.
* Query: each key and value decoded then encoded (``+`` is a literal plus,
  write ``%20`` for a space), sorted by key then value, ``key=value``
  joined by ``&``; an empty value keeps its ``=``.
* Headers: names lower-cased; values trimmed with inner whitespace runs
  folded to one space; repeated names joined with ``,`` in received order;
  sorted by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote, unquote

#: Headers never signed: proxies and clients change or add them in flight.
UNSIGNED_HEADERS = frozenset(
    {
        "authorization", "baggage", "connection", "expect", "keep-alive", "proxy-authenticate",
        "proxy-authorization", "te", "traceparent", "tracestate", "trailer", "transfer-encoding",
        "upgrade", "user-agent", "x-amzn-trace-id",
    }
)

#: The characters of an HTTP token (RFC 9110): header names and methods.
TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


#: Fast paths: text made only of characters that encode to themselves.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch
_UNRESERVED_OR_SLASH = re.compile(r"[A-Za-z0-9_.~/-]*").fullmatch
#: A path that encoding and normalisation leave as it is: ``/``-led segments
#: of unreserved characters, none empty and none starting with a dot.
_PLAIN_PATH = re.compile(r"(?:/[A-Za-z0-9_~-][A-Za-z0-9_.~-]*)*/?").fullmatch
#: A query that needs no decoding or encoding: ``key=value`` pairs of
#: unreserved characters joined by ``&`` (keys not empty, one ``=`` each).
PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~-]*(?:&[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~-]*)*").fullmatch


@lru_cache(maxsize=2048)
def _quote(text: str, safe: str) -> str:
    # Cached: credential scopes, tokens and common parameter values repeat.
    return quote(text, safe=safe, errors="surrogateescape")


def uri_encode(text: str, safe: str = "") -> str:
    """Percent-encode ``text`` as SigV4 requires (unreserved characters stay).

    Lone surrogates (from :func:`uri_decode` of bytes that are not UTF-8)
    become their original bytes again.
    """
    if not safe:
        if _UNRESERVED(text):
            return text
    elif safe == "/" and _UNRESERVED_OR_SLASH(text):
        return text
    return _quote(text, safe)


def uri_decode(text: str) -> str:
    """Decode ``%XY`` escapes; bytes that are not UTF-8 are kept (as surrogates), not replaced."""
    return unquote(text, errors="surrogateescape") if "%" in text else text


def normalize_path(path: str) -> str:
    """Remove dot segments and empty segments (RFC 3986 5.2.4 plus AWS's ``//`` rule).

    A trailing slash is kept when the result has segments; an empty path is ``/``.
    """
    if not path:
        return "/"
    if "/." not in path and "//" not in path and not path.startswith("."):
        return path
    out: list[str] = []
    for segment in path.split("/"):
        if not segment or segment == ".":
            continue
        if segment == "..":
            if out:
                out.pop()
        else:
            out.append(segment)
    first = "/" if path[0] == "/" else ""
    last = "/" if path[-1] == "/" and out else ""
    return first + "/".join(out) + last


def canonical_uri(path: str, normalize: bool, double_encode: bool) -> str:
    """The canonical URI of ``path`` (the raw path of the URL as sent).

    A path of plain segments (unreserved characters, none empty or starting
    with a dot) is its own canonical URI under every setting; others are
    computed by :func:`_canonical_uri`, cached.
    """
    if path == "/" or _PLAIN_PATH(path):  # "/" first: the most common path, and cheaper to compare
        return path or "/"
    return _canonical_uri(path, normalize, double_encode)


@lru_cache(maxsize=1024)
def _canonical_uri(path: str, normalize: bool, double_encode: bool) -> str:
    if not path:
        return "/"
    if double_encode:
        return uri_encode(normalize_path(path) if normalize else path, "/")
    decoded = uri_decode(path)
    encoded = uri_encode(normalize_path(decoded) if normalize else decoded, "/")
    return encoded or "/"


def split_query(query: str) -> list[tuple[str, str, bool]]:
    """Split a raw query into decoded ``(key, value, had_equals)`` triples, in order."""
    pairs: list[tuple[str, str, bool]] = []
    if not query:
        return pairs
    if "%" not in query:  # nothing to decode
        for part in query.split("&"):
            if part:
                key, eq, value = part.partition("=")
                pairs.append((key, value, bool(eq)))
        return pairs
    for part in query.split("&"):
        if not part:
            continue
        key, eq, value = part.partition("=")
        pairs.append((uri_decode(key), uri_decode(value), bool(eq)))
    return pairs


@lru_cache(maxsize=1024)
def split_query_cached(query: str) -> tuple[tuple[str, str, bool], ...]:
    """:func:`split_query`, cached and immutable (queries repeat from request to request)."""
    return tuple(split_query(query))


def query_forms(query: str) -> tuple[str, str]:
    """(canonical query, wire query) of a raw query string."""
    if PLAIN_QUERY(query):
        return sort_plain_query(query), query
    return _query_forms(query)


def sort_plain_query(query: str) -> str:
    """The canonical query of ``key=value`` pairs joined by ``&``, each with
    exactly one ``=`` and nothing to encode (unreserved characters, or already
    percent-encoded: no NUL, ``=`` or ``&`` inside a key or value).

    Sorting by key, then value, is a plain string sort once each ``=`` is a
    NUL: NUL sorts before every character a key can hold, so a key sorts
    before any longer key it begins.
    """
    return "&".join(sorted(query.replace("=", "\0").split("&"))).replace("\0", "=")


@lru_cache(maxsize=1024)
def _query_forms(query: str) -> tuple[str, str]:
    encoded = encode_pairs(list(split_query_cached(query)))
    return canonical_query_encoded(encoded), wire_query_encoded(encoded)


def encode_pairs(pairs: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
    """Decoded query pairs with key and value encoded as SigV4 encodes them (order kept).

    Returns ``pairs`` itself when nothing in it needs encoding (the common case).
    """
    if _UNRESERVED("".join([f"{k}{v}" for k, v, _ in pairs])):
        return pairs
    enc = uri_encode
    return [(enc(k), enc(v), eq) for k, v, eq in pairs]


def canonical_query_encoded(encoded: Iterable[tuple[str, str, bool]]) -> str:
    """The canonical query string of pairs encoded by :func:`encode_pairs` (sorted by key, then value)."""
    # Sorting the triples orders by key then value; the flag only breaks exact ties.
    return "&".join([f"{k}={v}" for k, v, _ in sorted(encoded)])


def wire_query_encoded(encoded: Iterable[tuple[str, str, bool]]) -> str:
    """The wire query of pairs encoded by :func:`encode_pairs` (order kept, ``=`` only where given)."""
    return "&".join([f"{k}={v}" if eq else k for k, v, eq in encoded])


def canonical_headers(merged: dict[str, str]) -> tuple[str, str]:
    """``(canonical headers block, signed headers list)`` of lower-case names
    and their canonical values; the block ends with a newline, as the
    canonical request needs."""
    names = sorted(merged)
    block = ""
    for name in names:  # += on a string with no other reference is in place: faster than a join here
        block += f"{name}:{merged[name]}\n"
    return block, ";".join(names)


def needs_folding(value: str) -> bool:
    """Whether a header value has whitespace to trim or fold (see :func:`fold`)."""
    return "  " in value or "\n" in value or "\t" in value or value[:1] == " " or value[-1:] == " "


def add_header(merged: dict[str, str], lname: str, value: str) -> None:
    """Add a header (lower-case name) to ``merged``: the value trimmed, inner
    whitespace runs folded to one space, a repeated name's values joined by ``,``."""
    if needs_folding(value):
        value = " ".join(value.split())
    old = merged.get(lname)
    merged[lname] = value if old is None else f"{old},{value}"


def check_header(name: str, value: str) -> None:
    """Reject header names that are not HTTP tokens and values with CR, NUL or a bare LF.

    A line feed followed by a space or tab (an obsolete folded line, which
    the AWS suites use) is accepted: its whitespace is folded when signing.
    """
    if not name or not TOKEN_CHARS.issuperset(name):
        raise ValueError(f"invalid header name {name!r}: only letters, digits and !#$%&'*+-.^_`|~ are allowed")
    if "\r" in value or "\x00" in value:
        raise ValueError(f"invalid value for header {name}: it contains CR or NUL")
    if "\n" in value:
        for i, ch in enumerate(value):
            if ch == "\n" and (i + 1 == len(value) or value[i + 1] not in " \t"):
                raise ValueError(f"invalid value for header {name}: it contains a line break")
