"""Network exceptions as curl's exit codes, decided by exception type (never by message text).

requests wraps urllib3, which wraps the socket and ssl errors: the cause of
a failure sits somewhere in ``__cause__``, ``__context__``, the arguments,
or urllib3's ``reason`` / ``original_error``.  :func:`causes` walks that
chain (bounded), and :func:`map_exception` classifies it with
``isinstance`` in curl's order: proxy, TLS, resolve, timeout, decoding,
a broken response, a refused connection.  :func:`before_sending` says
whether any byte of the request can have been sent (so any method may be
retried).
"""

from __future__ import annotations

import http.client
import socket
import ssl
from urllib.parse import urlsplit

import requests
import urllib3.exceptions as u3

from sigcurl.errors import ExitCode, SigcurlError, TransferError

_MAX_CHAIN = 16

#: urllib3 before 2.0 has no NameResolutionError (its gaierror is in the chain then).
_NAME_RESOLUTION: tuple[type[BaseException], ...] = (socket.gaierror,) + (
    (u3.NameResolutionError,) if hasattr(u3, "NameResolutionError") else ()
)
_TIMEOUTS = (requests.exceptions.Timeout, u3.TimeoutError, TimeoutError)
try:  # urllib3's own hostname check (used when OpenSSL's is off)
    from urllib3.util.ssl_match_hostname import CertificateError as _U3CertificateError
except ImportError:  # pragma: no cover - urllib3 < 2
    _U3CertificateError = ssl.CertificateError  # type: ignore[assignment,misc]
_CERTIFICATE = (ssl.SSLCertVerificationError, _U3CertificateError)
_TLS = (requests.exceptions.SSLError, u3.SSLError, ssl.SSLError) + _CERTIFICATE
_PROXY = (requests.exceptions.ProxyError, u3.ProxyError)
_DECODING = (requests.exceptions.ContentDecodingError, u3.DecodeError)
_BROKEN = (u3.ProtocolError, requests.exceptions.ChunkedEncodingError)
_BEFORE_SENDING = (u3.NewConnectionError, u3.ConnectTimeoutError, requests.exceptions.ConnectTimeout,
                   ConnectionRefusedError) + _NAME_RESOLUTION


def causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it wraps, breadth first, each once (at most 16)."""
    out: list[BaseException] = []
    queue: list[BaseException] = [exc]
    while queue and len(out) < _MAX_CHAIN:
        cur = queue.pop(0)
        if any(cur is seen for seen in out):
            continue
        out.append(cur)
        linked = [getattr(cur, "reason", None), getattr(cur, "original_error", None), cur.__cause__, cur.__context__,
                  *cur.args]
        queue.extend(e for e in linked if isinstance(e, BaseException))
    return out


def _any(chain: list[BaseException], kinds: tuple[type[BaseException], ...]) -> bool:
    return any(isinstance(e, kinds) for e in chain)


def _timeout(chain: list[BaseException]) -> bool:
    # urllib3's NewConnectionError subclasses ConnectTimeoutError (for compatibility): not a timeout.
    return any(isinstance(e, _TIMEOUTS) and not isinstance(e, u3.NewConnectionError) for e in chain)


def before_sending(exc: BaseException) -> bool:
    """Whether a failure happened before any byte of the request was sent (so any method may retry)."""
    return _any(causes(exc), _BEFORE_SENDING)


def closed_unanswered(exc: BaseException) -> bool:
    """Whether the server closed (or reset) the connection before any byte of an answer: on a reused
    keep-alive connection, the server had closed it while idle (curl and urllib3 resend once)."""
    chain = causes(exc)
    return _any(chain, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)) \
        and not _any(chain, (u3.ReadTimeoutError, TimeoutError))


def send_failure(mapped: SigcurlError, url: str) -> SigcurlError:
    """``mapped`` when sending the request broke (the peer closed or reset the connection) and no answer
    came: curl's "failed sending data" (55) instead of an empty reply or a receive failure."""
    if mapped.exit_code not in (ExitCode.EMPTY_REPLY, ExitCode.RECV_ERROR):
        return mapped
    return TransferError(f"failed sending the request to {urlsplit(url).hostname or url}: the server closed the "
                         "connection while it was being sent", "the server refused the request (often its size); "
                         "check its limits, or retry", exit_code=ExitCode.SEND_ERROR)


