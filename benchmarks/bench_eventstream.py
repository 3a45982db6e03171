"""Event stream decoding: ``sigcurl.eventstream`` and the ``sigcurl`` command against botocore's ``EventStreamBuffer``.

Builds a ~100 MB stream of 10,000 Bedrock-like events (``contentBlockDelta``
with a ~10 KB JSON payload) and measures, side by side in one run:

* in-process, the same 64 KiB chunks decoded in interleaved rounds:
  sigcurl's decoder, botocore's ``EventStreamBuffer`` (what boto3 uses), and
  sigcurl's decoder plus :func:`sigcurl.output.events.ndjson_line`;
* through the command: a loopback server (its own process) sends the
  stream as a chunked HTTP response in 64 KiB chunks; ``sigcurl`` writes
  NDJSON (the default on a pipe) or the frames (``--raw``, still decoded
  and CRC-checked) to a pipe that the benchmark reads and counts.  Beside
  it, the same request made by the two anchors that do the same jobs:
  boto3's ``converse_stream`` writing each event as a JSON line (what a
  Python user of the AWS SDK gets, against NDJSON) and ``curl
  --aws-sigv4`` writing the bytes undecoded (against ``--raw``).  The
  stream is framed once before the first request, so the server's own
  copying is not measured.  Each command's
  throughput is the stream's size over the time from the server's first
  byte sent to the reader's last byte received (start-up excluded; the
  wall time, start-up included, is reported too), interleaved with the
  in-process rounds;
* peak RSS (VmHWM) of each decoder decoding from a file, and of the
  command;
* latency per event: the server sends 1,000 small events 2 ms apart, each
  stamped with its send time (``time.monotonic``, system-wide on Linux); a
  reader of sigcurl's stdout pipe stamps the arrival of each NDJSON line;
  median and p99.

Results go to ``benchmarks/bench_eventstream.json``.

Run: ``python benchmarks/bench_eventstream.py [--rounds 7] [--events 10000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
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


# --- through the command ------------------------------------------------------------

ROOT = HERE.parent
LATENCY_EVENTS, LATENCY_GAP = 1000, 0.002
WRAPPER = """
import atexit, os, sys
def _peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            open(os.environ["BENCH_RSS_OUT"], "w").write(line.split()[1])
atexit.register(_peak)
from sigcurl.cli import main
sys.argv[0] = "sigcurl"
main(sys.argv[1:])
"""


def _read_request(f: object) -> str:
    """Read one request (head and Content-Length body); its target."""
    lines = []
    while (line := f.readline(65536)) not in (b"\r\n", b"\n", b""):  # type: ignore[attr-defined]
        lines.append(line.decode("latin-1").strip())
    length = next((int(h.split(":", 1)[1]) for h in lines[1:] if h.lower().startswith("content-length:")), 0)
    f.read(length)  # type: ignore[attr-defined]
    return lines[0].split(" ")[1] if lines else ""


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def serve(path: str) -> None:
    """The loopback server (a child process): ``/stream`` sends the file, ``/paced`` stamped events.

    Prints its port, then per request a JSON line: the monotonic times of
    the first and the last byte sent.
    """
    data = Path(path).read_bytes()
    # Framed once, before any request: the server's own copying is not part of what is measured.
    body = b"".join(_chunk(data[i : i + CHUNK]) for i in range(0, len(data), CHUNK))
    listener = socket.create_server(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    headers = {":event-type": "contentBlockDelta", ":content-type": "application/json", ":message-type": "event"}
    while True:
        conn, _ = listener.accept()
        with conn, conn.makefile("rb") as f:
            target = _read_request(f)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\n"
                         b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
            first = time.monotonic()
            if target == "/paced":
                for i in range(LATENCY_EVENTS):
                    time.sleep(LATENCY_GAP)
                    payload = {"contentBlockIndex": 0, "delta": {"text": f"token {i} "}, "t": time.monotonic()}
                    conn.sendall(_chunk(encode_message(headers, json.dumps(payload).encode())))
            else:
                conn.sendall(body)
            last = time.monotonic()
            conn.sendall(b"0\r\n\r\n")
        print(json.dumps({"first": first, "last": last}), flush=True)


class Command:
    """The ``sigcurl`` command run against the server, its stdout read by this process."""

    def __init__(self, server: subprocess.Popen[str], port: int, tmp: str) -> None:
        self.server = server
        self.port = port
        self.rss_file = os.path.join(tmp, "rss")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env.update(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                        AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                        NO_PROXY="*", BENCH_RSS_OUT=self.rss_file, PYTHONPATH=str(ROOT))

    def start(self, target: str, extra: list[str]) -> subprocess.Popen[bytes]:
        """``extra``: sigcurl's options, or an anchor's argv (``ANCHORS``) with ``{url}`` in it."""
        url = f"http://127.0.0.1:{self.port}{target}"
        if extra[:1] == ["anchor"]:
            argv = [arg.replace("{url}", url).replace("{python}", sys.executable) for arg in extra[1:]]
        else:
            argv = [sys.executable, "-c", WRAPPER, "-s", "--service", "bedrock", "--region", "us-east-1",
                    "--json", '{"messages":[]}', *extra, url]
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=self.env)

    def finish(self, proc: subprocess.Popen[bytes]) -> tuple[dict[str, float], float]:
        """The server's times for the request and the command's peak RSS in MiB (sigcurl's only, else NaN)."""
        if proc.wait(timeout=600) != 0:
            raise SystemExit(f"{proc.args[0]} failed with exit code {proc.returncode}")  # type: ignore[index]
        assert self.server.stdout is not None
        sent = json.loads(self.server.stdout.readline())
        rss = Path(self.rss_file)
        peak = int(rss.read_text()) / 1024 if rss.exists() else float("nan")
        rss.unlink(missing_ok=True)
        return sent, peak

    def throughput(self, extra: list[str], megabytes: float) -> tuple[float, float, float, int]:
        """(MB/s from the first byte sent to the last byte read, wall seconds, peak RSS MiB, bytes read)."""
        start = time.monotonic()
        proc = self.start("/stream", extra)
        assert proc.stdout is not None
        total = 0
        while data := proc.stdout.read1(1 << 20):
            total += len(data)
        end = time.monotonic()
        sent, rss = self.finish(proc)
        return megabytes / (end - sent["first"]), time.monotonic() - start, rss, total

    def latency(self) -> tuple[list[float], float]:
        """Per event, milliseconds from the server's send to the NDJSON line's arrival; and the peak RSS."""
        proc = self.start("/paced", [])
        assert proc.stdout is not None
        delays = []
        for line in proc.stdout:
            arrived = time.monotonic()
            delays.append((arrived - json.loads(line)["payload"]["t"]) * 1000)
        _, rss = self.finish(proc)
        return delays, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--child", nargs=2, metavar=("TOOL", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--serve", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--boto3", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.boto3:
        boto3_lines(args.boto3)
        return
    if args.child:
        child(*args.child)
        return
    if args.serve:
        serve(args.serve)
        return

    stream = build_stream(args.events)
    megabytes = len(stream) / 1e6
    chunks = [stream[i : i + CHUNK] for i in range(0, len(stream), CHUNK)]
    print(f"stream: {megabytes:.1f} MB, {args.events} events, {len(chunks)} chunks of 64 KiB")
    assert run_sigcurl(chunks) == run_botocore(chunks) == args.events

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "stream.eventstream")
        Path(path).write_bytes(stream)
        server = subprocess.Popen([sys.executable, __file__, "--serve", path], stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            command = Command(server, int(server.stdout.readline()), tmp)
            results = measure(chunks, megabytes, command, args.rounds, len(stream))
            delays, latency_rss = command.latency()
        finally:
            server.kill()
            server.wait()
        rss: dict[str, float] = {}
        for name in ("sigcurl", "botocore"):
            out = subprocess.run([sys.executable, __file__, "--child", name, path],
                                 check=True, capture_output=True, text=True, timeout=600)
            rss[name] = json.loads(out.stdout)["peak_mib"]
    report(results, rss, delays, latency_rss, megabytes, args.rounds)


COMMAND_TOOLS = {
    "sigcurl command (NDJSON to a pipe)": [],
    "boto3 converse_stream (each event a JSON line to a pipe)": ["anchor", "{python}", __file__, "--boto3", "{url}"],
    "sigcurl command --raw (frames to a pipe, CRC-checked)": ["--raw"],
    "curl --aws-sigv4 (the bytes to a pipe, not decoded)": [
        "anchor", "curl", "-sS", "--fail", "--aws-sigv4", "aws:amz:us-east-1:bedrock", "--user", "AKIDEXAMPLE:x",
        "-H", "content-type: application/json", "--data", '{"messages":[]}', "{url}"],
}
"""The command and its anchors: what a Python user of the AWS SDK and a user of curl get for the same stream."""
PAIRS = {"NDJSON vs boto3": (0, 1), "--raw vs curl": (2, 3)}
"""Each sigcurl form against the anchor doing the same job: ratios of the rates in each round."""


def boto3_lines(url: str) -> None:
    """The anchor for NDJSON: boto3's ``converse_stream`` against ``url``, each event written as a JSON line."""
    import boto3

    client = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=url.rsplit("/", 1)[0])
    out = sys.stdout.buffer
    for event in client.converse_stream(modelId="model", messages=[])["stream"]:
        out.write(json.dumps(event).encode() + b"\n")
    out.flush()


