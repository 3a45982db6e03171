"""``-v`` request and response lines, ``-i``/``-I`` head blocks and ``--debug-signature`` text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sigcurl.output.redact import redact_header, redact_url, secret_forms
from sigcurl.output.stderr import Stderr


class ResponseHead(Protocol):
    """The status line and headers of a response (the transport's ``Response`` is one)."""

    http_version: str
    status: int
    reason: str
    headers: list[tuple[str, str]]


def request_target(url: str) -> str:
    """The request-target of an absolute URL (path and query)."""
    rest = url.split("://", 1)[-1]
    slash = rest.find("/")
    q = rest.find("?")
    if slash < 0 or 0 <= q < slash:
        return "/" + (rest[q:] if q >= 0 else "")
    return rest[slash:]


def signed_http(method: str, url: str, headers: Sequence[tuple[str, str]], body_length: int | None, *, first: bool) -> bytes:
    """``--sign-only``'s HTTP form: the request line, the signed headers and the Content-Length to send;
    a blank line before every request but the first."""
    lines = [f"{method} {request_target(url)} HTTP/1.1", *(f"{n}: {v}" for n, v in headers)]
    if body_length is not None and not any(n.lower() == "content-length" for n, _ in headers):
        lines.append(f"Content-Length: {body_length}")
    return (("" if first else "\n") + "\n".join(lines) + "\n").encode()


def url_host(url: str) -> str:
    """The host[:port] of an absolute URL, without user info (for messages)."""
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2]


def verbose_request(err: Stderr, method: str, url: str, headers: Sequence[tuple[str, str]]) -> None:
    """``-v``: the request as sent, ``> `` lines, signature and token redacted."""
    lines = [f"> {method} {redact_url(request_target(url))} HTTP/1.1"]
    lines += [f"> {n}: {redact_header(n, v)}" for n, v in headers]
    err.write("\n".join(lines) + "\n>\n")


def verbose_response(err: Stderr, resp: ResponseHead) -> None:
    """``-v``: the response status line and headers, ``< `` lines."""
    lines = [f"< {resp.http_version} {resp.status} {resp.reason}".rstrip()]
    lines += [f"< {n}: {redact_header(n, v)}" for n, v in resp.headers]
    err.write("\n".join(lines) + "\n<\n")


def head_block(resp: ResponseHead) -> bytes:
    """``-i``/``-I``: the status line and headers as curl writes them."""
    lines = [f"{resp.http_version} {resp.status} {resp.reason}".rstrip()]
    lines += [f"{n}: {v}" for n, v in resp.headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")


def debug_signature(canonical_request: str, string_to_sign: str, session_token: str | None) -> str:
    """``--debug-signature``: the exact texts that were hashed, the session token masked."""
    text = f"--- canonical request ---\n{canonical_request}\n--- string to sign ---\n{string_to_sign}\n---\n"
    if session_token:  # in a header as is, in a presigned query URI-encoded
        for form in secret_forms(session_token):
            text = text.replace(form, "<session-token>")
    return text


def duration_text(seconds: float) -> str:
    """``3725`` -> ``1 h 2 min 5 s``."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = ([f"{hours} h"] if hours else []) + ([f"{minutes} min"] if minutes else []) + [f"{secs} s"]
    return " ".join(parts)
