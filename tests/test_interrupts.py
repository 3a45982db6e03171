"""Ctrl-C and SIGTERM as a child process sees them (issues #15 and #16): every multipart upload
aborted (serial and ``-Z``), temporary and ``--remove-on-error`` files removed, one line, exit 130/143,
a second Ctrl-C exits at once, and never a traceback or a fatal interpreter error.

Each test runs ``python -m sigcurl`` against a loopback server (the S3 emulator of
:mod:`support.s3emu`, which records every AbortMultipartUpload, or :mod:`support.hostile`) and
signals it with ``os.kill``; every wait is a bounded loop, every process has a timeout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_helpers import base_env, start_process

from support.hostile import HostileServer, reply
from support.s3emu import S3Emulator
from support.server import RecordedRequest, Response

MiB = 1 << 20
S3 = ["--service", "s3", "--region", "us-east-1"]
SIGNALS = [pytest.param(signal.SIGINT, 130, "interrupted", id="SIGINT"),
           pytest.param(signal.SIGTERM, 143, "terminated (SIGTERM)", id="SIGTERM")]
ABORTED = "the upload was aborted (AbortMultipartUpload sent), so nothing is stored"


@pytest.fixture
def emu() -> Iterator[S3Emulator]:
    with S3Emulator() as e:
        yield e


def _env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """The child's environment, with a TMPDIR of its own (to see any temporary file left)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    return base_env(tmp_path, TMPDIR=str(tmp)), tmp


