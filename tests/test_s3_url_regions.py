"""``s3://`` URLs beyond the basics: botocore's addressing style, the profile's region, and a multipart
upload moved to the bucket's region (the parts and the completion follow the corrected endpoint)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_helpers import base_env, run_process

from sigcurl.s3.urls import s3_https_url
from support.s3emu import S3Emulator
from support.server import Response

MiB = 1 << 20
NAMES = ["my-bucket", "my.bucket", "Legacy_Bucket", "UPPER", "a--b", "bucket-", "-bucket", "192.168.5.4", "ab1",
         "x" * 63, "x" * 64, "xn--abc", "dot.and-dash.x", "a..b", "has_underscore"]


class _Sent(Exception):
    """Stops botocore once it has chosen the URL."""


@pytest.mark.parametrize("region", ["eu-west-1", "ap-southeast-2", "cn-north-1"])
def test_addressing_style_is_botocores(region: str) -> None:
    """The URL botocore sends HeadObject to (virtual-hosted or path-style, the regional host) for each name."""
    boto3 = pytest.importorskip("boto3")
    seen: list[str] = []

    def grab(request: object, **_: object) -> None:
        seen.append(request.url.split("?")[0])  # type: ignore[attr-defined]
        raise _Sent

    client = boto3.client("s3", region_name=region, aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x")
    client.meta.events.register("before-send", grab)
    for name in NAMES:
        seen.clear()
        with pytest.raises(_Sent):
            client.head_object(Bucket=name, Key="dir/k")
        assert s3_https_url(f"s3://{name}/dir/k", region) == seen[0], name


@pytest.mark.parametrize(("profile", "environ", "region"), [
    ("default", {}, "ap-southeast-2"),
    ("other", {"AWS_PROFILE": "other"}, "sa-east-1"),
    ("default", {"AWS_DEFAULT_REGION": "eu-north-1"}, "eu-north-1"),
    ("default", {"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "eu-north-1"}, "eu-central-1"),
])
def test_s3_url_region_from_the_profile_and_environment(tmp_path: Path, profile: str, environ: dict[str, str],
                                                        region: str) -> None:
    (tmp_path / "config").write_text("[default]\nregion = ap-southeast-2\n[profile other]\nregion = sa-east-1\n")
    r = run_process(["--presign", "s3://my.bucket/k"], base_env(tmp_path, **environ))
    assert r.exit_code == 0, r.stderr
    assert r.stdout.decode().startswith(f"https://s3.{region}.amazonaws.com/my.bucket/k?X-Amz-Algorithm=")
    assert f"%2F{region}%2Fs3%2Faws4_request" in r.stdout.decode()


def _moved(status: int) -> Response:
    if status == 301:
        return Response(301, headers={"x-amz-bucket-region": "eu-west-1"}, body=b"")
    body = (b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization "
            b"header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'</Message><Region>eu-west-1</Region></Error>")
    return Response(400, headers={"x-amz-bucket-region": "eu-west-1", "Content-Type": "application/xml"}, body=body)


@pytest.mark.parametrize(("status", "url", "host"), [
    (301, "s3://bucket/backups/db.sql", "bucket.s3.eu-west-1.amazonaws.com"),
    (400, "s3://my.bucket/backups/db.sql", "s3.eu-west-1.amazonaws.com"),
])
def test_a_piped_upload_to_an_s3_url_follows_the_buckets_region(tmp_path: Path, status: int, url: str, host: str) -> None:
    with S3Emulator(tls=True) as emu:
        emu.server.queue(_moved(status))
        r = run_process(["-sS", "-v", "-k", "--connect-to", f"::127.0.0.1:{emu.server.port}", "--part-size", "5M",
                         "-w", "%{parts}", "-T", "-", url], base_env(tmp_path), stdin=os.urandom(12 * MiB))
        assert r.exit_code == 0, r.stderr
        first, *rest = emu.requests
        assert first.verification.region == "us-east-1" and first.target.endswith("?uploads")
        assert [q.method for q in rest] == ["POST", "PUT", "PUT", "PUT", "POST"]
        assert {(q.header("host"), q.verification.region) for q in rest} == {(host, "eu-west-1")}
        assert all(q.ok for q in rest[:-1])  # the completion's x-amz-checksum-crc32 is the object's, checked below
        assert len(emu.objects) == 1 and not emu.uploads and not emu.aborted and not emu.rejected
        assert r.stdout.endswith(b"</CompleteMultipartUploadResult>3")
        assert f"* {url} is https://" in r.stderr and "S3 bucket is in eu-west-1, not us-east-1" in r.stderr
