"""Large bodies: wall time and peak RSS of sigcurl and curl moving 1 GiB over loopback.

Cases: an upload from a file (S3: single-pass aws-chunked; another
service: SHA-256 pass then stream), from stdin redirected from the file
and from a pipe, and a download; beside ``curl --aws-sigv4`` doing the same
transfers and hashlib's SHA-256 throughput on this machine.

The server runs in its own process and only counts bytes (it never stores
or verifies them), reading and writing in 1 MiB pieces, so it is not the
bottleneck.  Each client's wall time and peak RSS are measured from outside
(``os.wait4`` on the child: ``ru_maxrss``).  Correctness is the job of the
tests (tests/test_bodies.py, tests/test_streaming.py), which verify every
signature and byte.

    python benchmarks/bench_bodies.py            # 1 GiB
    python benchmarks/bench_bodies.py --size 64  # MiB, a quick run
    python benchmarks/bench_bodies.py --json     # also write bench_bodies.json
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import results

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
PIECE = 1 << 20


# -- the counting server (run as a child process) ------------------------------------


def _serve(port_file: str, download_size: int) -> None:
    """Answer requests forever: swallow request bodies, send ``download_size`` bytes for GET."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    Path(port_file).write_text(str(listener.getsockname()[1]))
    buf = bytearray(PIECE)
    view = memoryview(buf)
    block = b"x" * PIECE
    while True:
        conn, _ = listener.accept()
        with conn:
            f = conn.makefile("rb", buffering=PIECE)
            head = []
            while True:
                line = f.readline(65536)
                if line in (b"\r\n", b"\n", b""):
                    break
                head.append(line.decode("latin-1").strip())
            if not head:
                continue
            method = head[0].split(" ", 1)[0]
            fields = {h.split(":", 1)[0].lower(): h.split(":", 1)[1].strip() for h in head[1:] if ":" in h}
            if fields.get("expect", "").lower() == "100-continue":
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            remaining = int(fields.get("content-length", "0"))
            while remaining > 0:
                n = f.readinto(view[: min(PIECE, remaining)])
                if not n:
                    break
                remaining -= n
            if method == "GET":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n" % download_size)
                left = download_size
                while left > 0:
                    conn.sendall(block if left >= PIECE else block[:left])
                    left -= PIECE
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


# -- measuring ------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    seconds: float
    peak_rss_mib: float
    note: str = ""


def measure(name: str, argv: list[str], *, stdin_path: str | None = None, pipe_from: str | None = None,
            env: dict[str, str] | None = None, note: str = "") -> Row:
    """Run ``argv``; wall time and the child's own peak RSS (wait4, not its feeder's)."""
    feeder = None
    stdin = None
    if stdin_path:
        stdin = open(stdin_path, "rb")  # noqa: SIM115
    elif pipe_from:
        feeder = subprocess.Popen(["cat", pipe_from], stdout=subprocess.PIPE)
        stdin = feeder.stdout
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=stdin or subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    if feeder is not None and feeder.stdout is not None:
        feeder.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if feeder is not None:
        feeder.wait()
    if stdin is not None:
        stdin.close()
    code = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if code != 0:  # reported in the table (curl cannot hold a 1 GiB --data-binary here)
        return Row(name, seconds, usage.ru_maxrss / 1024, f"failed (exit {code}): {err.strip().splitlines()[0][:80]}")
    return Row(name, seconds, usage.ru_maxrss / 1024, note)


def _transfer(case: str) -> str:
    """The kind of transfer a case makes (the group of its row in bench_bodies.json)."""
    if "GET" in case:
        return "download"
    if case.startswith("cat FILE |"):
        return "upload from a pipe"
    return "upload from stdin" if "< FILE" in case else "upload from a file"


