"""Network exceptions -> curl's exit codes, as a table of exception objects built the way
requests and urllib3 build them (the wrapping: requests -> MaxRetryError.reason -> urllib3 ->
socket/ssl/http.client, with causes in arguments, ``reason`` and ``__cause__``).

The codes are curl's (``man curl``, EXIT CODES); the end-to-end tests (closed port, unknown
host, bad certificate, dropped and truncated responses) check the same codes from real failures.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from typing import Any

import pytest
import requests
import urllib3.exceptions as u3

from sigcurl.errors import ExitCode
from sigcurl.transport import map_exception
from sigcurl.transport.errors import before_sending, causes

URL = "https://api.example.com:8443/items?token=never-shown"


def via_pool(reason: BaseException, outer: type[requests.exceptions.RequestException]) -> BaseException:
    """How requests' adapter raises a connection failure: outer(MaxRetryError(reason=...))."""
    return outer(u3.MaxRetryError(None, "/items", reason=reason))  # type: ignore[arg-type]


def caused(exc: BaseException, cause: BaseException) -> BaseException:
    exc.__cause__ = cause
    return exc


class _Told:
    """Enough of a urllib3 response for InvalidChunkLength (it asks how much was read)."""

    length_remaining = 90

    def tell(self) -> int:
        return 10


GAIERROR = socket.gaierror(-2, "Name or service not known")
NAME = caused(u3.NameResolutionError("api.example.com", None, GAIERROR), GAIERROR)  # type: ignore[arg-type]
REFUSED = caused(u3.NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused"),  # type: ignore[arg-type]
                 ConnectionRefusedError(111, "Connection refused"))

