"""SigV4a: asymmetric (ECDSA P-256) signing for multi-region endpoints.

SigV4a (``AWS4-ECDSA-P256-SHA256``) keeps SigV4's canonical request and
string to sign, and changes three things:

* the credential scope has no region: ``<date>/<service>/aws4_request``;
  the regions the signature is valid in travel, signed, in
  ``X-Amz-Region-Set`` (``*`` or ``us-east-1,us-west-2``);
* the signing key is an ECDSA P-256 key derived from the access key id and
  the secret (NIST SP 800-108 counter-mode KDF with HMAC-SHA256, below);
* the signature is the hex of the DER-encoded ECDSA signature over the
  SHA-256 of the string to sign.  ECDSA signatures are randomised: the same
  request signs differently every time, and is checked by verifying it.

Key derivation, as AWS specifies it::

    key   = "AWS4A" + secret
    input = 0x00000001 || "AWS4-ECDSA-P256-SHA256" || 0x00
            || access key id || counter (1 byte, from 1) || 0x00000100
    k0    = HMAC-SHA256(key, input) as a big-endian integer
    private key d = k0 + 1, for the first counter with k0 <= n - 2

(n is the order of the P-256 group; ``0x00000100`` is the output length in
bits, 256.)  Derivation is cached per (access key id, secret): it is the
same key for every date, region and service.

Common requests (a path and query already in canonical encoding, plain
headers) are signed by :mod:`sigcurl.signer._sigv4a_fast` in one pass;
the rest by the cores shared with SigV4 (``header_core``, ``query_core``),
which give the same result.  The ECDSA signature, about 20 µs in
``cryptography``, is then most of the cost.

``cryptography`` is imported on first use, so SigV4 signing never loads it;
without it, SigV4a raises :class:`SigV4aUnavailable` with the install
command (the signer imports nothing of sigcurl outside itself; the command
turns it into a one-line error).  aws-chunked uploads continue a SigV4a seed request with
:func:`chunk_signer_for`.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from hashlib import sha256
from typing import TYPE_CHECKING, Any

from sigcurl.signer import _sigv4a_fast as _fast
from sigcurl.signer import request as rq
from sigcurl.signer.chunks import ChunkSigner
from sigcurl.signer.header_core import sign_with
from sigcurl.signer.keys import BoundedCache
from sigcurl.signer.query_core import presign_with
from sigcurl.signer.types import Credentials, SignedRequest, SigningSettings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey

ALGORITHM = "AWS4-ECDSA-P256-SHA256"

#: Order n of the NIST P-256 (secp256r1) group.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

#: Length of a hex SigV4a chunk signature on the wire: DER ECDSA-P256 is at
#: most 72 bytes, and chunk signatures are right-padded with ``*`` to this
#: fixed width so the Content-Length of an aws-chunked body is known in
#: advance (``chunks.encoded_length(..., signature_length=CHUNK_SIGNATURE_LENGTH)``).
CHUNK_SIGNATURE_LENGTH = 144
CHUNK_SIGNATURE_PADDING = "*"

_LABEL = ALGORITHM.encode()
_INSTALL = "pip install 'cryptography>=41'"

#: (access key, secret) -> (derived private key, its ``string to sign -> hex signature``).
_KEYS: BoundedCache[tuple[str, str], tuple[EllipticCurvePrivateKey, Callable[[str], str]]] = BoundedCache(32)

# Loaded by _crypto() on first use: the ec module, ECDSA with SHA-256 (hashing the message), and
# ECDSA over a SHA-256 digest hashed here (hashlib: quicker than cryptography's hash objects).
_EC: Any = None
_ECDSA_SHA256: Any = None
_ECDSA_PREHASHED: Any = None


class SigV4aUnavailable(RuntimeError):
    """SigV4a cannot sign here: ``cryptography`` is missing.  ``what`` and ``fix`` make the one-line error."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(f"{what} — {fix}")
        self.what = what
        self.fix = fix


def _crypto() -> Any:
    """The ``cryptography`` EC module, imported on first use (SigV4aUnavailable when missing)."""
    global _EC, _ECDSA_SHA256, _ECDSA_PREHASHED
    if _EC is None:
        try:
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric import ec
            from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
        except ImportError as exc:
            raise SigV4aUnavailable(
                "SigV4a signing needs the 'cryptography' package, which is not installed",
                f"install it: {_INSTALL}",
            ) from exc
        _ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
        _ECDSA_PREHASHED = ec.ECDSA(Prehashed(hashes.SHA256()))
        _EC = ec
    return _EC


