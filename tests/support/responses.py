"""The test server's answers: scripted :class:`Response` objects, generated bodies, AWS-style rejections.

A :class:`Response` says what to send and how to misbehave (delay, stall,
drop, truncate, skewed ``Date``); :func:`rejection` is the 403/400 an AWS
endpoint sends for a bad signature, with what the verifier computed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from .verdicts import Verification


def generate_body(size: int, block: bytes = b"x", piece: int = 1 << 20) -> Iterator[bytes]:
    """Yield ``size`` bytes (``block`` repeated) in ``piece``-sized parts, never all at once."""
    unit = (block * (piece // max(1, len(block)) + 1))[:piece]
    remaining = size
    while remaining > 0:
        part = unit if remaining >= len(unit) else unit[:remaining]
        remaining -= len(part)
        yield part


@dataclass
class Response:
    """One scripted answer.

    * ``body``: bytes/str, or an iterable of bytes (streamed; sent with
      ``Transfer-Encoding: chunked`` unless ``content_length`` is given).
    * ``content_length``: the declared length (default: ``len(body)``).
    * ``truncate``: send only this many body bytes, then close the connection
      (the declared Content-Length stays), i.e. a truncated body.
    * ``delay``: seconds to wait before answering anything;
      ``stall``: seconds to wait between the headers and the body.
    * ``drop``: close the connection without answering (after ``delay``).
    * ``date_skew``: the ``Date`` header is the server clock plus this many
      seconds (a ``Date`` header with the server clock is always sent).
    * ``close``: send ``Connection: close`` and close after answering.
    """

    status: int = 200
    headers: Sequence[tuple[str, str]] | Mapping[str, str] = ()
    body: bytes | str | Iterable[bytes] = b""
    content_length: int | None = None
    reason: str | None = None
    delay: float = 0.0
    stall: float = 0.0
    drop: bool = False
    truncate: int | None = None
    date_skew: float = 0.0
    close: bool = False

    @classmethod
    def json(cls, obj: Any, status: int = 200, **kwargs: Any) -> Response:
        """A JSON answer."""
        headers = [("Content-Type", "application/json")] + list(header_items(kwargs.pop("headers", ())))
        return cls(status=status, headers=headers, body=json.dumps(obj).encode(), **kwargs)

    @classmethod
    def redirect(cls, location: str, status: int = 302, **kwargs: Any) -> Response:
        """A redirect to ``location`` (absolute or relative)."""
        headers = [("Location", location)] + list(header_items(kwargs.pop("headers", ())))
        return cls(status=status, headers=headers, **kwargs)

    @classmethod
    def generated(cls, size: int, block: bytes = b"x", **kwargs: Any) -> Response:
        """A large body generated on the fly (``size`` bytes, Content-Length set)."""
        return cls(body=generate_body(size, block), content_length=size, **kwargs)

    @classmethod
    def aws_error(cls, code: str, message: str, status: int = 400, **kwargs: Any) -> Response:
        """An S3-style XML error body."""
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>'
            + escape(code)
            + "</Code><Message>"
            + escape(message)
            + "</Message></Error>"
        ).encode()
        headers = [("Content-Type", "application/xml")] + list(header_items(kwargs.pop("headers", ())))
        return cls(status=status, headers=headers, body=body, **kwargs)


def header_items(headers: Sequence[tuple[str, str]] | Mapping[str, str]) -> list[tuple[str, str]]:
    """Header pairs from a list of pairs or a mapping."""
    return list(headers.items()) if isinstance(headers, Mapping) else list(headers)


def rejection(v: Verification) -> Response:
    """The 403 an AWS endpoint would send, S3-style, with what we computed."""
    bad_request = ("InvalidRequest", "InvalidArgument", "AuthorizationHeaderMalformed", "IncompleteBody", "BadDigest", "XAmzContentSHA256Mismatch")
    status = 400 if v.code in bad_request else 403
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>',
        f"<Code>{escape(v.code or 'AccessDenied')}</Code>",
        f"<Message>{escape(v.reason)}</Message>",
    ]
    if v.access_key:
        parts.append(f"<AWSAccessKeyId>{escape(v.access_key)}</AWSAccessKeyId>")
    if v.string_to_sign is not None:
        parts.append(f"<StringToSign>{escape(v.string_to_sign)}</StringToSign>")
    if v.signature:
        parts.append(f"<SignatureProvided>{escape(v.signature)}</SignatureProvided>")
    if v.canonical_request is not None:
        parts.append(f"<CanonicalRequest>{escape(v.canonical_request)}</CanonicalRequest>")
    parts.append("</Error>")
    return Response(status=status, headers=[("Content-Type", "application/xml")], body="".join(parts).encode())


REASONS = {
    100: "Continue", 200: "OK", 201: "Created", 204: "No Content", 206: "Partial Content",
    301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
    307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
    409: "Conflict", 413: "Content Too Large", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}
