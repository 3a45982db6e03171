"""S3 multipart uploads end to end, against a verifying S3 emulator and moto's S3.

The part plan, checksums and XML are in ``test_s3_multipart_plan.py``, ``s3://`` URLs in ``test_s3_urls.py``.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import base_env, run_process

from sigcurl.s3 import plan
from support.s3emu import S3Emulator
from support.server import Response

MiB = 1 << 20
S3 = ["--service", "s3", "--region", "us-east-1"]


# -- end to end against the emulator -------------------------------------------------------------


def _blocks(size: int, seed: int = 1) -> Iterator[bytes]:
    """``size`` bytes of deterministic, varied data in 1 MiB blocks."""
    block = bytes((i * 131 + seed) & 0xFF for i in range(MiB))
    sent = n = 0
    while sent < size:
        piece = block[: min(MiB, size - sent)]
        piece = n.to_bytes(8, "big") + piece[8:] if len(piece) > 8 else piece
        yield piece
        sent += len(piece)
        n += 1


def _sigcurl(args: list[str], env: dict[str, str], **kw: object) -> subprocess.Popen[bytes]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    full.update(env)
    return subprocess.Popen([sys.executable, "-m", "sigcurl", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=full, **kw)  # type: ignore[call-overload]


def _pipe(proc: subprocess.Popen[bytes], blocks: Iterator[bytes], crc: list[int]) -> threading.Thread:
    stdin, proc.stdin = proc.stdin, None  # the feeder's alone (communicate() would close it)
    assert stdin is not None

    def feed() -> None:
        try:
            for b in blocks:
                crc[0] = zlib.crc32(b, crc[0])
                stdin.write(b)
            stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    return t


@pytest.fixture
def emu() -> Iterator[S3Emulator]:
    with S3Emulator() as e:
        yield e


def _crc_b64(crc: int) -> str:
    return base64.b64encode(crc.to_bytes(4, "big")).decode()


def test_stdin_of_several_hundred_mib_goes_multipart_without_disk(emu: S3Emulator, tmp_path: Path) -> None:
    size = 300 * MiB + 12345
    spool = tmp_path / "tmp"
    spool.mkdir()
    env = base_env(tmp_path, TMPDIR=str(spool))
    proc = _sigcurl([*S3, "-sS", "-w", "%{http_code} %{parts} %{part_size} %{upload_id} %{checksum}", "-T", "-",
                     emu.url_for("/bucket/backups/db.sql")], env)
    crc = [0]
    feeder = _pipe(proc, _blocks(size), crc)
    out, err = proc.communicate(timeout=300)
    feeder.join(5)
    assert proc.returncode == 0, err.decode()
    obj = emu.objects["/bucket/backups/db.sql"]
    assert (obj.size, obj.crc32, obj.checksum) == (size, _crc_b64(crc[0]), _crc_b64(crc[0]))
    parts = -(-size // plan.DEFAULT_STREAM_PART_SIZE)
    assert obj.parts == parts
    assert not emu.rejected and not emu.aborted and not emu.uploads
    assert all(r.ok or r.verification.code == "BadDigest" for r in emu.requests)
    upload_id = [r for r in emu.requests if "uploadId=" in r.target][0].query_pairs[-1][1]
    assert out.decode().startswith('<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult')  # Complete's answer
    assert out.decode().endswith(f"200 {parts} {plan.DEFAULT_STREAM_PART_SIZE} {upload_id} crc32:{_crc_b64(crc[0])}")
    assert list(spool.iterdir()) == []  # nothing spooled


@pytest.mark.slow
def test_sparse_file_above_5_gib_goes_multipart(emu: S3Emulator, tmp_path: Path) -> None:
    path = tmp_path / "big.img"
    size = (5 << 30) + (512 << 20) + 7
    marks = {0: b"first", 3 << 30: b"middle", size - 4: b"last"}
    with open(path, "wb") as f:
        f.truncate(size)
        for offset, data in marks.items():
            f.seek(offset)
            f.write(data)
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(8 * MiB):
            crc = zlib.crc32(chunk, crc)
    r = run_process([*S3, "-sS", "--part-size", "256M", "-T", str(path), emu.url_for("/bucket/big.img")], base_env(tmp_path),
                    timeout=900)
    assert r.exit_code == 0, r.stderr
    obj = emu.objects["/bucket/big.img"]
    assert (obj.size, obj.crc32, obj.parts) == (size, _crc_b64(crc), 23)  # 22 parts of 256 MiB and 7 bytes
    parts = [r for r in emu.requests if "partNumber=" in r.target]
    assert all(p.ok for p in parts)
    assert {p.header("x-amz-content-sha256") for p in parts} == {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"}


def test_a_part_failing_repeatedly_aborts_the_upload(emu: S3Emulator, tmp_path: Path) -> None:
    attempts: list[int] = []

    def fault(r: object, number: int) -> Response | None:
        if number == 2:
            attempts.append(number)
            return Response.aws_error("InternalError", "We encountered an internal error.", status=500)
        return None

    emu.fault = fault
    data = b"".join(_blocks(20 * MiB))
    r = run_process([*S3, "-sS", "--retry", "2", "--retry-delay", "0", "--part-size", "5M", "-T", "-",
                     emu.url_for("/bucket/k")], base_env(tmp_path), stdin=data)
    assert r.exit_code == 22
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "part 2" in lines[0] and "InternalError" in lines[0] and "AbortMultipartUpload sent" in lines[0]
    assert len(attempts) == 1 + 3  # at least 3 retries for a part (--retry 2 is raised to 3)
    assert len(emu.aborted) == 1 and not emu.uploads and "/bucket/k" not in emu.objects
    assert [r.method for r in emu.requests if r.method == "DELETE"] == ["DELETE"]


@pytest.mark.parametrize(("sig", "code", "word"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_a_signal_mid_upload_aborts_it(emu: S3Emulator, tmp_path: Path, sig: int, code: int, word: str) -> None:
    proc = _sigcurl([*S3, "-sS", "--part-size", "5M", "-T", "-", emu.url_for("/bucket/k")], base_env(tmp_path))
    assert proc.stdin is not None
    for block in _blocks(16 * MiB):  # three parts and a bit; then the pipe stays open
        proc.stdin.write(block)
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while sum("partNumber=" in r.target for r in emu.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    lines = err.decode().strip().splitlines()
    assert lines == [f"sigcurl: {word}{' (SIGTERM)' if code == 143 else ''} — the upload was aborted (AbortMultipartUpload sent), "
                     "so nothing is stored; run the command again to retry"]
    assert len(emu.aborted) == 1 and not emu.uploads and not emu.objects


@pytest.mark.parametrize("how", ["pipe", "file"])
def test_tiny_bodies_stay_one_put(emu: S3Emulator, tmp_path: Path, how: str) -> None:
    data = b"hello, S3\n" * 100
    path = tmp_path / "small.txt"
    path.write_bytes(data)
    source = "-" if how == "pipe" else str(path)
    r = run_process([*S3, "-sS", "-T", source, emu.url_for("/bucket/small.txt")], base_env(tmp_path),
                    stdin=data if how == "pipe" else None)
    assert r.exit_code == 0, r.stderr
    [req] = emu.requests
    assert (req.method, req.target, req.ok) == ("PUT", "/bucket/small.txt", True)
    assert emu.objects["/bucket/small.txt"].data == data
    if how == "pipe":  # as before: the body hashed, its crc32 as a header
        assert req.header("x-amz-checksum-crc32") == _crc_b64(zlib.crc32(data)) and req.header("content-encoding") is None
    else:  # as before: aws-chunked with a trailing crc32
        assert req.header("x-amz-content-sha256") == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"


def test_a_stream_of_exactly_one_part_is_one_put(emu: S3Emulator, tmp_path: Path) -> None:
    data = b"".join(_blocks(5 * MiB))
    r = run_process([*S3, "-sS", "--part-size", "5M", "-T", "-", emu.url_for("/bucket/k")], base_env(tmp_path), stdin=data)
    assert r.exit_code == 0, r.stderr
    assert [(q.method, q.target) for q in emu.requests] == [("PUT", "/bucket/k")]


def test_headers_go_to_create_and_the_upload_is_described(emu: S3Emulator, tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"".join(_blocks(12 * MiB)))
    r = run_process([*S3, "-sS", "-v", "--part-size", "5M", "-H", "Content-Type: text/csv", "-H", "x-amz-meta-origin: test",
                     "-H", "x-amz-storage-class: STANDARD_IA", "-H", "If-None-Match: *", "--checksum", "sha256",
                     "-T", str(path), emu.url_for("/bucket/data.csv")], base_env(tmp_path))
    assert r.exit_code == 0, r.stderr
    create, *parts, complete = emu.requests
    assert create.target == "/bucket/data.csv?uploads"
    assert create.header("content-type") == "text/csv" and create.header("x-amz-meta-origin") == "test"
    assert create.header("x-amz-checksum-algorithm") == "SHA256" and create.header("x-amz-checksum-type") == "COMPOSITE"
    assert [p.header("content-type") for p in parts] == [None] * 3
    assert all(p.body_info.checksums["sha256"] for p in parts) and all(p.ok for p in parts)
    assert complete.header("if-none-match") == "*" and complete.header("x-amz-storage-class") is None
    assert "* multipart upload " in r.stderr and "parts of 5 MiB, up to 4 at once, checksum sha256 (COMPOSITE)" in r.stderr
    assert "* completed: 3 parts, 12582912 bytes, object sha256 " in r.stderr and "-3 (COMPOSITE)" in r.stderr


def test_create_refused_is_shown_like_a_single_put(emu: S3Emulator, tmp_path: Path) -> None:
    env = base_env(tmp_path, AWS_SECRET_ACCESS_KEY="wrong")
    r = run_process([*S3, "-sS", "-f", "--part-size", "5M", "-T", "-", emu.url_for("/bucket/k")], env,
                    stdin=b"".join(_blocks(11 * MiB)))
    assert r.exit_code == 22
    assert "SignatureDoesNotMatch" in r.stderr
    assert [q.target for q in emu.requests] == ["/bucket/k?uploads"]


@pytest.mark.parametrize(("value", "message"), [("1M", "below S3's minimum part size"), ("6G", "above S3's maximum"),
                                                ("lots", "bad --part-size")])
def test_part_size_checked_before_sending(tmp_path: Path, value: str, message: str) -> None:
    r = run_process([*S3, "--part-size", value, "-T", "-", "http://127.0.0.1:9/bucket/k"], base_env(tmp_path), stdin=b"x")
    assert r.exit_code == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_presign_with_upload_is_unchanged(tmp_path: Path) -> None:
    r = run_process([*S3, "--presign", "--part-size", "5M", "-T", "-", "https://bucket.s3.amazonaws.com/k"],
                    base_env(tmp_path), stdin=b"x" * (6 * MiB))
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith(b"https://bucket.s3.amazonaws.com/k?X-Amz-Algorithm=") and b"uploadId" not in r.stdout


# -- against moto's S3 (an independent implementation of the multipart protocol) --------------------


@pytest.mark.slow
def test_moto_reassembles_a_pipe_of_200_mib(moto_s3: str, tmp_path: Path) -> None:
    env = base_env(tmp_path)
    bucket = f"{moto_s3}/sigcurl-mpu-{os.getpid()}"
    assert run_process([*S3, "-sSf", "-X", "PUT", bucket], env).exit_code == 0
    size = 200 * MiB + 999
    proc = _sigcurl([*S3, "-sSf", "-w", "%{parts}", "-T", "-", f"{bucket}/dump.sql"], env)
    crc = [0]
    feeder = _pipe(proc, _blocks(size, seed=7), crc)
    out, err = proc.communicate(timeout=600)
    feeder.join(5)
    assert proc.returncode == 0, err.decode()
    assert out.endswith(b"</CompleteMultipartUploadResult>" + str(-(-size // plan.DEFAULT_STREAM_PART_SIZE)).encode())
    head = run_process([*S3, "-sSf", "-I", "-H", "x-amz-checksum-mode: ENABLED", f"{bucket}/dump.sql"], env)
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in head.stdout.decode().splitlines()[1:]) if v}
    assert headers["content-length"] == str(size)
    assert headers["x-amz-checksum-crc32"] == _crc_b64(crc[0])
    assert headers["x-amz-checksum-type"] == "FULL_OBJECT"
    got = run_process([*S3, "-sSf", "-o", str(tmp_path / "back"), f"{bucket}/dump.sql"], env)
    assert got.exit_code == 0
    with open(tmp_path / "back", "rb") as f:
        back = 0
        while chunk := f.read(8 * MiB):
            back = zlib.crc32(chunk, back)
    assert back == crc[0]
