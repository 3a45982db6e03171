"""What to do after one attempt: deliver, retry, follow a redirect, or re-sign (pure).

:func:`decide` takes the request, the outcome of one attempt (an
:class:`Answer` or a :class:`Failure`), the :class:`Attempt` state and the
options, and returns ONE decision.  The rules, in order:

1. a failure (no response) is retried when ``--retry`` allows it: a timeout,
   a connection that could not be made (nothing sent: any method), with
   ``--retry-all-errors`` anything, else only an idempotent method whose
   connection broke after sending (a POST is not resent then; a timeout is
   retried for every method, as curl does);
2. a clock-skew error on a trusted hop re-signs once as of the server's
   ``Date`` (:class:`FixClock`), even without ``--retry``;
3. an S3 bucket in another region re-signs once for that region
   (:class:`FixRegion`), even without ``-L``, moving only to an endpoint of
   the same bucket unless ``--location-trusted``;
4. HTTP 408/429/500/502/503/504 and AWS throttling/transient codes (with
   ``--retry-all-errors -f``, every status >= 400) are retried after the
   backoff, ``--retry-delay`` or the server's ``Retry-After`` (capped at
   :data:`RETRY_AFTER_CAP`), unless that would pass ``--retry-max-time``;
   under the AWS CLI's ``retry_mode``/``max_attempts`` (no ``--retry``) the
   statuses, codes and waits are botocore's (:mod:`~sigcurl.transport.aws_retry_rules`);
5. with ``-L`` a redirect is followed with curl's method rules
   (:class:`Follow`), at most ``--max-redirs`` times (-1: no limit); a
   ``Location`` that is not an http(s) URL is an error (exit 1 or 3);
6. anything else is delivered.

No I/O, no clock, no randomness of its own: ``now`` and ``jitter`` are
arguments, so every rule is tested as a table (``tests/test_policy*.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import NamedTuple
from urllib.parse import urlsplit

from sigcurl.awserror import REGION_CODES, AwsError, is_skew, is_throttling, is_transient, region_from_message
from sigcurl.curlopts import HttpRequest
from sigcurl.errors import ExitCode, TransferError
from sigcurl.transport import aws_retry_rules
from sigcurl.transport.options import RetryPolicy, TransportOptions, find_header
from sigcurl.transport.redirects import hop_url, redirect_error, redirect_request

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
#: HTTP statuses curl's ``--retry`` treats as transient, for any method.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Methods a server may safely receive twice (a failure after sending them can be retried).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
#: Failures after sending that an idempotent request may retry.
_RESENDABLE = frozenset({ExitCode.EMPTY_REPLY, ExitCode.RECV_ERROR, ExitCode.SEND_ERROR, ExitCode.CONNECT})

BACKOFF_BASE = 1.0  # seconds before the first retry (full jitter: uniform 0..base)
BACKOFF_CAP = 20.0  # the exponential backoff never waits longer than this
RETRY_AFTER_CAP = 600.0  # a server's Retry-After is honoured up to ten minutes


# -- inputs ------------------------------------------------------------------------


class Answer(NamedTuple):
    """A response: status line, headers, the AWS error in its body, and the URL it came from."""

    status: int
    reason: str = ""
    headers: Sequence[tuple[str, str]] = ()
    error: AwsError | None = None
    url: str = ""  # the URL the request was sent to (a relative Location is resolved against it)

    def header(self, name: str) -> str | None:
        return find_header(self.headers, name)


class Failure(NamedTuple):
    """An attempt that produced no response: curl's exit code, what happened, whether bytes were sent."""

    exit_code: ExitCode
    what: str
    sent: bool = True
    stale: bool = False  # a reused keep-alive connection the server had closed: nothing was answered


class Attempt(NamedTuple):
    """Where the transfer stands before this decision."""

    retries: int = 0
    redirects: int = 0
    clock_corrected: bool = False  # done already, or the caller cannot (no hook)
    region_corrected: bool = False  # done already, or the caller cannot (no hook)
    elapsed: float = 0.0  # seconds since the transfer started
    resent: bool = False  # resent once already after a stale keep-alive connection


# -- decisions ----------------------------------------------------------------------


class Resend(NamedTuple):
    """Send again at once on a fresh connection: the reused one was closed by the server while idle."""

    reason: str = "the server had closed the kept-alive connection"


class Deliver(NamedTuple):
    """Return the response (or, for a failure, raise its error)."""

    notes: tuple[str, ...] = ()  # -v lines to show first


class Retry(NamedTuple):
    """Wait ``wait`` seconds, then send the request again, signed afresh."""

    wait: float
    reason: str
    notes: tuple[str, ...] = ()


class Follow(NamedTuple):
    """Follow a redirect with ``request``; ``error`` (max-redirs) is raised instead, after the hop is shown."""

    request: HttpRequest
    error: TransferError | None = None
    notes: tuple[str, ...] = ()


class FixClock(NamedTuple):
    """Re-sign as of the server's clock and send again (if the caller can)."""

    server_time: datetime


