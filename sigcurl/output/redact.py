"""Secrets kept out of everything sigcurl writes: signatures, session tokens, the secret key.

A server may echo what it was sent in any encoding: as is, URL-encoded (a
presigned query), as hex (S3's ``<CanonicalRequestBytes>`` is the canonical
request as space-separated hex bytes) or as base64 (at any offset of a
longer base64 text, so in all three alignments).  :func:`secret_forms`
lists every such form of a secret; :class:`Scrubber` replaces them in
text, in bytes, and in a stream of chunks with a bounded window (it holds
back ``len(longest form) - 1`` bytes between chunks, so a form split across
chunks is still found, and memory stays at one chunk plus that window).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

_SIG_RE = re.compile(r"(Signature=)[0-9a-fA-F]+")
_QUERY_SECRET_RE = re.compile(r"((?:X-Amz-Signature|X-Amz-Security-Token)=)[^&\s]+", re.IGNORECASE)
_QUERY_TOKEN_RE = re.compile(r"((?:^|[?&])X-Amz-Security-Token=)[^&#\s]*", re.IGNORECASE)
_SECRET_HEADERS = frozenset({"x-amz-security-token", "x-amz-sso_bearer_token", "x-aws-ec2-metadata-token"})
#: What a secret is replaced with.
REDACTED = "<redacted>"
#: Secrets shorter than this are not scrubbed (too likely to match innocent text).
MIN_SECRET = 4
#: Encoded forms (hex, base64) are scrubbed for secrets at least this long, so a form is never tiny.
MIN_ENCODED = 8


def redact_header(name: str, value: str) -> str:
    """A header value safe to show: signatures and tokens redacted."""
    lname = name.lower()
    if lname == "authorization":
        return _SIG_RE.sub(r"\1<redacted>", value) if "Signature=" in value else "<redacted>"
    if lname in _SECRET_HEADERS:
        return "<redacted>"
    return value


def redact_url(url: str) -> str:
    """A URL safe to show: the signature and session token in its query redacted."""
    return _QUERY_SECRET_RE.sub(r"\1<redacted>", url)


def redact_token_in_url(url: str, scrub: Scrubber) -> str:
    """A URL as ``-w`` shows it: as given, but its ``X-Amz-Security-Token`` value and any secret redacted.

    The signature and credential scope stay (curl shows the URL as is); the
    session token and the secret key are never written.
    """
    return scrub.in_text(_QUERY_TOKEN_RE.sub(r"\1<redacted>", url))


def _percent_forms(secret: str) -> set[str]:
    from urllib.parse import quote

    forms = set()
    for safe in ("-_.~", "-_.~/"):
        encoded = quote(secret, safe=safe)
        forms.add(encoded)
        forms.add(re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded))
    return forms


def _base64_forms(data: bytes) -> set[str]:
    """The base64 characters that depend on ``data`` alone, for each of the three alignments.

    Character ``i`` of a base64 text covers bits ``[6i, 6i+6)``; with ``k``
    bytes before ``data`` only the characters wholly inside its bits are
    fixed by it, whatever surrounds it.  Standard and URL-safe alphabets.
    """
    from base64 import b64encode  # only when there is a secret to scrub (start-up time)

    forms = set()
    for k in range(3):
        text = b64encode(b"\0" * k + data + b"\0\0").decode("ascii")
        first = -(-8 * k // 6)
        last = 8 * (k + len(data)) // 6
        fixed = text[first:last]
        forms.add(fixed)
        forms.add(fixed.replace("+", "-").replace("/", "_"))
    return forms


@functools.lru_cache(maxsize=64)
def _forms_of(secret: str, encoded: bool) -> tuple[str, ...]:
    forms = {secret} | _percent_forms(secret)
    if encoded:
        raw = secret.encode("utf-8", "replace")
        for hexed in (raw.hex(), raw.hex(" ")):
            forms.update((hexed, hexed.upper()))
        forms |= _base64_forms(raw)
    return tuple(sorted(forms, key=lambda f: (-len(f), f)))


def secret_forms(secret: str, *, encoded: bool = False) -> tuple[str, ...]:
    """``secret`` as it may appear in output, longest first: as is and URI-encoded; with
    ``encoded`` also as hex (lower and upper case, bare and space-separated bytes) and base64
    (three alignments, standard and URL-safe alphabets)."""
    return _forms_of(secret, encoded and len(secret) >= MIN_ENCODED)


class Scrubber:
    """Replaces every form of a set of secrets in text, bytes and chunk streams."""

    __slots__ = ("_text", "_bytes", "window")

    def __init__(self, secrets: Iterable[str | None]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= MIN_SECRET:
                forms.update(secret_forms(secret, encoded=True))
        self._text = sorted(forms, key=lambda f: (-len(f), f))
        self._bytes = [f.encode("utf-8", "replace") for f in self._text]
        #: bytes held back between chunks: one less than the longest form
        self.window = max((len(b) for b in self._bytes), default=1) - 1

    def __bool__(self) -> bool:
        return bool(self._text)

    def in_text(self, text: str) -> str:
        for form in self._text:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def in_bytes(self, data: bytes) -> bytes:
        for form in self._bytes:
            if form in data:
                data = data.replace(form, REDACTED.encode())
        return data

    def stream(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """``chunks`` scrubbed on the fly: each piece is written once no later byte can complete a form in it."""
        if not self._bytes:
            yield from chunks
            return
        pending = b""
        for chunk in chunks:
            pending += chunk
            if len(pending) <= 2 * self.window:
                continue  # a dribble waits for more, so the window is not rescanned for every byte
            buf = self.in_bytes(pending)
            cut = len(buf) - self.window
            if cut <= 0:  # replacements shrank it below the window: hold it all
                pending = buf
                continue
            pending = buf[cut:]
            yield buf[:cut]
        if pending:
            yield self.in_bytes(pending)


@functools.lru_cache(maxsize=16)
def _scrubber(secrets: tuple[str | None, ...]) -> Scrubber:
    return Scrubber(secrets)


def scrubber(secrets: Iterable[str | None]) -> Scrubber:
    """The (cached) :class:`Scrubber` of ``secrets``."""
    return _scrubber(tuple(secrets))


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every form of every secret replaced (a last line of defence)."""
    return scrubber(secrets).in_text(text)


def scrub_bytes(data: bytes, secrets: Iterable[str | None]) -> bytes:
    """``data`` with every form of every secret replaced, for error bodies that echo the request."""
    return scrubber(secrets).in_bytes(data)
