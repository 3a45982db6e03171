"""Headers given with ``-H`` on an S3 multipart upload land on the object as they do with the AWS CLI.

Against moto's S3 (an independent implementation of the multipart protocol,
in-process on loopback): the same 12 MiB body is uploaded by sigcurl (a file
and a pipe, 5 MiB parts) and by boto3's ``upload_file`` (s3transfer, what
``aws s3 cp`` runs, multipart at the same threshold), with the same content
type, metadata, storage class, SSE, tagging, ACL and caching headers; the
objects must then read back the same: HeadObject, GetObjectTagging and
GetObjectAcl.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import base_env, run_process

MiB = 1 << 20
HEADERS = {
    "Content-Type": "text/csv", "x-amz-meta-origin": "audit", "x-amz-storage-class": "STANDARD_IA",
    "x-amz-server-side-encryption": "AES256", "x-amz-tagging": "team=db&env=prod", "x-amz-acl": "public-read",
    "Cache-Control": "max-age=60", "Content-Disposition": "attachment; filename=db.csv", "Content-Language": "en",
}
EXTRA_ARGS = {
    "ContentType": "text/csv", "Metadata": {"origin": "audit"}, "StorageClass": "STANDARD_IA",
    "ServerSideEncryption": "AES256", "Tagging": "team=db&env=prod", "ACL": "public-read",
    "CacheControl": "max-age=60", "ContentDisposition": "attachment; filename=db.csv", "ContentLanguage": "en",
}
KEPT = ("ContentType", "Metadata", "StorageClass", "ServerSideEncryption", "CacheControl", "ContentDisposition",
        "ContentLanguage", "ContentLength")


def _described(client: Any, key: str) -> tuple[dict[str, Any], list[dict[str, str]], list[tuple[str, str]]]:
    head = client.head_object(Bucket="bkt", Key=key)
    tags = client.get_object_tagging(Bucket="bkt", Key=key)["TagSet"]
    grants = sorted((g["Permission"], g["Grantee"].get("URI", g["Grantee"].get("ID", "")))
                    for g in client.get_object_acl(Bucket="bkt", Key=key)["Grants"])
    return {k: head.get(k) for k in KEPT}, tags, grants


def test_headers_land_on_the_object_as_with_the_aws_cli(moto_s3: str, tmp_path: Path) -> None:
    boto3 = pytest.importorskip("boto3")
    from boto3.s3.transfer import TransferConfig

    env = base_env(tmp_path)
    s3 = ["--service", "s3", "--region", "us-east-1"]
    assert run_process([*s3, "-sSf", "-X", "PUT", f"{moto_s3}/bkt"], env).exit_code == 0
    data = os.urandom(12 * MiB)
    path = tmp_path / "db.csv"
    path.write_bytes(data)
    client = boto3.client("s3", endpoint_url=moto_s3, region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                          aws_secret_access_key="x")
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    client.upload_file(str(path), "bkt", "by-aws-cli", ExtraArgs=EXTRA_ARGS, Config=config)
    reference = _described(client, "by-aws-cli")
    assert reference[0]["ContentType"] == "text/csv" and reference[1]  # the reference did keep them
    headers = [a for name, value in HEADERS.items() for a in ("-H", f"{name}: {value}")]
    for key, source in (("by-sigcurl-file", str(path)), ("by-sigcurl-pipe", "-")):
        r = run_process([*s3, "-sSf", "--part-size", "5M", *headers, "-w", "%{parts}", "-T", source, f"{moto_s3}/bkt/{key}"],
                        env, stdin=data if source == "-" else None)
        assert r.exit_code == 0, r.stderr
        assert r.stdout.endswith(b"</CompleteMultipartUploadResult>3")
        assert _described(client, key) == reference, key
    assert not client.list_multipart_uploads(Bucket="bkt").get("Uploads")
