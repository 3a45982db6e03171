"""``adaptive``'s client-side rate limiter, against botocore's own ClientRateLimiter on a fake clock.

The same random sequences of (time, event) — an attempt about to be sent, an
answer that is or is not a throttling error — go to botocore's
``ClientRateLimiter`` (its ``TokenBucket``, ``RateClocker`` and
``CubicCalculator`` wired as ``adaptive.register_retry_handler`` wires them)
and to sigcurl's :class:`~sigcurl.transport.aws_retry_state.RateLimiter`:
the same tokens taken or refused, the same waits, fill rates, capacities and
measured rates (within float tolerance).  End to end, a glob against a
loopback server that throttles everything makes the transfers wait for the
limiter, on a fake clock (no real waits).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import base_env
from cli_helpers import invoke as invoke_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from sigcurl.environment import Clock
from sigcurl.transport.aws_retry_state import RateLimiter
from support.clock import FakeClock, patch_env_clock
from support.responses import Response
from support.server import VerifyingServer

START = 1000.0  # a steady clock's seconds (epoch seconds would cost the float precision the test compares at)


class _Time:
    """botocore's clock (``current_time``), moved by hand."""

    def __init__(self) -> None:
        self.now = START

    def current_time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        raise AssertionError("the test never lets botocore block")


class _Detector:
    def is_throttling_error(self, **kwargs: Any) -> bool:
        return bool(kwargs["throttled"])


def _botocore_limiter(clock: _Time) -> Any:
    from botocore.retries import adaptive, bucket, throttling

    return adaptive.ClientRateLimiter(
        rate_adjustor=throttling.CubicCalculator(starting_max_rate=0, start_time=clock.current_time()),
        rate_clocker=adaptive.RateClocker(clock), token_bucket=bucket.TokenBucket(max_rate=1, clock=clock),
        throttling_detector=_Detector(), clock=clock)


def _same_state(ours: RateLimiter, theirs: Any) -> None:
    bucket = theirs._token_bucket
    assert ours.enabled == theirs._enabled
    assert ours.fill_rate == pytest.approx(bucket.max_rate)
    assert ours.max_capacity == pytest.approx(bucket.max_capacity)
    assert ours.capacity == pytest.approx(bucket.available_capacity, abs=1e-9)
    assert ours.measured == pytest.approx(theirs._rate_clocker.measured_rate)


def _replay(events: list[tuple[float, str]]) -> int:
    """Both limiters through ``events`` ((seconds since the last event, "send"|"ok"|"throttled")); returns the waits seen."""
    from botocore.exceptions import CapacityNotAvailableError

    clock = _Time()
    theirs, ours = _botocore_limiter(clock), RateLimiter(clock.now)
    waits = 0
    for gap, event in events:
        clock.now += gap
        if event == "send":
            wait = ours.acquire(clock.now)
            if not theirs._enabled:
                assert wait == 0.0
                continue
            try:
                theirs._token_bucket.acquire(1, block=False)
                taken = True
            except CapacityNotAvailableError:
                taken = False
            assert taken == (wait == 0.0), (wait, events)
            if not taken:  # botocore would sleep its own computed time, then take the token
                waits += 1
                assert wait == pytest.approx(theirs._token_bucket._sleep_amount(1))
                clock.now += wait + 1e-7
                assert ours.acquire(clock.now) == 0.0
                theirs._token_bucket.acquire(1, block=False)
        else:
            ours.record(clock.now, event == "throttled")
            theirs.on_receiving_response(throttled=event == "throttled")
        _same_state(ours, theirs)
    return waits


gap = st.sampled_from([0.0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.4999, 0.5, 0.75, 1.0, 2.5, 10.0])
events = st.lists(st.tuples(gap, st.sampled_from(["send", "send", "ok", "throttled"])), min_size=1, max_size=300)


@settings(max_examples=80, deadline=None)
@given(events=events)
def test_limiter_follows_botocore(events: list[tuple[float, str]]) -> None:
    _replay(events)


