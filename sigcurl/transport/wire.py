"""The exact-wire HTTP layer: one requests session, the bytes that were signed, nothing else.

Each request is prepared, then its URL and headers are replaced by exactly
the signer's output, so requests and urllib3 rewrite nothing that was
signed (no User-Agent or Accept-Encoding is added either).  TLS and proxy
settings are computed once per origin from the options and the environment
(:func:`connection_settings`); every attempt has a connect and a read
timeout.  ``--resolve`` / ``--connect-to`` live in this session only: its
adapter's connection classes connect to the mapped address while the Host
header, SNI and certificate checks keep the URL's host — nothing
process-wide is patched, so another option set, or a credential call,
never sees the mapping.  The same connection classes measure what ``-w``
reports (:class:`~sigcurl.transport.response.Timings`): the name lookup,
the TCP connect, the TLS handshake, when the request starts going out,
when the first byte of the answer arrives, the addresses of both ends and
the bytes sent, into the attempt's record (per thread: ``--parallel``
transfers share a session).
"""

from __future__ import annotations

import os
import socket
import ssl
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
import urllib3.exceptions as u3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util import connection as u3_connection

from sigcurl.body import Body
from sigcurl.environment import SYSTEM_CLOCK, Clock
from sigcurl.errors import SigcurlError
from sigcurl.transport.errors import before_sending, closed_unanswered, map_exception, send_failure
from sigcurl.transport.head import Response as _Response
from sigcurl.transport.head import invalid_length, readable, received_headers, within
from sigcurl.transport.options import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, ResolveTable, TransportOptions
from sigcurl.transport.response import Response, Timings
from sigcurl.transport.tls import tls_context

Mapped = Mapping[tuple[str, int], tuple[str, int]]


def lookup(mapping: Mapped, host: str, port: int) -> tuple[str, int] | None:
    """Where to connect for ``host:port``: curl's order, empty parts (host "" / port 0) matching any."""
    host = host.lower()
    for key in ((host, port), (host, 0), ("", port), ("", 0)):
        found = mapping.get(key)
        if found is not None:
            return found
    return None


class Probe(threading.local):
    """The record of the attempt running on this thread (None: nothing is measured)."""

    timings: Timings | None = None
    target: str | None = None  # the request-target exactly as signed (urllib3 would escape [ and ])
    deadline: float | None = None  # -m: the attempt's end, on ``monotonic`` (the head must arrive before it)
    send_failed: bool = False  # sending the request broke (the peer closed or reset the connection)

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self.monotonic = monotonic


def _connect(conn: HTTPConnection, mapping: Mapped, probe: Probe) -> socket.socket:
    """urllib3's ``_new_conn`` with the address mapped and the lookup and connect timed.

    The errors stay urllib3's, for the mapping to exit codes by type.
    """
    host, port = conn._dns_host, conn.port  # urllib3's name for the host it resolves
    target = lookup(mapping, host, port)
    address = (target[0] or host, target[1] or port) if target is not None else (host, port)
    timings = probe.timings
    try:
        infos = socket.getaddrinfo(address[0].strip("[]"), address[1], u3_connection.allowed_gai_family(), socket.SOCK_STREAM)
        if timings is not None:
            timings.namelookup = probe.monotonic()
        sock: socket.socket | None = None
        error: OSError | None = None
        for info in infos:  # each address in turn, as urllib3 does (numeric: no second lookup)
            try:
                sock = u3_connection.create_connection(
                    (str(info[4][0]), int(info[4][1])), conn.timeout, source_address=conn.source_address, socket_options=conn.socket_options
                )
                break
            except OSError as e:
                error = e
        if sock is None:
            raise error or OSError("getaddrinfo returns an empty list")
    except socket.gaierror as e:
        if hasattr(u3, "NameResolutionError"):
            raise u3.NameResolutionError(conn.host, conn, e) from e
        raise u3.NewConnectionError(conn, f"Failed to resolve {address[0]}: {e}") from e
    except TimeoutError as e:
        raise u3.ConnectTimeoutError(
            conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
        ) from e
    except OSError as e:
        failed = u3.NewConnectionError(conn, f"Failed to establish a new connection: {e}")
        if target is not None:
            failed.mapped_to = address  # type: ignore[attr-defined]  # named in the error (transport.errors)
        raise failed from e
    if timings is not None:
        timings.connect = probe.monotonic()
        timings.connects += 1
    sys.audit("http.client.connect", conn, conn.host, conn.port)
    return sock


