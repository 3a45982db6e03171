"""sigcurl: curl for AWS-signed HTTP, and a pure SigV4/SigV4a signer.

The library API::

    import sigcurl
    signed = sigcurl.sign("GET", url, credentials=sigcurl.Credentials(ak, sk),
                          region="us-east-1", service="execute-api", time=now)
    url = sigcurl.presign("GET", url, ..., expires=3600).url

Every name is loaded on first use, so ``import sigcurl`` (and the
command's ``--help``, which imports this package) costs next to nothing;
the signer imports no HTTP stack, ``SigV4Auth`` (a requests auth class)
imports requests, and the credential chain imports what a source needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sigcurl.auth import SigV4Auth
    from sigcurl.credentials import ResolvedCredentials, resolve_credentials
    from sigcurl.signer import ChunkSigner, Credentials, SignedRequest, SigningSettings, presign, sign

from sigcurl._version import __version__ as __version__

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

_SIGNER_NAMES = frozenset({"ChunkSigner", "Credentials", "SignedRequest", "SigningSettings", "presign", "sign"})


def __getattr__(name: str) -> Any:
    if name in _SIGNER_NAMES:
        import sigcurl.signer as signer

        value = getattr(signer, name)
    elif name == "SigV4Auth":
        from sigcurl.auth import SigV4Auth as value
    elif name in ("resolve_credentials", "ResolvedCredentials"):
        import sigcurl.credentials as credentials

        value = getattr(credentials, name)
    else:
        raise AttributeError(f"module 'sigcurl' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
