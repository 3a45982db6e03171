"""S3 signed streaming (aws-chunked) end to end, and the per-case upload plan.

The wire encoder reproduces the S3 documentation examples byte for byte;
every other upload goes through the verifying server, which checks the
seed signature, every chunk signature, the trailer signature and the
trailing checksum with its own code (never sigcurl's).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cli_helpers import run_isolated as run

import sigcurl
from sigcurl.body import BytesBody, FileBody, SpooledBody
from sigcurl.checksums import ALGORITHMS, Checksum, crc32c_py, crc64nvme_py
from sigcurl.streaming import CHUNK_SIZE, AwsChunkedBody, Mode, choose
from support.server import Response, VerifyingServer

VECTORS = Path(__file__).parent / "vectors"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ALL_BYTES = bytes(range(256))


def payload(size: int) -> bytes:
    """``size`` bytes cycling through all 256 byte values."""
    return (ALL_BYTES * (size // 256 + 1))[:size]


# -- the S3 documentation examples, through the wire encoder ---------------------

S3 = json.loads((VECTORS / "s3-examples.json").read_text())


@pytest.mark.parametrize("name", ["put-object-chunked", "put-object-chunked-trailer"])
def test_encoder_reproduces_s3_examples(name: str) -> None:
    ex = next(e for e in S3["examples"] if e["name"] == name)
    inp, exp = ex["input"], ex["expected"]
    data = inp["body"]["byte"].encode() * inp["body"]["length"]
    checksum = "crc32c" if "trailers" in inp else None
    body = AwsChunkedBody(BytesBody(data), signed=True, algorithm="sigv4", checksum=checksum, chunk_size=inp["chunk_size"])
    assert body.marker == inp["payload_hash"]
    creds = sigcurl.Credentials(S3["credentials"]["access_key_id"], S3["credentials"]["secret_access_key"])
    signed = sigcurl.sign(
        inp["method"], f"https://{inp['host']}{inp['path']}", inp["headers"], credentials=creds,
        region="us-east-1", service="s3", time=datetime(2013, 5, 24, tzinfo=timezone.utc), payload_hash=body.marker,
    )
    assert signed.signature == exp["seed"]["signature"]
    body.bind(signed, creds, "us-east-1", "s3", "sigv4")
    wire = b"".join(body.chunks())
    expected = b""
    for chunk in exp["chunks"]:
        piece = chunk["data"]["byte"].encode() * chunk["data"]["length"] if chunk["data"] else b""
        expected += chunk["encoded_prefix"].encode() + piece + (b"\r\n" if piece else b"")
    expected += exp["trailer"]["encoded"].encode() if "trailer" in exp else b"\r\n"
    assert wire == expected
    assert body.length == len(wire)
    ours = {n.lower(): v for n, v in body.headers([("Host", inp["host"])])}
    theirs = {n.lower(): v for n, v in inp["headers"]}
    for header in ("content-encoding", "x-amz-decoded-content-length", "x-amz-trailer"):
        assert ours.get(header) == theirs.get(header)


def test_rebinding_restarts_the_chain() -> None:
    """A retry or redirect signs afresh; the body re-encodes from the start with the new seed."""
    creds = sigcurl.Credentials("AKIDEXAMPLE", SECRET)
    body = AwsChunkedBody(BytesBody(payload(3000)), signed=True, algorithm="sigv4", checksum="crc32", chunk_size=1024)
    wires = []
    for second in (0, 1):
        signed = sigcurl.sign("PUT", "https://b.s3.amazonaws.com/k", body.headers([]), credentials=creds,
                              region="us-east-1", service="s3", time=datetime(2024, 1, 1, 0, 0, second, tzinfo=timezone.utc),
                              payload_hash=body.marker)
        body.bind(signed, creds, "us-east-1", "s3", "sigv4")
        wires.append(b"".join(body.chunks()))
        assert b"".join(body.chunks()) == wires[-1]  # re-readable
    assert wires[0] != wires[1] and len(wires[0]) == len(wires[1]) == body.length


# -- checksums --------------------------------------------------------------------


def test_pure_python_crcs_match_awscrt() -> None:
    crt = pytest.importorskip("awscrt.checksums")
    data = os.urandom(5000)
    assert crc32c_py(data) == crt.crc32c(data)
    assert crc64nvme_py(data) == crt.crc64nvme(data)
    assert crc32c_py(data[10:], crc32c_py(data[:10])) == crt.crc32c(data)
    assert crc64nvme_py(data[10:], crc64nvme_py(data[:10])) == crt.crc64nvme(data)
    for algorithm in ("crc32c", "crc64nvme"):
        fast, slow = Checksum(algorithm), Checksum(algorithm, pure=True)
        fast.update(data)
        slow.update(data)
        assert fast.value() == slow.value()


# -- the plan: defaults per case --------------------------------------------------


@pytest.mark.parametrize(
    ("service", "scheme", "unsigned", "checksum", "mode", "algo"),
    [
        ("s3", "https", False, None, Mode.SIGNED_CHUNKS, "crc32"),
        ("s3", "https", False, "none", Mode.SIGNED_CHUNKS, None),
        ("s3", "https", False, "sha1", Mode.SIGNED_CHUNKS, "sha1"),
        ("s3", "https", True, None, Mode.UNSIGNED_TRAILER, "crc32"),
        ("s3", "http", True, None, Mode.UNSIGNED, None),
        ("execute-api", "https", False, None, Mode.HASHED, None),
        ("execute-api", "https", True, None, Mode.UNSIGNED, None),
    ],
)
def test_plan_for_a_file(tmp_path: Path, service: str, scheme: str, unsigned: bool, checksum: str | None,
                         mode: Mode, algo: str | None) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"x")
    plan = choose(FileBody(str(f)), service=service, scheme=scheme, algorithm="sigv4", unsigned=unsigned,
                  checksum=checksum, aws_chunked=None)
    assert (plan.mode, plan.checksum) == (mode, algo)


def test_plan_for_a_pipe_and_for_memory() -> None:
    import io

    pipe = choose(SpooledBody(io.BytesIO(b"x")), service="s3", scheme="https", algorithm="sigv4", unsigned=False,
                  checksum=None, aws_chunked=None)
    assert (pipe.mode, pipe.checksum) == (Mode.HASHED, "crc32")
    mem = choose(BytesBody(b"x"), service="s3", scheme="https", algorithm="sigv4", unsigned=False,
                 checksum=None, aws_chunked=None)
    assert (mem.mode, mem.checksum) == (Mode.HASHED, None)


# -- round trips through the verifying server ------------------------------------

SIZES = [0, 1, 256, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 3 * CHUNK_SIZE + 4097]


def _check(server: VerifyingServer, data: bytes, mode: str, *, chunks: bool = True) -> None:
    rec = server.last
    assert rec.ok, rec.verification.reason
    assert rec.verification.payload_mode == mode
    assert rec.payload == data
    assert rec.body_info.aws_chunked is chunks
    if chunks and "UNSIGNED" not in mode:
        assert rec.verification.chunks_verified == len(rec.body_info.chunks) == -(-len(data) // CHUNK_SIZE) + 1
    assert int(rec.header("Content-Length") or 0) == rec.body_info.size


@pytest.mark.parametrize("size", SIZES)
def test_file_round_trip_signed_chunks(server: VerifyingServer, tmp_path: Path, size: int) -> None:
    data = payload(size)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    code, _, err = run(["-s", "-S", "--service", "s3", "-T", str(f), server.url_for("/bucket/key")], tmp_path)
    assert code == 0, err
    _check(server, data, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
    assert server.last.verification.checksums_verified == ["crc32"]
    assert server.last.body_info.trailers[0][0] == "x-amz-checksum-crc32"


@pytest.mark.parametrize("algorithm", [*ALGORITHMS, "none"])
def test_each_checksum_in_the_signed_trailer(server: VerifyingServer, tmp_path: Path, algorithm: str) -> None:
    data = payload(CHUNK_SIZE + 300)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    code, _, err = run(["-s", "-S", "--service", "s3", "--checksum", algorithm, "-T", str(f), server.url_for("/b/k")], tmp_path)
    assert code == 0, err
    if algorithm == "none":
        _check(server, data, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
        assert server.last.body_info.trailers == []
    else:
        _check(server, data, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
        assert server.last.verification.checksums_verified == [algorithm]


@pytest.mark.parametrize("algorithm", ["crc32", "crc32c", "sha256"])
def test_unsigned_trailer(server: VerifyingServer, tmp_path: Path, algorithm: str) -> None:
    data = payload(2 * CHUNK_SIZE + 5)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    code, _, err = run(["-s", "-S", "--service", "s3", "--unsigned-payload", "--checksum", algorithm, "-T", str(f),
                        server.url_for("/b/k")], tmp_path)
    assert code == 0, err
    _check(server, data, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    assert server.last.verification.checksums_verified == [algorithm]


def test_unsigned_trailer_is_the_default_over_https(tls_server: VerifyingServer, tmp_path: Path) -> None:
    data = payload(CHUNK_SIZE + 1)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    code, _, err = run(["-s", "-S", "--service", "s3", "--cacert", str(tls_server.ca_bundle), "--unsigned-payload",
                        "-T", str(f), tls_server.url_for("/b/k")], tmp_path)
    assert code == 0, err
    _check(tls_server, data, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    assert tls_server.last.verification.checksums_verified == ["crc32"]


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE, CHUNK_SIZE + 7])
def test_sigv4a_chunks(server: VerifyingServer, tmp_path: Path, size: int) -> None:
    pytest.importorskip("cryptography")
    data = payload(size)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    code, _, err = run(["-s", "-S", "--service", "s3", "--sigv4a", "-T", str(f), server.url_for("/b/k")], tmp_path)
    assert code == 0, err
    _check(server, data, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER")
    assert server.last.verification.checksums_verified == ["crc32"]


def test_sigv4a_without_trailer(server: VerifyingServer, tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    data = payload(CHUNK_SIZE + 9)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    code, _, err = run(["-s", "-S", "--service", "s3", "--sigv4a", "--checksum", "none", "-T", str(f),
                        server.url_for("/b/k")], tmp_path)
    assert code == 0, err
    _check(server, data, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")


def test_data_binary_file_streams_too(server: VerifyingServer, tmp_path: Path) -> None:
    data = payload(CHUNK_SIZE + 3)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    code, _, err = run(["-s", "-S", "--service", "s3", "-X", "PUT", "--data-binary", f"@{f}", server.url_for("/b/k")], tmp_path)
    assert code == 0, err
    _check(server, data, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")


def test_no_aws_chunked_hashes_and_sends_checksum_header(server: VerifyingServer, tmp_path: Path) -> None:
    data = payload(CHUNK_SIZE + 3)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    code, _, err = run(["-s", "-S", "--service", "s3", "--no-aws-chunked", "-T", str(f), server.url_for("/b/k")], tmp_path)
    assert code == 0, err
    rec = server.last
    assert rec.ok and rec.body == data and not rec.body_info.aws_chunked
    assert rec.verification.checksums_verified == ["crc32"]


def test_redirect_307_resends_with_fresh_chunk_signatures(server: VerifyingServer, tmp_path: Path) -> None:
    data = payload(CHUNK_SIZE + 11)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    server.queue(Response.redirect("/b/other", status=307))
    code, _, err = run(["-s", "-S", "-L", "--service", "s3", "-T", str(f), server.url_for("/b/k")], tmp_path)
    assert code == 0, err
    first, second = server.requests[-2:]
    assert first.ok and second.ok and second.path == "/b/other"
    assert first.payload == second.payload == data
    assert first.body_info.chunks[0].signature != second.body_info.chunks[0].signature


def test_sign_only_shows_the_seed_request(tmp_path: Path) -> None:
    f = tmp_path / "up.bin"
    f.write_bytes(payload(1000))
    code, out, err = run(["--sign-only", "--date", "20240101T000000Z", "-T", str(f),
                          "https://bucket.s3.eu-west-1.amazonaws.com/k"], tmp_path)
    assert code == 0, err
    text = out.decode()
    assert "X-Amz-Content-SHA256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" in text
    assert "Content-Encoding: aws-chunked" in text
    assert "X-Amz-Decoded-Content-Length: 1000" in text
    assert "X-Amz-Trailer: x-amz-checksum-crc32" in text
    body = AwsChunkedBody(BytesBody(payload(1000)), signed=True, algorithm="sigv4", checksum="crc32")
    assert f"Content-Length: {body.length}" in text


def test_checksum_without_body_is_an_error(tmp_path: Path) -> None:
    code, _, err = run(["--sign-only", "--checksum", "crc32", "https://bucket.s3.eu-west-1.amazonaws.com/k"], tmp_path)
    assert code == 2 and "--checksum needs a request body" in err