def through_proxy(exc: BaseException) -> bool:
    """Whether the failure was reaching (or resolving) the proxy."""
    return _any(causes(exc), _PROXY)


def map_exception(exc: BaseException, url: str) -> SigcurlError:
    """A network exception as a one-line error with curl's exit code."""
    host = urlsplit(url).hostname or url
    chain = causes(exc)
    if _any(chain, _PROXY):
        if _any(chain, _NAME_RESOLUTION):
            return TransferError(f"could not resolve proxy for {host}", "check -x/--proxy and the proxy variables",
                                 exit_code=ExitCode.PROXY_RESOLVE)
        return TransferError(f"could not connect to the proxy for {host}", "check -x/--proxy and the proxy variables",
                             exit_code=ExitCode.CONNECT)
    if _any(chain, _TLS):
        if _any(chain, _CERTIFICATE):
            return TransferError(
                f"TLS certificate of {host} could not be verified",
                "pass --cacert FILE for a private CA, or -k to skip verification (insecure)",
                exit_code=ExitCode.TLS_CERT,
            )
        return TransferError(f"TLS handshake with {host} failed", "check the URL's scheme and port",
                             exit_code=ExitCode.TLS_CONNECT)
    if _any(chain, _NAME_RESOLUTION):
        return TransferError(f"could not resolve host {host}", "check the host name and your DNS",
                             exit_code=ExitCode.RESOLVE)
    if _timeout(chain):
        return TransferError(f"operation timed out talking to {host}", "raise -m/--max-time or --connect-timeout",
                             exit_code=ExitCode.TIMEOUT)
    if _any(chain, _DECODING):
        return TransferError(f"cannot decode the compressed response from {host}", "retry without --compressed",
                             exit_code=ExitCode.BAD_CONTENT_ENCODING)
    if _any(chain, _BROKEN):
        if _any(chain, (http.client.IncompleteRead,)):
            return TransferError(f"the response from {host} ended early", "retry; the connection was cut",
                                 exit_code=ExitCode.PARTIAL_FILE)
        if _any(chain, (http.client.RemoteDisconnected,)):
            return TransferError(f"empty reply from {host}", "the server closed the connection without answering",
                                 exit_code=ExitCode.EMPTY_REPLY)
        if _any(chain, (BrokenPipeError, ConnectionResetError)):
            return TransferError(f"the connection to {host} was reset", "retry, or check the server",
                                 exit_code=ExitCode.RECV_ERROR)
        return TransferError(f"network failure talking to {host}", "retry, or check the server",
                             exit_code=ExitCode.RECV_ERROR)
    if _any(chain, (u3.NewConnectionError, ConnectionRefusedError, requests.exceptions.ConnectionError)):
        parts = urlsplit(url)
        try:
            port: int | str = parts.port or {"http": 80, "https": 443}.get(parts.scheme) or ""
        except ValueError:
            port = ""
        mapped = next((m for e in chain if (m := getattr(e, "mapped_to", None))), None)
        where = f" (its address by --resolve/--connect-to: {mapped[0]} port {mapped[1]})" if mapped else ""
        return TransferError(f"could not connect to {host} port {port}{where}",
                             "check the host, the port and that the server is up", exit_code=ExitCode.CONNECT)
    if _any(chain, (u3.InvalidHeader,)):  # urllib3 raises it for a response's conflicting Content-Length values
        return TransferError(f"invalid Content-Length from {host}", "the server's reply is broken",
                             exit_code=ExitCode.WEIRD_REPLY)
    if _any(chain, (requests.exceptions.InvalidURL, u3.LocationParseError)):
        return TransferError(f"malformed URL for host {host!r}", "check the URL (a host cannot hold control characters)",
                             exit_code=ExitCode.BAD_URL)
    if _any(chain, (requests.exceptions.InvalidSchema,)):
        return TransferError(f"unsupported protocol in {url[:100]!r}", "use an http:// or https:// URL",
                             exit_code=ExitCode.UNSUPPORTED_PROTOCOL)
    if isinstance(exc, OSError) and exc.errno is not None:
        return TransferError(f"network failure talking to {host}: {exc.strerror}", "retry, or check the network",
                             exit_code=ExitCode.RECV_ERROR)
    text = f"{type(exc).__name__}: {exc}"
    return TransferError(f"request to {host} failed ({text[:200]})", "retry, or rerun with -v",
                         exit_code=ExitCode.RECV_ERROR)
