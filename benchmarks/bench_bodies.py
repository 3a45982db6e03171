"""Large bodies: wall time and peak RSS of sigcurl and curl moving 1 GiB over loopback; S3 multipart uploads.

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

S3 multipart uploads (``--s3 SIZES``): a file and a pipe of each size (MiB)
to the S3 emulator of the tests (``tests/support/s3emu.py``, its own process:
every signature, chunk signature and checksum verified, parts hashed as they
arrive and never stored), with the bytes the client wrote to disk (its
``/proc/PID/io`` ``write_bytes``, sampled until it exits: a spool would show
there).  ``--sweep`` also tries part sizes and concurrencies on the pipe.

    python benchmarks/bench_bodies.py            # 1 GiB
    python benchmarks/bench_bodies.py --size 64  # MiB, a quick run
    python benchmarks/bench_bodies.py --json     # also write bench_bodies.json
    python benchmarks/bench_bodies.py --s3 1024,6144 --s3-only   # multipart: 1 GiB and 6 GiB
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
    disk_bytes: int | None = None  # bytes the client wrote to storage (/proc/PID/io write_bytes)


def _disk_writes(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                if line.startswith("write_bytes:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


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
    err_file = tempfile.TemporaryFile()  # noqa: SIM115 - stderr without a pipe to drain while polling
    proc = subprocess.Popen(argv, stdin=stdin or subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=err_file, env=env)
    if feeder is not None and feeder.stdout is not None:
        feeder.stdout.close()
    disk = None
    while True:  # poll: the disk writes are read from /proc while the child lives
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        now = _disk_writes(proc.pid)
        disk = now if now is not None else disk
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if feeder is not None:
        feeder.wait()
    if stdin is not None:
        stdin.close()
    code = proc.returncode
    err_file.seek(0)
    err = err_file.read().decode(errors="replace")
    err_file.close()
    if code != 0:  # reported in the table (curl cannot hold a 1 GiB --data-binary here)
        first = (err.strip().splitlines() or [""])[0][:80]
        return Row(name, seconds, usage.ru_maxrss / 1024, f"failed (exit {code}): {first}", disk)
    return Row(name, seconds, usage.ru_maxrss / 1024, note, disk)


def _transfer(case: str) -> str:
    """The kind of transfer a case makes (the group of its row in bench_bodies.json)."""
    if case.startswith("S3 "):
        return "S3 multipart upload"
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


def _make_file(path: str, size: int) -> None:
    block = os.urandom(PIECE)
    with open(path, "wb") as f:
        for _ in range(size // PIECE):
            f.write(block)


def _start(argv: list[str], port_file: str) -> tuple[subprocess.Popen[bytes], str]:
    server = subprocess.Popen(argv)
    deadline = time.monotonic() + 60
    while (not os.path.exists(port_file) or not Path(port_file).read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return server, Path(port_file).read_text()


def s3_rows(sizes: list[int], tmp: str, sigcurl: str, env: dict[str, str], sweep: bool) -> list[Row]:
    """Multipart uploads to the S3 emulator: a file and a pipe of each size (MiB)."""
    tests = str(Path(__file__).resolve().parent.parent / "tests")
    code = f"import sys; sys.path.insert(0, {tests!r}); from support.s3emu import main; main()"
    server, port = _start([sys.executable, "-c", code, "--port-file", os.path.join(tmp, "s3port")], os.path.join(tmp, "s3port"))
    rows: list[Row] = []
    spool = os.path.join(tmp, "spool")
    os.makedirs(spool, exist_ok=True)
    env = {**env, "TMPDIR": spool}
    try:
        url = f"http://127.0.0.1:{port}/bucket/backup.sql"
        s3 = [sigcurl, "-sSf", "--service", "s3", "--region", "us-east-1"]
        for size_mib in sizes:
            data = os.path.join(tmp, f"s3-{size_mib}.bin")
            _make_file(data, size_mib << 20)
            label = f"{size_mib // 1024} GiB" if size_mib % 1024 == 0 else f"{size_mib} MiB"
            rows.append(measure(f"S3 {label}: sigcurl -T FILE (multipart)", [*s3, "-T", data, url], env=env))
            if size_mib <= 5 * 1024:  # the same file as one PUT (aws-chunked), for the threshold
                rows.append(measure(f"S3 {label}: sigcurl -T FILE --part-size 5G (one PUT)",
                                    [*s3, "--part-size", "5G", "-T", data, url], env=env))
            rows.append(measure(f"S3 {label}: cat FILE | sigcurl -T - (multipart)", [*s3, "-T", "-", url], pipe_from=data, env=env))
            if sweep:
                for part in ("5M", "8M", "16M", "32M"):
                    for parallel in ("2", "4", "8"):
                        rows.append(measure(f"S3 {label}: pipe, --part-size {part} --parallel-max {parallel}",
                                            [*s3, "--part-size", part, "--parallel-max", parallel, "-T", "-", url],
                                            pipe_from=data, env=env))
                for part in ("16M", "64M", "256M"):
                    rows.append(measure(f"S3 {label}: file, --part-size {part}", [*s3, "--part-size", part, "-T", data, url], env=env))
            os.unlink(data)
    finally:
        server.kill()
        server.wait()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1024, help="MiB to move (default 1024)")
    parser.add_argument("--s3", default="", metavar="SIZES", help="S3 multipart uploads of these sizes in MiB (e.g. 1024,6144)")
    parser.add_argument("--s3-only", action="store_true", help="only the S3 multipart cases")
    parser.add_argument("--sweep", action="store_true", help="also try part sizes and concurrencies")
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
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="sigcurl-bench-") as tmp:
        if not args.s3_only:
            rows += counting_rows(size, tmp, sigcurl, curl, env)
        if args.s3:
            rows += s3_rows([int(x) for x in args.s3.split(",")], tmp, sigcurl, env, args.sweep)
    rate = hashlib_rate(min(size, 1 << 30))
    print(f"\n{args.size} MiB over loopback; hashlib SHA-256 on this machine: {rate:,.0f} MB/s "
          f"({size / rate / 1e6:.2f} s for the body); load average {os.getloadavg()[0]:.2f}\n")
    print("| case | wall time | peak RSS | written to disk | note |")
    print("|---|---:|---:|---:|---|")
    for row in rows:
        disk = "" if row.disk_bytes is None else f"{row.disk_bytes / (1 << 20):.0f} MiB"
        print(f"| {row.name} | {row.seconds:.2f} s | {row.peak_rss_mib:.0f} MiB | {disk} | {row.note} |")
    if args.json:
        doc_rows = [
            {"group": _transfer(row.name), "tool": "curl --aws-sigv4" if " curl " in f" {row.name} " else "sigcurl",
             "value": None if row.note.startswith("failed") else round(row.seconds, 3),
             "peak_rss_mib": round(row.peak_rss_mib), "case": row.name, **({"note": row.note} if row.note else {}),
             **({"disk_bytes": row.disk_bytes} if row.disk_bytes is not None else {})}
            for row in rows
        ]
        results.write(args.json, "bodies", "s", False, doc_rows, size_mib=args.size, sha256_mb_per_s=round(rate))


def counting_rows(size: int, tmp: str, sigcurl: str, curl: str | None, env: dict[str, str]) -> list[Row]:
    """The 1 GiB cases against the counting server, and curl's."""
    data = os.path.join(tmp, "body.bin")
    _make_file(data, size)
    port_file = os.path.join(tmp, "port")
    server, port = _start([sys.executable, __file__, "--serve", port_file, "--download-size", str(size)], port_file)
    try:
        url = f"http://127.0.0.1:{port}/bucket/key"
        s3 = [sigcurl, "-sS", "--service", "s3", "--region", "us-east-1", "--part-size", "5G"]  # one PUT (no multipart)
        api = [sigcurl, "-sS", "--service", "execute-api", "--region", "us-east-1"]
        rows = [
            measure("sigcurl -T FILE (S3: aws-chunked, crc32 trailer)", [*s3, "-T", data, url], env=env),
            measure("sigcurl -T FILE (other service: hash, then stream)", [*api, "-T", data, url], env=env),
            measure("sigcurl -T - < FILE (S3: aws-chunked)", [*s3, "-T", "-", url], stdin_path=data, env=env),
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
    return rows


if __name__ == "__main__":
    main()
