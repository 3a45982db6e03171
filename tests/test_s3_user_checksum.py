"""A whole-object checksum given with ``-H x-amz-checksum-<crc>`` on an S3 multipart upload.

The AWS CLI (s3transfer's ``FULL_OBJECT_CHECKSUM_ARGS``) sends a full-object
CRC on CompleteMultipartUpload as ``FULL_OBJECT`` with that algorithm, so S3
checks the reassembled object against the user's value; a wrong value is
S3's ``BadDigest`` and the upload is aborted.  Checked end to end against the
verifying S3 emulator (which recomputes the object's CRC-32 from the parts).
"""

from __future__ import annotations

import base64
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import base_env, run_process

from support.s3emu import S3Emulator
from support.s3emu import upload as upload_data

MiB = 1 << 20
S3 = ["--service", "s3", "--region", "us-east-1", "-sS", "--part-size", "5M"]
DATA = os.urandom(12 * MiB)


@pytest.fixture
def emu() -> Iterator[S3Emulator]:
    with S3Emulator() as e:
        yield e


def _crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def _upload(emu: S3Emulator, tmp_path: Path, source: str, header: str) -> tuple[int, str]:
    return upload_data(emu, tmp_path, S3, DATA, source, header)


@pytest.mark.parametrize("source", ["file", "pipe"])
def test_a_users_full_object_crc32_is_sent_on_complete(emu: S3Emulator, tmp_path: Path, source: str) -> None:
    code, err = _upload(emu, tmp_path, source, f"x-amz-checksum-crc32: {_crc32(DATA)}")
    assert code == 0, err
    create, *parts, complete = emu.requests
    assert (create.header("x-amz-checksum-algorithm"), create.header("x-amz-checksum-type")) == ("CRC32", "FULL_OBJECT")
    assert len(parts) == 3 and all(p.ok for p in parts) and create.header("x-amz-checksum-crc32") is None
    assert complete.header("x-amz-checksum-crc32") == _crc32(DATA)
    assert emu.objects["/bucket/k"].checksum == emu.objects["/bucket/k"].crc32 == _crc32(DATA)


@pytest.mark.parametrize("source", ["file", "pipe"])
def test_a_wrong_full_object_crc32_is_refused_and_the_upload_aborted(emu: S3Emulator, tmp_path: Path, source: str) -> None:
    wrong = _crc32(DATA[1:])
    code, err = _upload(emu, tmp_path, source, f"x-amz-checksum-crc32: {wrong}")
    assert code == 22
    [line] = err.strip().splitlines()
    assert "CompleteMultipartUpload" in line and "BadDigest" in line and "AbortMultipartUpload sent" in line
    assert emu.requests[-2].header("x-amz-checksum-crc32") == wrong
    assert len(emu.aborted) == 1 and not emu.objects and not emu.uploads


def test_a_users_crc32c_chooses_the_parts_algorithm(emu: S3Emulator, tmp_path: Path) -> None:
    checksums = pytest.importorskip("awscrt.checksums")  # the AWS C library's CRC-32C, an independent reference
    value = base64.b64encode(checksums.crc32c(DATA).to_bytes(4, "big")).decode()
    code, err = _upload(emu, tmp_path, "file", f"x-amz-checksum-crc32c: {value}")
    assert code == 0, err
    create, *parts, complete = emu.requests
    assert (create.header("x-amz-checksum-algorithm"), create.header("x-amz-checksum-type")) == ("CRC32C", "FULL_OBJECT")
    assert all(p.ok and "crc32c" in p.body_info.checksums for p in parts)
    assert complete.header("x-amz-checksum-crc32c") == value and complete.header("x-amz-checksum-crc32") is None


SMALL = os.urandom(MiB)  # one PUT


def _put(emu: S3Emulator, tmp_path: Path, source: str, header: str) -> tuple[int, str]:
    path = tmp_path / "small"
    path.write_bytes(SMALL)
    r = run_process([*S3, "-f", "-H", header, "-T", str(path) if source == "file" else "-", emu.url_for("/bucket/s")],
                    base_env(tmp_path), stdin=SMALL if source == "pipe" else None)
    return r.exit_code, r.stderr


@pytest.mark.parametrize("source", ["file", "pipe"])
def test_a_users_crc32_on_one_put_is_the_only_checksum_sent(emu: S3Emulator, tmp_path: Path, source: str) -> None:
    code, err = _put(emu, tmp_path, source, f"x-amz-checksum-crc32: {_crc32(SMALL)}")
    assert code == 0, err
    [put] = emu.requests
    assert put.header("x-amz-checksum-crc32") == _crc32(SMALL) and put.header("x-amz-trailer") is None
    assert emu.objects["/bucket/s"].crc32 == _crc32(SMALL)


@pytest.mark.parametrize("source", ["file", "pipe"])
def test_a_wrong_crc32_on_one_put_is_refused_by_s3(emu: S3Emulator, tmp_path: Path, source: str) -> None:
    code, _ = _put(emu, tmp_path, source, f"x-amz-checksum-crc32: {_crc32(SMALL[1:])}")
    assert code == 22
    [put] = emu.requests
    assert put.header("x-amz-checksum-crc32") == _crc32(SMALL[1:]) and not emu.objects
