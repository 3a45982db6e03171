"""SigV4a checks shared by the SigV4a tests: AWS's example keys, the algorithm's name, and
:func:`verify_signature`, which verifies an ECDSA signature with ``cryptography`` (through
sigcurl's helper) AND with awscrt's own EC code, and asserts they agree.
"""

from __future__ import annotations

import hashlib

from awscrt import crypto as crt_crypto

import sigcurl
from sigcurl.signer import sigv4a

EXAMPLE = sigcurl.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
ALGORITHM = "AWS4-ECDSA-P256-SHA256"
# DER SubjectPublicKeyInfo prefix of an uncompressed P-256 point (id-ecPublicKey, prime256v1).
_P256_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")


def verify_signature(public: tuple[str, str], string_to_sign: str, signature: str) -> bool:
    """Verify with ``cryptography`` (through sigcurl's helper) AND with awscrt's own EC code."""
    ours = sigv4a.verify(public[0], public[1], string_to_sign, signature)
    spki = _P256_SPKI_PREFIX + b"\x04" + bytes.fromhex(public[0]) + bytes.fromhex(public[1])
    key = crt_crypto.EC.new_key_from_der_data(spki)
    digest = hashlib.sha256(string_to_sign.encode()).digest()
    theirs = key.verify(digest, bytes.fromhex(signature.rstrip("*")))
    assert ours == theirs, "cryptography and awscrt disagree on an ECDSA verification"
    return ours
