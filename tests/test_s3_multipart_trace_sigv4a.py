"""A pipe that goes multipart, traced with --trace-ascii and signed with SigV4a, against the S3 emulator.

The trace shows each call with its own body's length (a part's, not the
object's); with ``--sigv4a`` every call verifies as ECDSA-signed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import base_env, run_process

from support.s3emu import S3Emulator

S3 = ["--service", "s3", "--region", "us-east-1", "-sS", "--part-size", "5M"]
DATA = os.urandom(12 * (1 << 20) + 77)  # three parts of 5 MiB


@pytest.fixture
def emu() -> Iterator[S3Emulator]:
    with S3Emulator() as e:
        yield e


def test_trace_on_a_pipe_that_goes_multipart_shows_each_part(emu: S3Emulator, tmp_path: Path) -> None:
    trace = tmp_path / "trace.txt"
    r = run_process([*S3, "--trace-ascii", str(trace), "-T", "-", emu.url_for("/bucket/k")], base_env(tmp_path), stdin=DATA)
    assert r.exit_code == 0, r.stderr
    text = trace.read_text()
    assert "POST /bucket/k?uploads" in text
    sizes = [5 << 20, 5 << 20, len(DATA) - (10 << 20)]
    for number, size in enumerate(sizes, 1):
        assert f"PUT /bucket/k?partNumber={number}&uploadId=" in text
        assert f"Content-Length: {size}" in text
    assert f"Content-Length: {len(DATA)}" not in text  # each part's own length, not the object's


def test_a_sigv4a_pipe_goes_multipart(emu: S3Emulator, tmp_path: Path) -> None:
    r = run_process([*S3, "--sigv4a", "-w", "%{parts}", "-T", "-", emu.url_for("/bucket/k")], base_env(tmp_path), stdin=DATA)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.endswith(b"3") and emu.objects["/bucket/k"].size == len(DATA)
    assert all(q.ok and q.verification.algorithm == "AWS4-ECDSA-P256-SHA256" for q in emu.requests[:-1])
