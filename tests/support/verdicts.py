"""The verifier's vocabulary: signing constants, accepted keys, what was seen of a body, the verdict, the failure.

Shared by :mod:`support.verifier` (the request checks), :mod:`support.aws_chunked`
(streaming bodies) and the server modules that record requests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
V4_ALGORITHM = "AWS4-HMAC-SHA256"
V4A_ALGORITHM = "AWS4-ECDSA-P256-SHA256"
STREAMING_V4 = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_V4_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_V4A = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
STREAMING_V4A_TRAILER = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
STREAMING_MODES = frozenset(
    {STREAMING_V4, STREAMING_V4_TRAILER, STREAMING_V4A, STREAMING_V4A_TRAILER, STREAMING_UNSIGNED_TRAILER}
)
CHECKSUM_ALGORITHMS = ("crc32", "crc32c", "crc64nvme", "sha1", "sha256")


@dataclass(frozen=True)
class Key:
    """A credential the server accepts: secret looked up by access key id."""

    access_key: str
    secret_key: str
    session_token: str | None = None


@dataclass
class AwsChunk:
    """One frame of an ``aws-chunked`` body as received."""

    size: int
    signature: str | None
    sha256: str


@dataclass
class BodyInfo:
    """What the server saw of a request body (after HTTP transfer decoding).

    ``data``/``payload`` are ``None`` when the body was larger than the
    server's storage limit; sizes and SHA-256 digests are always present.
    For a non aws-chunked body ``payload`` is the body itself.
    """

    size: int = 0
    sha256: str = EMPTY_SHA256
    data: bytes | None = b""
    aws_chunked: bool = False
    chunks: list[AwsChunk] = field(default_factory=list)
    trailers: list[tuple[str, str]] = field(default_factory=list)
    payload_size: int = 0
    payload_sha256: str = EMPTY_SHA256
    payload: bytes | None = b""
    checksums: dict[str, str] = field(default_factory=dict)
    framing_error: str | None = None


@dataclass
class Verification:
    """Result of verifying one request.

    ``ok`` is the verdict and ``reason`` says why (``"ok"`` when it passed).
    ``code`` is the AWS error code a real endpoint would answer with.
    ``canonical_request``/``string_to_sign`` are what this verifier computed
    (``None`` if it did not get that far).
    """

    ok: bool = False
    reason: str = "not verified"
    code: str = "AccessDenied"
    mode: str = "none"  # "header" | "query" | "none"
    algorithm: str | None = None
    access_key: str | None = None
    credential_scope: str | None = None
    region: str | None = None
    service: str | None = None
    amz_date: str | None = None
    signed_headers: list[str] = field(default_factory=list)
    signature: str | None = None
    expected_signature: str | None = None
    canonical_request: str | None = None
    string_to_sign: str | None = None
    payload_mode: str | None = None
    chunks_verified: int = 0
    chunk_strings_to_sign: list[str] = field(default_factory=list)
    trailer_string_to_sign: str | None = None
    checksums_verified: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class VerifyError(Exception):
    """A verification failure carrying the AWS error code a server would use."""

    def __init__(self, reason: str, code: str = "SignatureDoesNotMatch") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def get_all(headers: Sequence[tuple[str, str]], name: str) -> list[str]:
    """Every value of header ``name`` (case-insensitive), in received order."""
    lname = name.lower()
    return [v for n, v in headers if n.lower() == lname]


def one(values: list[str], what: str) -> str:
    """The only value (VerifyError when there are none or several)."""
    if len(values) != 1:
        code = "AuthorizationQueryParametersError" if what.startswith("X-Amz-") else "InvalidRequest"
        raise VerifyError(f"{what} present {len(values)} times (need exactly once)", code)
    return values[0]
