"""Start-up time of the ``sigcurl`` command against awscurl and curl (SPEC section 6).

Times whole processes, wall clock, side by side: each round runs every case
once, in a fresh random order, so all of them see the same machine state;
the table shows each case's median over the rounds and its ratio to
awscurl's signed GET (``x faster`` = awscurl's median / this median), and
the ratio of the minimums, which other load on a shared machine skews less.

Cases:

1. ``sigcurl`` signed GET to a loopback server (``--service execute-api
   --region us-east-1``, keys from the environment, output piped);
2. the same request with ``awscurl`` (installed once from PyPI into a
   virtualenv cached under ``benchmarks/.cache/``);
3. ``curl --aws-sigv4 "aws:amz:us-east-1:execute-api" --user AK:SK``;
4. ``sigcurl --help``; 5. ``sigcurl --sign-only``; 6. ``sigcurl --presign``;
7. ``python -c 'import click, requests'``: the floor for a signed GET.

The loopback server answers ``200 {}`` to anything, from a thread of this
process, so it costs the cases nothing.  ``sigcurl`` is the console script
next to ``sys.executable`` (run this with the project's virtualenv's python).

Run: ``python benchmarks/bench_startup.py [--rounds 15] [--json [PATH]]``.
Targets: signed GET >= 1.3x faster than awscurl; --help, --sign-only and
--presign >= 3x faster.
"""

from __future__ import annotations

import argparse
import http.server
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
import venv
from pathlib import Path

import results

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
AWSCURL_VENV = CACHE / "awscurl-venv"
SIGCURL_VENV = CACHE / "sigcurl-venv"
ROOT = HERE.parent
ACCESS, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
PYTHON = sys.executable
"""The interpreter whose ``sigcurl`` console script is timed (``--installed`` changes it)."""
JSON_ROWS = {  # case -> (group, tool) in bench_startup.json
    "sigcurl GET": ("signed GET", "sigcurl"),
    "awscurl GET": ("signed GET", "awscurl"),
    "curl --aws-sigv4 GET": ("signed GET", "curl --aws-sigv4"),
    "python -c 'import click, requests'": ("signed GET", "import click, requests (floor)"),
    "sigcurl --help": ("--help", "sigcurl"),
    "sigcurl --sign-only": ("--sign-only", "sigcurl"),
    "sigcurl --presign": ("--presign", "sigcurl"),
}
TARGETS = {"sigcurl GET": 1.3, "sigcurl --help": 3.0, "sigcurl --sign-only": 3.0, "sigcurl --presign": 3.0}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b"{}")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def start_server() -> tuple[http.server.ThreadingHTTPServer, str]:
    """A loopback server answering 200 to anything, in a daemon thread; (server, base URL)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def awscurl_bin() -> Path:
    """awscurl's console script, installed once into benchmarks/.cache/awscurl-venv."""
    exe = AWSCURL_VENV / "bin" / "awscurl"
    if exe.exists():
        return exe
    print("installing awscurl into benchmarks/.cache/awscurl-venv (once) ...", file=sys.stderr)
    if AWSCURL_VENV.exists():
        shutil.rmtree(AWSCURL_VENV)
    venv.EnvBuilder(with_pip=True).create(AWSCURL_VENV)
    subprocess.run([str(AWSCURL_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "awscurl"], check=True)
    return exe


def installed_sigcurl() -> Path:
    """This tree installed as a user gets it (a regular, non-editable install), in benchmarks/.cache/sigcurl-venv.

    An editable install adds an import hook that runs at every interpreter
    start; a user's ``pip install sigcurl`` has none.
    """
    python = SIGCURL_VENV / "bin" / "python"
    if not python.exists():
        print("creating benchmarks/.cache/sigcurl-venv (once) ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(SIGCURL_VENV)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "setuptools>=77", "wheel", str(ROOT)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", "--no-build-isolation", str(ROOT)],
        check=True, stdout=subprocess.DEVNULL,
    )
    return python


