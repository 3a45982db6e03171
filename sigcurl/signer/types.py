"""Value types of the signer: credentials, settings and signed results.

All are immutable, typed named tuples: as safe as frozen dataclasses, but
created in a fraction of the time (a dataclass costs about a millisecond
of start-up each, and a frozen one's ``__init__`` microseconds per
signature).  Secrets are redacted by construction: the ``repr`` of
:class:`Credentials` never shows the secret key or the session token, so a
stray log line or traceback cannot leak them.
"""

# No `from __future__ import annotations`: typing.NamedTuple turns string annotations into
# ForwardRefs one by one, which made this module take twice as long to import (start-up time).

from typing import NamedTuple


class Credentials(NamedTuple):
    """An AWS access key pair, optionally with a session token."""

    access_key: str
    secret_key: str
    session_token: str | None = None

    def __repr__(self) -> str:
        token = ", session_token=<redacted>" if self.session_token else ""
        return f"Credentials(access_key={self.access_key!r}, secret_key=<redacted>{token})"


UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_PAYLOAD_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_PAYLOAD_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
STREAMING_ECDSA_PAYLOAD = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
STREAMING_ECDSA_PAYLOAD_TRAILER = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


class SigningSettings(NamedTuple):
    """The variants of SigV4 as settings (not subclasses).

    ``normalize_path``: remove ``.``/``..`` segments and collapse ``//``
    (every service but S3).  ``double_encode``: percent-encode the
    already-encoded path again (every service but S3).
    ``content_sha256_header``: send and sign ``x-amz-content-sha256``
    (required by S3).  ``sign_session_token``: include the session token in
    the signature; when False it is still sent, added after signing (a few
    services, e.g. IoT, want that).  ``unsigned_presign_payload``: presigned
    URLs use ``UNSIGNED-PAYLOAD`` (S3).
    """

    normalize_path: bool = True
    double_encode: bool = True
    content_sha256_header: bool = False
    sign_session_token: bool = True
    unsigned_presign_payload: bool = False


class SignedRequest(NamedTuple):
    """What the signer returns: the request to send and how it was signed.

    ``headers`` are the (name, value) pairs to send, in order, including
    Host, X-Amz-Date, Authorization and, where used, X-Amz-Content-SHA256 and
    X-Amz-Security-Token.  For a presigned request ``url`` carries every
    ``X-Amz-*`` parameter and ``headers`` only the signed request headers.
    ``canonical_request`` and ``string_to_sign`` are the exact text hashed.
    """

    method: str
    url: str
    headers: list[tuple[str, str]]
    canonical_request: str
    string_to_sign: str
    signature: str
    signed_headers: str = ""
    credential_scope: str = ""
    payload_hash: str = ""
    amz_date: str = ""

    def __repr__(self) -> str:
        return (
            f"SignedRequest(method={self.method!r}, url={_redact_url(self.url)!r}, "
            f"signed_headers={self.signed_headers!r}, signature=<redacted>)"
        )


def _redact_url(url: str) -> str:
    i = url.find("X-Amz-Security-Token=")
    if i < 0:
        return url
    j = url.find("&", i)
    return url[: i + 21] + "<redacted>" + (url[j:] if j >= 0 else "")
