"""Sending signed requests: the requests session, bodies, redirects, errors.

The transport never lets requests or urllib3 rewrite what was signed: each
request is prepared, then its URL and headers are replaced by exactly the
signer's output, so the bytes on the wire are the bytes that were signed.
Redirects are followed by this module's own loop (never by requests), and
every hop is signed afresh through the ``sign`` callback; a hop to another
host is sent without credentials unless the user trusts it.  Network
failures become :class:`~sigcurl.errors.TransferError` with curl's exit
codes.  ``requests`` is imported when this module is, so the CLI imports
this module only when it really sends something.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from sigcurl.body import Body
from sigcurl.curlopts import HttpRequest
from sigcurl.errors import ExitCode, SigcurlError, TransferError

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})

#: sign(request, trusted) -> (url, headers) to send; ``trusted`` is False for a
#: hop to a host the user did not name (then nothing secret may be added).
SignFn = Callable[[HttpRequest, bool], tuple[str, list[tuple[str, str]]]]


@dataclass(frozen=True)
class TransportOptions:
    """Connection settings shared by every transfer of one invocation."""

    insecure: bool = False
    cacert: str | None = None
    proxy: str | None = None
    noproxy: str | None = None
    max_time: float | None = None
    connect_timeout: float | None = None
    follow: bool = False
    max_redirs: int = 50
    location_trusted: bool = False
    compressed: bool = False
    resolve: tuple[tuple[str, int, str, int], ...] = ()  # (host, port) -> (address, port)


@dataclass
class Response:
    """A response whose body has not been read yet."""

    status: int
    reason: str
    http_version: str
    headers: list[tuple[str, str]]
    url: str  # the effective URL (after redirects)
    redirects: int
    started: float
    raw: Any = field(repr=False)
    compressed: bool = False
    deadline: float | None = None
    size_download: int = 0

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for n, v in self.headers:
            if n.lower() == lname:
                return v
        return None

    def iter_body(self, size: int = 1 << 16) -> Iterator[bytes]:
        """The body as it arrives (decoded only with ``--compressed``)."""
        try:
            for chunk in self.raw.stream(size, decode_content=self.compressed):
                if self.deadline is not None and time.monotonic() > self.deadline:
                    raise TransferError("operation timed out while receiving the response", "raise -m/--max-time", exit_code=ExitCode.TIMEOUT)
                self.size_download += len(chunk)
                yield chunk
        except SigcurlError:
            raise
        except Exception as exc:  # noqa: BLE001 - mapped to curl's codes
            raise map_exception(exc, self.url) from None

    def read_all(self, limit: int) -> bytes:
        """Up to ``limit`` bytes of the body (for error summaries)."""
        out = bytearray()
        for chunk in self.iter_body():
            out += chunk
            if len(out) >= limit:
                break
        return bytes(out)

    def close(self) -> None:
        try:
            self.raw.release_conn()
        except Exception:  # noqa: BLE001
            pass


def _host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"


class Transport:
    """One requests session for every transfer (connections are reused)."""

    def __init__(self, options: TransportOptions) -> None:
        self.options = options
        self.session = requests.Session()
        self.session.headers.clear()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        if options.resolve:
            _install_resolver(options.resolve)

    def close(self) -> None:
        self.session.close()

    def _settings(self, url: str) -> dict[str, Any]:
        opts = self.options
        proxies: dict[str, str] = {}
        if opts.proxy:
            proxy = opts.proxy if "://" in opts.proxy else f"http://{opts.proxy}"
            if not (opts.noproxy and requests.utils.should_bypass_proxies(url, opts.noproxy)):
                proxies = {"http": proxy, "https": proxy}
        elif opts.noproxy:
            proxies = {"no_proxy": opts.noproxy}
        verify: bool | str = False if opts.insecure else (opts.cacert or True)
        merged = self.session.merge_environment_settings(url, proxies, True, verify, None)
        if opts.noproxy and not opts.proxy and requests.utils.should_bypass_proxies(url, opts.noproxy):
            merged["proxies"] = {}
        merged["proxies"].pop("no_proxy", None)
        merged.pop("stream", None)
        if opts.insecure:
            merged["verify"] = False
        return merged

    def _timeout(self, deadline: float | None) -> tuple[float | None, float | None]:
        connect = self.options.connect_timeout
        read: float | None = None
        if deadline is not None:
            remaining = max(deadline - time.monotonic(), 0.001)
            read = remaining
            connect = min(connect, remaining) if connect else remaining
        return connect, read

    def send(self, request: HttpRequest, sign: SignFn) -> Response:
        """Send ``request`` (following redirects with -L), signing every hop."""
        opts = self.options
        started = time.monotonic()
        deadline = started + opts.max_time if opts.max_time else None
        origin = _host_of(request.url)
        current = request
        redirects = 0
        while True:
            trusted = opts.location_trusted or _host_of(current.url) == origin
            url, headers = sign(current, trusted)
            resp = self._send_once(current.method, url, headers, current.body, deadline)
            location = resp.header("Location")
            if not (opts.follow and resp.status in REDIRECT_CODES and location):
                resp.redirects = redirects
                resp.started = started
                resp.deadline = deadline
                return resp
            resp.close()
            redirects += 1
            if redirects > opts.max_redirs:
                raise TransferError(
                    f"maximum ({opts.max_redirs}) redirects followed", "raise --max-redirs, or check the redirect loop",
                    exit_code=ExitCode.TOO_MANY_REDIRECTS,
                )
            current = redirect_request(current, resp.status, urljoin(url, location))

    def _send_once(
        self, method: str, url: str, headers: list[tuple[str, str]], body: Body | None, deadline: float | None
    ) -> Response:
        prepared = requests.Request(method=method, url="http://sigcurl.invalid/").prepare()
        prepared.url = url
        merged: dict[str, str] = {}
        for name, value in headers:
            key = next((k for k in merged if k.lower() == name.lower()), None)
            if key is None:
                merged[name] = value
            else:
                merged[key] = f"{merged[key]},{value}"
        prepared.headers = requests.structures.CaseInsensitiveDict(merged)
        if "user-agent" not in prepared.headers:
            prepared.headers["User-Agent"] = urllib3.util.SKIP_HEADER
        if body is not None:
            data = body.in_memory()
            prepared.body = data if data is not None else body.chunks()
            prepared.headers["Content-Length"] = str(body.length)
        elif method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
            prepared.headers["Content-Length"] = "0"
        try:
            resp = self.session.send(
                prepared, stream=True, allow_redirects=False, timeout=self._timeout(deadline), **self._settings(url)
            )
        except SigcurlError:
            raise
        except Exception as exc:  # noqa: BLE001 - mapped to curl's codes
            raise map_exception(exc, url) from None
        raw = resp.raw
        version = {10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(getattr(raw, "version", 11), "HTTP/1.1")
        return Response(
            status=resp.status_code,
            reason=resp.reason or "",
            http_version=version,
            headers=list(raw.headers.items()),
            url=url,
            redirects=0,
            started=0.0,
            raw=raw,
            compressed=self.options.compressed,
        )


def redirect_request(request: HttpRequest, status: int, url: str) -> HttpRequest:
    """The next hop of a redirect, with curl's method rules (POST becomes GET on 301/302/303)."""
    method, body, headers = request.method, request.body, request.headers
    if status == 303 and method != "HEAD" or status in (301, 302) and method == "POST":
        method = "GET"
        body = None
        headers = [(n, v) for n, v in headers if n.lower() not in ("content-type", "content-length")]
    return HttpRequest(method=method, url=url, headers=list(headers), body=body)


