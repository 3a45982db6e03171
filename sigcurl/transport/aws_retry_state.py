"""What the AWS CLI's ``standard`` and ``adaptive`` retry modes remember across requests (pure).

botocore keeps, per client (one service in one region), a retry quota
(``botocore/retries/quota.py`` RetryQuota and ``standard.py``
RetryQuotaChecker); sigcurl keeps one per run and per (service, region),
shared by every transfer of the run (URL lists, globs, ``-Z`` threads):
:class:`RetryQuotas` hands them out, :class:`RetryQuota` is one of them.

* capacity :data:`INITIAL_CAPACITY` (500);
* a retry the mode allows must first be paid for: :data:`THROTTLING_RETRY_COST`
  (5) after a throttling error (:func:`~sigcurl.transport.aws_retry_rules.is_throttling`),
  else :data:`RETRY_COST` (14: timeouts, broken connections, HTTP 5xx,
  transient codes).  When the quota cannot pay, the error is delivered;
* a 2xx answer gives back the cost of the request's last paid retry, or
  :data:`NO_RETRY_INCREMENT` (1) when it was not retried, never above the capacity;
  any other final answer or a failure gives back nothing.

No clock, no I/O, no randomness; the only state is a counter behind a lock.
"""

from __future__ import annotations

import threading

INITIAL_CAPACITY = 500
RETRY_COST = 14
THROTTLING_RETRY_COST = 5
NO_RETRY_INCREMENT = 1
#: The modes with a retry quota (``legacy`` has none).
QUOTA_MODES = frozenset({"standard", "adaptive"})


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


class RetryQuotas:
    """The run's retry quotas, one per (service, region) (thread-safe)."""

    __slots__ = ("_quotas", "_lock")

    def __init__(self) -> None:
        self._quotas: dict[tuple[str, str], RetryQuota] = {}
        self._lock = threading.Lock()

    def get(self, mode: str | None, service: str, region: str) -> RetryQuota | None:
        """The quota for requests to ``service`` in ``region``; None when ``mode`` has none (legacy, curl's --retry)."""
        if mode not in QUOTA_MODES:
            return None
        with self._lock:
            found = self._quotas.get((service, region))
            if found is None:
                found = self._quotas[(service, region)] = RetryQuota()
            return found