def derive_private_value(access_key: str, secret_key: str) -> int:
    """The SigV4a private scalar d for a key pair (NIST SP 800-108 counter-mode KDF).

    Pure standard library: tests compare it with the published vectors.
    """
    key = ("AWS4A" + secret_key).encode()
    head = b"\x00\x00\x00\x01" + _LABEL + b"\x00" + access_key.encode()
    for counter in range(1, 255):
        fixed_input = head + bytes((counter,)) + b"\x00\x00\x01\x00"
        k0 = int.from_bytes(hmac.digest(key, fixed_input, "sha256"), "big")
        if k0 <= P256_ORDER - 2:
            return k0 + 1
    # Each try fails with probability about 2**-32; 254 failures do not happen.
    raise ValueError("SigV4a key derivation did not converge for this access key")


def private_key_of(credentials: Credentials) -> EllipticCurvePrivateKey:
    """The derived ECDSA P-256 private key of ``credentials`` (cached per key pair)."""
    return _key_entry(credentials)[0]


def signer_for(credentials: Credentials) -> Callable[[str], str]:
    """``string to sign -> hex DER ECDSA-P256 signature`` under the derived key (cached per key pair).

    The message is hashed with ``hashlib``'s SHA-256 and ``cryptography``
    signs the digest (``Prehashed``) with a fresh random nonce; its DER
    output is the wire format, so nothing is re-encoded.
    """
    return _key_entry(credentials)[1]


def _key_entry(credentials: Credentials) -> tuple[EllipticCurvePrivateKey, Callable[[str], str]]:
    cache_key = (credentials.access_key, credentials.secret_key)
    entry = _KEYS.get(cache_key)
    if entry is None:
        ec = _crypto()
        d = derive_private_value(credentials.access_key, credentials.secret_key)
        key = ec.derive_private_key(d, ec.SECP256R1())
        entry = _KEYS.put(cache_key, (key, _hex_signer(key.sign, _ECDSA_PREHASHED)))
    return entry


def _hex_signer(sign: Callable[[bytes, Any], bytes], algorithm: Any) -> Callable[[str], str]:
    def signature(string_to_sign: str) -> str:
        return sign(sha256(string_to_sign.encode()).digest(), algorithm).hex()

    return signature


def public_key_of(credentials: Credentials) -> tuple[str, str]:
    """``(X, Y)``: the derived public key's coordinates, 64 lower-case hex digits each.

    The public half only (safe to print); servers and tests verify SigV4a
    signatures with it.
    """
    numbers = private_key_of(credentials).public_key().public_numbers()
    return f"{numbers.x:064x}", f"{numbers.y:064x}"


def signature_of(credentials: Credentials, string_to_sign: str) -> str:
    """Hex DER ECDSA-P256 signature over SHA-256 of ``string_to_sign`` (randomised)."""
    return signer_for(credentials)(string_to_sign)


def verify(x: str, y: str, string_to_sign: str, signature: str) -> bool:
    """Whether hex DER ``signature`` (chunk padding allowed) is a valid SigV4a
    signature of ``string_to_sign`` under the public key ``(x, y)`` (hex
    coordinates).  For tests and debugging."""
    ec = _crypto()
    from cryptography.exceptions import InvalidSignature

    public = ec.EllipticCurvePublicNumbers(int(x, 16), int(y, 16), ec.SECP256R1()).public_key()
    try:
        der = bytes.fromhex(signature.rstrip(CHUNK_SIGNATURE_PADDING))
        public.verify(der, string_to_sign.encode(), _ECDSA_SHA256)
    except (ValueError, InvalidSignature):
        return False
    return True


@lru_cache(maxsize=64)
def normalize_region_set(region_set: str) -> str:
    """``"*"`` or a comma-separated region list, spaces removed (``us-east-1,us-west-2``)."""
    regions = [r.strip() for r in region_set.split(",")]
    if not region_set.strip() or any(not r or any(c.isspace() for c in r) for r in regions):
        raise ValueError(
            f"invalid SigV4a region set {region_set!r}: use '*' or a comma-separated list "
            "such as 'us-east-1,us-west-2'"
        )
    return ",".join(regions)


