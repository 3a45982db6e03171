"""Many URLs cost memory for the transfers under way, not for all of them (issue 16, item 6).

Ten ``[1-100000]`` globs are a million transfers; planned before the first
is sent, they took 1.8 GB.  Here ten ``[1-20000]`` globs (200,000
transfers: 80 MiB traced when planned up front, 6 MiB lazily); the first fails and
``--fail-early`` ends the run, so a lazy plan builds a few transfers: the
reference is the allocator's own peak (tracemalloc).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import base_env, run

from support.hostile import HostileServer, reply

SIGN = ["--service", "execute-api", "--region", "us-east-1"]


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer(default=reply(500, b"no", content_type="text/plain")) as srv:
        yield srv


@pytest.mark.parametrize("parallel", [[], ["-Z", "--parallel-max", "2"]], ids=["serial", "parallel"])
def test_many_globbed_transfers_are_planned_as_they_go(hostile: HostileServer, tmp_path: Path,
                                                            parallel: list[str]) -> None:
    urls = [hostile.url_for(f"/set{i}/[1-20000]") for i in range(10)]
    tracemalloc.start()
    try:
        result = run(["-f", "--fail-early", *parallel, *SIGN, *urls], base_env(tmp_path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 22, result.stderr
    assert len(hostile.requests) <= 4, len(hostile.requests)
    assert peak < 24 << 20, f"{peak >> 20} MiB traced for a run that sent {len(hostile.requests)} requests"
