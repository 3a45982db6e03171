"""``s3://bucket/key`` URLs: the endpoint they stand for (region, addressing), the ones refused,
presigned in the configured region, and every command against a verifying S3 emulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import base_env, run_process

from support.s3emu import S3Emulator
from support.server import Response

S3 = ["--service", "s3", "--region", "us-east-1"]


@pytest.fixture
def emu() -> Iterator[S3Emulator]:
    with S3Emulator() as e:
        yield e


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