def _target(url: str) -> str:
    """The origin-form request-target (path and query) of an absolute URL."""
    rest = url.partition("://")[2]
    start = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    target = rest[start:]
    return target if target.startswith("/") else "/" + target


class _Measured:
    """What the session's connections do besides urllib3's: map the address, measure (a mixin)."""

    mapping: Mapped = {}
    probe: Probe
    response_class: Any = _Response
    sock: Any
    timeout: Any

    def _new_conn(self) -> socket.socket:
        return _connect(self, self.mapping, self.probe)  # type: ignore[arg-type]

    def send(self, data: Any) -> None:
        timings = self.probe.timings
        if timings is not None and isinstance(data, (bytes, bytearray, memoryview)):
            timings.sent += memoryview(data).nbytes
        try:
            super().send(data)  # type: ignore[misc]
        except (BrokenPipeError, ConnectionResetError):
            # urllib3 swallows these to read an early answer (a 413); without one, the failure is the sending
            self.probe.send_failed = True
            raise

    def request(self, *args: Any, **kwargs: Any) -> None:
        target = self.probe.target
        if target is not None and len(args) > 1 and str(args[1]).startswith("/"):
            args = (args[0], target, *args[2:])  # origin-form: the bytes that were signed, not urllib3's re-encoding
        timings = self.probe.timings
        if timings is not None:
            if self.sock is None:  # plain HTTP connects on first send: connect first, so the request is timed alone
                self.connect()  # type: ignore[attr-defined]
            timings.pretransfer = self.probe.monotonic()
            if self.sock is not None:
                try:
                    timings.local = self.sock.getsockname()[:2]
                    timings.remote = self.sock.getpeername()[:2]
                except OSError:
                    pass
        super().request(*args, **kwargs)  # type: ignore[misc]

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        deadline = self.probe.deadline
        if deadline is None or self.sock is None:
            return self._getresponse(*args, **kwargs)
        return within(deadline, self.probe.monotonic, self.sock, lambda: self._getresponse(*args, **kwargs))

    def _getresponse(self, *args: Any, **kwargs: Any) -> Any:
        timings = self.probe.timings
        if timings is not None and self.sock is not None:
            try:
                ready = self.sock.pending() > 0 if hasattr(self.sock, "pending") else False
                ready = ready or readable(self.sock, self.sock.gettimeout())
            except (OSError, ValueError):
                ready = True  # let the read itself report it
            if not ready:
                raise TimeoutError("timed out waiting for the response")  # urllib3 reports it as a read timeout
            timings.starttransfer = self.probe.monotonic()
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


