"""A pipe to S3 writes nothing to disk: measured with the kernel's own count of the bytes a process
dirtied for storage (``/proc/PID/io`` ``write_bytes``), which also sees an unnamed temporary file.

The measure is calibrated first on a pipe to another service, which sigcurl
does spool to the temporary directory (README, "Bodies"): when that shows no
bytes written (a temporary directory in memory, no I/O accounting), the test
is skipped rather than passing for the wrong reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cli_helpers import base_env

from support.s3emu import S3Emulator

MiB = 1 << 20
SIZE_MIB = 40  # above the 8 MiB a spool keeps in memory, eight parts of 5 MiB

pytestmark = pytest.mark.skipif(not os.path.exists(f"/proc/{os.getpid()}/io"), reason="needs Linux /proc/PID/io")


def _written(emu: S3Emulator, tmp_path: Path, service: str) -> tuple[int, int]:
    """(exit code, the process's write_bytes, last seen before it exited) for a pipe of SIZE_MIB to ``service``."""
    spool = tmp_path / f"tmp-{service}"
    spool.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(base_env(tmp_path, TMPDIR=str(spool)))
    proc = subprocess.Popen([sys.executable, "-m", "sigcurl", "--service", service, "--region", "us-east-1", "-sS", "-o",
                             os.devnull, "-T", "-", emu.url_for(f"/bucket/{service}")], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    stdin, proc.stdin = proc.stdin, None
    assert stdin is not None
    block = os.urandom(MiB)

    def feed() -> None:
        with stdin:
            for _ in range(SIZE_MIB):
                stdin.write(block)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    written = -1
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with open(f"/proc/{proc.pid}/io") as f:
                fields = dict(line.split(": ") for line in f.read().splitlines())
            written = max(written, int(fields["write_bytes"]))  # it only grows: the last sample is the most seen
        except (OSError, ValueError):
            pass
        time.sleep(0.01)
    _, err = proc.communicate(timeout=60)
    feeder.join(5)
    assert proc.returncode == 0, err.decode()
    assert written >= 0  # sampled at least once
    return proc.returncode, written


def test_a_pipe_to_s3_dirties_no_storage(tmp_path: Path) -> None:
    with S3Emulator() as emu:
        _, spooled = _written(emu, tmp_path, "execute-api")  # spooled: the measure must see it
        if spooled < SIZE_MIB * MiB // 2:
            pytest.skip(f"write_bytes does not see the temporary directory here ({spooled} bytes for a spooled pipe)")
        _, written = _written(emu, tmp_path, "s3")
        assert written == 0
        obj = emu.objects["/bucket/s3"]
        assert (obj.size, obj.parts) == (SIZE_MIB * MiB, SIZE_MIB // 5)
