"""The process environment, built once in ``main`` and replaced in tests.

Standard streams (and whether they are terminals), environment variables,
the clock and the working directory: everything the CLI reads from the
outside world goes through an :class:`Env`, so tests need no patching.
"""

# No `from __future__ import annotations`: typing.NamedTuple turns string annotations into
# ForwardRefs one by one, which made this module take twice as long to import (start-up time).

import os
import sys
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import BinaryIO, NamedTuple, TextIO


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _jitter(upper: float) -> float:
    """A uniformly random wait in ``[0, upper]`` (full jitter)."""
    import random  # lazily: not on the start-up path

    return random.uniform(0.0, upper)  # noqa: S311 - timing jitter, not cryptography


class Clock(NamedTuple):
    """Time as the transport sees it: replaced in tests, so no test really waits.

    ``monotonic`` measures durations (deadlines, --retry-max-time), ``now``
    is the wall clock (Retry-After dates), ``sleep`` waits between
    retries, ``jitter(upper)`` draws a backoff wait in ``[0, upper]``.
    """

    monotonic: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = _utcnow
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[float], float] = _jitter


#: The real clock.
SYSTEM_CLOCK = Clock()


class Env(NamedTuple):
    """Where input comes from and output goes."""

    stdin: BinaryIO
    stdout: BinaryIO
    stderr: TextIO
    stdout_isatty: bool
    stderr_isatty: bool
    environ: Mapping[str, str]
    now: Callable[[], datetime] = _utcnow
    clock: Clock = SYSTEM_CLOCK

    @classmethod
    def from_process(cls) -> "Env":
        """The real process environment."""
        return cls(
            stdin=sys.stdin.buffer if sys.stdin is not None else open(os.devnull, "rb"),  # noqa: SIM115
            stdout=sys.stdout.buffer,
            stderr=sys.stderr,
            stdout_isatty=isatty(sys.stdout),
            stderr_isatty=isatty(sys.stderr),
            environ=os.environ,
        )


def isatty(stream: object) -> bool:
    """Whether ``stream`` is a terminal (False for a closed or replaced stream)."""
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False