ROWS: list[tuple[str, BaseException, ExitCode]] = [
    ("proxy refused", requests.exceptions.ProxyError(
        u3.MaxRetryError(None, "/", reason=u3.ProxyError("Unable to connect to proxy", REFUSED))),  # type: ignore[arg-type]
     ExitCode.CONNECT),
    ("proxy unknown", requests.exceptions.ProxyError(
        u3.MaxRetryError(None, "/", reason=u3.ProxyError("Unable to connect to proxy", NAME))),  # type: ignore[arg-type]
     ExitCode.PROXY_RESOLVE),
    ("certificate", via_pool(u3.SSLError(ssl.SSLCertVerificationError(1, "certificate verify failed")),
                             requests.exceptions.SSLError), ExitCode.TLS_CERT),
    ("hostname mismatch", via_pool(u3.SSLError(ssl.CertificateError("hostname 'x' doesn't match 'y'")),
                                   requests.exceptions.SSLError), ExitCode.TLS_CERT),
    ("handshake", via_pool(u3.SSLError(ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")),
                           requests.exceptions.SSLError), ExitCode.TLS_CONNECT),
    ("unknown host", via_pool(NAME, requests.exceptions.ConnectionError), ExitCode.RESOLVE),
    ("bare gaierror", socket.gaierror(-2, "Name or service not known"), ExitCode.RESOLVE),
    ("connect timeout", via_pool(u3.ConnectTimeoutError(None, "timed out"), requests.exceptions.ConnectTimeout),
     ExitCode.TIMEOUT),
    ("read timeout", requests.exceptions.ReadTimeout(u3.ReadTimeoutError(None, "/", "Read timed out.")),  # type: ignore[arg-type]
     ExitCode.TIMEOUT),
    ("read timeout in the body", u3.ReadTimeoutError(None, "/", "Read timed out."), ExitCode.TIMEOUT),  # type: ignore[arg-type]
    ("socket timeout", TimeoutError("timed out"), ExitCode.TIMEOUT),
    ("decoding", requests.exceptions.ContentDecodingError(u3.DecodeError("bad gzip")), ExitCode.BAD_CONTENT_ENCODING),
    ("decoding in the body", u3.DecodeError("Received response with content-encoding: gzip, but failed to decode it."),
     ExitCode.BAD_CONTENT_ENCODING),
    ("incomplete read", u3.ProtocolError("Connection broken: IncompleteRead(100 bytes read, 9900 more expected)",
                                         http.client.IncompleteRead(b"x" * 100, 9900)), ExitCode.PARTIAL_FILE),
    ("bad chunk", requests.exceptions.ChunkedEncodingError(
        u3.ProtocolError("Connection broken", u3.InvalidChunkLength(_Told(), b"zz"))), ExitCode.PARTIAL_FILE),  # type: ignore[arg-type]
    ("empty reply", requests.exceptions.ConnectionError(u3.ProtocolError(
        "Connection aborted.", http.client.RemoteDisconnected("Remote end closed connection without response"))),
     ExitCode.EMPTY_REPLY),
    ("reset", requests.exceptions.ConnectionError(u3.ProtocolError(
        "Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))), ExitCode.RECV_ERROR),
    ("broken pipe", u3.ProtocolError("Connection aborted.", BrokenPipeError(32, "Broken pipe")), ExitCode.RECV_ERROR),
    ("other protocol error", u3.ProtocolError("Connection aborted."), ExitCode.RECV_ERROR),
    ("refused", via_pool(REFUSED, requests.exceptions.ConnectionError), ExitCode.CONNECT),
    ("bare refused", ConnectionRefusedError(111, "Connection refused"), ExitCode.CONNECT),
    ("other OSError", OSError(5, "Input/output error"), ExitCode.RECV_ERROR),
    ("anything else", ValueError("something odd"), ExitCode.RECV_ERROR),
]


@pytest.mark.parametrize(("name", "exc", "code"), ROWS, ids=[r[0] for r in ROWS])
def test_exception_maps_to_curls_exit_code(name: str, exc: BaseException, code: ExitCode) -> None:
    mapped = map_exception(exc, URL)
    assert mapped.exit_code == code, (name, mapped.line())
    line = mapped.line()
    assert "never-shown" not in line and "\n" not in line
    assert line.startswith("sigcurl: ") and " — " in line


def test_messages_name_the_host_and_port() -> None:
    refused = map_exception(via_pool(REFUSED, requests.exceptions.ConnectionError), URL)
    unknown = map_exception(via_pool(NAME, requests.exceptions.ConnectionError), URL)
    assert "api.example.com port 8443" in refused.what and "resolve host api.example.com" in unknown.what


def test_a_refused_connection_is_not_a_timeout_although_urllib3_subclasses_it() -> None:
    assert issubclass(u3.NewConnectionError, u3.ConnectTimeoutError)  # why the mapping must not ask isinstance naively
    assert map_exception(REFUSED, URL).exit_code == ExitCode.CONNECT


SENT_ROWS: list[tuple[str, BaseException, bool]] = [
    ("refused", via_pool(REFUSED, requests.exceptions.ConnectionError), True),
    ("unknown host", via_pool(NAME, requests.exceptions.ConnectionError), True),
    ("connect timeout", via_pool(u3.ConnectTimeoutError(None, "t"), requests.exceptions.ConnectTimeout), True),
    ("bare refused", ConnectionRefusedError(111, "Connection refused"), True),
    ("empty reply", requests.exceptions.ConnectionError(u3.ProtocolError(
        "Connection aborted.", http.client.RemoteDisconnected("closed"))), False),
    ("read timeout", requests.exceptions.ReadTimeout(u3.ReadTimeoutError(None, "/", "t")), False),  # type: ignore[arg-type]
    ("reset", u3.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")), False),
]


@pytest.mark.parametrize(("name", "exc", "before"), SENT_ROWS, ids=[r[0] for r in SENT_ROWS])
def test_before_sending(name: str, exc: BaseException, before: bool) -> None:
    assert before_sending(exc) is before


def test_the_cause_chain_is_bounded_and_cycle_safe() -> None:
    a: Any = ValueError("a")
    b: Any = ValueError("b", a)
    a.__context__ = b  # a cycle
    assert len(causes(a)) == 2
    deep: BaseException = OSError("bottom")
    for i in range(100):
        deep = caused(ValueError(f"level {i}"), deep)
    assert len(causes(deep)) == 16
