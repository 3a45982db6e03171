"""Bodies from files and stdin, downloads, and constant memory.

Uploads go through the verifying server (signature and payload hash
checked independently); the memory tests run sigcurl as a child process
under an address-space limit smaller than the stream it moves.
"""

from __future__ import annotations

import hashlib
import io
import os
import resource
import subprocess
import threading
from pathlib import Path

import pytest
from cli_helpers import keys_env, run_process, start_process
from cli_helpers import run_isolated as run

from sigcurl.body import CHUNK, BytesBody, FileBody, SpooledBody, open_source, prefetch, stdin_body
from support.server import Response, VerifyingServer, generate_body

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ALL_BYTES = bytes(range(256))
SIZES = [0, 1, 256, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 12345]


def env_for(tmp_path: Path) -> dict[str, str | None]:
    """The child processes' environment: the example keys, no AWS configuration, nothing else of AWS."""
    return keys_env(tmp_path, AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))


def payload(size: int) -> bytes:
    return (ALL_BYTES * (size // 256 + 1))[:size]


# -- Body objects -------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_file_body_hashes_and_rereads(tmp_path: Path, size: int) -> None:
    data = payload(size)
    f = tmp_path / "f"
    f.write_bytes(data)
    body = FileBody(str(f))
    assert body.length == size
    assert body.sha256() == hashlib.sha256(data).hexdigest()
    assert b"".join(body.chunks()) == data == b"".join(body.chunks())
    assert all(len(c) <= CHUNK for c in body.chunks())


@pytest.mark.parametrize("size", SIZES)
def test_spooled_body_hashes_with_checksum_in_one_pass(size: int) -> None:
    data = payload(size)
    body = SpooledBody(io.BytesIO(data))
    sha, crc = body.digests("crc32")
    assert sha == hashlib.sha256(data).hexdigest()
    import base64
    import zlib

    assert crc == base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    assert body.length == size
    assert b"".join(body.chunks()) == data == b"".join(body.chunks())
    body.close()


def test_stdin_from_a_regular_file_is_read_in_place(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"skip" + payload(5000))
    with open(f, "rb") as fh:
        fh.read(4)
        body = stdin_body(fh)
        assert isinstance(body, FileBody)
        assert body.length == 5000
        assert b"".join(body.chunks(1000)) == payload(5000) == b"".join(body.chunks())


def test_open_source_pipe_is_spooled(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    data = payload(CHUNK + 5)
    writer = threading.Thread(target=lambda: fifo.write_bytes(data))
    writer.start()
    body = open_source(str(fifo), io.BytesIO())
    assert isinstance(body, SpooledBody)
    assert body.sha256() == hashlib.sha256(data).hexdigest()
    writer.join()
    assert b"".join(body.chunks()) == data


def test_spool_goes_to_an_anonymous_file_beyond_the_memory_limit() -> None:
    from sigcurl.body import SPOOL_IN_MEMORY

    body = SpooledBody(io.BytesIO(b"x" * (SPOOL_IN_MEMORY + 1)))
    body.sha256()
    assert body._spool is not None and body._spool._rolled  # type: ignore[attr-defined]
    name = getattr(body._spool._file, "name", None)  # type: ignore[attr-defined]
    assert not isinstance(name, str) or not os.path.exists(name)  # unlinked: nothing to clean up, even on kill
    assert body.in_memory() is None
    body.close()


def test_prefetch_keeps_order_and_passes_errors() -> None:
    assert list(prefetch(iter([b"a", b"b", b"c"]))) == [b"a", b"b", b"c"]

    def broken():  # type: ignore[no-untyped-def]
        yield b"a"
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        list(prefetch(broken()))


# -- uploads through the verifying server -------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("source", ["file", "stdin"])
def test_hashed_upload_round_trip(server: VerifyingServer, tmp_path: Path, size: int, source: str) -> None:
    """Non-S3: the SHA-256 pass, then the bytes streamed; byte-exact at the server."""
    data = payload(size)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    arg, stdin = (str(f), None) if source == "file" else ("-", data)
    code, _, err = run(["-s", "-S", "--service", "execute-api", "-T", arg, server.url_for("/up")], tmp_path, stdin)
    assert code == 0, err
    rec = server.last
    assert rec.ok, rec.verification.reason
    assert rec.method == "PUT" and rec.body == data
    assert rec.header("Content-Length") == str(size)


@pytest.mark.parametrize("size", [0, 1, CHUNK + 1])
def test_s3_stdin_pipe_is_spooled_with_a_checksum_header(server: VerifyingServer, tmp_path: Path, size: int) -> None:
    data = payload(size)
    code, _, err = run(["-s", "-S", "--service", "s3", "-T", "-", server.url_for("/b/k")], tmp_path, data)
    assert code == 0, err
    rec = server.last
    assert rec.ok, rec.verification.reason
    assert rec.body == data and not rec.body_info.aws_chunked
    assert rec.header("x-amz-content-sha256") == hashlib.sha256(data).hexdigest()
    assert rec.verification.checksums_verified == ["crc32"]


def test_s3_stdin_from_a_file_streams_in_one_pass(server: VerifyingServer, tmp_path: Path) -> None:
    data = payload(2 * CHUNK + 3)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    with open(f, "rb") as stdin:
        result = run_process(["-sS", "--service", "s3", "-T", "-", server.url_for("/b/k")], env_for(tmp_path), stdin)
    assert result.exit_code == 0, result.stderr
    rec = server.last
    assert rec.ok, rec.verification.reason
    assert rec.verification.payload_mode == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    assert rec.payload == data


@pytest.mark.parametrize("option", ["--data-binary", "--json"])
def test_data_at_file_streams_exact_bytes(server: VerifyingServer, tmp_path: Path, option: str) -> None:
    data = payload(CHUNK + 77)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    code, _, err = run(["-s", "-S", "--service", "execute-api", option, f"@{f}", server.url_for("/p")], tmp_path)
    assert code == 0, err
    assert server.last.ok and server.last.body == data and server.last.method == "POST"


def test_unsigned_payload_skips_the_hash(server: VerifyingServer, tmp_path: Path) -> None:
    data = payload(CHUNK + 1)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    code, _, err = run(["-s", "-S", "--service", "s3", "--unsigned-payload", "-T", str(f), server.url_for("/u")], tmp_path)
    assert code == 0, err
    assert server.last.ok and server.last.body == data
    assert server.last.verification.payload_mode == "UNSIGNED-PAYLOAD"


def test_checksum_header_for_a_hashed_upload(server: VerifyingServer, tmp_path: Path) -> None:
    code, _, err = run(["-s", "-S", "--service", "s3", "--checksum", "sha256", "--data-binary", "hello", "-X", "PUT",
                        server.url_for("/b/k")], tmp_path)
    assert code == 0, err
    assert server.last.ok and server.last.verification.checksums_verified == ["sha256"]


# -- downloads -----------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, CHUNK, 3 * CHUNK + 5])
def test_download_to_file_is_exact(server: VerifyingServer, tmp_path: Path, size: int) -> None:
    data = payload(size)
    server.queue(Response(body=data, headers=[("Content-Type", "application/octet-stream")]))
    out = tmp_path / "out.bin"
    code, stdout, err = run(["-s", "-S", "--service", "s3", "-o", str(out), server.url_for("/b/k")], tmp_path)
    assert code == 0, err
    assert out.read_bytes() == data and stdout == b""


def test_download_to_a_pipe_is_exact(server: VerifyingServer, tmp_path: Path) -> None:
    data = payload(2 * CHUNK + 3)
    server.queue(Response(body=iter([data[:1000], data[1000:]]), headers=[("Content-Type", "application/json")]))
    code, stdout, err = run(["-s", "-S", "--service", "s3", server.url_for("/b/k")], tmp_path)
    assert code == 0, err
    assert stdout == data


# -- constant memory: the child process cannot hold the stream -----------------------

LIMIT = 400 << 20
STREAM = 600 << 20


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _child_env(tmp_path: Path) -> dict[str, str | None]:
    return {**env_for(tmp_path), "TMPDIR": str(tmp_path)}


def _feed(proc: subprocess.Popen[bytes], size: int) -> None:
    assert proc.stdin is not None
    try:
        for piece in generate_body(size, block=ALL_BYTES):
            proc.stdin.write(piece)
    except BrokenPipeError:
        pass
    finally:
        proc.stdin.close()


def test_upload_larger_than_the_memory_limit(tmp_path: Path) -> None:
    """600 MiB through a pipe, under a 400 MiB address-space limit: spooled to disk, streamed."""
    expected = hashlib.sha256()
    for piece in generate_body(STREAM, block=ALL_BYTES):
        expected.update(piece)
    with VerifyingServer(store_body_limit=0) as srv:
        errfile = tmp_path / "stderr"
        with open(errfile, "wb") as err:
            proc = start_process(
                ["-sS", "--service", "execute-api", "-T", "-", srv.url_for("/big")], _child_env(tmp_path),
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err, preexec_fn=_limited,
            )
            _feed(proc, STREAM)
            proc.wait(timeout=120)
        assert proc.returncode == 0, errfile.read_text()
        rec = srv.last
        assert rec.ok, rec.verification.reason
        assert rec.body_info.payload_size == STREAM
        assert rec.body_info.payload_sha256 == expected.hexdigest()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("sigcurl-", "tmp"))]  # no spool left behind


def test_s3_upload_larger_than_the_memory_limit(tmp_path: Path) -> None:
    """600 MiB through a pipe to S3, under a 400 MiB address-space limit: a multipart upload, nothing on disk."""
    import zlib

    from support.s3emu import S3Emulator

    crc = 0
    for piece in generate_body(STREAM, block=ALL_BYTES):
        crc = zlib.crc32(piece, crc)
    with S3Emulator() as emu:
        errfile = tmp_path / "stderr"
        with open(errfile, "wb") as err:
            proc = start_process(
                ["-sS", "--service", "s3", "-T", "-", emu.url_for("/bucket/big")],
                # the limit is on address space: glibc reserves 64 MiB of it per thread's arena (not memory used)
                {**_child_env(tmp_path), "MALLOC_ARENA_MAX": "2"},
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err, preexec_fn=_limited,
            )
            _feed(proc, STREAM)
            proc.wait(timeout=120)
        assert proc.returncode == 0, errfile.read_text()
        obj = emu.objects["/bucket/big"]
        assert (obj.size, obj.crc32) == (STREAM, _b64(crc))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("sigcurl-", "tmp"))]  # nothing spooled


def _b64(crc: int) -> str:
    import base64

    return base64.b64encode(crc.to_bytes(4, "big")).decode()


def test_download_larger_than_the_memory_limit(tmp_path: Path) -> None:
    with VerifyingServer() as srv:
        srv.queue(Response.generated(STREAM, headers=[("Content-Type", "application/octet-stream")]))
        proc = start_process(
            ["-sS", "--service", "s3", srv.url_for("/big")], _child_env(tmp_path),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_limited,
        )
        assert proc.stdout is not None
        total = 0
        while True:
            piece = proc.stdout.read(1 << 20)
            if not piece:
                break
            total += len(piece)
        proc.wait(timeout=60)
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else b""
        assert total == STREAM


def test_bytes_body_basics() -> None:
    body = BytesBody(b"")
    assert body.length == 0 and list(body.chunks()) == []
    assert body.sha256() == hashlib.sha256(b"").hexdigest()
