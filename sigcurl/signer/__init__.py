"""The pure signer: no I/O, no clock, no environment.

Time, credentials and settings come in as arguments; the canonical request,
string to sign, signature and headers come out.  One module per step:
``canonical`` (URI, query, headers), ``request`` (parsing), ``keys``
(derivation), ``sigv4`` (header signing), ``presign`` (query signing),
``chunks`` (aws-chunked), ``sigv4a`` (ECDSA, imported only when used).
"""

from __future__ import annotations

from sigcurl.signer.chunks import ChunkSigner
from sigcurl.signer.presign import presign
from sigcurl.signer.sigv4 import sign
from sigcurl.signer.types import Credentials, SignedRequest, SigningSettings

__all__ = ["ChunkSigner", "Credentials", "SignedRequest", "SigningSettings", "presign", "sign"]
