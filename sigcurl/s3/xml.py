"""The XML of S3's multipart calls: the few fields read from answers (bounded), the body of CompleteMultipartUpload.

Answers are read with linear scans of at most :data:`READ_LIMIT` bytes
(no XML parser, no entity expansion beyond the five predefined ones);
errors (``<Error>``, also inside a 200 answer to CompleteMultipartUpload)
are :func:`sigcurl.awserror.parse_aws_error`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

#: The bytes of an answer that are read (CreateMultipartUpload's and CompleteMultipartUpload's are < 2 KiB).
READ_LIMIT = 64 << 10
NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"


class DonePart(NamedTuple):
    """A part S3 accepted: its number, ETag and checksum (``x-amz-checksum-*`` value, or None)."""

    number: int
    etag: str
    checksum: str | None
    size: int


def first_text(body: bytes, tag: str) -> str | None:
    """The text of the first ``<tag>...</tag>`` in the first :data:`READ_LIMIT` bytes, entities decoded."""
    import html

    body = body[:READ_LIMIT]
    opening = b"<" + tag.encode() + b">"
    start = body.find(opening)
    if start < 0:
        return None
    start += len(opening)
    end = body.find(b"</" + tag.encode() + b">", start)
    if end < 0:
        return None
    return html.unescape(body[start:end].decode("utf-8", "replace")).strip()


def complete_body(parts: Sequence[DonePart], algorithm: str | None) -> bytes:
    """The CompleteMultipartUpload request body: each part's number, ETag and checksum, in order."""
    from xml.sax.saxutils import escape

    tag = _checksum_tag(algorithm) if algorithm else None
    rows = [f'<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload xmlns="{NAMESPACE}">']
    for p in parts:
        row = f"<Part><PartNumber>{p.number}</PartNumber><ETag>{escape(p.etag)}</ETag>"
        if tag and p.checksum:
            row += f"<{tag}>{escape(p.checksum)}</{tag}>"
        rows.append(row + "</Part>")
    rows.append("</CompleteMultipartUpload>")
    return "".join(rows).encode()


def _checksum_tag(algorithm: str) -> str:
    """``crc64nvme`` -> ``ChecksumCRC64NVME`` (the element of a part's checksum)."""
    return "Checksum" + algorithm.upper()
