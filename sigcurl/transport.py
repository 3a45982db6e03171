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

import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from sigcurl.awserror import REGION_CODES, AwsError, is_skew, is_transient, parse_aws_error, region_from_message, is_throttling
from sigcurl.body import Body
from sigcurl.curlopts import HttpRequest
from sigcurl.errors import ExitCode, SigcurlError, TransferError

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})

#: HTTP statuses curl's ``--retry`` treats as transient, for any method.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Methods a server may safely receive twice (a failure after sending them can be retried).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})

BACKOFF_BASE = 1.0  # seconds before the first retry (full jitter: uniform 0..base)
BACKOFF_CAP = 20.0  # the exponential backoff never waits longer than this
RETRY_AFTER_CAP = 600.0  # a server's Retry-After is honoured up to ten minutes
INSPECT_LIMIT = 64 << 10  # bytes of an error body read to classify it
DEFAULT_CONNECT_TIMEOUT = 60.0  # no network step may hang forever: connect...
DEFAULT_READ_TIMEOUT = 300.0  # ...and silence between two reads

#: sign(request, trusted) -> (url, headers) to send; ``trusted`` is False for a
#: hop to a host the user did not name (then nothing secret may be added).
SignFn = Callable[[HttpRequest, bool], tuple[str, list[tuple[str, str]]]]


def _sleep(seconds: float) -> None:
    """Wait between retries (tests replace this module attribute)."""
    time.sleep(seconds)


def _jitter(upper: float) -> float:
    """A uniformly random wait in ``[0, upper]`` (full jitter; tests replace it)."""
    import random

    return random.uniform(0.0, upper)  # noqa: S311 - timing jitter, not cryptography


class RetryPolicy(NamedTuple):
    """``--retry`` and friends, with curl's meaning.

    ``retries`` transient failures are retried: timeouts, connection
    failures, HTTP 408/429/500/502/503/504 and AWS throttling or transient
    error codes, for any method.  A failure after a request was sent
    (connection reset, empty reply) is retried only for idempotent methods,
    so a POST is never sent twice unless ``all_errors``.  ``all_errors``
    retries every failure (with ``fail`` also every HTTP status >= 400, as
    curl does with ``-f``).
    """

    retries: int = 0
    delay: float | None = None  # --retry-delay: a fixed wait instead of the backoff
    max_time: float | None = None  # --retry-max-time: no retry starts after this long
    all_errors: bool = False
    fail: bool = False


class Hooks(NamedTuple):
    """How the transport tells its caller what it is doing, and asks it to re-sign differently.

    * ``log``: one ``-v`` line (without ``* `` and newline);
    * ``correct_clock(server_time)``: sign from now on as of the server's
      clock; False when the caller cannot (``--date`` fixes the time);
    * ``correct_region(region)``: sign from now on for ``region``; returns
      the previous region, or None when that is not a correction (not S3,
      SigV4a, already that region);
    * ``redirected(response)``: a redirect response that is being followed
      (its headers are shown with ``-i`` and ``-v``, as curl does).
    """

    log: Callable[[str], None] | None = None
    correct_clock: Callable[[datetime], bool] | None = None
    correct_region: Callable[[str], str | None] | None = None
    redirected: Callable[[Response], None] | None = None

    def say(self, message: str) -> None:
        if self.log is not None:
            self.log(message)


class TransportOptions(NamedTuple):
    """Connection settings shared by every transfer of one invocation."""

    insecure: bool = False
    cacert: str | None = None
    proxy: str | None = None
    noproxy: str | None = None
    max_time: float | None = None
    connect_timeout: float | None = None
    follow: bool = False
    max_redirs: int = 50  # -1: no limit (curl's --max-redirs -1)
    location_trusted: bool = False
    compressed: bool = False
    resolve: tuple[tuple[str, int, str, int], ...] = ()  # (host, port) -> (address, port)
    retry: RetryPolicy = RetryPolicy()


