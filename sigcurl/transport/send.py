"""The send loop: sign, send one attempt, ask the policy what next, do it.

Every attempt and every hop is signed afresh through the caller's ``sign``
callback; a hop to a host the user did not name is signed as untrusted
(no credentials) unless ``--location-trusted``.  What to do after each
attempt is :func:`sigcurl.transport.policy.decide`'s call; this loop only
carries it out (waits on the injected clock, asks the caller to correct its
clock or region through :class:`~sigcurl.transport.options.Hooks`) and
pays for each retry of the AWS CLI's modes from the run's retry quota
(:mod:`~sigcurl.transport.aws_retry_state`): a retry it cannot pay for is
not made, the error is delivered; in ``adaptive`` every attempt first waits
for the run's rate limiter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcurl.awserror import AwsError, parse_aws_error
from sigcurl.curlopts import HttpRequest
from sigcurl.environment import SYSTEM_CLOCK, Clock
from sigcurl.errors import TransferError
from sigcurl.transport import aws_retry_rules, policy
from sigcurl.transport.options import Hooks, SignFn, TransportOptions
from sigcurl.transport.response import Response, Timings
from sigcurl.transport.wire import Wire

if TYPE_CHECKING:
    from sigcurl.transport.aws_retry_state import RateLimiter

PACE_SLICE = 0.25  # the longest sleep while waiting for the rate limiter (Ctrl-C is checked between sleeps)


class Transport:
    """One session for every transfer of an option set (connections are reused)."""

    def __init__(self, options: TransportOptions, clock: Clock = SYSTEM_CLOCK) -> None:
        self.options = options
        self.clock = clock
        self.wire = Wire(options, clock)
        self.session = self.wire.session

    def close(self) -> None:
        self.wire.close()

    def _timeout(self, deadline: float | None) -> tuple[float | None, float | None]:
        return self.wire.timeout(deadline)

    def _deadline(self) -> float | None:
        return self.clock.monotonic() + self.options.max_time if self.options.max_time else None

    def send(self, request: HttpRequest, sign: SignFn, hooks: Hooks | None = None) -> Response:
        """Send ``request``, signing every attempt and every hop afresh through ``sign``.

        Follows redirects with -L (a hop to another host unsigned unless
        ``--location-trusted``), corrects the clock once on a clock-skew error
        and an S3 bucket's region once (also without -L), and retries
        transient failures as :class:`~sigcurl.transport.options.RetryPolicy` allows.
        """
        hooks = hooks or Hooks()
        opts, clock = self.options, self.clock
        started = clock.monotonic()
        timings = Timings()  # what -w reports: one record for every attempt and hop
        deadline = self._deadline()
        trusted_hosts = {policy.origin(request.url)}
        current = request
        state = policy.Attempt(clock_corrected=hooks.correct_clock is None,
                               region_corrected=hooks.correct_region is None)
        paid: int | None = None  # what the last retry cost the AWS CLI's retry quota
        client = hooks.aws_client
        while True:
            if client is not None and client.limiter is not None:
                self._pace(client.limiter, deadline, hooks)
            trusted = policy.is_trusted(current.url, trusted_hosts, opts)
            url, headers = sign(current, trusted)
            resp: Response | None = None
            try:
                resp = self.wire.send_once(current.method, url, headers, current.body, deadline, timings)
            except TransferError as exc:
                failure = policy.Failure(exc.exit_code, exc.what, getattr(exc, "request_sent", True),
                                         getattr(exc, "stale", False))
                outcome: policy.Answer | policy.Failure = failure
                error: TransferError | None = exc
            else:
                err = self._classify(resp, current.method)
                outcome = policy.Answer(resp.status, resp.reason, resp.headers, err, url)
                error = None
            throttled = isinstance(outcome, policy.Answer) and _throttled(outcome)
            if client is not None and client.limiter is not None:
                client.limiter.record(clock.monotonic(), throttled)
            # A correction the caller declines is skipped for this answer only (asked again next time).
            view = state
            while True:
                view = view._replace(elapsed=clock.monotonic() - started)
                decision = policy.decide(current, trusted, outcome, view, opts, now=clock.now(), jitter=clock.jitter)
                if isinstance(decision, policy.FixClock):
                    assert hooks.correct_clock is not None
                    if hooks.correct_clock(decision.server_time):
                        state = state._replace(clock_corrected=True)
                        break
                    view = view._replace(clock_corrected=True)
                    continue
                if isinstance(decision, policy.FixRegion):
                    assert hooks.correct_region is not None
                    previous = hooks.correct_region(decision.region)
                    if previous is not None:
                        current = self._move(decision, previous, hooks, trusted_hosts)
                        state = state._replace(region_corrected=True)
                        break
                    view = view._replace(region_corrected=True)
                    continue
                break
            if isinstance(decision, policy.Retry) and client is not None:
                paid = client.quota.acquire(throttled)
                if paid is None:
                    decision = policy.Deliver((*decision.notes, f"not retrying: the retry quota is spent ({decision.reason})"))
            for note in getattr(decision, "notes", ()):
                hooks.say(note)
            if isinstance(decision, policy.Deliver):
                if error is not None:
                    raise error
                assert resp is not None
                if client is not None and 200 <= resp.status < 300:
                    client.quota.release(paid)
                resp.redirects = state.redirects
                resp.started = started
                resp.deadline = deadline
                return resp
            if resp is not None:
                if isinstance(decision, policy.Follow) and hooks.redirected is not None:
                    hooks.redirected(resp)
                resp.discard()
            if isinstance(decision, policy.Resend):
                state = state._replace(resent=True)
                hooks.say(f"sending again on a new connection: {decision.reason}")
            elif isinstance(decision, policy.Retry):
                state = state._replace(retries=state.retries + 1)
                hooks.say(f"retrying in {decision.wait:.1f} s (attempt {state.retries}/{opts.retry.retries}): "
                          f"{decision.reason}")
                if decision.wait > 0:
                    clock.sleep(decision.wait)
                deadline = self._deadline()
            elif isinstance(decision, (policy.Follow, policy.FixRegion)):
                if decision.error is not None:
                    raise decision.error
                state = state._replace(redirects=state.redirects + 1)
                if isinstance(decision, policy.Follow):
                    current = decision.request

    def _pace(self, limiter: RateLimiter, deadline: float | None, hooks: Hooks) -> None:
        """``adaptive``: wait for the rate limiter's token (on the clock, in short sleeps: Ctrl-C stops it; -m caps it)."""
        from sigcurl import interrupts

        said = False
        while (wait := limiter.acquire(self.clock.monotonic())) > 0:
            if deadline is not None and (left := deadline - self.clock.monotonic()) <= 0:
                return  # -m has run out: the attempt itself times out
            if not said:
                hooks.say(f"waiting {wait:.2f} s for the adaptive retry mode's send rate")
                said = True
            interrupts.check()
            self.clock.sleep(min(wait, PACE_SLICE, left) if deadline is not None else min(wait, PACE_SLICE))

    @staticmethod
    def _move(decision: policy.FixRegion, previous: str, hooks: Hooks, trusted_hosts: set[str]) -> HttpRequest:
        """The request re-aimed at the bucket's region (the caller re-signs it for that region)."""
        current = decision.request
        new_url = decision.url(previous)
        if new_url != current.url:
            trusted_hosts.add(policy.origin(new_url))
            from urllib.parse import urlsplit

            hooks.say(f"re-sending to the bucket's regional endpoint {urlsplit(new_url).netloc}")
        return current._replace(url=new_url, headers=list(current.headers))

    @staticmethod
    def _classify(resp: Response, method: str) -> AwsError | None:
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


def _throttled(answer: policy.Answer) -> bool:
    """botocore's throttling error (a retry of it costs the quota less)."""
    return aws_retry_rules.is_throttling(answer.status, answer.error.code if answer.error is not None else "")
