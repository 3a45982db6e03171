"""Machine-readable benchmark results: ``benchmarks/bench_NAME.json``, the input of ``charts.py``.

One shape for every benchmark::

    {"benchmark": "sign", "date": "2026-11-26", "python": "3.11.7",
     "unit": "signatures/s", "higher_is_better": true,
     "rows": [{"group": "GET distinct", "tool": "sigcurl", "value": 60000.0}, ...]}

A row may carry more keys (``peak_rss_mib``, ``note``, ...); ``value`` is
null for a run that failed.  ``source`` says where hand-made figures came from.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def add_json_option(parser: argparse.ArgumentParser, name: str) -> None:
    """``--json [PATH]``: also write the results as JSON (default: benchmarks/bench_NAME.json)."""
    parser.add_argument(
        "--json", nargs="?", const=str(HERE / f"bench_{name}.json"), default=None, metavar="PATH",
        help=f"also write the results as JSON (default path: benchmarks/bench_{name}.json)",
    )


def write(path: str | os.PathLike[str], name: str, unit: str, higher_is_better: bool, rows: list[dict[str, Any]], **extra: Any) -> None:
    """Write one benchmark's results in the shared shape."""
    doc = {
        "benchmark": name,
        "date": datetime.date.today().isoformat(),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "unit": unit,
        "higher_is_better": higher_is_better,
        "rows": rows,
        **extra,
    }
    Path(path).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
