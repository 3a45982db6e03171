"""Redirect hops (pure): the URL a ``Location`` names, the next request with curl's method rules, --max-redirs.

:func:`hop_url` refuses what curl refuses: a ``Location`` that is not a URL
(exit 3) and a scheme other than http/https (exit 1; sigcurl fetches only
those).  :func:`redirect_request` turns a POST into a GET on 301/302/303 as
curl does; :func:`redirect_error` is curl's exit 47.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from sigcurl.curlopts import HttpRequest
from sigcurl.errors import ExitCode, TransferError


def redirect_error(redirects: int, limit: int) -> TransferError | None:
    """curl's error 47 when one more redirect is more than ``limit`` (-1: no limit), else None."""
    if 0 <= limit < redirects + 1:
        return TransferError(
            f"maximum ({limit}) redirects followed", "raise --max-redirs, or check the redirect loop",
            exit_code=ExitCode.TOO_MANY_REDIRECTS,
        )
    return None


def redirect_request(request: HttpRequest, status: int, url: str) -> HttpRequest:
    """The next hop of a redirect, with curl's method rules (POST becomes GET on 301/302/303)."""
    method, body, headers = request.method, request.body, request.headers
    if status == 303 and method != "HEAD" or status in (301, 302) and method == "POST":
        method = "GET"
        body = None
        headers = [(n, v) for n, v in headers if n.lower() not in ("content-type", "content-length")]
    return HttpRequest(method=method, url=url, headers=list(headers), body=body)


def hop_url(base: str, location: str) -> tuple[str, TransferError | None]:
    """The absolute URL a ``Location`` names, or the error of following it: a URL that cannot be parsed
    (exit 3) or a scheme other than http/https (exit 1), as curl reports them."""
    try:
        target = urljoin(base, location.strip())
        parts = urlsplit(target)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        return "", TransferError(f"the redirect's Location is not a valid URL ({exc})", "the server sent a broken redirect",
                                 exit_code=ExitCode.BAD_URL)
    if parts.scheme.lower() not in ("http", "https"):
        return "", TransferError(f"not following the redirect to {parts.scheme or '(no scheme)'}: (only http and https)",
                                 "fetch that URL with a tool for its protocol", exit_code=ExitCode.UNSUPPORTED_PROTOCOL)
    if not parts.hostname or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return "", TransferError("the redirect's Location is not a valid URL (no host, or control characters)",
                                 "the server sent a broken redirect", exit_code=ExitCode.BAD_URL)
    return target, None
