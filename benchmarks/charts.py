"""Draw the README's performance charts from the benchmarks' JSON results.

Reads ``benchmarks/bench_*.json`` (the shape is in ``results.py``) and writes
SVG files to ``benchmarks/charts/``:

* ``startup.svg``: wall time of a signed GET against awscurl, curl and the
  import floor, and of the offline commands;
* ``many.svg``: 1000 signed requests in one run against shell loops (log scale);
* ``bodies.svg``: 1 GiB transfers, wall time and peak memory, against curl;
* ``sign.svg``: signatures per second against botocore (SigV4) and awscrt (SigV4a).

The charts have a transparent background and mid-grey text, so they read on
GitHub's light and dark themes alike.  Needs matplotlib (``pip install -e '.[bench]'``).

Run: ``python benchmarks/charts.py [--png]`` (``--png`` also writes PNG copies, to look at).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after the backend is chosen
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "charts"
GREY = "#8b949e"  # readable on white and on GitHub's dark background
COLOURS = {"sigcurl": "#2f81f7", "awscurl": "#d29922", "curl": "#3fb950", "botocore": "#d29922", "awscrt": "#a371f7", "floor": GREY}

plt.rcParams.update({
    "figure.facecolor": "none", "axes.facecolor": "none", "savefig.transparent": True,
    "text.color": GREY, "axes.labelcolor": GREY, "axes.edgecolor": GREY, "xtick.color": GREY, "ytick.color": GREY,
    "axes.titlecolor": GREY, "font.size": 10, "axes.titlesize": 11, "axes.spines.top": False, "axes.spines.right": False,
    "svg.hashsalt": "sigcurl", "svg.fonttype": "path",
})


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((HERE / f"bench_{name}.json").read_text(encoding="utf-8"))
    return doc


def colour(tool: str) -> str:
    for key in ("floor", "sigcurl", "awscurl", "botocore", "awscrt", "curl"):
        if key in tool:
            return COLOURS[key]
    return GREY


def footnote(ax: Axes, *docs: dict[str, Any]) -> None:
    """Where the figures come from, under the axes' bottom right corner (below the x label)."""
    doc = docs[0]
    where = doc.get("source") or f"measured {doc['date']}"
    ax.annotate(f"{where}; Python {doc['python']}, {doc.get('cpus', '?')} CPUs", (1, 0), xycoords="axes fraction",
                xytext=(0, -40), textcoords="offset points", ha="right", va="top", fontsize=8, color=GREY)


def bars(ax: Axes, labels: list[str], values: list[float | None], colours: list[str], fmt: Any, notes: list[str] | None = None) -> None:
    """Horizontal bars, first at the top, each with its value (or a note where there is none) at its end."""
    y = list(range(len(labels)))[::-1]
    drawn = [v or 0.0 for v in values]
    ax.barh(y, drawn, color=colours, height=0.62)
    ax.set_yticks(y, labels)
    ax.tick_params(axis="y", length=0)
    for yi, value, note in zip(y, values, notes or [""] * len(values), strict=True):
        text = fmt(value) if value is not None else note
        ax.annotate(text, (value or 0.0, yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=9, color=GREY)
    ax.margins(x=0.22)


def save(fig: Figure, name: str, png: bool) -> None:
    OUT.mkdir(exist_ok=True)
    fig.savefig(OUT / f"{name}.svg", metadata={"Date": None}, bbox_inches="tight")
    if png:
        fig.savefig(OUT / f"{name}.png", dpi=110, bbox_inches="tight", transparent=False, facecolor="#ffffff")
        fig.savefig(OUT / f"{name}-dark.png", dpi=110, bbox_inches="tight", transparent=False, facecolor="#0d1117")
    plt.close(fig)
    print(f"wrote {OUT / name}.svg", file=sys.stderr)


def startup(png: bool) -> None:
    doc = load("startup")
    rows = doc["rows"]
    labels = [r["tool"] if "floor" in r["tool"] else f"{r['tool']} {r['group']}" for r in rows]
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(rows) + 0.9))
    bars(ax, labels, [r["value"] for r in rows], [colour(r["tool"]) for r in rows], lambda v: f"{v:.3f} s")
    ax.set_title("Start-up: wall time of one command, median (shorter is better)", loc="left")
    ax.set_xlabel("seconds")
    footnote(ax, doc)
    save(fig, "startup", png)


def many(png: bool) -> None:
    doc = load("many")
    rows = doc["rows"]
    labels = [r["tool"] if r["group"] != "shell loop" else f"shell loop of {r['tool']}" for r in rows]
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(rows) + 0.9))
    bars(ax, labels, [r["value"] for r in rows], [colour(r["tool"]) for r in rows], lambda v: f"{v:,.3g} s")
    ax.set_xscale("log")
    ax.set_xlim(0.5, max(r["value"] for r in rows) * 4)
    ax.set_title(f"{doc.get('count', 1000)} signed GETs: one run against a loop of processes (log scale)", loc="left")
    ax.set_xlabel("seconds for all requests")
    footnote(ax, doc)
    save(fig, "many", png)


def bodies(png: bool) -> None:
    doc = load("bodies")
    rows = doc["rows"]
    labels = [r.get("case", f"{r['tool']} {r['group']}") for r in rows]
    colours = [colour(r["tool"]) for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.36 * len(rows) + 1.1), sharey=True, gridspec_kw={"width_ratios": [1, 1]})
    bars(left, labels, [r["value"] for r in rows], colours, lambda v: f"{v:.2f} s", [r.get("note", "failed").replace("failed: ", "") for r in rows])
    bars(right, labels, [r["peak_rss_mib"] for r in rows], colours, lambda v: f"{v:,.0f} MiB")
    size = doc.get("size_mib", 1024)
    left.set_title(f"{size / 1024:g} GiB over loopback: wall time", loc="left")
    left.set_xlabel("seconds (shorter is better)")
    right.set_title("peak memory", loc="left")
    right.set_xlabel("MiB (less is better)")
    right.tick_params(axis="y", left=False)
    footnote(right, doc)
    save(fig, "bodies", png)


def sign(png: bool) -> None:
    docs = [load("sign"), load("sigv4a")]
    groups: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        for r in doc["rows"]:
            groups.setdefault(r["group"], []).append(r)
    labels, values, colours = [], [], []
    for group, rows in groups.items():
        for r in rows:
            labels.append(f"{group}: {r['tool']}")
            values.append(r["value"])
            colours.append(colour(r["tool"]))
    fig, ax = plt.subplots(figsize=(7.5, 0.36 * len(labels) + 0.9))
    bars(ax, labels, values, colours, lambda v: f"{v:,.0f}/s")
    ax.set_title("Signing: signatures per CPU-second (longer is better)", loc="left")
    ax.set_xlabel("signatures per second")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / 1000:g}k"))
    footnote(ax, *docs)
    save(fig, "sign", png)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--png", action="store_true", help="also write PNG copies on white and dark backgrounds (not committed)")
    args = parser.parse_args(argv)
    for chart in (startup, many, bodies, sign):
        chart(args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