class FixRegion(NamedTuple):
    """Re-sign for the bucket's ``region`` (if the caller can) and send to :meth:`url`."""

    region: str
    request: HttpRequest
    endpoint: str | None = None  # host[:port] the error named; None: the same host, region swapped
    error: TransferError | None = None  # max-redirs: raised once the correction is made

    def url(self, previous: str) -> str:
        """The request's URL for the new region, given the region it was signed for."""
        parts = urlsplit(self.request.url)
        netloc = parts.netloc.lower()
        moved = self.endpoint or swap_region(netloc, previous, self.region)
        return self.request.url if moved == netloc else parts._replace(netloc=moved).geturl()


Decision = Deliver | Resend | Retry | Follow | FixClock | FixRegion


def decide(
    request: HttpRequest,
    trusted: bool,
    outcome: Answer | Failure,
    state: Attempt,
    options: TransportOptions,
    *,
    now: datetime,
    jitter: Callable[[float], float],
) -> Decision:
    """The one thing to do after this attempt (see the module docstring for the rules)."""
    policy = options.retry
    if isinstance(outcome, Failure):
        if outcome.stale and not state.resent:
            return Resend()  # curl and urllib3: once, any method, not counted as a --retry
        reason = failure_retry_reason(outcome, request.method, policy)
        wait = retry_wait(reason, state, None, policy, jitter, outcome)
        return Deliver() if reason is None or wait is None else Retry(wait, reason)
    err = outcome.error
    if not state.clock_corrected and trusted and err is not None and is_skew(err):
        server_time = parse_http_date(outcome.header("Date"))
        if server_time is not None:
            return FixClock(server_time)
    notes: tuple[str, ...] = ()
    if not state.region_corrected and trusted:
        hop, notes = region_hop(outcome, request, options)
        if hop is not None:
            return hop._replace(error=redirect_error(state.redirects, options.max_redirs))
    reason = status_retry_reason(outcome, policy)
    if reason is not None:
        wait = retry_wait(reason, state, retry_after(outcome, now), policy, jitter, outcome)
        if wait is not None:
            return Retry(wait, reason, notes)
    location = outcome.header("Location")
    if not (options.follow and outcome.status in REDIRECT_CODES and location):
        return Deliver(notes)
    target, bad = hop_url(outcome.url or request.url, location)
    if bad is not None:
        return Follow(request, bad, notes)  # the redirect is shown, then its error (curl: 1 or 3)
    hop_request = redirect_request(request, outcome.status, target)
    return Follow(hop_request, redirect_error(state.redirects, options.max_redirs), notes)


# -- retries ------------------------------------------------------------------------


AWS_RETRY_MODES = aws_retry_rules.AWS_RETRY_MODES  # the AWS CLI's modes: the rules are in aws_retry_rules
aws_retries = aws_retry_rules.aws_retries


def failure_retry_reason(failure: Failure, method: str, policy: RetryPolicy) -> str | None:
    """Why a network failure may be retried, or None (curl's rules; never a replayed POST)."""
    if policy.retries <= 0:
        return None
    if failure.exit_code == ExitCode.TIMEOUT:
        return f"timeout: {failure.what}"
    if not failure.sent and failure.exit_code == ExitCode.CONNECT:
        return f"connection failed: {failure.what}"
    if policy.all_errors:
        return failure.what
    if failure.sent and (method.upper() in IDEMPOTENT_METHODS or policy.aws_mode) and failure.exit_code in _RESENDABLE:
        # the AWS CLI's modes resend a broken connection whatever the method, as the SDKs do
        return failure.what
    return None


def status_retry_reason(answer: Answer, policy: RetryPolicy) -> str | None:
    """Why an HTTP answer may be retried, or None."""
    if policy.retries <= 0 or answer.status < 400:
        return None
    err = answer.error
    what = f"HTTP {answer.status}" + (f" {err.code}" if err is not None and err.code else f" {answer.reason}".rstrip())
    if policy.aws_mode:  # the AWS CLI's retry_mode/max_attempts: botocore's rules
        return what if aws_retry_rules.status_retried(answer.status, err.code if err else "", policy) else None
    if answer.status in RETRY_STATUSES or is_transient(err) or (policy.all_errors and policy.fail):
        return what
    return None


def retry_wait(
    reason: str | None, state: Attempt, retry_after_s: float | None, policy: RetryPolicy,
    jitter: Callable[[float], float], outcome: Answer | Failure | None = None,
) -> float | None:
    """Seconds to wait before the next attempt, or None when no retry is left.

    In the AWS CLI's modes the wait is botocore's (:func:`aws_retry_rules.backoff`), not curl's."""
    if reason is None or state.retries >= policy.retries:
        return None
    if policy.aws_mode and policy.delay is None:
        answer = outcome if isinstance(outcome, Answer) else None
        code = answer.error.code if answer is not None and answer.error is not None else ""
        wait = aws_retry_rules.backoff(state.retries, answer.status if answer else None, code or "",
                                       answer.header(aws_retry_rules.RETRY_AFTER_HEADER) if answer else None, policy, jitter)
    elif retry_after_s is not None:
        wait = min(retry_after_s, RETRY_AFTER_CAP)
    elif policy.delay is not None:
        wait = policy.delay
    else:
        wait = jitter(min(BACKOFF_CAP, BACKOFF_BASE * (2**state.retries)))
    if policy.max_time is not None and state.elapsed + wait > policy.max_time:
        return None
    return wait


