"""DPoP proofs (RFC 9449) for the AWS sign-in token call: an ES256 JWT over the method and URL.

``aws login`` keeps a P-256 private key (PEM, usually SEC1 ``EC PRIVATE
KEY``) in its token cache; every refresh of the session proves possession
of it with a ``DPoP`` header: a JWT whose header carries the public key as
a JWK (``typ`` ``dpop+jwt``, ``alg`` ``ES256``) and whose claims are
``htm`` (the method), ``htu`` (the URL), ``iat`` (epoch seconds) and
``jti`` (a fresh UUID), signed with ECDSA P-256 / SHA-256 as the raw
``r || s`` pair (64 bytes).  The same layout as botocore's
``_build_dpop_header``: compact JSON, base64url without padding.

``cryptography`` is imported here, lazily: only a login refresh loads it.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

__all__ = ["build_proof", "load_private_key"]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def load_private_key(pem: str) -> Any:
    """The EC private key in *pem* (SEC1 or PKCS#8, with or without the PEM lines).

    Raises ValueError (whose text never contains the key) when it is not a
    P-256 private key.
    """
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    body = "".join(line.strip() for line in pem.splitlines() if line.strip() and not line.startswith("-----"))
    try:
        der = base64.b64decode(body, validate=True)
        key = load_der_private_key(der, password=None)
    except Exception:  # binascii.Error, ValueError, TypeError, UnsupportedAlgorithm: all mean unreadable
        raise ValueError("not a readable private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("not a P-256 private key")
    return key


def build_proof(key: Any, method: str, url: str, *, iat: int, jti: str | None = None) -> str:
    """The DPoP JWT for *method* *url* at *iat* (epoch seconds), signed with *key*."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    numbers = key.public_key().public_numbers()
    jwk = {"kty": "EC", "x": _b64url(numbers.x.to_bytes(32, "big")), "y": _b64url(numbers.y.to_bytes(32, "big")),
           "crv": "P-256"}
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk}
    claims = {"htm": method, "htu": url, "iat": iat, "jti": jti or str(uuid.uuid4())}
    signing_input = (_b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + _b64url(json.dumps(claims, separators=(",", ":")).encode()))
    der = key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return signing_input + "." + _b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
