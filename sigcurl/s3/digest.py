"""A whole-object digest the user gave for an upload that goes multipart, checked by sigcurl itself.

``-H 'Content-MD5: …'``, ``-H 'x-amz-checksum-sha1: …'`` or ``-H
'x-amz-checksum-sha256: …'`` describe the whole body. On a single PUT, S3
checks them (``BadDigest``). A multipart upload cannot carry them: S3 checks
an MD5 per part only, and a SHA checksum of a multipart object is a checksum
of the parts' checksums (``COMPOSITE``). (A whole-object CRC is sent on
CompleteMultipartUpload as ``FULL_OBJECT`` and S3 checks it:
:func:`sigcurl.s3.multipart.claimed_checksum`.) So that the user's digest is
never silently dropped, the parts are hashed in order as they are handed out
and the digest compared before CompleteMultipartUpload is sent: a mismatch
ends the upload as S3's ``BadDigest`` would end a single PUT, and the upload
is aborted.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import Any

from sigcurl.errors import ExitCode, SigcurlError

#: The headers of a whole-object digest S3 cannot check on a multipart upload, and their hash.
CLAIMS = {"content-md5": "md5", "x-amz-checksum-sha1": "sha1", "x-amz-checksum-sha256": "sha256"}


class DigestMismatch(SigcurlError):
    """The object is not what the user's digest header claims (S3's ``BadDigest``; exit 22)."""


class WholeObjectDigest:
    """The digest a header claims, and the running hash of the object's bytes in order."""

    __slots__ = ("header", "claimed", "_hash")

    def __init__(self, header: str, algorithm: str, claimed: str) -> None:
        self.header = header
        self.claimed = claimed
        self._hash: Any = hashlib.new(algorithm)

    def update(self, chunk: bytes) -> None:
        """Hash the object's next bytes (parts in order)."""
        self._hash.update(chunk)

    def check(self) -> None:
        """Raise (exit 22, as for S3's ``BadDigest``) when the object is not what the header claims."""
        ours = base64.b64encode(self._hash.digest()).decode("ascii")
        if ours != self.claimed:
            raise DigestMismatch(f"the object's digest is {ours}, not the {self.header} given ({self.claimed}): "
                                 "S3 would refuse it (BadDigest)",
                                 f"check the {self.header} value against the body you send", exit_code=ExitCode.HTTP_ERROR)


def claimed_digests(headers: Sequence[tuple[str, str]]) -> list[WholeObjectDigest]:
    """Every whole-object MD5 or SHA digest among ``headers`` (see the module's docstring): each is checked."""
    return [WholeObjectDigest(name, CLAIMS[name.lower()], value.strip()) for name, value in headers if name.lower() in CLAIMS]
