"""A fake clock for the command: sleeping advances the wall clock at once, so no test waits.

Tests give it to the command through :class:`sigcurl.environment.Env`
(``Env.from_process`` is replaced for the test): the signing time
(``Env.now``) and the transport's clock (``Env.clock``: wall clock, sleep,
jitter) are the fake's; durations (``monotonic``) stay real, since the
network really takes time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from sigcurl.environment import SYSTEM_CLOCK, Clock, Env


class FakeClock:
    """The CLI's clock and the transport's sleep: sleeping advances the clock, instantly."""

    def __init__(self) -> None:
        self.start = datetime.now(timezone.utc)
        self.slept: list[float] = []
        #: the backoff's random draw (tests may replace it: ``clock.jitter = lambda upper: upper``)
        self.jitter: Callable[[float], float] = SYSTEM_CLOCK.jitter

    def now(self) -> datetime:
        return self.start + timedelta(seconds=sum(self.slept))

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def clock(self) -> Clock:
        return Clock(monotonic=time.monotonic, now=self.now, sleep=self.sleep, jitter=lambda upper: self.jitter(upper))


def _from_process(fake: FakeClock) -> Any:
    original = Env.from_process.__func__  # type: ignore[attr-defined]

    def from_process(cls: type[Env]) -> Env:
        return original(cls)._replace(now=fake.now, clock=fake.clock())  # type: ignore[no-any-return]

    return classmethod(from_process)


def patch_env_clock(monkeypatch: Any, fake: FakeClock) -> None:
    """Every run of the command in this test uses ``fake`` (pytest's monkeypatch undoes it)."""
    monkeypatch.setattr(Env, "from_process", _from_process(fake))


@contextmanager
def env_clock(fake: FakeClock) -> Iterator[FakeClock]:
    """Runs of the command inside the block use ``fake`` (for tests that cannot use a fixture)."""
    saved = Env.__dict__["from_process"]
    Env.from_process = _from_process(fake)  # type: ignore[method-assign]
    try:
        yield fake
    finally:
        Env.from_process = saved  # type: ignore[method-assign]