def measure(chunks: list[bytes], megabytes: float, command: Command, rounds: int, size: int) -> dict[str, object]:
    """Interleaved rounds of the in-process decoders and the command; medians and per-round ratios."""
    rates: dict[str, list[float]] = {name: [] for name in (*TOOLS, *COMMAND_TOOLS)}
    walls: dict[str, list[float]] = {name: [] for name in COMMAND_TOOLS}
    rss: dict[str, float] = {}
    ratios: dict[str, list[float]] = {name: [] for name in ("sigcurl", *COMMAND_TOOLS, *PAIRS)}
    for round_ in range(rounds):
        names = [*TOOLS, *COMMAND_TOOLS]
        for name in names if round_ % 2 == 0 else reversed(names):
            if name in TOOLS:
                begin = time.perf_counter()
                TOOLS[name](chunks)
                rates[name].append(megabytes / (time.perf_counter() - begin))
            else:
                rate, wall, peak, total = command.throughput(COMMAND_TOOLS[name], megabytes)
                assert total >= size if "--raw" in name or "curl" in name else total > 0
                rates[name].append(rate)
                walls[name].append(wall)
                if peak == peak:  # NaN: an anchor, not measured
                    rss[name] = max(rss.get(name, 0.0), peak)
        for name in ("sigcurl", *COMMAND_TOOLS):
            ratios[name].append(rates[name][-1] / rates["botocore"][-1])
        commands = list(COMMAND_TOOLS)
        for pair, (ours, theirs) in PAIRS.items():
            ratios[pair].append(rates[commands[ours]][-1] / rates[commands[theirs]][-1])
        print(f"round {round_ + 1}: " + ", ".join(f"{n} {v[-1]:.0f} MB/s" for n, v in rates.items()))
    return {"rates": rates, "walls": walls, "rss": rss, "ratios": ratios}