def _check_payload_hash(payload_hash: str | None) -> None:
    """Reject SigV4 (HMAC) streaming markers: SigV4a streams use the ECDSA ones."""
    if payload_hash is not None and payload_hash.startswith("STREAMING-AWS4-HMAC-SHA256"):
        raise ValueError(
            f"payload hash {payload_hash!r} is for SigV4; SigV4a aws-chunked uploads use "
            "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD (or its -TRAILER form)"
        )


def sign_headers(
    method: str,
    url: str,
    headers: rq.HeadersInput,
    body: bytes | str | None,
    *,
    credentials: Credentials,
    region_set: str,
    service: str,
    time: datetime,
    settings: SigningSettings,
    payload_hash: str | None,
) -> SignedRequest:
    """Sign with SigV4a in the ``Authorization`` header (``X-Amz-Region-Set`` added and signed)."""
    regions = normalize_region_set(region_set)
    if payload_hash is not None:
        _check_payload_hash(payload_hash)
    # The cached signer (fails early, with cryptography missing, before any work).
    signature = (_KEYS.get((credentials.access_key, credentials.secret_key)) or _key_entry(credentials))[1]
    date_time = rq.amz_date(time)
    scope = f"{date_time[:8]}/{service}/aws4_request"
    fast = _fast.sign_headers(
        method, url, headers, body, credentials, settings, payload_hash, date_time, scope, regions, signature
    )
    if fast is not None:
        return fast
    return sign_with(
        method, url, headers, body, credentials, settings, payload_hash,
        ALGORITHM, date_time, scope, signature, (("X-Amz-Region-Set", regions),),
    )


def presign_query(
    method: str,
    url: str,
    headers: rq.HeadersInput,
    body: bytes | str | None,
    *,
    credentials: Credentials,
    region_set: str,
    service: str,
    time: datetime,
    expires: int,
    settings: SigningSettings,
    payload_hash: str | None,
) -> SignedRequest:
    """A SigV4a presigned URL (``X-Amz-Region-Set`` is a signed query parameter)."""
    regions = normalize_region_set(region_set)
    signature = (_KEYS.get((credentials.access_key, credentials.secret_key)) or _key_entry(credentials))[1]
    date_time = rq.amz_date(time)
    scope = f"{date_time[:8]}/{service}/aws4_request"
    fast = _fast.presign_query(
        method, url, headers, body, credentials, settings, payload_hash, expires, date_time, scope, regions, signature
    )
    if fast is not None:
        return fast
    return presign_with(
        method, url, headers, body, credentials, settings, payload_hash, expires,
        ALGORITHM, date_time, scope, signature, (("X-Amz-Region-Set", regions),),
    )


def pad_chunk_signature(signature: str) -> str:
    """A chunk signature right-padded with ``*`` to :data:`CHUNK_SIGNATURE_LENGTH`."""
    return signature.ljust(CHUNK_SIGNATURE_LENGTH, CHUNK_SIGNATURE_PADDING)


def chunk_signer_for(signed: SignedRequest, credentials: Credentials, *, pad: bool = True) -> ChunkSigner:
    """The chunk signer that continues a SigV4a seed request ``signed`` (aws-chunked).

    Sign the seed with ``payload_hash=STREAMING_ECDSA_PAYLOAD`` (or
    ``STREAMING_ECDSA_PAYLOAD_TRAILER``).  Chunks are signed with
    ``AWS4-ECDSA-P256-SHA256-PAYLOAD`` (trailer: ``-TRAILER``), each string
    to sign chaining the previous signature without padding.  With ``pad``
    (the default) the signatures returned, and so written on the wire, are
    padded with ``*`` to 144 characters, so every frame has the same size and
    ``encoded_length(..., signature_length=CHUNK_SIGNATURE_LENGTH)`` is exact.
    """
    if not signed.credential_scope or not signed.amz_date:
        raise ValueError("chunk_signer_for needs the SignedRequest of a signed seed request")
    signature = signer_for(credentials)
    sign = signature
    if pad:
        def sign(sts: str) -> str:
            return pad_chunk_signature(signature(sts))
    return ChunkSigner(
        amz_date=signed.amz_date,
        scope=signed.credential_scope,
        seed_signature=signed.signature,
        signature_of=sign,
        algorithm=ALGORITHM,
    )