def retry_after(answer: Answer, now: datetime) -> float | None:
    """The server's Retry-After in seconds, honoured for 429, 503 and throttling errors."""
    throttled = answer.status in (429, 503) or is_throttling(answer.error)
    value = answer.header("Retry-After")
    if not throttled or not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = parse_http_date(value)
    if when is None:
        return None
    return max(0.0, (when - now).total_seconds())


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP ``Date`` header as an aware datetime (None if absent, malformed or absurd).

    A date before 1970 or after 9000 is absurd: a clock offset taken from it
    (9999-12-31T23:59:59Z) would overflow the calendar once time moves on.
    """
    if not value:
        return None
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
        if when is None:
            return None
        when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        if not 1970 <= when.astimezone(timezone.utc).year <= 9000:
            return None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when


# -- redirects ----------------------------------------------------------------------


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL: hops to the same origin stay trusted."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"


def is_trusted(url: str, trusted_origins: set[str] | frozenset[str], options: TransportOptions) -> bool:
    """Whether a hop to ``url`` may carry credentials: an origin the user named (or moved to for the
    bucket's region), or any host with ``--location-trusted``."""
    return options.location_trusted or origin(url) in trusted_origins


# -- S3 region corrections ------------------------------------------------------------


def region_hop(
    answer: Answer, request: HttpRequest, options: TransportOptions
) -> tuple[FixRegion | None, tuple[str, ...]]:
    """The region correction an S3 answer asks for, or None (with a -v note when it is refused)."""
    if answer.status not in (301, 307, 400):
        return None, ()
    err = answer.error
    region = answer.header("x-amz-bucket-region")
    code = err.code if err is not None else ""
    if not region and code in REGION_CODES and err is not None:
        region = err.region or region_from_message(err.message)
    if not region or not (code in REGION_CODES or answer.status in (301, 307)) or not valid_region(region):
        return None, ()
    parts = urlsplit(request.url)
    netloc = parts.netloc.lower()
    endpoint = endpoint_netloc(err.endpoint) if err is not None and err.endpoint else None
    if endpoint and endpoint != netloc:
        if not (same_s3_bucket(netloc, endpoint, region) or options.location_trusted):
            return None, (
                f"the bucket is served from {endpoint}, a host you did not name: not sending credentials "
                "there (put that host in the URL, or add --location-trusted)",
            )
        return FixRegion(region, request, endpoint), ()
    return FixRegion(region, request), ()


def valid_region(region: str) -> bool:
    return 0 < len(region) <= 40 and all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in region)


def endpoint_netloc(endpoint: str) -> str | None:
    """The host[:port] of an S3 error's ``<Endpoint>`` (which may lack a scheme)."""
    text = endpoint.strip()
    if "://" in text:
        text = urlsplit(text).netloc
    text = text.split("/", 1)[0].lower()
    if not text or any(c in text for c in " \t\r\n@\\"):
        return None
    return text


def swap_region(netloc: str, old: str, new: str) -> str:
    """An S3 host for another region: ``bucket.s3.us-east-1.amazonaws.com`` -> ``bucket.s3.eu-west-1...``."""
    host, colon, port = netloc.rpartition(":") if netloc.count(":") == 1 else (netloc, "", "")
    if not host.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return netloc
    out = []
    for label in host.split("."):
        if label == old:
            out.append(new)
        elif label == f"s3-{old}":
            out.append(f"s3.{new}")
        else:
            out.append(label)
    return ".".join(out) + (colon + port if colon else "")


_S3_HOST = re.compile(
    r"^(?:(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.)?(?P<s3>s3(?:-accelerate)?)(?P<dualstack>\.dualstack)?"
    r"(?:[.-](?P<region>[a-z0-9-]+))?\.(?P<suffix>amazonaws\.com(?:\.cn)?)$"
)


def _s3_parts(netloc: str) -> tuple[str, str, str, str, str, str] | None:
    """(bucket, s3 label, dualstack, suffix, port, region) of an AWS S3 host[:port], or None."""
    host, _, port = netloc.lower().partition(":") if netloc.count(":") <= 1 else (netloc, "", "")
    found = _S3_HOST.match(host)
    if found is None or (port and not port.isdigit()):
        return None
    g = found.groupdict()
    return g["bucket"] or "", g["s3"], g["dualstack"] or "", g["suffix"], port, g["region"] or ""


def same_s3_bucket(old_netloc: str, new_netloc: str, region: str | None = None) -> bool:
    """Whether ``new_netloc`` is the same bucket on the same S3 endpoint form and port as ``old_netloc``
    (the user's), only in another region (``region``, when given): never another bucket, host or port."""
    old, new = _s3_parts(old_netloc), _s3_parts(new_netloc)
    if old is None or new is None or old[:5] != new[:5]:
        return False
    return region is None or new[5] == region