def _pool_classes(table: ResolveTable, probe: Probe) -> dict[str, type[HTTPConnectionPool]]:
    """Connection pools whose connections connect through ``table`` and measure into ``probe``
    (classes made for this session only)."""
    mapping: Mapped = {(h.lower(), p): (a, ap) for h, p, a, ap in table}

    class SessionHTTPConnection(_Measured, HTTPConnection):
        pass

    class SessionHTTPSConnection(_Measured, HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            timings = self.probe.timings
            if timings is not None:
                timings.appconnect = self.probe.monotonic()

    for cls in (SessionHTTPConnection, SessionHTTPSConnection):
        cls.mapping, cls.probe = mapping, probe

    class SessionHTTPPool(HTTPConnectionPool):
        ConnectionCls = SessionHTTPConnection

    class SessionHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = SessionHTTPSConnection

    return {"http": SessionHTTPPool, "https": SessionHTTPSPool}


class ResolvingAdapter(HTTPAdapter):
    """An adapter whose pools (direct and through an HTTP proxy) connect through a --resolve table, measure,
    and use this session's TLS context (client certificate, ``--capath``, TLS versions)."""

    def __init__(self, table: ResolveTable = (), probe: Probe | None = None, ssl_context: ssl.SSLContext | None = None,
                 **kwargs: Any) -> None:
        self.probe = probe if probe is not None else Probe(SYSTEM_CLOCK.monotonic)
        self._pools = _pool_classes(table, self.probe)
        self._ssl_context = ssl_context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._ssl_context is not None:
            kwargs["ssl_context"] = self._ssl_context
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        if self._ssl_context is not None:
            kwargs["ssl_context"] = self._ssl_context
        manager = super().proxy_manager_for(proxy, **kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = self._pools
        return manager


def new_session(table: ResolveTable = (), probe: Probe | None = None, ssl_context: ssl.SSLContext | None = None) -> requests.Session:
    """A session that adds no header of its own, never retries, connects through ``table`` with ``ssl_context``
    and measures into ``probe``."""
    session = requests.Session()
    session.headers.clear()
    adapter = ResolvingAdapter(table, probe, ssl_context, pool_connections=4, pool_maxsize=16, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def parts_scheme(url: str) -> str:
    """The lower-case scheme of an absolute URL."""
    return url.partition("://")[0].lower()


def connection_settings(options: TransportOptions, url: str, session: requests.Session) -> dict[str, Any]:
    """Proxies, verify and cert for ``url``, as curl would choose them (-x, --noproxy, -k, --cacert, env)."""
    opts = options
    proxies: dict[str, str] = {}
    if opts.proxy:
        proxy = opts.proxy if "://" in opts.proxy else f"http://{opts.proxy}"
        if not (opts.noproxy and requests.utils.should_bypass_proxies(url, opts.noproxy)):
            proxies = {"http": proxy, "https": proxy}
    elif opts.noproxy:
        proxies = {"no_proxy": opts.noproxy}
    verify: bool | str = False if opts.insecure else (opts.cacert or True)
    merged: dict[str, Any] = dict(session.merge_environment_settings(url, proxies, True, verify, None))
    bypass = bool(opts.noproxy) and not opts.proxy and requests.utils.should_bypass_proxies(url, opts.noproxy)
    if opts.proxy == "" or bypass:
        merged["proxies"] = {}  # curl: -x "" uses no proxy, whatever the environment says
    merged["proxies"].pop("no_proxy", None)
    upper = os.environ.get("HTTP_PROXY")
    # curl reads only the lower-case http_proxy: a CGI program's HTTP_PROXY can come
    # from a request header ("httpoxy"); requests would use it.
    if (parts_scheme(url) == "http" and not opts.proxy and upper and "http_proxy" not in os.environ
            and merged["proxies"].get("http") == upper):
        del merged["proxies"]["http"]
    merged.pop("stream", None)
    if merged.get("verify") is True:
        # requests honours REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE; OpenSSL's own variables too.
        for var in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
            path = os.environ.get(var)
            if path and os.path.exists(path):
                merged["verify"] = path
                break
    if opts.insecure:
        merged["verify"] = False
    elif merged.get("verify") is True and (opts.cert or opts.capath or opts.tls_min or opts.tls_max):
        # a session TLS context loads no CA of its own: the bundle requests would use
        merged["verify"] = requests.utils.DEFAULT_CA_BUNDLE_PATH
    return merged


class Wire:
    """One session for one option set: settings per origin, timeouts, one exact attempt at a time."""

    def __init__(self, options: TransportOptions, clock: Clock = SYSTEM_CLOCK, *, resolve: bool = True) -> None:
        self.options = options
        self.clock = clock
        self.probe = Probe(clock.monotonic)
        self.session = new_session(options.resolve if resolve else (), self.probe, tls_context(options))
        self._settings_cache: dict[tuple[str, str], dict[str, Any]] = {}
        if options.insecure:  # -k was asked for explicitly: no multi-line warning per request
            urllib3.disable_warnings(u3.InsecureRequestWarning)

    def close(self) -> None:
        self.session.close()

    def settings(self, url: str) -> dict[str, Any]:
        """Proxy and TLS settings for ``url``, computed once per origin (scanning the environment
        for proxy variables per request costs more than signing when one run makes many requests)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        cached = self._settings_cache.get(key)
        if cached is None:
            cached = self._settings_cache[key] = connection_settings(self.options, url, self.session)
        return dict(cached, proxies=dict(cached["proxies"]))

    def timeout(self, deadline: float | None) -> tuple[float | None, float | None]:
        """(connect, read) timeouts; with ``-m`` neither outlasts the deadline (on the clock's monotonic)."""
        connect = self.options.connect_timeout or DEFAULT_CONNECT_TIMEOUT
        read: float | None = DEFAULT_READ_TIMEOUT
        if deadline is not None:
            remaining = max(deadline - self.clock.monotonic(), 0.001)
            read = remaining
            connect = min(connect, remaining) if connect else remaining
        return connect, read

    def send_once(
        self, method: str, url: str, headers: list[tuple[str, str]], body: Body | None, deadline: float | None,
        timings: Timings | None = None,
    ) -> Response:
        """One attempt with exactly this URL and these headers; failures raise TransferError (``request_sent`` set).

        What the attempt's connection measures goes to ``timings`` (one record per transfer).
        """
        timings = timings if timings is not None else Timings()
        timings.new_hop(self.clock.monotonic())
        prepared = requests.Request(method=method, url="http://sigcurl.invalid/").prepare()
        prepared.url = url
        # Repeated names were joined before signing (curlopts.merge_repeated): one value each.
        # Values are signed as UTF-8; http.client would send them as latin-1: send the signed bytes (as curl
        # sends the bytes given), each UTF-8 byte as the latin-1 character http.client encodes back to it.
        prepared.headers = requests.structures.CaseInsensitiveDict(
            (n, v if v.isascii() else v.encode("utf-8").decode("latin-1")) for n, v in headers
        )
        for name in ("User-Agent", "Accept-Encoding"):  # nothing unsigned that -v does not show (curl sends neither)
            if name not in prepared.headers:
                prepared.headers[name] = urllib3.util.SKIP_HEADER
        if body is not None:
            data = body.in_memory()
            prepared.body = data if data is not None else body.chunks()  # type: ignore[assignment]  # streamed
            prepared.headers["Content-Length"] = str(body.length)
        elif method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
            prepared.headers["Content-Length"] = "0"
        self.probe.timings = timings
        self.probe.target = _target(url)
        self.probe.deadline = deadline
        self.probe.send_failed = False
        connects = timings.connects
        try:
            # The adapter itself, not Session.send: that reads a 3xx body to look for the next hop,
            # and the body of a redirect that is not followed is written, as curl does.
            resp = self.session.get_adapter(url).send(
                prepared, stream=True, timeout=self.timeout(deadline), **self.settings(url)  # type: ignore[arg-type]
            )
        except SigcurlError:
            raise
        except Exception as exc:  # noqa: BLE001 - mapped to curl's codes
            mapped = map_exception(exc, url)
            if self.probe.send_failed:
                mapped = send_failure(mapped, url)
            mapped.request_sent = not before_sending(exc)  # type: ignore[attr-defined]
            # a kept-alive connection (nothing connected for this attempt) closed before any answer
            mapped.stale = timings.connects == connects and closed_unanswered(exc)  # type: ignore[attr-defined]
            raise mapped from None
        finally:
            self.probe.timings = self.probe.target = self.probe.deadline = None
            self.probe.send_failed = False
        raw = resp.raw
        version = {10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(getattr(raw, "version", 11), "HTTP/1.1")
        received = received_headers(raw)
        bad_length = invalid_length(received, url)
        if bad_length is not None:
            resp.close()
            raise bad_length
        return Response(
            status=resp.status_code,
            reason=resp.reason or "",
            http_version=version,
            headers=received,
            url=url,
            redirects=0,
            started=0.0,
            raw=raw,
            compressed=self.options.compressed,
            monotonic=self.clock.monotonic,
            deadline=deadline,
            method=method,
            size_upload=body.length if body is not None else 0,
            timings=timings,
        )
