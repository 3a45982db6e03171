"""Event stream decoding speed: ``sigcurl.eventstream`` against botocore's ``EventStreamBuffer``.

Builds a ~100 MB stream of 10,000 Bedrock-like events (``contentBlockDelta``
with a ~10 KB JSON payload), cuts it into 64 KiB chunks as a socket would
deliver it, and decodes the same chunks in interleaved rounds in one
process: sigcurl's decoder, botocore's ``EventStreamBuffer`` (what boto3 uses
in-process), and sigcurl's decoder plus :func:`sigcurl.output.events.ndjson_line`
per message.  Reports the median MB/s of each and the median of the
per-round ratios; then the peak RSS of each decoder in a fresh subprocess
reading the stream from a file in 64 KiB reads.  Results go to
``benchmarks/bench_eventstream.json``.

Run: ``python benchmarks/bench_eventstream.py [--rounds 7] [--events 10000]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from botocore.eventstream import EventStreamBuffer

from sigcurl.eventstream import EventStreamDecoder, encode_message
from sigcurl.output.events import ndjson_line

CHUNK = 64 * 1024
HERE = Path(__file__).resolve().parent
WORDS = ("the", "of", "and", "to", "in", "is", "you", "that", "it", "was", "for", "on", "are", "with", "they", "be")


def build_stream(events: int, size: int = 10_000) -> bytes:
    rng = random.Random(1)
    headers = {":event-type": "contentBlockDelta", ":content-type": "application/json", ":message-type": "event"}
    frames = []
    for i in range(events):
        text = " ".join(rng.choices(WORDS, k=size // 2))[:size]
        payload = {"contentBlockIndex": 0, "delta": {"text": text}, "p": "abcdefghijklmnop"[: i % 16]}
        frames.append(encode_message(headers, json.dumps(payload).encode()))
    return b"".join(frames)


def run_sigcurl(chunks: list[bytes]) -> int:
    decoder = EventStreamDecoder()
    count = 0
    for chunk in chunks:
        for _ in decoder.feed(chunk):
            count += 1
    decoder.close()
    return count


def run_botocore(chunks: list[bytes]) -> int:
    buffer = EventStreamBuffer()
    count = 0
    for chunk in chunks:
        buffer.add_data(chunk)
        for _ in buffer:
            count += 1
    return count


def run_ndjson(chunks: list[bytes]) -> int:
    decoder = EventStreamDecoder()
    total = 0
    for chunk in chunks:
        for message in decoder.feed(chunk):
            total += len(ndjson_line(message))
    decoder.close()
    return total


TOOLS: dict[str, Callable[[list[bytes]], int]] = {
    "sigcurl": run_sigcurl,
    "botocore": run_botocore,
    "sigcurl + ndjson_line": run_ndjson,
}


def _peak_rss_mib() -> float:
    """VmHWM: this process's peak RSS (unlike ru_maxrss, it restarts at exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(tool: str, path: str) -> None:
    """Decode the file in 64 KiB reads (as from a socket); print the peak RSS in MiB."""
    before = _peak_rss_mib()
    count = 0
    with open(path, "rb") as stream:
        if tool == "sigcurl":
            decoder = EventStreamDecoder()
            while chunk := stream.read(CHUNK):
                for _ in decoder.feed(chunk):
                    count += 1
            decoder.close()
        else:
            buffer = EventStreamBuffer()
            while chunk := stream.read(CHUNK):
                buffer.add_data(chunk)
                for _ in buffer:
                    count += 1
    print(json.dumps({"peak_mib": _peak_rss_mib(), "before_mib": before, "messages": count}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--child", nargs=2, metavar=("TOOL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    stream = build_stream(args.events)
    megabytes = len(stream) / 1e6
    chunks = [stream[i : i + CHUNK] for i in range(0, len(stream), CHUNK)]
    print(f"stream: {megabytes:.1f} MB, {args.events} events, {len(chunks)} chunks of 64 KiB")
    assert run_sigcurl(chunks) == run_botocore(chunks) == args.events

    rates: dict[str, list[float]] = {name: [] for name in TOOLS}
    ratios: list[float] = []
    for round_ in range(args.rounds):
        order = list(TOOLS) if round_ % 2 == 0 else list(reversed(TOOLS))
        seconds: dict[str, float] = {}
        for name in order:
            start = time.perf_counter()
            TOOLS[name](chunks)
            seconds[name] = time.perf_counter() - start
            rates[name].append(megabytes / seconds[name])
        ratios.append(seconds["botocore"] / seconds["sigcurl"])
        print(f"round {round_ + 1}: " + ", ".join(f"{n} {megabytes / s:.0f} MB/s" for n, s in seconds.items()))

    medians = {name: statistics.median(values) for name, values in rates.items()}
    print(f"\n| decoder (decode {megabytes:.0f} MB, 64 KiB chunks) | median MB/s | vs botocore |")
    print("|---|---:|---:|")
    for name, value in medians.items():
        print(f"| {name} | {value:,.0f} | {value / medians['botocore']:.2f}x |")
    print(f"median of per-round speed-ups (sigcurl vs botocore): {statistics.median(ratios):.2f}x")

    rss: dict[str, float] = {}
    with tempfile.NamedTemporaryFile(suffix=".eventstream") as tmp:
        tmp.write(stream)
        tmp.flush()
        for name in ("sigcurl", "botocore"):
            out = subprocess.run([sys.executable, __file__, "--child", name, tmp.name],
                                 check=True, capture_output=True, text=True, timeout=600)
            result = json.loads(out.stdout)
            rss[name] = result["peak_mib"]
            print(f"peak RSS decoding from a file, {name}: {result['peak_mib']:.1f} MiB"
                  f" (interpreter and imports: {result['before_mib']:.1f} MiB)")

    group = f"decode {round(megabytes, -1):.0f} MB"
    rows = [{"group": group, "tool": name, "value": round(value, 1)} for name, value in medians.items()]
    results = {
        "benchmark": "eventstream",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "unit": "MB/s",
        "higher_is_better": True,
        "rows": rows,
        "speedup_median_of_rounds": round(statistics.median(ratios), 2),
        "rounds": args.rounds,
        "peak_rss_mib": {name: round(value, 1) for name, value in rss.items()},
    }
    (HERE / "bench_eventstream.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
