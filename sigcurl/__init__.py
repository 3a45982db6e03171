"""sigcurl: curl for AWS-signed HTTP, and a pure SigV4/SigV4a signer.

The library API::

    import sigcurl
    signed = sigcurl.sign("GET", url, credentials=sigcurl.Credentials(ak, sk),
                          region="us-east-1", service="execute-api", time=now)
    url = sigcurl.presign("GET", url, ..., expires=3600).url

Importing this package imports no HTTP stack: ``SigV4Auth`` (a requests
auth class) and the credential chain are loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sigcurl.signer import ChunkSigner, Credentials, SignedRequest, SigningSettings, presign, sign

if TYPE_CHECKING:
    from sigcurl.auth import SigV4Auth
    from sigcurl.credentials import ResolvedCredentials, resolve_credentials

__version__ = "0.1.0"

__all__ = [
    "ChunkSigner",
    "Credentials",
    "ResolvedCredentials",
    "SigV4Auth",
    "SignedRequest",
    "SigningSettings",
    "presign",
    "resolve_credentials",
    "sign",
]


def __getattr__(name: str) -> Any:
    if name == "SigV4Auth":
        from sigcurl.auth import SigV4Auth

        return SigV4Auth
    if name in ("resolve_credentials", "ResolvedCredentials"):
        import sigcurl.credentials as credentials

        return getattr(credentials, name)
    raise AttributeError(f"module 'sigcurl' has no attribute {name!r}")