class Response:
    """A response whose body has not been read yet (mutable: the transport fills it in)."""

    __slots__ = ("status", "reason", "http_version", "headers", "url", "redirects", "started", "raw",
                 "compressed", "deadline", "size_download", "prefix", "prefix_complete", "prefix_error")

    def __init__(
        self, *, status: int, reason: str, http_version: str, headers: list[tuple[str, str]], url: str,
        redirects: int, started: float, raw: Any, compressed: bool = False, deadline: float | None = None,
    ) -> None:
        self.status = status
        self.reason = reason
        self.http_version = http_version
        self.headers = headers
        self.url = url  # the effective URL (after redirects)
        self.redirects = redirects
        self.started = started
        self.raw = raw
        self.compressed = compressed
        self.deadline = deadline
        self.size_download = 0
        #: the start of the body, already read by the transport to classify an error
        self.prefix = b""
        self.prefix_complete = False  # the prefix is the whole body
        self.prefix_error: SigcurlError | None = None  # reading stopped with this

    def __repr__(self) -> str:
        return f"Response(status={self.status}, url={self.url!r}, redirects={self.redirects})"

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for n, v in self.headers:
            if n.lower() == lname:
                return v
        return None

    def peek(self, limit: int = INSPECT_LIMIT) -> bytes:
        """Read up to ``limit`` bytes of the body ahead, keeping them for :meth:`iter_body`."""
        if self.prefix or self.prefix_complete or self.prefix_error is not None or self.size_download:
            return self.prefix
        out = bytearray()
        try:
            for chunk in self.raw.stream(1 << 16, decode_content=self.compressed):
                out += chunk
                if len(out) >= limit:
                    break
            else:
                self.prefix_complete = True
        except Exception as exc:  # noqa: BLE001 - raised again when the body is read
            self.prefix_error = exc if isinstance(exc, SigcurlError) else map_exception(exc, self.url)
        self.prefix = bytes(out)
        return self.prefix

    def iter_body(self, size: int = 1 << 16) -> Iterator[bytes]:
        """The body as it arrives (decoded only with ``--compressed``)."""
        if self.prefix:
            prefix, self.prefix = self.prefix, b""  # handed out once
            self.size_download += len(prefix)
            yield prefix
        if self.prefix_error is not None:
            raise self.prefix_error
        if self.prefix_complete:
            return
        try:
            for chunk in self.raw.stream(size, decode_content=self.compressed):
                if self.deadline is not None and time.monotonic() > self.deadline:
                    raise TransferError("operation timed out while receiving the response", "raise -m/--max-time", exit_code=ExitCode.TIMEOUT)
                # curl counts the bytes received: with --compressed, before decoding
                self.size_download = self.raw.tell() if self.compressed else self.size_download + len(chunk)
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

    def discard(self) -> None:
        """Drop a response that will not be shown (a retried or redirected one)."""
        try:
            if not self.prefix_complete:
                self.raw.close()  # unread data must not poison a pooled connection
        except Exception:  # noqa: BLE001
            pass
        self.close()


