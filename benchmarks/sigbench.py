"""Shared by the signing benchmarks: interleaved rounds, medians of ratios, JSON results.

A *pair* is one case run by two signers (sigcurl and its anchor).  Every
round runs each pair's signers back to back for about ``seconds`` of CPU
time each, alternating which goes first, so a load change on a shared
machine hits both alike; the speed-up of a round is the ratio of the two
rates, and the table reports the median rate of each signer and the median
(and range) of the per-round ratios.  Rates are per CPU-second
(``time.process_time``, every thread of the process), which other load on
the machine skews far less than wall time.

A signer here is ``run(start, count) -> None``: it signs ``count`` requests
from a pool beginning at ``start`` (modulo the pool's size), so a loop over
*distinct* requests costs the same loop overhead for both signers.
"""

from __future__ import annotations

import gc
import json
import platform
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

Runner = Callable[[int, int], None]

#: Requests signed per timing batch.
BATCH = 64


class Pair(NamedTuple):
    """One case (the table's row): sigcurl's runner and the anchor's."""

    group: str
    ours: Runner
    theirs: Runner


class Result(NamedTuple):
    """The medians and the spread of one pair over the rounds."""

    group: str
    ours: float  # median signatures per CPU-second
    theirs: float
    ratio: float  # median of the rounds' ours/theirs
    ratio_min: float
    ratio_max: float


def rate(run: Runner, seconds: float, start: int) -> tuple[float, int]:
    """(signatures per CPU-second, next pool index) over about ``seconds`` of CPU time."""
    clock = time.process_time
    n = 0
    t0 = clock()
    end = t0 + seconds
    while True:
        run(start + n, BATCH)
        n += BATCH
        t = clock()
        if t >= end:
            return n / (t - t0), start + n


def interleaved(pairs: list[Pair], rounds: int, seconds: float, warmup: int = 512) -> list[Result]:
    """Run every pair for ``rounds`` interleaved rounds; the results in the pairs' order."""
    for pair in pairs:  # warm up: imports, caches that hold across requests (keys, scopes)
        pair.ours(0, warmup)
        pair.theirs(0, warmup)
    gc.collect()
    gc.freeze()  # the request pools are long-lived: keep collections from rescanning them
    ours: dict[str, list[float]] = {p.group: [] for p in pairs}
    theirs: dict[str, list[float]] = {p.group: [] for p in pairs}
    position = warmup
    for r in range(rounds):
        for pair in pairs:
            first, second = (pair.ours, pair.theirs) if r % 2 == 0 else (pair.theirs, pair.ours)
            a, _ = rate(first, seconds, position)
            b, position = rate(second, seconds, position)  # the same requests for both
            ours[pair.group].append(a if r % 2 == 0 else b)
            theirs[pair.group].append(b if r % 2 == 0 else a)
    results = []
    for pair in pairs:
        o, t = ours[pair.group], theirs[pair.group]
        ratios = [x / y for x, y in zip(o, t, strict=True)]
        results.append(
            Result(pair.group, statistics.median(o), statistics.median(t),
                   statistics.median(ratios), min(ratios), max(ratios))
        )
    return results


def table(results: list[Result], anchor: str, fmt: str = "{:.1f}x") -> str:
    """A Markdown table of the results (``fmt`` formats the ratio)."""
    lines = [
        f"| case | sigcurl | {anchor} | sigcurl / {anchor} (median) | range over rounds |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.group} | {r.ours:,.0f} | {r.theirs:,.0f} | {fmt.format(r.ratio)} | "
            f"{fmt.format(r.ratio_min)} – {fmt.format(r.ratio_max)} |"
        )
    return "\n".join(lines)


def write_json(path: Path, benchmark: str, anchor: str, results: list[Result], rounds: int) -> None:
    """Machine-readable results next to the script: one row per (case, signer), plus the ratios."""
    rows = []
    for r in results:
        rows.append({"group": r.group, "tool": "sigcurl", "value": round(r.ours, 1)})
        rows.append({"group": r.group, "tool": anchor, "value": round(r.theirs, 1)})
    data = {
        "benchmark": benchmark,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "unit": "signatures/s",
        "higher_is_better": True,
        "rows": rows,
        "rounds": rounds,
        "ratios": [
            {"group": r.group, "median": round(r.ratio, 3), "min": round(r.ratio_min, 3), "max": round(r.ratio_max, 3)}
            for r in results
        ],
    }
    path.write_text(json.dumps(data, indent=2) + "\n")