def test_a_burst_after_throttling_waits_as_botocore() -> None:
    burst = [(0.01, "send"), (0.01, "ok")] * 50 + [(0.01, "send"), (0.01, "throttled")] * 5
    assert _replay(burst + [(0.0, "send")] * 20 + [(0.3, "ok")] * 10 + [(0.0, "send")] * 20) > 0


# --- end to end ----------------------------------------------------------------------------------------


class _SteadyFakeClock(FakeClock):
    """The fake clock whose monotonic time also moves on by what was slept (the limiter's time)."""

    def clock(self) -> Clock:
        return self.clock_with(lambda: time.monotonic() + sum(self.slept))

    def clock_with(self, monotonic: Any) -> Clock:
        return Clock(monotonic=monotonic, now=self.now, sleep=self.sleep, jitter=lambda upper: self.jitter(upper))


@pytest.mark.parametrize("parallel", [[], ["-Z", "--parallel-max", "3"]], ids=["serial", "parallel"])
def test_throttled_glob_waits_for_the_limiter(server: VerifyingServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              parallel: list[str]) -> None:
    fake = _SteadyFakeClock()
    patch_env_clock(monkeypatch, fake)
    server.handler = lambda request: Response.aws_error("ThrottlingException", "slow down", status=400)
    (tmp_path / "config").write_text("")
    env = {**base_env(tmp_path), "AWS_RETRY_MODE": "adaptive"}
    result = invoke_cli(["-sv", *parallel, "--service", "execute-api", "--region", "us-east-1",
                         server.url + "/r[1-20]"], env)
    assert server.request_count == 20 * 3 and all(r.ok for r in server.requests), result.stderr  # quota: 60 x 5 < 500
    assert "waiting" in result.stderr and "for the adaptive retry mode's send rate" in result.stderr
    assert fake.slept  # the limiter's waits (and the backoff's) went to the clock, not to real time
    standard = {**env, "AWS_RETRY_MODE": "standard"}
    again = invoke_cli(["-sv", "--service", "execute-api", "--region", "us-east-1", server.url + "/s[1-5]"], standard)
    assert "adaptive retry mode" not in again.stderr  # standard has no limiter


def _throttled_limiter(now: float) -> RateLimiter:
    """A limiter whose bucket is empty at a low rate (a throttling error was seen)."""
    limiter = RateLimiter(now)
    limiter.record(now, True)
    while limiter.acquire(now) == 0.0:
        pass
    return limiter


def _pacer(now: list[float], slept: list[float], on_sleep: Any = None) -> Any:
    from types import SimpleNamespace

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds
        if on_sleep is not None:
            on_sleep()

    return SimpleNamespace(clock=Clock(monotonic=lambda: now[0], now=None, sleep=sleep, jitter=None))  # type: ignore[arg-type]


def test_the_wait_is_slept_in_short_slices_and_ctrl_c_stops_it() -> None:
    from sigcurl import interrupts
    from sigcurl.errors import Interrupted
    from sigcurl.transport.options import Hooks
    from sigcurl.transport.send import PACE_SLICE, Transport

    now, slept = [50.0], []
    limiter = _throttled_limiter(now[0])
    Transport._pace(_pacer(now, slept), limiter, None, Hooks())  # type: ignore[arg-type]
    assert slept and max(slept) <= PACE_SLICE and sum(slept) == pytest.approx(1 / limiter.fill_rate, rel=1e-6)
    slept.clear()
    try:
        with pytest.raises(Interrupted):
            Transport._pace(_pacer(now, slept, interrupts.STOPPING.set), limiter, None, Hooks())  # type: ignore[arg-type]
    finally:
        interrupts.STOPPING.clear()
    assert len(slept) == 1  # stopped after one short sleep


def test_the_wait_ends_at_the_max_time_deadline() -> None:
    from sigcurl.transport.options import Hooks
    from sigcurl.transport.send import Transport

    now, slept = [50.0], []
    limiter = _throttled_limiter(now[0])
    Transport._pace(_pacer(now, slept), limiter, 50.1, Hooks())  # type: ignore[arg-type]
    assert sum(slept) == pytest.approx(0.1)  # -m: the attempt then times out as any other
