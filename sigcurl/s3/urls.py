"""``s3://BUCKET/KEY`` (the AWS CLI's spelling) as the HTTPS URL the SDKs send to (pure).

* virtual-hosted, ``https://BUCKET.s3.REGION.amazonaws.com/KEY``, when the
  bucket name is a valid TLS host label (lower-case letters, digits and
  hyphens, 3 to 63 characters);
* path-style, ``https://s3.REGION.amazonaws.com/BUCKET/KEY``, when it is
  not (a name with dots would not match the ``*.s3.REGION.amazonaws.com``
  certificate; legacy names with upper case or underscores);
* ``amazonaws.com.cn`` for the China regions.

The key, a query and a glob pattern are kept as typed (curl's URL rules
and globbing apply to the result).  The region is the caller's: ``--region``,
else the configured one (environment, profile), else ``us-east-1``; if the
bucket lives elsewhere, the transport's S3 region correction moves there.
"""

from __future__ import annotations

from sigcurl.errors import BadURLError

SCHEME = "s3://"
_LABEL = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_BUCKET = _LABEL | frozenset("._ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def is_s3_url(url: str) -> bool:
    """Whether ``url`` is written ``s3://...``."""
    return url[:5].lower() == SCHEME


def s3_https_url(url: str, region: str) -> str:
    """The HTTPS URL of ``s3://BUCKET[/KEY][?QUERY]`` in ``region``."""
    rest = url.strip()[5:]
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    bucket, tail = rest[:cut], rest[cut:]
    if not bucket or not 3 <= len(bucket) <= 255 or not _BUCKET.issuperset(bucket):
        raise BadURLError(f"bad bucket name in {url!r}", "write it as s3://BUCKET/KEY (e.g. s3://my-bucket/backups/db.sql)")
    if tail.startswith("?"):
        tail = "/" + tail
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    if virtual_hosted(bucket):
        return f"https://{bucket}.s3.{region}.{domain}{tail or '/'}"
    return f"https://s3.{region}.{domain}/{bucket}{tail}"


def virtual_hosted(bucket: str) -> bool:
    """Whether ``bucket`` can be the first label of a TLS host name (no dots, DNS-safe)."""
    return (3 <= len(bucket) <= 63 and _LABEL.issuperset(bucket) and bucket[0] != "-" and bucket[-1] != "-")
