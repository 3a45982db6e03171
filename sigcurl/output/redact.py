"""Secrets kept out of everything sigcurl writes: signatures, session tokens, the secret key."""

from __future__ import annotations

import re
from collections.abc import Iterable

_SIG_RE = re.compile(r"(Signature=)[0-9a-fA-F]+")
_QUERY_SECRET_RE = re.compile(r"((?:X-Amz-Signature|X-Amz-Security-Token)=)[^&\s]+", re.IGNORECASE)
_SECRET_HEADERS = frozenset({"x-amz-security-token", "x-amz-sso_bearer_token", "x-aws-ec2-metadata-token"})


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


def secret_forms(secret: str) -> tuple[str, ...]:
    """``secret`` as it may appear in output: as is, and URI-encoded as in a (presigned) query."""
    from urllib.parse import quote

    encoded = quote(secret, safe="-_.~")
    return (secret,) if encoded == secret else (secret, encoded)


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret value replaced (a last line of defence)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            for form in secret_forms(secret):
                text = text.replace(form, "<redacted>")
    return text


def scrub_bytes(data: bytes, secrets: Iterable[str | None]) -> bytes:
    """``data`` with every secret value (UTF-8) replaced, for error bodies that echo the request."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            for form in secret_forms(secret):
                data = data.replace(form.encode("utf-8", "replace"), b"<redacted>")
    return data