def sigcurl_bin() -> Path:
    exe = Path(PYTHON).parent / "sigcurl"
    if not exe.exists():
        sys.exit(f"no sigcurl console script next to {sys.executable}: run with the project's virtualenv's python")
    return exe


def cases(base: str, use_awscurl: bool) -> dict[str, list[str]]:
    url = f"{base}/prod/items?limit=10"
    sig = str(sigcurl_bin())
    signing = ["--service", "execute-api", "--region", "us-east-1"]
    table = {
        "sigcurl GET": [sig, "-s", *signing, url],
        "awscurl GET": [str(awscurl_bin()), "--service", "execute-api", "--region", "us-east-1", url] if use_awscurl else [],
        "curl --aws-sigv4 GET": [shutil.which("curl") or "curl", "-s", "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", f"{ACCESS}:{SECRET}", url],
        "sigcurl --help": [sig, "--help"],
        "sigcurl --sign-only": [sig, "--sign-only", *signing, url],
        "sigcurl --presign": [sig, "--presign", *signing, url],
        "python -c 'import click, requests'": [PYTHON, "-c", "import click, requests"],
    }
    return {name: argv for name, argv in table.items() if argv}


def run_once(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode(errors='replace').strip()}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start-up time: sigcurl vs awscurl vs curl --aws-sigv4.")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (default 15)")
    parser.add_argument("--no-awscurl", action="store_true", help="skip awscurl (no network for the first install)")
    parser.add_argument(
        "--installed", action="store_true",
        help="time a regular install of this tree (benchmarks/.cache/sigcurl-venv) instead of this interpreter's, "
        "which may be an editable install with an import hook at start-up",
    )
    results.add_json_option(parser, "startup")
    args = parser.parse_args(argv)
    global PYTHON
    if args.installed:
        PYTHON = str(installed_sigcurl())

    # As a user runs them: bytecode cached (a pip install compiles it; the warm-up writes it here).
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(AWS_ACCESS_KEY_ID=ACCESS, AWS_SECRET_ACCESS_KEY=SECRET, AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    server, base = start_server()
    try:
        table = cases(base, not args.no_awscurl)
        for cmd in table.values():  # warm-up: page cache, .pyc files
            run_once(cmd, env)
        times: dict[str, list[float]] = {name: [] for name in table}
        order = list(table)
        for _ in range(args.rounds):
            random.shuffle(order)
            for name in order:
                times[name].append(run_once(table[name], env))
    finally:
        server.shutdown()

    medians = {name: statistics.median(ts) for name, ts in times.items()}
    ref = medians.get("awscurl GET")
    ref_min = min(times["awscurl GET"]) if "awscurl GET" in times else None
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    kind = "regular install" if args.installed else f"console script of {PYTHON}"
    print(f"Start-up, wall time, median of {args.rounds} interleaved rounds, sigcurl from {kind} "
          f"({os.cpu_count()} CPUs, load average {load:.2f}, Python {sys.version.split()[0]}):\n")
    print("| command | median (s) | min (s) | vs awscurl (medians) | vs awscurl (mins) | target (medians) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, med in medians.items():
        ratio = f"{ref / med:.2f}x faster" if ref else "-"
        ratio_min = f"{ref_min / min(times[name]):.2f}x" if ref_min else "-"
        target = TARGETS.get(name)
        mark = ""
        if target and ref:
            mark = f">= {target}x " + ("ok" if ref / med >= target else "MISSED")
        print(f"| {name} | {med:.3f} | {min(times[name]):.3f} | {ratio} | {ratio_min} | {mark} |")
    if args.json:
        rows = [{"group": JSON_ROWS[name][0], "tool": JSON_ROWS[name][1], "value": round(med, 4), "fastest": round(min(times[name]), 4)}
                for name, med in medians.items()]
        results.write(args.json, "startup", "s", False, rows, rounds=args.rounds, load_average=round(load, 2), install=kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