def parts_scheme(url: str) -> str:
    """The lower-case scheme of an absolute URL."""
    return url.partition("://")[0].lower()


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
        self._settings_cache: dict[tuple[str, str], dict[str, Any]] = {}
        if options.resolve:
            _install_resolver(options.resolve)
        if options.insecure:  # -k was asked for explicitly: no multi-line warning per request
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def close(self) -> None:
        self.session.close()

    def _settings(self, url: str) -> dict[str, Any]:
        """Proxy and TLS settings for ``url``, computed once per origin (scanning the environment
        for proxy variables per request costs more than signing when one run makes many requests)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        cached = self._settings_cache.get(key)
        if cached is None:
            cached = self._settings_cache[key] = self._compute_settings(url)
        return dict(cached, proxies=dict(cached["proxies"]))

    def _compute_settings(self, url: str) -> dict[str, Any]:
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
        if opts.proxy == "" or (opts.noproxy and not opts.proxy and requests.utils.should_bypass_proxies(url, opts.noproxy)):
            merged["proxies"] = {}  # curl: -x "" uses no proxy, whatever the environment says
        merged["proxies"].pop("no_proxy", None)
        upper = os.environ.get("HTTP_PROXY")
        if parts_scheme(url) == "http" and not opts.proxy and upper and "http_proxy" not in os.environ:
            # curl reads only the lower-case http_proxy: a CGI program's HTTP_PROXY can come
            # from a request header ("httpoxy"); requests would use it.
            if merged["proxies"].get("http") == upper:
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
        return merged

    def _timeout(self, deadline: float | None) -> tuple[float | None, float | None]:
        connect = self.options.connect_timeout or DEFAULT_CONNECT_TIMEOUT
        read: float | None = DEFAULT_READ_TIMEOUT
        if deadline is not None:
            remaining = max(deadline - time.monotonic(), 0.001)
            read = remaining
            connect = min(connect, remaining) if connect else remaining
        return connect, read

    def send(self, request: HttpRequest, sign: SignFn, hooks: Hooks | None = None) -> Response:
        """Send ``request``, signing every attempt and every hop afresh through ``sign``.

        Follows redirects with -L (a hop to another host unsigned unless
        ``--location-trusted``), corrects the clock once on a clock-skew error
        and an S3 bucket's region once (also without -L), and retries
        transient failures as :class:`RetryPolicy` allows.
        """
        hooks = hooks or Hooks()
        opts = self.options
        started = time.monotonic()
        deadline = started + opts.max_time if opts.max_time else None
        origin = _host_of(request.url)
        trusted_hosts = {origin}
        current = request
        redirects = retries = 0
        clock_corrected = region_corrected = False
        while True:
            trusted = opts.location_trusted or _host_of(current.url) in trusted_hosts
            url, headers = sign(current, trusted)
            try:
                resp = self._send_once(current.method, url, headers, current.body, deadline)
            except TransferError as exc:
                reason = self._error_retry_reason(exc, current.method)
                wait = self._retry_wait(reason, retries, None, started)
                if wait is None:
                    raise
                retries += 1
                self._wait(hooks, wait, retries, reason or "")
                deadline = time.monotonic() + opts.max_time if opts.max_time else None
                continue
            err = self._classify(resp, current.method)
            # Clock skew: re-sign once as of the server's clock, even without --retry.
            if not clock_corrected and err is not None and is_skew(err) and hooks.correct_clock:
                server_time = _parse_http_date(resp.header("Date"))
                if server_time is not None and trusted and hooks.correct_clock(server_time):
                    clock_corrected = True
                    resp.discard()
                    continue
            # S3 bucket in another region: re-sign for it once, even without -L.
            if not region_corrected and trusted and hooks.correct_region is not None:
                moved = self._region_hop(resp, err, current, hooks, trusted_hosts)
                if moved is not None:
                    region_corrected = True
                    resp.discard()
                    redirects = _count_redirect(redirects, opts.max_redirs)
                    current = moved
                    continue
            reason = self._status_retry_reason(resp, err)
            if reason is not None:
                wait = self._retry_wait(reason, retries, _retry_after(resp, err), started)
                if wait is not None:
                    retries += 1
                    resp.discard()
                    self._wait(hooks, wait, retries, reason)
                    deadline = time.monotonic() + opts.max_time if opts.max_time else None
                    continue
            location = resp.header("Location")
            if not (opts.follow and resp.status in REDIRECT_CODES and location):
                resp.redirects = redirects
                resp.started = started
                resp.deadline = deadline
                return resp
            if hooks.redirected is not None:
                hooks.redirected(resp)
            resp.discard()
            redirects = _count_redirect(redirects, opts.max_redirs)
            current = redirect_request(current, resp.status, urljoin(url, location))

    # -- retry decisions ---------------------------------------------------------
    def _classify(self, resp: Response, method: str) -> Any:
        """The AWS error in an error or redirect response (its body is kept for the caller)."""
        if resp.status < 300 or resp.status == 304:
            return None
        body = b""
        if method != "HEAD" and (resp.status >= 400 or resp.status in (301, 307)):
            body = resp.peek()
        err = parse_aws_error(body, resp.headers) if body else None
        if err is None and resp.header("x-amzn-ErrorType"):
            err = parse_aws_error(b"", resp.headers)
        if err is None and resp.status in (301, 307) and resp.header("x-amz-bucket-region"):
            err = AwsError("PermanentRedirect" if resp.status == 301 else "TemporaryRedirect", "")
        return err

    def _error_retry_reason(self, exc: TransferError, method: str) -> str | None:
        """Why a network failure may be retried, or None (curl's rules; never a replayed POST)."""
        if self.options.retry.retries <= 0:
            return None
        sent = getattr(exc, "request_sent", True)
        if exc.exit_code == ExitCode.TIMEOUT:
            return f"timeout: {exc.what}"
        if not sent and exc.exit_code == ExitCode.CONNECT:
            return f"connection failed: {exc.what}"
        if self.options.retry.all_errors:
            return exc.what
        if sent and method.upper() in IDEMPOTENT_METHODS and exc.exit_code in (
            ExitCode.EMPTY_REPLY, ExitCode.RECV_ERROR, ExitCode.SEND_ERROR, ExitCode.CONNECT
        ):
            return exc.what
        return None

    def _status_retry_reason(self, resp: Response, err: Any) -> str | None:
        """Why an HTTP answer may be retried, or None."""
        policy = self.options.retry
        if policy.retries <= 0 or resp.status < 400:
            return None
        what = f"HTTP {resp.status}" + (f" {err.code}" if err is not None and err.code else f" {resp.reason}".rstrip())
        if resp.status in RETRY_STATUSES:
            return what
        if is_transient(err):
            return what
        if policy.all_errors and policy.fail:
            return what
        return None

    def _retry_wait(self, reason: str | None, retries: int, retry_after: float | None, started: float) -> float | None:
        """Seconds to wait before the next attempt, or None when no retry is left."""
        policy = self.options.retry
        if reason is None or retries >= policy.retries:
            return None
        if retry_after is not None:
            wait = min(retry_after, RETRY_AFTER_CAP)
        elif policy.delay is not None:
            wait = policy.delay
        else:
            wait = _jitter(min(BACKOFF_CAP, BACKOFF_BASE * (2 ** retries)))
        if policy.max_time is not None and time.monotonic() - started + wait > policy.max_time:
            return None
        return wait

    def _wait(self, hooks: Hooks, seconds: float, attempt: int, reason: str) -> None:
        hooks.say(f"retrying in {seconds:.1f} s (attempt {attempt}/{self.options.retry.retries}): {reason}")
        if seconds > 0:
            _sleep(seconds)

    # -- S3 region redirects -------------------------------------------------------
    def _region_hop(
        self, resp: Response, err: Any, current: HttpRequest, hooks: Hooks, trusted_hosts: set[str]
    ) -> HttpRequest | None:
        """The request re-aimed at the bucket's region, or None when this is not an S3 region error."""
        if resp.status not in (301, 307, 400) or hooks.correct_region is None:
            return None
        region = resp.header("x-amz-bucket-region")
        code = err.code if err is not None else ""
        if not region and code in REGION_CODES and err is not None:
            region = err.region or region_from_message(err.message)
        if not region or not (code in REGION_CODES or resp.status in (301, 307)):
            return None
        if not _valid_region(region):
            return None
        parts = urlsplit(current.url)
        netloc = parts.netloc.lower()
        new_netloc = netloc
        endpoint = _endpoint_netloc(err.endpoint) if err is not None and err.endpoint else None
        if endpoint and endpoint != netloc:
            if not (_same_s3_bucket(parts.hostname or "", endpoint) or self.options.location_trusted):
                hooks.say(
                    f"the bucket is served from {endpoint}, a host you did not name: not sending credentials "
                    "there (put that host in the URL, or add --location-trusted)"
                )
                return None
            new_netloc = endpoint
        previous = hooks.correct_region(region)
        if previous is None:
            return None
        if new_netloc == netloc:
            new_netloc = _swap_region(netloc, previous, region)
        new_url = current.url
        if new_netloc != netloc:
            new_url = parts._replace(netloc=new_netloc).geturl()
            trusted_hosts.add(_host_of(new_url))
            hooks.say(f"re-sending to the bucket's regional endpoint {new_netloc}")
        return current._replace(url=new_url, headers=list(current.headers))

    def _send_once(
        self, method: str, url: str, headers: list[tuple[str, str]], body: Body | None, deadline: float | None
    ) -> Response:
        prepared = requests.Request(method=method, url="http://sigcurl.invalid/").prepare()
        prepared.url = url
        # Repeated names were joined before signing (curlopts.merge_repeated): one value each.
        prepared.headers = requests.structures.CaseInsensitiveDict(headers)
        for name in ("User-Agent", "Accept-Encoding"):  # nothing unsigned that -v does not show (curl sends neither)
            if name not in prepared.headers:
                prepared.headers[name] = urllib3.util.SKIP_HEADER
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
            mapped = map_exception(exc, url)
            mapped.request_sent = not _before_sending(exc)  # type: ignore[attr-defined]
            raise mapped from None
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


def _count_redirect(redirects: int, limit: int) -> int:
    """``redirects + 1``, or curl's error 47 when that is more than ``limit`` (-1: no limit)."""
    redirects += 1
    if 0 <= limit < redirects:
        raise TransferError(
            f"maximum ({limit}) redirects followed", "raise --max-redirs, or check the redirect loop",
            exit_code=ExitCode.TOO_MANY_REDIRECTS,
        )
    return redirects


def _parse_http_date(value: str | None) -> datetime | None:
    """An HTTP ``Date`` header as an aware datetime (None if absent or malformed)."""
    if not value:
        return None
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    from datetime import timezone

    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _retry_after(resp: Response, err: Any) -> float | None:
    """The server's Retry-After in seconds, honoured for 429, 503 and throttling errors."""
    throttled = resp.status in (429, 503) or is_throttling(err)
    value = resp.header("Retry-After")
    if not throttled or not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = _parse_http_date(value)
    if when is None:
        return None
    from datetime import timezone

    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _valid_region(region: str) -> bool:
    return 0 < len(region) <= 40 and all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in region)