def _start(args: list[str], env: dict[str, str], stdin: int | None = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    return start_process(args, env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _until(condition: Callable[[], bool], proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """Wait (bounded) until ``condition()``; fails when the process ended first."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert proc.poll() is None, f"sigcurl ended early ({proc.returncode}): {proc.stderr.read() if proc.stderr else b''!r}"
        assert time.monotonic() < deadline, "the condition was not met in time"
        time.sleep(0.02)


def _finish(proc: subprocess.Popen[bytes], timeout: float = 30) -> tuple[bytes, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return out, (err or b"").decode("utf-8", "replace")


def _one_line(err: str) -> str:
    """stderr holds exactly one line, and no traceback or interpreter error."""
    assert "Traceback" not in err and "Fatal Python error" not in err and "Exception ignored" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n"), err
    return lines[0]


# -- multipart uploads: aborted on every interrupt -----------------------------------------------


def _stall_part(number: int) -> Callable[[RecordedRequest, int], Response | None]:
    """An UploadPart fault: part ``number`` of every upload gets no answer (until the server stops)."""
    return lambda _r, n: Response(500, body=b"", delay=120.0) if n == number else None


def _files(tmp_path: Path, count: int, size: int = 12 * MiB) -> list[Path]:
    paths = []
    for i in range(count):
        path = tmp_path / f"object-{i}.bin"
        with open(path, "wb") as f:
            for block in range(size // MiB):
                f.write(bytes([i + 1, block & 0xFF]) * (MiB // 2))
        paths.append(path)
    return paths


def _stalled_parts(emu: S3Emulator) -> int:
    return sum("partNumber=2&" in r.target for r in emu.requests)


@pytest.mark.parametrize(("sig", "code", "word"), SIGNALS)
@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "parallel"])
def test_a_signal_aborts_every_multipart_upload(emu: S3Emulator, tmp_path: Path, sig: int, code: int, word: str,
                                                parallel: bool) -> None:
    emu.fault = _stall_part(2)
    env, tmp = _env(tmp_path)
    count = 2 if parallel else 1
    args = [*S3, "-sS", "--part-size", "5M"] + (["-Z"] if parallel else [])
    for i, path in enumerate(_files(tmp_path, count)):
        args += ["-T", str(path), emu.url_for(f"/bucket/k{i}")]
    proc = _start(args, env)
    _until(lambda: _stalled_parts(emu) >= count, proc)  # every upload created, its part 2 in flight
    proc.send_signal(sig)
    out, err = _finish(proc)
    assert proc.returncode == code, err
    done = ABORTED if count == 1 else f"{count} multipart uploads: {ABORTED}"
    assert _one_line(err) == f"sigcurl: {word} — {done}; run the command again to retry"
    assert len(emu.aborted) == count and not emu.uploads and not emu.objects
    assert sorted(r.path for r in emu.requests if r.method == "DELETE") == [f"/bucket/k{i}" for i in range(count)]
    assert out == b"" and list(tmp.iterdir()) == []


def test_a_signal_aborts_uploads_from_a_pipe_with_z(emu: S3Emulator, tmp_path: Path) -> None:
    """``-T -`` to two S3 objects with ``-Z``: standard input is read once for both, each a multipart upload."""
    emu.fault = _stall_part(2)
    env, tmp = _env(tmp_path)
    proc = _start([*S3, "-sS", "-Z", "--part-size", "5M", "-T", "-", emu.url_for("/bucket/a"), "-T", "-",
                   emu.url_for("/bucket/b")], env, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(b"p" * (12 * MiB))
    proc.stdin.close()
    proc.stdin = None  # communicate() must not flush it again
    _until(lambda: _stalled_parts(emu) >= 2, proc)
    proc.send_signal(signal.SIGINT)
    _, err = _finish(proc)
    assert proc.returncode == 130, err
    assert _one_line(err) == f"sigcurl: interrupted — 2 multipart uploads: {ABORTED}; run the command again to retry"
    assert len(emu.aborted) == 2 and not emu.uploads and not emu.objects
    assert list(tmp.iterdir()) == []


def _stall_aborts(emu: S3Emulator) -> None:
    """AbortMultipartUpload is recorded, then answered only when the server stops."""
    handle = emu.handle

    def handler(r: RecordedRequest) -> Response:
        answer = handle(r)
        return Response(answer.status, body=b"", delay=120.0) if r.method == "DELETE" else answer

    emu.server.handler = handler


@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "parallel"])
def test_a_second_ctrl_c_during_a_stalled_abort_exits_at_once(emu: S3Emulator, tmp_path: Path, parallel: bool) -> None:
    emu.fault = _stall_part(2)
    _stall_aborts(emu)
    env, _ = _env(tmp_path)
    count = 2 if parallel else 1
    paths = _files(tmp_path, count)
    args = [*S3, "-sS", "--part-size", "5M"] + (["-Z"] if parallel else [])
    for i, path in enumerate(paths):
        args += ["-T", str(path), emu.url_for(f"/bucket/k{i}")]
    seen = []
    for _ in range(3):  # bounded: the abort waits a short while only; a slow machine may miss it once
        emu.aborted.clear()
        before = sum(r.method == "DELETE" for r in emu.requests)
        stalled = _stalled_parts(emu)
        proc = _start(args, env)
        _until(lambda: _stalled_parts(emu) >= stalled + count, proc)  # noqa: B023 - waited for here
        proc.send_signal(signal.SIGINT)
        first = time.monotonic()
        _until(lambda: sum(r.method == "DELETE" for r in emu.requests) > before, proc)  # noqa: B023
        time.sleep(max(0.0, 0.1 - (time.monotonic() - first)))  # the two Ctrl-C 100 ms apart at least
        alive = proc.poll() is None
        if alive:
            proc.send_signal(signal.SIGINT)
        _, err = _finish(proc)
        assert proc.returncode == 130, err
        line = _one_line(err)
        assert line.startswith("sigcurl: interrupted — ") and line.endswith("; run the command again to retry")
        seen.append(line)
        if alive and "stopped at once on a second Ctrl-C" in line:
            # the abort was under way: the line names the upload(s) to delete
            assert line.count("AbortMultipartUpload not confirmed: delete the upload yourself (DELETE http") == count, line
            return
    pytest.fail(f"the second Ctrl-C never came during the abort: {seen}")


# -- standard input spooled to a temporary file -----------------------------------------------


@pytest.mark.parametrize("body", [["-T", "-"], ["--data-binary", "@-"]], ids=["-T -", "--data-binary @-"])
def test_ctrl_c_while_stdin_is_spooled(tmp_path: Path, body: list[str]) -> None:
    """A pipe to a service other than S3 is spooled (to disk beyond 8 MiB) before it is sent; Ctrl-C
    during the spooling once ended in "Fatal Python error: _enter_buffered_busy" (a reader thread
    blocked on stdin at the interpreter's shutdown)."""
    env, tmp = _env(tmp_path)
    for _ in range(4):  # bounded repeats: the failure depended on where the signal landed
        proc = _start(["--service", "execute-api", "--region", "us-east-1", *body, "http://127.0.0.1:9/spool"], env,
                      stdin=subprocess.PIPE)
        assert proc.stdin is not None
        for _ in range(10):  # 10 MiB: past the in-memory spool; the pipe holds 64 KiB, so most of it was read
            proc.stdin.write(b"s" * MiB)
        proc.stdin.flush()
        proc.send_signal(signal.SIGINT)  # the pipe stays open: sigcurl is still spooling
        try:
            proc.wait(timeout=30)
        finally:
            proc.stdin.close()
            proc.stdin = None
        _, err = _finish(proc)
        assert proc.returncode == 130, err
        assert _one_line(err) == "sigcurl: interrupted — nothing more was sent; run the command again to retry"
        assert list(tmp.iterdir()) == []  # the spool is gone


# -- -Z: every running transfer's files -------------------------------------------------------


@pytest.mark.parametrize(("sig", "code", "word"), SIGNALS)
def test_z_interrupt_removes_partial_output_files(hostile: HostileServer, tmp_path: Path, sig: int, code: int,
                                                  word: str) -> None:
    hostile.default = reply(200, b"x" * 100_000, content_type="application/octet-stream", drip=(1000, 0.05))  # ~5 s each
    env, tmp = _env(tmp_path)
    outs = [tmp_path / f"out-{i}.bin" for i in range(3)]
    args = ["-Z", "-sS", "-N", "--remove-on-error", "--service", "s3"]
    for i, out in enumerate(outs):
        args += ["-o", str(out), hostile.url_for(f"/k{i}")]
    proc = _start(args, env)
    _until(lambda: all(o.exists() and o.stat().st_size > 0 for o in outs), proc)  # every transfer is writing its file
    proc.send_signal(sig)
    out, err = _finish(proc)
    assert proc.returncode == code, err
    assert _one_line(err) == f"sigcurl: {word} — nothing more was sent; run the command again to retry"
    assert out == b""
    assert [o for o in outs if o.exists()] == []
    assert list(tmp.iterdir()) == []


def test_z_interrupt_with_stdin_spools_leaves_no_file(hostile: HostileServer, tmp_path: Path) -> None:
    """``-T -`` to two services other than S3 with ``-Z``: each transfer spools standard input (on disk
    beyond 8 MiB) and sends it to a server that never answers."""
    hostile.default = reply(200, b"late", content_type="text/plain", drip=(1, 1.0))
    env, tmp = _env(tmp_path)
    proc = _start(["-Z", "-sS", "--service", "execute-api", "--region", "us-east-1", "-T", "-", hostile.url_for("/a"),
                   "-T", "-", hostile.url_for("/b")], env, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(b"z" * (9 * MiB))
    proc.stdin.close()
    proc.stdin = None
    _until(lambda: len(hostile.requests) >= 2, proc)
    proc.send_signal(signal.SIGINT)
    out, err = _finish(proc)
    assert proc.returncode == 130, err
    _one_line(err)
    assert out == b"" and list(tmp.iterdir()) == []


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_an_interrupt_removes_the_partial_output_file_of_a_serial_transfer(hostile: HostileServer, tmp_path: Path,
                                                                           sig: int, code: int) -> None:
    hostile.default = reply(200, b"x" * 100_000, content_type="application/octet-stream", drip=(1000, 0.05))
    env, _ = _env(tmp_path)
    kept, removed = tmp_path / "kept.bin", tmp_path / "removed.bin"
    for out, flags in ((kept, []), (removed, ["--remove-on-error"])):
        proc = _start(["-sS", "-N", *flags, "--service", "s3", "-o", str(out), hostile.url_for("/k")], env)
        _until(lambda: out.exists() and out.stat().st_size > 0, proc)  # noqa: B023 - waited for here
        proc.send_signal(sig)
        _, err = _finish(proc)
        assert proc.returncode == code, err
        _one_line(err)
    assert kept.exists() and not removed.exists()  # as curl: a partial file stays unless --remove-on-error


def test_ctrl_c_while_a_failed_upload_is_being_aborted(emu: S3Emulator, tmp_path: Path) -> None:
    """A part fails, the abort that follows gets no answer, Ctrl-C: the abort is sent once more at once
    (answered this time), and the run ends as interrupted (130), not as the part's failure."""
    emu.fault = lambda _r, n: Response.aws_error("InternalError", "We encountered an internal error.", status=500) if n == 2 else None
    handle, deletes = emu.handle, []

    def handler(r: RecordedRequest) -> Response:
        answer = handle(r)
        if r.method == "DELETE":
            deletes.append(answer.status)
            if len(deletes) == 1:
                return Response(answer.status, body=b"", delay=120.0)
        return answer

    emu.server.handler = handler
    env, _ = _env(tmp_path)
    (path,) = _files(tmp_path, 1)
    proc = _start([*S3, "-sS", "--retry-delay", "0", "--part-size", "5M", "-T", str(path), emu.url_for("/bucket/k")], env)
    _until(lambda: len(deletes) >= 1, proc)
    proc.send_signal(signal.SIGINT)
    _, err = _finish(proc)
    assert proc.returncode == 130, err
    # the first abort worked but its answer never came; the second finds no upload, which cannot tell
    # an abort from a completion, so the line says what to check
    line = _one_line(err)
    assert line.startswith("sigcurl: interrupted — the upload no longer exists (AbortMultipartUpload answered 404)"), line
    assert "/bucket/k was stored" in line
    assert deletes == [204, 404] and len(emu.aborted) == 1 and not emu.uploads and not emu.objects


def test_on_a_terminal_the_line_starts_a_line_of_its_own(hostile: HostileServer, tmp_path: Path) -> None:
    """stderr on a terminal (a pty): after the echoed ^C, the one line starts on a line of its own."""
    import pty
    import select

    hostile.default = reply(200, b"x" * 10_000, content_type="text/plain", drip=(1, 0.5))
    env, _ = _env(tmp_path)
    master, slave = pty.openpty()
    try:
        proc = start_process(["--service", "s3", hostile.url_for("/k")], env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        _until(lambda: len(hostile.requests) >= 1, proc)
        proc.send_signal(signal.SIGINT)
        seen = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # bounded: until the child closed the terminal
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                piece = os.read(master, 4096)
            except OSError:  # EIO: the child is gone
                break
            if not piece:
                break
            seen += piece
        _finish(proc)
    finally:
        os.close(master)
    assert proc.returncode == 130
    assert seen == "\r\nsigcurl: interrupted — nothing more was sent; run the command again to retry\r\n".encode()


def test_a_sigint_ignored_at_start_stays_ignored(tmp_path: Path) -> None:
    """A script's background job starts with SIGINT ignored (so Ctrl-C for the script spares it): sigcurl
    keeps ignoring it, as any program does; SIGTERM still stops it."""
    env, _ = _env(tmp_path)
    proc = start_process(["--service", "execute-api", "--region", "us-east-1", "-T", "-", "http://127.0.0.1:9/x"], env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert proc.stdin is not None
    proc.stdin.write(b"i" * MiB)  # read while it is spooled: sigcurl is running
    proc.stdin.flush()
    proc.send_signal(signal.SIGINT)
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(timeout=1)  # still running
    proc.send_signal(signal.SIGTERM)
    proc.stdin.close()
    proc.stdin = None
    _, err = _finish(proc)
    assert proc.returncode == 143, err
    assert _one_line(err) == "sigcurl: terminated (SIGTERM) — nothing more was sent; run the command again to retry"
