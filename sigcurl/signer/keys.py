"""SigV4 signing-key derivation and HMAC (task 3 of the SigV4 process).

``kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")``.
Derived keys are cached per (secret, date, region, service): a key is valid
for a whole UTC day, and deriving it is four HMACs out of five per request.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import TypeVar

_K = TypeVar("_K")
_V = TypeVar("_V")


class BoundedCache(dict[_K, _V]):
    """A dict of at most ``limit`` entries (it forgets them all when full) whose
    ``repr`` shows neither keys nor values: the signer's caches hold secrets."""

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key: _K, value: _V) -> _V:
        """Store ``value`` under ``key`` (emptying the cache first if it is full); return ``value``."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self)} of {self.limit} entries, contents hidden>"


#: (secret, date, region, service) -> derived signing key, and -> its signature function.
_CACHE: BoundedCache[tuple[str, str, str, str], bytes] = BoundedCache(64)
_SIGNERS: BoundedCache[tuple[str, str, str, str], Callable[[str], str]] = BoundedCache(64)


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """The derived SigV4 signing key for ``date`` (YYYYMMDD), ``region`` and ``service``."""
    cache_key = (secret_key, date, region, service)
    key = _CACHE.get(cache_key)
    if key is None:
        k = hmac.digest(("AWS4" + secret_key).encode(), date.encode(), "sha256")
        k = hmac.digest(k, region.encode(), "sha256")
        k = hmac.digest(k, service.encode(), "sha256")
        key = _CACHE.put(cache_key, hmac.digest(k, b"aws4_request", "sha256"))
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
        fn = _SIGNERS.put(cache_key, hmac_signer(signing_key(secret_key, date, region, service)))
    return fn
