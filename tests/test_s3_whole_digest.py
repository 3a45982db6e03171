"""A whole-object Content-MD5 or SHA checksum given for an upload that goes multipart is checked, never dropped.

S3 cannot check them on a multipart upload (an MD5 per part only; a SHA of a
multipart object is ``COMPOSITE``), so sigcurl hashes the parts in order and
compares before CompleteMultipartUpload: a match completes the upload, a
mismatch aborts it and exits 22, as S3's ``BadDigest`` ends a single PUT.
The reference digests are :mod:`hashlib`'s over the same bytes; the S3
emulator verifies every request's signature and checksum.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import base_env, run_process

from support.s3emu import S3Emulator
from support.s3emu import upload as upload_data

MiB = 1 << 20
S3 = ["--service", "s3", "--region", "us-east-1", "-sS", "--part-size", "5M"]
DATA = os.urandom(12 * MiB + 77)  # three parts of 5 MiB


@pytest.fixture
def emu() -> Iterator[S3Emulator]:
    with S3Emulator() as e:
        yield e


def digest(algorithm: str, data: bytes) -> str:
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


HEADERS = {"md5": "Content-MD5", "sha1": "x-amz-checksum-sha1", "sha256": "x-amz-checksum-sha256"}


def upload(emu: S3Emulator, tmp_path: Path, source: str, header: str) -> tuple[int, str]:
    return upload_data(emu, tmp_path, S3, DATA, source, header)


@pytest.mark.parametrize("algorithm", list(HEADERS))
@pytest.mark.parametrize("source", ["file", "pipe"])
def test_a_right_digest_completes_the_upload(emu: S3Emulator, tmp_path: Path, source: str, algorithm: str) -> None:
    code, err = upload(emu, tmp_path, source, f"{HEADERS[algorithm]}: {digest(algorithm, DATA)}")
    assert code == 0, err
    assert emu.objects["/bucket/k"].size == len(DATA) and emu.objects["/bucket/k"].parts == 3
    assert all(r.ok for r in emu.requests[:-1])  # the verifier reads Complete's FULL_OBJECT CRC as its XML's own
    assert all(r.header(HEADERS[algorithm]) is None for r in emu.requests)  # S3 cannot check it on any call


@pytest.mark.parametrize("algorithm", list(HEADERS))
@pytest.mark.parametrize("source", ["file", "pipe"])
def test_a_wrong_digest_aborts_the_upload_with_exit_22(emu: S3Emulator, tmp_path: Path, source: str,
                                                       algorithm: str) -> None:
    wrong = digest(algorithm, DATA[:-1])
    code, err = upload(emu, tmp_path, source, f"{HEADERS[algorithm]}: {wrong}")
    assert code == 22
    [line] = err.strip().splitlines()
    assert line.startswith(f"sigcurl: multipart upload failed: the object's digest is {digest(algorithm, DATA)}, not the "
                           f"{HEADERS[algorithm]} given ({wrong}): S3 would refuse it (BadDigest) — ")
    assert "AbortMultipartUpload sent" in line and line.endswith(f"check the {HEADERS[algorithm]} value against the body you send")
    assert len(emu.aborted) == 1 and not emu.objects and not emu.uploads
    assert not any("uploadId=" in r.target and r.method == "POST" for r in emu.requests)  # never completed


@pytest.mark.parametrize("source", ["file", "pipe"])
def test_every_digest_given_is_checked(emu: S3Emulator, tmp_path: Path, source: str) -> None:
    path = tmp_path / "body"
    path.write_bytes(DATA)
    wrong = digest("sha256", DATA[:-1])
    r = run_process([*S3, "-H", f"Content-MD5: {digest('md5', DATA)}", "-H", f"x-amz-checksum-sha256: {wrong}",
                     "-T", str(path) if source == "file" else "-", emu.url_for("/bucket/k")],
                    base_env(tmp_path), stdin=DATA if source == "pipe" else None)
    assert r.exit_code == 22
    assert f"not the x-amz-checksum-sha256 given ({wrong})" in r.stderr
    assert len(emu.aborted) == 1 and not emu.objects


def test_a_single_put_still_sends_content_md5_for_s3_to_check(emu: S3Emulator, tmp_path: Path) -> None:
    small = DATA[: MiB]
    r = run_process([*S3, "-H", f"Content-MD5: {digest('md5', small)}", "-T", "-", emu.url_for("/bucket/small")],
                    base_env(tmp_path), stdin=small)
    assert r.exit_code == 0, r.stderr
    [put] = emu.requests
    assert put.header("Content-MD5") == digest("md5", small)