def report(results: dict[str, object], rss: dict[str, float], delays: list[float], latency_rss: float,
           megabytes: float, rounds: int) -> None:
    rates: dict[str, list[float]] = results["rates"]  # type: ignore[assignment]
    walls: dict[str, list[float]] = results["walls"]  # type: ignore[assignment]
    ratios: dict[str, list[float]] = results["ratios"]  # type: ignore[assignment]
    command_rss: dict[str, float] = results["rss"]  # type: ignore[assignment]
    medians = {name: statistics.median(values) for name, values in rates.items()}
    print(f"\n| decoder ({megabytes:.0f} MB, 64 KiB chunks) | median MB/s | vs botocore (median of rounds) |")
    print("|---|---:|---:|")
    for name, value in medians.items():
        ratio = statistics.median(ratios[name]) if name in ratios else value / medians["botocore"]
        print(f"| {name} | {value:,.0f} | {ratio:.2f}x |")
    for pair in PAIRS:
        print(f"sigcurl command, {pair}: {statistics.median(ratios[pair]):.2f}x (median of the rounds' ratios)")
    for name, values in walls.items():
        rss_text = f"; peak RSS {command_rss[name]:.1f} MiB" if name in command_rss else ""
        print(f"wall time, start-up included, {name}: {statistics.median(values):.2f} s{rss_text}")
    for name, value in rss.items():
        print(f"peak RSS decoding from a file, {name}: {value:.1f} MiB")
    delays.sort()
    median_ms = statistics.median(delays)
    p99_ms = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    print(f"latency per event ({len(delays)} events {LATENCY_GAP * 1000:.0f} ms apart, send to NDJSON line read): "
          f"median {median_ms:.2f} ms, p99 {p99_ms:.2f} ms, max {delays[-1]:.2f} ms; peak RSS {latency_rss:.1f} MiB")

    group = f"decode {round(megabytes, -1):.0f} MB"
    rows = [{"group": group, "tool": name, "value": round(value, 1)} for name, value in medians.items()]
    results_json = {
        "benchmark": "eventstream",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "unit": "MB/s",
        "higher_is_better": True,
        "rows": rows,
        "speedup_median_of_rounds": {name: round(statistics.median(v), 2) for name, v in ratios.items()},
        "rounds": rounds,
        "command_wall_seconds": {name: round(statistics.median(v), 2) for name, v in walls.items()},
        "peak_rss_mib": {**{name: round(value, 1) for name, value in rss.items()},
                         **{name: round(value, 1) for name, value in command_rss.items()}},
        "latency_ms": {"events": len(delays), "gap_ms": LATENCY_GAP * 1000, "median": round(median_ms, 2),
                       "p99": round(p99_ms, 2), "max": round(delays[-1], 2), "peak_rss_mib": round(latency_rss, 1)},
    }
    (HERE / "bench_eventstream.json").write_text(json.dumps(results_json, indent=2) + "\n")


if __name__ == "__main__":
    main()
