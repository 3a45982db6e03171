"""What the AWS CLI's ``standard`` and ``adaptive`` retry modes remember across requests (pure).

botocore keeps, per client (one service in one region), a retry quota
(``botocore/retries/quota.py`` RetryQuota and ``standard.py``
RetryQuotaChecker) and, in ``adaptive``, a client-side rate limiter
(``adaptive.py``, ``bucket.py``, ``throttling.py``: :class:`RateLimiter`).
sigcurl keeps one of each per run and per (mode, service, region), shared by
every transfer of the run (URL lists, globs, ``-Z`` threads):
:class:`AwsClients` hands them out as a :class:`ClientState`.

The retry quota:

* capacity :data:`INITIAL_CAPACITY` (500);
* a retry the mode allows must first be paid for: :data:`THROTTLING_RETRY_COST`
  (5) after a throttling error (:func:`~sigcurl.transport.aws_retry_rules.is_throttling`),
  else :data:`RETRY_COST` (14: timeouts, broken connections, HTTP 5xx,
  transient codes).  When the quota cannot pay, the error is delivered;
* a 2xx answer gives back the cost of the request's last paid retry, or
  :data:`NO_RETRY_INCREMENT` (1) when it was not retried, never above the capacity;
  any other final answer or a failure gives back nothing.

No clock (time is passed in), no sleep, no I/O, no randomness; the state is
numbers behind a lock.
"""

from __future__ import annotations

import math
import threading
from typing import NamedTuple

INITIAL_CAPACITY = 500
RETRY_COST = 14
THROTTLING_RETRY_COST = 5
NO_RETRY_INCREMENT = 1
#: The modes with a retry quota (``legacy`` has none).
QUOTA_MODES = frozenset({"standard", "adaptive"})
SMOOTHING = 0.8  # RateClocker's
BETA = 0.7  # CubicCalculator's decrease
SCALE = 0.4  # CubicCalculator's scale constant
MIN_RATE = 0.5  # TokenBucket's lowest fill rate (tokens per second)


class RetryQuota:
    """One client's retry quota (thread-safe)."""

    __slots__ = ("capacity", "available", "_lock")

    def __init__(self, capacity: int = INITIAL_CAPACITY) -> None:
        self.capacity = capacity
        self.available = capacity
        self._lock = threading.Lock()

    def acquire(self, throttled: bool) -> int | None:
        """Pay for one retry: the amount paid, or None when the quota cannot pay (do not retry)."""
        cost = THROTTLING_RETRY_COST if throttled else RETRY_COST
        with self._lock:
            if cost > self.available:
                return None
            self.available -= cost
            return cost

    def release(self, paid: int | None) -> None:
        """A 2xx answer: give back ``paid`` (the request's last retry's cost), or 1 when it was not retried."""
        with self._lock:
            self.available = min(self.capacity, self.available + (NO_RETRY_INCREMENT if paid is None else paid))


class RateLimiter:
    """``adaptive``'s client-side rate limiter (thread-safe), botocore's ``ClientRateLimiter`` over a
    ``TokenBucket``, a ``RateClocker`` and a ``CubicCalculator``; ``now`` is seconds on any steady clock.

    * before every attempt (:meth:`acquire`): a token, once a throttling error was seen (before that, none is
      needed); when the bucket is empty, the seconds to wait before asking again;
    * after every answer (:meth:`record`): the measured send rate is updated (0.5 s buckets, smoothing 0.8);
      a throttling error sets the fill rate to 0.7 x min(measured, current) (CUBIC's decrease), any other
      answer raises it along CUBIC's curve (scale 0.4); never above twice the measured rate, never below 0.5/s.
    """

    __slots__ = ("enabled", "fill_rate", "max_capacity", "capacity", "last_fill", "measured", "bucket", "count",
                 "w_max", "k", "last_fail", "_lock")

    def __init__(self, now: float) -> None:
        self.enabled = False
        self.fill_rate, self.max_capacity, self.capacity, self.last_fill = 1.0, 1.0, 0.0, now  # TokenBucket(1)
        self.measured, self.bucket, self.count = 0.0, float(math.floor(now)), 0  # RateClocker
        self.w_max, self.k, self.last_fail = 0.0, 0.0, now  # CubicCalculator(0, now)
        self._lock = threading.Lock()

    def acquire(self, now: float) -> float:
        """Take a token: 0.0 when taken (or not needed), else the seconds to wait before calling again."""
        if not self.enabled:
            return 0.0
        with self._lock:
            self._refill(now)
            if self.capacity >= 1:
                self.capacity -= 1
                return 0.0
            return (1 - self.capacity) / self.fill_rate

    def record(self, now: float, throttled: bool) -> None:
        """An answer (or a failure) came back at ``now``; ``throttled``: botocore's throttling error."""
        with self._lock:
            self.count += 1
            bucket = math.floor(now * 2) / 2
            if bucket > self.bucket:
                rate = self.count / (bucket - self.bucket)
                self.measured = rate * SMOOTHING + self.measured * (1 - SMOOTHING)
                self.count, self.bucket = 0, bucket
            if throttled:
                current = self.measured if not self.enabled else min(self.measured, self.fill_rate)
                self.w_max, self.last_fail = current, now
                self.k = (current * (1 - BETA) / SCALE) ** (1 / 3)
                new_rate = current * BETA
                self.enabled = True
            else:
                new_rate = SCALE * (now - self.last_fail - self.k) ** 3 + self.w_max
            self._set_rate(now, min(new_rate, 2.0 * self.measured))

    def _set_rate(self, now: float, value: float) -> None:
        self._refill(now)
        self.fill_rate = max(value, MIN_RATE)
        self.max_capacity = value if value >= 1 else 1.0
        self.capacity = min(self.capacity, self.max_capacity)

    def _refill(self, now: float) -> None:
        self.capacity = min(self.max_capacity, self.capacity + (now - self.last_fill) * self.fill_rate)
        self.last_fill = now


class ClientState(NamedTuple):
    """What one botocore client of the run remembers: its retry quota and (``adaptive``) its rate limiter."""

    quota: RetryQuota
    limiter: RateLimiter | None


class AwsClients:
    """The run's clients' state, one per (mode, service, region) (thread-safe)."""

    __slots__ = ("_clients", "_lock")

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str, str], ClientState] = {}
        self._lock = threading.Lock()

    def get(self, mode: str | None, service: str, region: str, now: float) -> ClientState | None:
        """The state for requests to ``service`` in ``region``; None when ``mode`` has none (legacy, curl's --retry)."""
        if mode not in QUOTA_MODES:
            return None
        with self._lock:
            found = self._clients.get((mode, service, region))
            if found is None:
                limiter = RateLimiter(now) if mode == "adaptive" else None
                found = self._clients[(mode, service, region)] = ClientState(RetryQuota(), limiter)
            return found
