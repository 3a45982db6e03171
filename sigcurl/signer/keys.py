"""SigV4 signing-key derivation and HMAC (task 3 of the SigV4 process).

``kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")``.
Derived keys are cached per (secret, date, region, service): a key is valid
for a whole UTC day, and deriving it is four HMACs out of five per request.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

_CACHE: dict[tuple[str, str, str, str], bytes] = {}
_CACHE_MAX = 64
_SIGNERS: dict[tuple[str, str, str, str], Callable[[str], str]] = {}


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


def hmac_signer(key: bytes) -> Callable[[str], str]:
    """A function giving the hex HMAC-SHA256 of a message under ``key`` (RFC 2104).

    The inner and outer hash states of the key are computed once, so each
    signature costs two hash copies and updates instead of a full HMAC set-up.
    """
    block = key.ljust(64, b"\0") if len(key) <= 64 else hashlib.sha256(key).digest().ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def signature(message: str) -> str:
        i = inner.copy()
        i.update(message.encode())
        o = outer.copy()
        o.update(i.digest())
        return o.hexdigest()

    return signature


def signature_function(secret_key: str, date: str, region: str, service: str) -> Callable[[str], str]:
    """``string to sign -> hex signature`` for a scope, cached like the signing key."""
    cache_key = (secret_key, date, region, service)
    fn = _SIGNERS.get(cache_key)
    if fn is None:
        fn = hmac_signer(signing_key(secret_key, date, region, service))
        if len(_SIGNERS) >= _CACHE_MAX:
            _SIGNERS.clear()
        _SIGNERS[cache_key] = fn
    return fn
