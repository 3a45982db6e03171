"""Per-service presets of :class:`~sigcurl.signer.types.SigningSettings`.

S3 and its relatives (s3-outposts, s3-object-lambda, s3express) sign the
path encoded once and not normalised, and require ``x-amz-content-sha256``;
their presigned URLs use ``UNSIGNED-PAYLOAD``.  Every other service uses
the defaults of the SigV4 specification.
"""

from __future__ import annotations

from sigcurl.signer.types import SigningSettings

S3_SERVICES = frozenset({"s3", "s3-outposts", "s3-object-lambda", "s3express"})

DEFAULT = SigningSettings()
S3 = SigningSettings(
    normalize_path=False,
    double_encode=False,
    content_sha256_header=True,
    unsigned_presign_payload=True,
)


def resolve(
    service: str,
    normalize_path: bool | None = None,
    double_encode: bool | None = None,
    content_sha256_header: bool | None = None,
    sign_session_token: bool = True,
) -> SigningSettings:
    """The service's preset (:data:`S3` or :data:`DEFAULT`) with the explicitly given settings applied.

    Positional parameters on purpose: ``sign`` and ``presign`` call this for
    every signature, and a call with keywords costs measurably more.
    """
    base = S3 if service in S3_SERVICES else DEFAULT
    if normalize_path is None and double_encode is None and content_sha256_header is None and sign_session_token:
        return base
    return SigningSettings(
        normalize_path=base.normalize_path if normalize_path is None else normalize_path,
        double_encode=base.double_encode if double_encode is None else double_encode,
        content_sha256_header=(
            base.content_sha256_header if content_sha256_header is None else content_sha256_header
        ),
        sign_session_token=sign_session_token,
        unsigned_presign_payload=base.unsigned_presign_payload,
    )
