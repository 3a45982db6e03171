"""A multipart upload's part failing on the network, not with an HTTP error: the line names the part, exit as curl.

Against the verifying S3 emulator: part 2's connection is closed without an
answer on every attempt (curl's "empty reply", exit 52); the part is retried
(at least 3 times), AbortMultipartUpload is sent, and the one error line
names the part, as it does for an HTTP error.
"""

from __future__ import annotations

import os
from pathlib import Path

from cli_helpers import base_env, run_process

from support.s3emu import S3Emulator
from support.server import RecordedRequest, Response

MiB = 1 << 20


def test_a_part_dropped_on_every_attempt_is_named_and_the_upload_aborted(tmp_path: Path) -> None:
    attempts: list[int] = []

    def fault(r: RecordedRequest, number: int) -> Response | None:
        if number == 2:
            attempts.append(number)
            return Response(200, drop=True)
        return None

    with S3Emulator() as emu:
        emu.fault = fault
        r = run_process(["--service", "s3", "--region", "us-east-1", "-sS", "--retry-delay", "0", "--part-size", "5M",
                         "-T", "-", emu.url_for("/bucket/k")], base_env(tmp_path), stdin=os.urandom(20 * MiB))
        assert r.exit_code == 52  # curl's "empty reply from server"
        [line] = r.stderr.strip().splitlines()
        assert line.startswith("sigcurl: multipart upload failed: part 2: empty reply from 127.0.0.1")
        assert "AbortMultipartUpload sent" in line
        # 1 + 3 retries; the first may go out on a kept-alive connection, and a reused connection closed
        # without an answer is resent once on a fresh one (as curl and urllib3 do), which is not a retry
        assert len(attempts) in (4, 5) and len(emu.aborted) == 1 and not emu.uploads and not emu.objects


def test_an_abort_answered_404_does_not_claim_nothing_is_stored(tmp_path: Path) -> None:
    # the upload is gone before the abort (completed elsewhere, or aborted already): S3 answers 404 NoSuchUpload
    with S3Emulator() as emu:
        def fault(r: RecordedRequest, number: int) -> Response | None:
            if number == 2:
                with emu.lock:
                    emu.uploads.clear()
                return Response.aws_error("InternalError", "boom", status=500)
            return None

        emu.fault = fault
        r = run_process(["--service", "s3", "--region", "us-east-1", "-sS", "--part-size", "5M", "-T", "-",
                         emu.url_for("/bucket/k")], base_env(tmp_path), stdin=os.urandom(12 * MiB))
        [line] = r.stderr.strip().splitlines()
        assert r.exit_code != 0 and "AbortMultipartUpload answered 404" in line and "nothing is stored" not in line, line
        assert "/bucket/k was stored" in line