def _endpoint_netloc(endpoint: str) -> str | None:
    """The host[:port] of an S3 error's ``<Endpoint>`` (which may lack a scheme)."""
    text = endpoint.strip()
    if "://" in text:
        text = urlsplit(text).netloc
    text = text.split("/", 1)[0].lower()
    if not text or any(c in text for c in " \t\r\n@\\"):
        return None
    return text


def _swap_region(netloc: str, old: str, new: str) -> str:
    """An S3 host for another region: ``bucket.s3.us-east-1.amazonaws.com`` -> ``bucket.s3.eu-west-1...``."""
    host, colon, port = netloc.rpartition(":") if netloc.count(":") == 1 else (netloc, "", "")
    if not host.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return netloc
    labels = host.split(".")
    out = []
    for label in labels:
        if label == old:
            out.append(new)
        elif label == f"s3-{old}":
            out.append(f"s3.{new}")
        else:
            out.append(label)
    return ".".join(out) + (colon + port if colon else "")


def _same_s3_bucket(old_host: str, new_netloc: str) -> bool:
    """Whether ``new_netloc`` is an AWS S3 endpoint for the same bucket as ``old_host`` (the user's host)."""
    new_host = new_netloc.split(":", 1)[0]
    aws = (".amazonaws.com", ".amazonaws.com.cn")
    if not (old_host.endswith(aws) and new_host.endswith(aws)):
        return False

    def bucket(host: str) -> str | None:
        if host.startswith(("s3.", "s3-")):
            return ""
        head, sep, _ = host.partition(".s3")
        return head if sep else None

    old_bucket, new_bucket = bucket(old_host.lower()), bucket(new_host)
    return old_bucket is not None and old_bucket == new_bucket


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

    conn.create_connection = create_connection


def _before_sending(exc: BaseException) -> bool:
    """Whether a failure happened before any byte of the request was sent (so any method may retry)."""
    cur: BaseException | None = exc
    for _ in range(8):
        if cur is None:
            break
        if type(cur).__name__ in ("NewConnectionError", "ConnectTimeoutError", "NameResolutionError", "ConnectTimeout", "ConnectionRefusedError"):
            return True
        nxt = getattr(cur, "reason", None)
        if not isinstance(nxt, BaseException):
            nxt = cur.__cause__ or cur.__context__ or (cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else None)
        cur = nxt
    return False


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
        parts = urlsplit(url)
        port: int | str = parts.port or {"http": 80, "https": 443}.get(parts.scheme) or ""
        return TransferError(f"could not connect to {host} port {port}", "check the host, the port and that the server is up", exit_code=ExitCode.CONNECT)
    if isinstance(exc, OSError) and exc.errno is not None:
        return TransferError(f"network failure talking to {host}: {exc.strerror}", "retry, or check the network", exit_code=ExitCode.RECV_ERROR)
    return TransferError(f"request to {host} failed ({text[:200]})", "retry, or rerun with -v", exit_code=ExitCode.RECV_ERROR)
