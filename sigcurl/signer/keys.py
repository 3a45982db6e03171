"""SigV4 signing-key derivation and HMAC (task 3 of the SigV4 process).

``kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")``.
Derived keys are cached per (secret, date, region, service): a key is valid
for a whole UTC day, and deriving it is four HMACs out of five per request.
"""

from __future__ import annotations

import hmac

_CACHE: dict[tuple[str, str, str, str], bytes] = {}
_CACHE_MAX = 64


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """The derived SigV4 signing key for ``date`` (YYYYMMDD), ``region`` and ``service``."""
    cache_key = (secret_key, date, region, service)
    key = _CACHE.get(cache_key)
    if key is None:
        k = hmac.digest(("AWS4" + secret_key).encode(), date.encode(), "sha256")
        k = hmac.digest(k, region.encode(), "sha256")
        k = hmac.digest(k, service.encode(), "sha256")
        key = hmac.digest(k, b"aws4_request", "sha256")
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[cache_key] = key
    return key


def hmac_hex(key: bytes, message: str) -> str:
    """Hex HMAC-SHA256 of ``message`` (UTF-8) under ``key``."""
    return hmac.digest(key, message.encode(), "sha256").hex()
