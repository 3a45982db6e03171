"""S3 multipart uploads: the part plan (tables), the checksums, and end to end against a verifying S3 emulator."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import base_env, run_process

from sigcurl.checksums import Checksum, crc_combine, int_to_value, value_to_int
from sigcurl.errors import UsageError
from sigcurl.s3 import plan
from sigcurl.s3.multipart import split_headers
from sigcurl.s3.xml import DonePart, complete_body, first_text
from support.s3emu import S3Emulator, crc32_combine
from support.server import Response

MiB = 1 << 20
S3 = ["--service", "s3", "--region", "us-east-1"]


# -- the plan (pure) -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "size"), [
    ("5242880", 5242880), ("16M", 16 * MiB), ("16MiB", 16 * MiB), ("16mb", 16 * MiB), ("8k", 8192),
    ("1G", 1 << 30), ("5g", 5 << 30), (" 64M ", 64 * MiB),
])
def test_parse_size(text: str, size: int) -> None:
    assert plan.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "M", "16T", "-5M", "1.5G", "16 M x", "1024b"])
def test_parse_size_refuses(text: str) -> None:
    with pytest.raises(UsageError):
        plan.parse_size(text)


@pytest.mark.parametrize(("size", "ok"), [(5 * MiB - 1, False), (5 * MiB, True), (5 << 30, True), ((5 << 30) + 1, False)])
def test_part_size_limits(size: int, ok: bool) -> None:
    if ok:
        assert plan.check_part_size(size) == size
    else:
        with pytest.raises(UsageError):
            plan.check_part_size(size)


@pytest.mark.parametrize(("length", "wanted", "expected"), [
    (100 * MiB, None, plan.DEFAULT_PART_SIZE),
    (100 * MiB, 5 * MiB, 5 * MiB),
    (10_000 * 16 * MiB, None, 16 * MiB),  # exactly 10,000 parts
    (10_000 * 16 * MiB + 1, None, 17 * MiB),  # one byte more: the next whole MiB
    (5 << 40, None, 525 * MiB),  # S3's largest object
    (5 << 40, 1 << 30, 1 << 30),
])
def test_known_part_size(length: int, wanted: int | None, expected: int) -> None:
    size = plan.known_part_size(length, wanted)
    assert size == expected
    parts = list(plan.known_parts(length, size))
    assert len(parts) <= plan.MAX_PARTS
    assert sum(p.size for p in parts) == length
    assert all(p.size >= plan.MIN_PART_SIZE for p in parts[:-1])
    assert [p.number for p in parts[:3]] == [1, 2, 3][: len(parts)]


def test_known_part_size_refuses_objects_above_5_tib() -> None:
    with pytest.raises(UsageError, match="5 TiB"):
        plan.known_part_size((5 << 40) + 1, None)


@pytest.mark.parametrize(("number", "size"), [(1, 8 * MiB), (1000, 8 * MiB), (1001, 16 * MiB), (2001, 32 * MiB),
                                               (9001, 4096 * MiB), (10_000, 4096 * MiB)])
def test_stream_part_size_doubles_every_1000_parts(number: int, size: int) -> None:
    assert plan.stream_part_size(number, 8 * MiB) == size


def test_stream_capacity_reaches_s3_object_limit_from_8_mib() -> None:
    assert plan.stream_capacity(8 * MiB) >= plan.MAX_OBJECT_SIZE
    assert plan.stream_part_size(10_000, 5 << 30) == plan.MAX_PART_SIZE


@pytest.mark.parametrize(("method", "url", "service", "expected"), [
    ("PUT", "https://b.s3.amazonaws.com/key", "s3", True),
    ("PUT", "http://127.0.0.1:9000/bucket/dir/key", "s3", True),
    ("PUT", "https://b.s3.amazonaws.com/key?partNumber=1&uploadId=x", "s3", False),
    ("PUT", "https://b.s3.amazonaws.com/", "s3", False),
    ("POST", "https://b.s3.amazonaws.com/key", "s3", False),
    ("PUT", "https://api.example.com/key", "execute-api", False),
])
def test_is_object_put(method: str, url: str, service: str, expected: bool) -> None:
    assert plan.is_object_put(method, url, service) is expected


def test_threshold() -> None:
    assert plan.threshold(None) == plan.DEFAULT_THRESHOLD <= plan.MAX_SINGLE_PUT
    assert plan.threshold(8 * MiB) == 8 * MiB


# -- checksums and XML -------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["crc32", "crc32c", "crc64nvme"])
def test_crc_combine_matches_the_whole(algorithm: str) -> None:
    a, b = os.urandom(70_001), os.urandom(33_333)

    def value(data: bytes) -> str:
        c = Checksum(algorithm)
        c.update(data)
        return c.value()

    combined = crc_combine(algorithm, value_to_int(value(a)), value_to_int(value(b)), len(b))
    assert int_to_value(algorithm, combined) == value(a + b)
    assert zlib.crc32(a + b) == crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b))  # the emulator's own


def test_complete_body_is_s3_xml() -> None:
    body = complete_body([DonePart(1, '"a&b"', "AAAAAA==", 5), DonePart(2, '"c"', "BBBBBB==", 1)], "crc32")
    root = ET.fromstring(body)
    ns = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
    parts = root.findall("s3:Part", ns)
    assert [p.findtext("s3:PartNumber", namespaces=ns) for p in parts] == ["1", "2"]
    assert parts[0].findtext("s3:ETag", namespaces=ns) == '"a&b"'
    assert parts[1].findtext("s3:ChecksumCRC32", namespaces=ns) == "BBBBBB=="


def test_first_text_is_bounded() -> None:
    assert first_text(b"<R><UploadId>a&amp;b</UploadId></R>", "UploadId") == "a&b"
    assert first_text(b"<R>" + b" " * (70 << 10) + b"<UploadId>x</UploadId></R>", "UploadId") is None
    assert first_text(b"<UploadId>unterminated", "UploadId") is None


def test_split_headers() -> None:
    given = [("User-Agent", "sigcurl"), ("Content-Type", "text/csv"), ("x-amz-meta-a", "1"), ("x-amz-storage-class", "GLACIER"),
             ("x-amz-server-side-encryption", "aws:kms"), ("x-amz-tagging", "a=b"), ("x-amz-acl", "private"),
             ("x-amz-server-side-encryption-customer-key", "k"), ("If-None-Match", "*"), ("Content-MD5", "x"),
             ("x-amz-checksum-crc32", "x"), ("X-Custom", "y")]
    create, part, complete = split_headers(given)
    names = [[n for n, _ in h] for h in (create, part, complete)]
    assert names[0] == ["User-Agent", "Content-Type", "x-amz-meta-a", "x-amz-storage-class", "x-amz-server-side-encryption",
                        "x-amz-tagging", "x-amz-acl", "x-amz-server-side-encryption-customer-key", "X-Custom"]
    assert names[1] == ["User-Agent", "x-amz-server-side-encryption-customer-key", "X-Custom"]
    assert names[2] == ["User-Agent", "x-amz-server-side-encryption-customer-key", "If-None-Match", "X-Custom"]


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
    parts = -(-size // plan.DEFAULT_PART_SIZE)
    assert obj.parts == parts
    assert not emu.rejected and not emu.aborted and not emu.uploads
    assert all(r.ok or r.verification.code == "BadDigest" for r in emu.requests)
    upload_id = [r for r in emu.requests if "uploadId=" in r.target][0].query_pairs[-1][1]
    assert out.decode().startswith('<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult')  # Complete's answer
    assert out.decode().endswith(f"200 {parts} {plan.DEFAULT_PART_SIZE} {upload_id} crc32:{_crc_b64(crc[0])}")
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


@pytest.fixture
def moto_s3() -> Iterator[str]:
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


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
    assert out.endswith(b"</CompleteMultipartUploadResult>" + str(-(-size // plan.DEFAULT_PART_SIZE)).encode())
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


# -- s3:// URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "region", "expected"), [
    ("s3://my-bucket/backups/db.sql", "eu-west-1", "https://my-bucket.s3.eu-west-1.amazonaws.com/backups/db.sql"),
    ("s3://my-bucket", "us-east-1", "https://my-bucket.s3.us-east-1.amazonaws.com/"),
    ("s3://my-bucket/", "us-east-1", "https://my-bucket.s3.us-east-1.amazonaws.com/"),
    ("S3://my-bucket/k?versionId=3", "us-west-2", "https://my-bucket.s3.us-west-2.amazonaws.com/k?versionId=3"),
    ("s3://my.dotted.bucket/a/b", "eu-west-1", "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/a/b"),
    ("s3://Legacy_Bucket/k", "us-east-1", "https://s3.us-east-1.amazonaws.com/Legacy_Bucket/k"),
    ("s3://bucket/file[1-3].txt", "us-east-1", "https://bucket.s3.us-east-1.amazonaws.com/file[1-3].txt"),
    ("s3://bucket/k", "cn-north-1", "https://bucket.s3.cn-north-1.amazonaws.com.cn/k"),
])
def test_s3_urls(url: str, region: str, expected: str) -> None:
    from sigcurl.s3.urls import s3_https_url

    assert s3_https_url(url, region) == expected


@pytest.mark.parametrize("url", ["s3://", "s3:///key", "s3://ab/k", "s3://bad bucket/k"])
def test_s3_urls_refused(url: str) -> None:
    from sigcurl.errors import BadURLError
    from sigcurl.s3.urls import s3_https_url

    with pytest.raises(BadURLError):
        s3_https_url(url, "us-east-1")


@pytest.mark.parametrize(("args", "environ", "expected"), [
    (["--region", "eu-west-1"], {}, "https://my-bucket.s3.eu-west-1.amazonaws.com/k.txt?X-Amz-Algorithm="),
    ([], {"AWS_REGION": "ap-south-1"}, "https://my-bucket.s3.ap-south-1.amazonaws.com/k.txt?X-Amz-Algorithm="),
    ([], {}, "https://my-bucket.s3.us-east-1.amazonaws.com/k.txt?X-Amz-Algorithm="),
])
def test_s3_url_presigned_in_the_configured_region(tmp_path: Path, args: list[str], environ: dict[str, str], expected: str) -> None:
    r = run_process(["--presign", *args, "s3://my-bucket/k.txt"], base_env(tmp_path, **environ))
    assert r.exit_code == 0, r.stderr
    assert r.stdout.decode().startswith(expected)
    region = expected.split(".s3.")[1].split(".")[0]
    assert f"%2F{region}%2Fs3%2Faws4_request" in r.stdout.decode()


def test_s3_url_for_every_command(tmp_path: Path) -> None:
    """-T, -I and globs through the emulator (reached with --connect-to); -v shows the URL used."""
    with S3Emulator(tls=True) as emu:
        env = base_env(tmp_path)
        to = ["-k", "--connect-to", f"::127.0.0.1:{emu.server.port}"]
        (tmp_path / "f.txt").write_bytes(b"data")
        r = run_process(["-sS", "-v", *to, "--region", "eu-west-1", "-T", str(tmp_path / "f.txt"), "s3://my.bucket/dir/"], env)
        assert "* s3://my.bucket/dir/ is https://s3.eu-west-1.amazonaws.com/my.bucket/dir/" in r.stderr
        assert r.exit_code == 0, r.stderr
        r = run_process(["-sS", *to, "-I", "s3://bucket/a[1-2]"], env)
        assert [(q.method, q.target) for q in emu.requests[1:]] == [("HEAD", "/a1"), ("HEAD", "/a2")]
        assert all(q.ok and q.verification.region == "us-east-1" for q in emu.requests[1:])
        assert emu.requests[0].target == "/my.bucket/dir/f.txt" and emu.requests[0].verification.region == "eu-west-1"
        emu.server.queue(Response(301, headers={"x-amz-bucket-region": "eu-west-1"}, body=b""))
        r = run_process(["-sS", "-v", *to, "s3://bucket/x"], env)
        moved = emu.requests[-1]
        assert "S3 bucket is in eu-west-1, not us-east-1" in r.stderr
        assert (moved.header("host"), moved.verification.region, moved.ok) == ("bucket.s3.eu-west-1.amazonaws.com", "eu-west-1", True)
