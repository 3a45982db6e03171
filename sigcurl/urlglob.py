"""curl's URL globbing: ``{a,b}`` sets and ``[1-10]`` ranges expand one URL into many.

* ``{one,two,three}``: each alternative in turn;
* ``[1-100]``, ``[001-100]`` (zero-padded), ``[0-100:10]`` (a step),
  ``[a-z]`` (letters);
* several globs multiply, the leftmost changing slowest, as curl does;
* ``\\[``, ``\\]``, ``\\{``, ``\\}`` and ``\\,`` are the literal characters;
  an IPv6 address in brackets (``http://[::1]:8080/``) is not a glob;
* ``#1``, ``#2``... in an ``-o`` name are replaced by the current text of
  the first, second... glob.

``-g/--globoff`` turns all of this off.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from sigcurl.errors import BadURLError

#: More URLs than this from one pattern is almost surely a typo (and would not fit in memory).
MAX_URLS = 100_000

_IPV6_HOST = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^/?#@]*@)?\[[0-9a-fA-F:.%a-zA-Z]*\]")
_OUTPUT_REF = re.compile(r"#(\d+)")


def has_glob(url: str) -> bool:
    """Whether ``url`` needs :func:`expand` (a glob, or a stray bracket that is an error)."""
    if not any(c in url for c in "{}[]"):
        return False
    try:
        return _parse(url)[1] > 0
    except BadURLError:
        return True


def count(url: str) -> int:
    """How many URLs the pattern makes (checked, nothing expanded: too many is an error)."""
    pieces, _ = _parse(url)
    total = 1
    for p in pieces:
        if isinstance(p, list):
            total *= len(p)
    if total > MAX_URLS:
        raise BadURLError(
            f"the URL pattern {url!r} makes {total} URLs (at most {MAX_URLS})",
            "narrow the ranges, or pass -g/--globoff if the brackets are literal",
        )
    return total


def expand(url: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every URL of the pattern with the text each glob took, in curl's order (lazily)."""
    count(url)
    pieces, _ = _parse(url)
    choices = [p for p in pieces if isinstance(p, list)]
    for combo in itertools.product(*choices):
        yield _join(pieces, combo), combo


def output_name(template: str, values: tuple[str, ...]) -> str:
    """An ``-o`` name with ``#N`` replaced by the N-th glob's text (``#N`` past the globs stays)."""
    if not values or "#" not in template:
        return template
    return _OUTPUT_REF.sub(lambda m: values[int(m.group(1)) - 1] if 0 < int(m.group(1)) <= len(values) else m.group(0), template)


def _join(pieces: list[str | list[str]], combo: tuple[str, ...]) -> str:
    out: list[str] = []
    it = iter(combo)
    for p in pieces:
        out.append(next(it) if isinstance(p, list) else p)
    return "".join(out)


def _parse(url: str) -> tuple[list[str | list[str]], int]:
    """The URL as literal text and lists of alternatives; the number of globs."""
    pieces: list[str | list[str]] = []
    literal: list[str] = []
    globs = 0
    ipv6 = _IPV6_HOST.match(url)
    i = ipv6.end() if ipv6 else 0
    literal.append(url[:i])
    n = len(url)
    while i < n:
        c = url[i]
        if c == "\\" and i + 1 < n and url[i + 1] in "[]{},":
            literal.append(url[i + 1])
            i += 2
            continue
        if c in "{[":
            close = "}" if c == "{" else "]"
            end = _find_close(url, i + 1, close)
            if end < 0:
                raise BadURLError(
                    f"unmatched {c!r} at position {i + 1} of the URL", f"close it with {close!r}, escape it as \\{c}, or pass -g/--globoff"
                )
            body = url[i + 1 : end]
            values = _alternatives(body) if c == "{" else _range(body, url, i)
            pieces.append("".join(literal))
            literal = []
            pieces.append(values)
            globs += 1
            i = end + 1
            continue
        if c in "}]":
            raise BadURLError(
                f"unmatched {c!r} at position {i + 1} of the URL", f"escape it as \\{c}, or pass -g/--globoff"
            )
        literal.append(c)
        i += 1
    pieces.append("".join(literal))
    return pieces, globs


def _find_close(url: str, start: int, close: str) -> int:
    i = start
    while i < len(url):
        if url[i] == "\\":
            i += 2
            continue
        if url[i] == close:
            return i
        if url[i] in "{[":
            return -1  # curl does not nest globs
        i += 1
    return -1


def _alternatives(body: str) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            current.append(body[i + 1])
            i += 2
            continue
        if body[i] == ",":
            out.append("".join(current))
            current = []
        else:
            current.append(body[i])
        i += 1
    out.append("".join(current))
    return out


_NUMERIC = re.compile(r"(\d+)-(\d+)(?::(\d+))?")
_ALPHA = re.compile(r"([a-zA-Z])-([a-zA-Z])(?::(\d+))?")


def _range(body: str, url: str, at: int) -> list[str]:
    m = _NUMERIC.fullmatch(body)
    if m:
        first, last, step = m.group(1), m.group(2), int(m.group(3) or 1)
        lo, hi = int(first), int(last)
        if step < 1 or hi < lo:
            raise _bad_range(body, at)
        if (hi - lo) // step + 1 > MAX_URLS:
            raise BadURLError(f"the range [{body}] in the URL is too long (at most {MAX_URLS})", "narrow the range")
        width = len(first) if first.startswith("0") and len(first) > 1 else 0
        return [str(v).zfill(width) for v in range(lo, hi + 1, step)]
    m = _ALPHA.fullmatch(body)
    if m:
        lo_c, hi_c, step = ord(m.group(1)), ord(m.group(2)), int(m.group(3) or 1)
        if step < 1 or hi_c < lo_c or m.group(1).islower() != m.group(2).islower():
            raise _bad_range(body, at)
        return [chr(v) for v in range(lo_c, hi_c + 1, step)]
    raise _bad_range(body, at)


def _bad_range(body: str, at: int) -> BadURLError:
    return BadURLError(
        f"bad range [{body}] at position {at + 1} of the URL",
        "use [1-10], [001-100], [0-100:5] or [a-z]; escape a literal bracket as \\[, or pass -g/--globoff",
    )
