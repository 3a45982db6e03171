"""Many signed GETs from a shell: one sigcurl invocation against loops of processes.

1000 signed GETs (``--count``) to a loopback server, made five ways:

* ``sigcurl`` once, with the 1000 URLs in a ``-K`` config file, sequentially
  (one kept-alive connection);
* the same with ``--parallel``;
* a shell loop of 1000 ``sigcurl`` processes;
* a shell loop of ``curl --aws-sigv4`` processes;
* a shell loop of ``awscurl`` processes (installed from PyPI into
  ``benchmarks/.cache/awscurl-venv`` on first use);
* the floor the specification names: one Python process with a plain
  ``requests.Session`` loop that signs each request, with sigcurl's pure
  signer (the stack's floor) and with botocore's ``SigV4Auth`` (what a Python
  programmer would write), start-up included as for sigcurl.

The server is a minimal asyncio keep-alive responder in its own process
(one fixed 2-byte answer, HTTP/1.1 pipelining-safe), far faster than the
clients, so it is not what is measured; it counts the requests that carried
an ``Authorization: AWS4-HMAC-SHA256`` header, and the script checks that
every request of every run was signed.

Process loops are slow: by default the sigcurl and awscurl loops run
``--loop-sample`` (100) times and are scaled to ``--count``, which the
table says; ``--full`` runs them all.  One-invocation runs and the curl
loop always run in full, ``--rounds`` times, interleaved (so load from
elsewhere on the machine hits them alike), and the median is reported.
Output: a Markdown table.

Run: ``python benchmarks/bench_many.py [--count 1000] [--rounds 3] [--full] [--json [PATH]]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import results

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
AWSCURL_VENV = CACHE / "awscurl-venv"
ACCESS, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SERVICE, REGION = "execute-api", "us-east-1"

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


# --- the loopback server (run with --serve, in its own process) ----------------------


class _Responder(asyncio.Protocol):
    """Answers every request on a kept-alive connection with a fixed 200 (bodies skipped)."""

    stats = {"requests": 0, "signed": 0, "connections": 0}
    delay = 0.0  # seconds before each answer (a simulated network round trip)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.buffer = bytearray()
        self.skip = 0
        self.stats["connections"] += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.skip:
                n = min(self.skip, len(self.buffer))
                del self.buffer[:n]
                self.skip -= n
                if self.skip:
                    return
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            del self.buffer[: end + 4]
            if head.startswith(b"get /__stats"):
                body = (f"{self.stats['requests']} {self.stats['signed']} {self.stats['connections']}").encode()
                self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))  # type: ignore[attr-defined]
                continue
            self.stats["requests"] += 1
            if b"\r\nauthorization: aws4-hmac-sha256 credential=" in head:
                self.stats["signed"] += 1
            for line in head.split(b"\r\n"):
                if line.startswith(b"content-length:"):
                    self.skip = int(line.split(b":", 1)[1])
            if self.delay:
                asyncio.get_running_loop().call_later(self.delay, self.transport.write, ANSWER)  # type: ignore[attr-defined]
            else:
                self.transport.write(ANSWER)  # type: ignore[attr-defined]


async def _serve(delay: float) -> None:
    _Responder.delay = delay
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Responder, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    await asyncio.Event().wait()


class Server:
    """The responder in a child process."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay

    def __enter__(self) -> Server:
        argv = [sys.executable, __file__, "--serve", str(self.delay)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def stats(self) -> tuple[int, int, int]:
        """(requests, signed requests, connections) so far."""
        with urllib.request.urlopen(self.url + "/__stats", timeout=5) as resp:  # noqa: S310 - loopback
            requests, signed, conns = (int(x) for x in resp.read().split())
        return requests, signed, conns - 1  # minus the stats connection

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(5)


# --- the clients --------------------------------------------------------------------


@dataclass
class Case:
    name: str
    argv: list[str]  # run once; each must make ``count`` (or ``sample``) requests
    requests: int  # how many requests one run makes
    scale: float  # multiply the measured time by this to get the time for ``count``


def _sigcurl() -> str:
    found = shutil.which("sigcurl", path=os.path.dirname(sys.executable)) or shutil.which("sigcurl")
    if not found:
        raise SystemExit("sigcurl is not installed next to this Python (pip install -e .)")
    return found


def _awscurl() -> str:
    exe = AWSCURL_VENV / "bin" / "awscurl"
    if not exe.exists():
        print("installing awscurl into benchmarks/.cache/awscurl-venv ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(AWSCURL_VENV)], check=True)
        subprocess.run([str(AWSCURL_VENV / "bin" / "pip"), "install", "-q", "awscurl"], check=True)
    return str(exe)


def _loop(command: str, url: str, n: int) -> list[str]:
    """A bash loop running ``command URL/i`` ``n`` times (stdout to /dev/null)."""
    script = f'for i in $(seq 1 {n}); do {command} "{url}/item/$i" >/dev/null || exit 1; done'
    return ["bash", "-c", script]


def cases(url: str, workdir: Path, count: int, sample: int) -> list[Case]:
    sigcurl = _sigcurl()
    cfg = workdir / "urls.cfg"
    cfg.write_text("".join(f'url = "{url}/item/{i}"\n' for i in range(count)))
    sign = f"--service {SERVICE} --region {REGION}"
    out: list[Case] = [
        Case("sigcurl, one invocation (-K, sequential)", [sigcurl, "-s", *sign.split(), "-K", str(cfg)], count, 1.0),
        Case("sigcurl, one invocation (-K, --parallel)", [sigcurl, "-s", "--parallel", *sign.split(), "-K", str(cfg)], count, 1.0),
        Case("shell loop of sigcurl", _loop(f"{sigcurl} -s {sign}", url, sample), sample, count / sample),
    ]
    if shutil.which("curl"):
        curl = f"curl -s --aws-sigv4 aws:amz:{REGION}:{SERVICE} --user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\""
        out.append(Case("shell loop of curl --aws-sigv4", _loop(curl, url, count), count, 1.0))
    awscurl = _awscurl()
    out.append(Case("shell loop of awscurl", _loop(f"{awscurl} {sign}", url, sample), sample, count / sample))
    for signer in ("sigcurl", "botocore"):
        out.append(Case(f"requests.Session loop signing with {signer} (one process)",
                        [sys.executable, __file__, "--requests-loop", signer, url, str(count)], count, 1.0))
    return out


def requests_loop(signer: str, url: str, count: int) -> None:
    """The floor: one ``requests.Session``, each GET signed afresh (its own time), the answer read."""
    from datetime import datetime, timezone

    import requests

    session = requests.Session()
    if signer == "botocore":
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials as BotoCredentials

        auth = SigV4Auth(BotoCredentials(ACCESS, SECRET), SERVICE, REGION)
        for i in range(count):
            request = AWSRequest("GET", f"{url}/item/{i}")
            auth.add_auth(request)
            session.get(request.url, headers=dict(request.headers)).content  # noqa: B018 - read the answer
        return
    import sigcurl

    credentials = sigcurl.Credentials(ACCESS, SECRET)
    for i in range(count):
        signed = sigcurl.sign("GET", f"{url}/item/{i}", credentials=credentials, region=REGION, service=SERVICE,
                              time=datetime.now(timezone.utc))
        session.get(signed.url, headers=dict(signed.headers)).content  # noqa: B018 - read the answer


def measure(case: Case, server: Server, env: dict[str, str]) -> float:
    before = server.stats()
    started = time.perf_counter()
    proc = subprocess.run(case.argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    after = server.stats()
    if proc.returncode != 0:
        raise SystemExit(f"{case.name} failed ({proc.returncode}): {proc.stderr[-500:]}")
    made, signed = after[0] - before[0], after[1] - before[1]
    if made != case.requests or signed != case.requests:
        raise SystemExit(f"{case.name}: expected {case.requests} signed requests, server saw {made} ({signed} signed)")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="requests per case (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions of the fast cases (median)")
    parser.add_argument("--loop-sample", type=int, default=100, help="processes actually run by the slow loops")
    parser.add_argument("--full", action="store_true", help="run every loop in full (slow)")
    parser.add_argument("--latency", type=float, default=20.0, help="ms of simulated round trip for the --parallel rows (0: skip them)")
    parser.add_argument("--serve", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--requests-loop", nargs=3, metavar=("SIGNER", "URL", "COUNT"), help=argparse.SUPPRESS)
    results.add_json_option(parser, "many")
    args = parser.parse_args()
    if args.serve is not None:
        asyncio.run(_serve(args.serve))
        return
    if args.requests_loop:
        requests_loop(args.requests_loop[0], args.requests_loop[1], int(args.requests_loop[2]))
        return
    sample = args.count if args.full else min(args.loop_sample, args.count)
    # a user's shell: bytecode caches are written and read (not so in some sandboxes)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PYTHONDONTWRITEBYTECODE"}
    home = Path(tempfile.mkdtemp(prefix="bench-many-"))
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS, AWS_SECRET_ACCESS_KEY=SECRET, HOME=str(home), AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(home / "config"), AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"), NO_PROXY="*",
    )
    rows: list[tuple[Case, float, int]] = []
    with Server() as server:
        all_cases = cases(server.url, home, args.count, sample)
        (home / "warm").mkdir()
        for case in cases(server.url, home / "warm", 2, 2):  # write bytecode caches, warm the page cache; not measured
            subprocess.run(case.argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        # Rounds interleave the cases that run in full (load on a shared machine hits them alike);
        # the sampled process loops run once.
        times: dict[str, list[float]] = {c.name: [] for c in all_cases}
        for r in range(args.rounds):
            for case in all_cases:
                if case.scale == 1.0 or r == 0:
                    times[case.name].append(measure(case, server, env))
                    print(f"  round {r + 1}: {case.name}: {times[case.name][-1] * case.scale:.2f} s", file=sys.stderr)
        for case in all_cases:
            rows.append((case, statistics.median(times[case.name]) * case.scale, len(times[case.name])))
        _, _, connections = server.stats()
    base = rows[0][1]
    print(f"{args.count} signed GETs to a loopback keep-alive server (Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)\n")
    print(f"| How | Time for {args.count} | Per request | Time relative to one sigcurl invocation |")
    print("|---|---:|---:|---:|")
    for case, total, rounds in rows:
        how = case.name
        if case.scale != 1.0:
            how += f" ({case.requests} runs, scaled x{case.scale:g})"
        elif rounds > 1:
            how += f" (median of {rounds})"
        ratio = "1x" if case is rows[0][0] else f"{total / base:.1f}x"
        print(f"| {how} | {total:.2f} s | {total / args.count * 1000:.2f} ms | {ratio} |")
    print(f"\n(all requests signed and counted by the server; {connections} connections in total)")
    latency = latency_rows(args.count, args.latency, home, env) if args.latency > 0 else []
    if args.json:
        tools = {"sigcurl": "sigcurl", "curl": "curl --aws-sigv4", "awscurl": "awscurl"}
        rows = [
            {"group": "one invocation" if "invocation" in case.name else "one process" if "Session" in case.name
             else "shell loop",
             "tool": case.name if "invocation" in case.name or "Session" in case.name else tools[case.name.split()[3]],
             "value": round(total, 3), "runs": case.requests, "scaled": case.scale}
            for case, total, _ in rows
        ]
        results.write(args.json, "many", f"s for {args.count} requests", False, rows, count=args.count,
                      latency_ms=args.latency, latency_rows=[{"tool": n, "value": round(s, 3)} for n, s in latency])
    shutil.rmtree(home, ignore_errors=True)


def latency_rows(count: int, latency_ms: float, home: Path, env: dict[str, str]) -> list[tuple[str, float]]:
    """Where --parallel pays: the same one-invocation runs against a server {latency_ms} ms away."""
    rows = []
    with Server(delay=latency_ms / 1000) as server:
        for case in cases(server.url, home, count, 1)[:2]:
            rows.append((case.name, measure(case, server, env)))
            print(f"  {latency_ms:g} ms away: {case.name}: {rows[-1][1]:.2f} s", file=sys.stderr)
    print(f"\nWith {latency_ms:g} ms of simulated round trip per request (one run each):\n")
    print(f"| How | Time for {count} | Per request |")
    print("|---|---:|---:|")
    for name, total in rows:
        print(f"| {name} | {total:.2f} s | {total / count * 1000:.2f} ms |")
    return rows


if __name__ == "__main__":
    main()