def hashlib_rate(size: int) -> float:
    """hashlib SHA-256 throughput in MB/s (1 MiB updates, ``size`` bytes)."""
    block = os.urandom(PIECE)
    h = hashlib.sha256()
    start = time.perf_counter()
    for _ in range(size // PIECE):
        h.update(block)
    return size / (time.perf_counter() - start) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1024, help="MiB to move (default 1024)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--download-size", type=int, default=0, help=argparse.SUPPRESS)
    results.add_json_option(parser, "bodies")
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve, args.download_size)
        return
    size = args.size << 20
    sigcurl = shutil.which("sigcurl", path=os.path.dirname(sys.executable)) or "sigcurl"
    curl = shutil.which("curl")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_EC2_METADATA_DISABLED="true", NO_PROXY="*")
    with tempfile.TemporaryDirectory(prefix="sigcurl-bench-") as tmp:
        data = os.path.join(tmp, "body.bin")
        block = os.urandom(PIECE)
        with open(data, "wb") as f:
            for _ in range(size // PIECE):
                f.write(block)
        port_file = os.path.join(tmp, "port")
        server = subprocess.Popen([sys.executable, __file__, "--serve", port_file, "--download-size", str(size)])
        try:
            while not os.path.exists(port_file) or not Path(port_file).read_text():
                time.sleep(0.05)
            url = f"http://127.0.0.1:{Path(port_file).read_text()}/bucket/key"
            s3 = [sigcurl, "-sS", "--service", "s3", "--region", "us-east-1"]
            api = [sigcurl, "-sS", "--service", "execute-api", "--region", "us-east-1"]
            rows = [
                measure("sigcurl -T FILE (S3: aws-chunked, crc32 trailer)", [*s3, "-T", data, url], env=env),
                measure("sigcurl -T FILE (other service: hash, then stream)", [*api, "-T", data, url], env=env),
                measure("sigcurl -T - < FILE (S3: aws-chunked)", [*s3, "-T", "-", url], stdin_path=data, env=env),
                measure("cat FILE | sigcurl -T - (S3: spool + hash, then stream)", [*s3, "-T", "-", url], pipe_from=data, env=env),
                measure("cat FILE | sigcurl -T - (other: spool + hash, then stream)", [*api, "-T", "-", url], pipe_from=data, env=env),
                measure("sigcurl GET -o /dev/null", [*s3, "-o", "/dev/null", url], env=env),
                measure("sigcurl GET > pipe", [*s3, url], env=env),
            ]
            if curl:
                sig = [curl, "-sS", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", f"{ACCESS_KEY}:{SECRET_KEY}", "-o", "/dev/null"]
                rows += [
                    measure("curl --aws-sigv4 -X PUT --data-binary @FILE", [*sig, "-X", "PUT", "--data-binary", f"@{data}", url]),
                    measure("curl --aws-sigv4 -T FILE (UNSIGNED-PAYLOAD)", [*sig, "-T", data, url]),
                    measure("cat FILE | curl --aws-sigv4 --data-binary @-", [*sig, "-X", "PUT", "--data-binary", "@-", url], pipe_from=data),
                    measure("curl --aws-sigv4 GET -o /dev/null", [*sig, url]),
                ]
        finally:
            server.kill()
            server.wait()
    rate = hashlib_rate(min(size, 1 << 30))
    print(f"\n{args.size} MiB over loopback; hashlib SHA-256 on this machine: {rate:,.0f} MB/s "
          f"({size / rate / 1e6:.2f} s for the body)\n")
    print("| case | wall time | peak RSS | note |")
    print("|---|---:|---:|---|")
    for row in rows:
        print(f"| {row.name} | {row.seconds:.2f} s | {row.peak_rss_mib:.0f} MiB | {row.note} |")
    if args.json:
        doc_rows = [
            {"group": _transfer(row.name), "tool": "curl --aws-sigv4" if " curl " in f" {row.name} " else "sigcurl",
             "value": None if row.note.startswith("failed") else round(row.seconds, 3),
             "peak_rss_mib": round(row.peak_rss_mib), "case": row.name, **({"note": row.note} if row.note else {})}
            for row in rows
        ]
        results.write(args.json, "bodies", "s", False, doc_rows, size_mib=args.size, sha256_mb_per_s=round(rate))


if __name__ == "__main__":
    main()
