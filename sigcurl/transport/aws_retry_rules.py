"""The AWS CLI's retry modes as botocore 1.44 applies them (pure): what is retried, how long to wait, how often.

Used by :mod:`sigcurl.transport.policy` when ``AWS_RETRY_MODE``/``retry_mode``
or ``AWS_MAX_ATTEMPTS``/``max_attempts`` decide (no ``--retry``).

``standard`` and ``adaptive`` (``botocore/retries/standard.py``):

* retried: a network failure (refused, reset, timed out, empty reply), HTTP
  500/502/503/504, HTTP 429, the throttling codes (:data:`THROTTLING_CODES`),
  the transient codes (:data:`TRANSIENT_CODES`), STS's ``IDPCommunicationError``;
* wait before retry ``i`` (0-based): ``rand * min(base * 2**i, 20)`` seconds,
  ``base`` 1 s for a throttling error (a throttling code, or HTTP 429) and
  50 ms otherwise (25 ms for DynamoDB); an ``x-amz-retry-after`` header
  (milliseconds) raises the wait towards its value by at most 5 s.  The
  HTTP ``Retry-After`` header is not read (botocore does not);
* attempts: 3 (DynamoDB 4);
* the retry quota and ``adaptive``'s client-side rate limiter
  (:mod:`sigcurl.transport.aws_retry_state`): one of each per run and per
  (service, region), as one botocore client has; a retry the quota cannot pay
  for is not made, and in ``adaptive`` every attempt waits for the limiter's
  token (:mod:`sigcurl.transport.send` carries that out).

``legacy`` (``botocore/data/_retry.json``, ``retryhandler.py``):

* retried: a network failure, HTTP 429 (not for Organizations)/500/502/503/504/509, the codes
  Throttling, ThrottlingException, ThrottledException,
  RequestThrottledException and ProvisionedThroughputExceededException with
  HTTP 400, and each service's own (:data:`LEGACY_SERVICE_CODES`);
* wait before retry ``i``: ``rand * 2**i`` seconds, uncapped (DynamoDB: ``0.05 * 2**i``);
* attempts: 5 (DynamoDB 10).

No I/O, no clock, no randomness: ``jitter(x)`` (uniform in 0..x) is passed in.
"""

from __future__ import annotations

from collections.abc import Callable

from sigcurl.spec import RetryPolicy

#: The AWS CLI's retry modes and their default total attempts.
AWS_RETRY_MODES = {"legacy": 5, "standard": 3, "adaptive": 3}
#: Services whose default attempts differ, per mode (keyed by signing name).
SERVICE_MAX_ATTEMPTS = {"legacy": {"dynamodb": 10}, "standard": {"dynamodb": 4}, "adaptive": {"dynamodb": 4}}

TRANSIENT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"})
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
    "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException",
})
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
THROTTLING_STATUSES = frozenset({429})
#: Service error codes standard mode also retries (botocore's ``special`` checkers), by signing name.
SPECIAL_CODES = {"sts": frozenset({"IDPCommunicationError"})}
MAX_BACKOFF = 20.0
THROTTLING_BASE = 1.0
BASE = 0.05
SERVICE_BASE = {"dynamodb": 0.025}
RETRY_AFTER_HEADER = "x-amz-retry-after"
RETRY_AFTER_EXTRA = 5.0

LEGACY_STATUSES = frozenset({429, 500, 502, 503, 504, 509})
LEGACY_CODES = frozenset({(c, 400) for c in ("Throttling", "ThrottlingException", "ThrottledException",
                                               "RequestThrottledException", "ProvisionedThroughputExceededException")})