def _install_resolver(table: tuple[tuple[str, int, str, int], ...]) -> None:
    """--resolve / --connect-to: connect to another address; URL, Host and TLS name unchanged."""
    import urllib3.util.connection as conn

    original = conn.create_connection
    mapping = {(h.lower(), p): (a, ap) for h, p, a, ap in table}

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        host, port = address
        target = mapping.get((host.lower(), port)) or mapping.get((host.lower(), 0)) or mapping.get(("", port))
        if target is not None:
            addr, aport = target
            address = (addr or host, aport or port)
        return original(address, *args, **kwargs)

    conn.create_connection = create_connection  # type: ignore[assignment]


def map_exception(exc: BaseException, url: str) -> SigcurlError:
    """A network exception as a one-line error with curl's exit code."""
    host = urlsplit(url).hostname or url
    text = f"{type(exc).__name__}: {exc}"
    chain = [exc]
    cur: BaseException | None = exc
    while cur is not None and len(chain) < 8:
        cur = cur.__cause__ or cur.__context__ or (cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else None)
        if cur is not None:
            chain.append(cur)
    names = {type(e).__name__ for e in chain}
    texts = " ".join(str(e) for e in chain)
    if isinstance(exc, requests.exceptions.ProxyError) or "ProxyError" in names:
        if "NameResolutionError" in names or "resolve" in texts:
            return TransferError(f"could not resolve proxy for {host}", "check -x/--proxy and the proxy variables", exit_code=ExitCode.PROXY_RESOLVE)
        return TransferError(f"could not connect to the proxy for {host}", "check -x/--proxy and the proxy variables", exit_code=ExitCode.CONNECT)
    if isinstance(exc, requests.exceptions.SSLError) or "SSLError" in names or "SSLCertVerificationError" in names:
        if "CERTIFICATE_VERIFY_FAILED" in texts or "certificate verify failed" in texts or "hostname" in texts.lower() and "match" in texts:
            return TransferError(
                f"TLS certificate of {host} could not be verified",
                "pass --cacert FILE for a private CA, or -k to skip verification (insecure)",
                exit_code=ExitCode.TLS_CERT,
            )
        return TransferError(f"TLS handshake with {host} failed", "check the URL's scheme and port", exit_code=ExitCode.TLS_CONNECT)
    if "NameResolutionError" in names or "gaierror" in names:
        return TransferError(f"could not resolve host {host}", "check the host name and your DNS", exit_code=ExitCode.RESOLVE)
    if isinstance(exc, (requests.exceptions.Timeout,)) or "ConnectTimeoutError" in names or "ReadTimeoutError" in names or "TimeoutError" in names:
        return TransferError(f"operation timed out talking to {host}", "raise -m/--max-time or --connect-timeout", exit_code=ExitCode.TIMEOUT)
    if isinstance(exc, requests.exceptions.ContentDecodingError) or "DecodeError" in names:
        return TransferError(f"cannot decode the compressed response from {host}", "retry without --compressed", exit_code=ExitCode.BAD_CONTENT_ENCODING)
    if "ProtocolError" in names or isinstance(exc, requests.exceptions.ChunkedEncodingError):
        if "IncompleteRead" in names or "IncompleteRead" in texts or "InvalidChunkLength" in names:
            return TransferError(f"the response from {host} ended early", "retry; the connection was cut", exit_code=ExitCode.PARTIAL_FILE)
        if "RemoteDisconnected" in names or "closed connection without response" in texts:
            return TransferError(f"empty reply from {host}", "the server closed the connection without answering", exit_code=ExitCode.EMPTY_REPLY)
        if "BrokenPipe" in names or "ConnectionResetError" in names:
            return TransferError(f"the connection to {host} was reset", "retry, or check the server", exit_code=ExitCode.RECV_ERROR)
        return TransferError(f"network failure talking to {host}", "retry, or check the server", exit_code=ExitCode.RECV_ERROR)
    if "NewConnectionError" in names or "ConnectionRefusedError" in names or isinstance(exc, requests.exceptions.ConnectionError):
        return TransferError(f"could not connect to {host}", "check the host, the port and that the server is up", exit_code=ExitCode.CONNECT)
    if isinstance(exc, OSError) and exc.errno is not None:
        return TransferError(f"network failure talking to {host}: {exc.strerror}", "retry, or check the network", exit_code=ExitCode.RECV_ERROR)
    return TransferError(f"request to {host} failed ({text[:200]})", "retry, or rerun with -v", exit_code=ExitCode.RECV_ERROR)
