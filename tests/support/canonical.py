"""The canonical request, computed by botocore for the raw request-target and the signed headers (never sigcurl)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import unquote

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials


class _CanonicalMixin:
    """Feeds botocore exactly the signed headers and a precomputed payload hash."""

    signed: list[tuple[str, str]]
    payload_hash: str
    normalize_paths: bool

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        headers = HTTPHeaders()
        for name, value in self.signed:
            headers[name] = value
        return headers

    def payload(self, request: AWSRequest) -> str:
        return self.payload_hash


class _PlainCanonical(_CanonicalMixin, SigV4Auth):
    def _normalize_url_path(self, path: str) -> str:
        if self.normalize_paths:
            return str(SigV4Auth._normalize_url_path(self, path))
        from urllib.parse import quote

        return quote(path or "/", safe="/~")


class _S3Canonical(_CanonicalMixin, S3SigV4Auth):
    pass


def split_target(target: str) -> tuple[str, str]:
    """The path and the raw query of a request-target (origin or absolute form)."""
    if target.startswith(("http://", "https://")):  # absolute-form
        rest = target.split("://", 1)[1]
        slash = rest.find("/")
        target = rest[slash:] if slash >= 0 else "/"
    path, _, query = target.partition("?")
    return path, query


def query_pairs(query: str) -> list[tuple[str, str]]:
    """Decoded ``(key, value)`` pairs of a raw query; ``+`` stays a plus."""
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        pairs.append((unquote(k), unquote(v)))
    return pairs


def canonical_request(
    *,
    method: str,
    target: str,
    signed: list[tuple[str, str]],
    params: Sequence[tuple[str, str]],
    payload_hash: str,
    s3: bool,
    normalize_paths: bool = True,
) -> str:
    """Canonical request computed by botocore for the raw target and headers."""
    path, _ = split_target(target)
    creds = Credentials("unused", "unused")
    auth: _CanonicalMixin
    auth = _S3Canonical(creds, "s3", "us-east-1") if s3 else _PlainCanonical(creds, "service", "us-east-1")
    auth.signed = signed
    auth.payload_hash = payload_hash
    auth.normalize_paths = normalize_paths
    request = AWSRequest(method=method, url="http://verifier.invalid" + (path or "/"))
    request.params = list(params)
    # The payload hash always comes from payload(): botocore would otherwise
    # read X-Amz-Content-SHA256 from request.headers, which we leave empty.
    return str(auth.canonical_request(request))  # type: ignore[attr-defined]