LEGACY_SERVICE_CODES = {
    "organizations": frozenset({("TooManyRequestsException", 400)}),
    "dynamodb": frozenset({("ReplicatedWriteConflictException", 409), ("TransactionInProgressException", 400)}),
    "ec2": frozenset({("RequestLimitExceeded", 503), ("EC2ThrottledException", 503)}),
    "cloudsearch": frozenset({("BandwidthLimitExceeded", 509)}),
    "kinesis": frozenset({("LimitExceededException", 400)}),
    "sqs": frozenset({("RequestThrottled", 403)}),
    "s3": frozenset({("RequestTimeout", 400), ("BadDigest", 400)}),
    "glacier": frozenset({("RequestTimeoutException", 408)}),
    "route53": frozenset({("Throttling", 400), ("PriorRequestNotComplete", 400)}),
    "sts": frozenset({("IDPCommunicationError", 400)}),
}
#: Services whose own policy replaces a default one of the same name (Organizations' too_many_requests: 429 alone is not retried).
LEGACY_NOT_STATUSES = {"organizations": frozenset({429})}
#: legacy: services whose delay is a fixed base times 2**i (the default base is "rand": the jitter).
LEGACY_DELAY = {"dynamodb": 0.05}


def aws_retries(mode: str | None, max_attempts: str | None) -> tuple[str, int] | None:
    """(mode, retries) from the AWS CLI's ``retry_mode`` and ``max_attempts`` (total attempts), or
    None when neither is set (no retries, as curl).  The mode defaults to ``standard`` (the AWS CLI v2's);
    without ``max_attempts`` the retries are the mode's default (:func:`for_service` adjusts them per service).
    Raises ValueError naming the bad value."""
    if not mode and not max_attempts:
        return None
    chosen = (mode or "standard").strip().lower()
    if chosen not in AWS_RETRY_MODES:
        raise ValueError(f"retry_mode {mode!r} is not legacy, standard or adaptive")
    if not max_attempts:
        return chosen, AWS_RETRY_MODES[chosen] - 1
    try:
        attempts = int(max_attempts)
    except ValueError:
        attempts = 0
    if attempts < 1:
        raise ValueError(f"max_attempts {max_attempts!r} is not a whole number of attempts >= 1")
    return chosen, attempts - 1


def for_service(policy: RetryPolicy, service: str) -> RetryPolicy:
    """*policy* for requests to *service* (a signing name): its default attempts when ``max_attempts`` was not set."""
    if not policy.aws_mode:
        return policy
    if policy.aws_default_attempts:
        default = SERVICE_MAX_ATTEMPTS.get(policy.aws_mode, {}).get(service, AWS_RETRY_MODES[policy.aws_mode])
        policy = policy._replace(retries=default - 1)
    return policy._replace(aws_service=service)


def is_throttling(status: int, code: str) -> bool:
    """botocore's ThrottlingErrorDetector without a service model: a throttling code, or HTTP 429."""
    return code in THROTTLING_CODES or status in THROTTLING_STATUSES


def status_retried(status: int, code: str, policy: RetryPolicy) -> bool:
    """Whether the mode retries an HTTP answer with this status and AWS error code ("" if none)."""
    service = policy.aws_service
    if policy.aws_mode == "legacy":
        pair = (code, status)
        statuses = LEGACY_STATUSES - LEGACY_NOT_STATUSES.get(service, frozenset())
        return status in statuses or pair in LEGACY_CODES or pair in LEGACY_SERVICE_CODES.get(service, ())
    return (status in TRANSIENT_STATUSES or code in TRANSIENT_CODES or is_throttling(status, code)
            or code in SPECIAL_CODES.get(service, ()))


def backoff(retries: int, status: int | None, code: str, retry_after_ms: str | None, policy: RetryPolicy,
            jitter: Callable[[float], float]) -> float:
    """Seconds before retry number *retries* (0-based); *status* None for a network failure."""
    if policy.aws_mode == "legacy":
        fixed = LEGACY_DELAY.get(policy.aws_service)
        return fixed * 2.0**retries if fixed is not None else jitter(2.0**retries)
    throttled = status is not None and is_throttling(status, code)
    base = THROTTLING_BASE if throttled else SERVICE_BASE.get(policy.aws_service, BASE)
    delay = jitter(min(base * 2.0**retries, MAX_BACKOFF))
    if status is not None and retry_after_ms is not None:
        try:
            asked = int(retry_after_ms.strip()) / 1000.0
        except (ValueError, OverflowError):
            return delay
        if asked >= 0:
            delay = max(delay, min(asked, RETRY_AFTER_EXTRA + delay))
    return delay
