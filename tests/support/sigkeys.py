"""Signing keys and primitive signatures (own code, not sigcurl's): SigV4's HMAC chain, SigV4a's KDF and ECDSA check."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from .verdicts import V4A_ALGORITHM, Key

# Order n of the NIST P-256 group (SEC 2, section 2.4.2).
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _hmac(key: bytes, msg: str | bytes) -> bytes:
    return hmac.new(key, msg.encode("utf-8") if isinstance(msg, str) else msg, hashlib.sha256).digest()


def sigv4_signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """SigV4 signing key: HMAC chain over date, region, service, ``aws4_request``."""
    k = _hmac(("AWS4" + secret).encode("utf-8"), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, "aws4_request")


_V4A_KEYS: dict[tuple[str, str], int] = {}


def derive_sigv4a_private_key(access_key: str, secret: str) -> int:
    """SigV4a private scalar from the credentials (NIST SP 800-108 counter-mode KDF).

    HMAC-SHA256 keyed with ``"AWS4A" + secret`` over ``0x00000001 ||
    "AWS4-ECDSA-P256-SHA256" || 0x00 || access key || counter || 0x00000100``;
    the first counter (from 1) whose value k0 <= n - 2 gives d = k0 + 1.
    """
    cached = _V4A_KEYS.get((access_key, secret))
    if cached is not None:
        return cached
    key = ("AWS4A" + secret).encode("utf-8")
    for counter in range(1, 255):
        msg = (
            b"\x00\x00\x00\x01"
            + V4A_ALGORITHM.encode("ascii")
            + b"\x00"
            + access_key.encode("utf-8")
            + bytes([counter])
            + b"\x00\x00\x01\x00"
        )
        k0 = int.from_bytes(_hmac(key, msg), "big")
        if k0 <= P256_ORDER - 2:
            _V4A_KEYS[(access_key, secret)] = k0 + 1
            return k0 + 1
    raise ValueError("SigV4a key derivation did not converge")  # pragma: no cover


def derive_sigv4a_public_numbers(access_key: str, secret: str) -> ec.EllipticCurvePublicNumbers:
    """Public point (X, Y) of the SigV4a key pair for these credentials."""
    d = derive_sigv4a_private_key(access_key, secret)
    return ec.derive_private_key(d, ec.SECP256R1()).public_key().public_numbers()


def _v4a_public_key(access_key: str, secret: str) -> ec.EllipticCurvePublicKey:
    d = derive_sigv4a_private_key(access_key, secret)
    return ec.derive_private_key(d, ec.SECP256R1()).public_key()


def v4a_verify(key: Key, signature_hex: str, string_to_sign: str) -> bool:
    """Whether ``signature_hex`` (DER, hex) is an ECDSA signature of ``string_to_sign`` by the key's SigV4a pair."""
    try:
        der = bytes.fromhex(signature_hex)
    except ValueError:
        return False
    try:
        _v4a_public_key(key.access_key, key.secret_key).verify(
            der, string_to_sign.encode("utf-8"), ec.ECDSA(hashes.SHA256())
        )
    except InvalidSignature:
        return False
    return True

