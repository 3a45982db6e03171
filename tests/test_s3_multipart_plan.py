"""S3 multipart uploads, the pure parts: the part plan (sizes, limits, thresholds; tables from S3's
documented limits), CRC combination against the whole, the CompleteMultipartUpload XML, and which
headers go to which request.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
import zlib

import pytest

from sigcurl.checksums import Checksum, crc_combine, int_to_value, value_to_int
from sigcurl.errors import UsageError
from sigcurl.s3 import plan
from sigcurl.s3.multipart import split_headers
from sigcurl.s3.xml import DonePart, complete_body, first_text
from support.s3emu import crc32_combine

MiB = 1 << 20


# -- the plan (pure) -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "size"), [
    ("5242880", 5242880), ("16M", 16 * MiB), ("16MiB", 16 * MiB), ("16mb", 16 * MiB), ("8k", 8192),
    ("1G", 1 << 30), ("5g", 5 << 30), (" 64M ", 64 * MiB),
])
def test_parse_size(text: str, size: int) -> None:
    assert plan.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "M", "16T", "-5M", "1.5G", "16 M x", "1024b"])
def test_parse_size_refuses(text: str) -> None:
    with pytest.raises(UsageError):
        plan.parse_size(text)


@pytest.mark.parametrize(("size", "ok"), [(5 * MiB - 1, False), (5 * MiB, True), (5 << 30, True), ((5 << 30) + 1, False)])
def test_part_size_limits(size: int, ok: bool) -> None:
    if ok:
        assert plan.check_part_size(size) == size
    else:
        with pytest.raises(UsageError):
            plan.check_part_size(size)


@pytest.mark.parametrize(("length", "wanted", "expected"), [
    (100 * MiB, None, plan.DEFAULT_PART_SIZE),
    (100 * MiB, 5 * MiB, 5 * MiB),
    (10_000 * 16 * MiB, None, 16 * MiB),  # exactly 10,000 parts
    (10_000 * 16 * MiB + 1, None, 17 * MiB),  # one byte more: the next whole MiB
    (5 << 40, None, 525 * MiB),  # S3's largest object
    (5 << 40, 1 << 30, 1 << 30),
])
def test_known_part_size(length: int, wanted: int | None, expected: int) -> None:
    size = plan.known_part_size(length, wanted)
    assert size == expected
    parts = list(plan.known_parts(length, size))
    assert len(parts) <= plan.MAX_PARTS
    assert sum(p.size for p in parts) == length
    assert all(p.size >= plan.MIN_PART_SIZE for p in parts[:-1])
    assert [p.number for p in parts[:3]] == [1, 2, 3][: len(parts)]


def test_known_part_size_refuses_objects_above_5_tib() -> None:
    with pytest.raises(UsageError, match="5 TiB"):
        plan.known_part_size((5 << 40) + 1, None)


@pytest.mark.parametrize(("number", "size"), [(1, 8 * MiB), (900, 8 * MiB), (901, 16 * MiB), (1801, 32 * MiB),
                                               (8101, 4096 * MiB), (9001, 5120 * MiB), (10_000, 5120 * MiB)])
def test_stream_part_size_doubles_every_900_parts_up_to_5_gib(number: int, size: int) -> None:
    assert plan.stream_part_size(number, 8 * MiB) == size


@pytest.mark.parametrize("start", [plan.MIN_PART_SIZE, plan.DEFAULT_STREAM_PART_SIZE, 8 * MiB])
def test_stream_capacity_reaches_s3_object_limit(start: int) -> None:
    assert plan.stream_capacity(start) >= plan.MAX_OBJECT_SIZE
    assert plan.stream_part_size(10_000, 5 << 30) == plan.MAX_PART_SIZE


@pytest.mark.parametrize(("method", "url", "service", "expected"), [
    ("PUT", "https://b.s3.amazonaws.com/key", "s3", True),
    ("PUT", "http://127.0.0.1:9000/bucket/dir/key", "s3", True),
    ("PUT", "https://b.s3.amazonaws.com/key?partNumber=1&uploadId=x", "s3", False),
    ("PUT", "https://b.s3.amazonaws.com/", "s3", False),
    ("POST", "https://b.s3.amazonaws.com/key", "s3", False),
    ("PUT", "https://api.example.com/key", "execute-api", False),
])
def test_is_object_put(method: str, url: str, service: str, expected: bool) -> None:
    assert plan.is_object_put(method, url, service) is expected


def test_threshold() -> None:
    assert plan.threshold(None) == plan.DEFAULT_THRESHOLD <= plan.MAX_SINGLE_PUT
    assert plan.threshold(8 * MiB) == 8 * MiB


# -- checksums and XML -------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["crc32", "crc32c", "crc64nvme"])
def test_crc_combine_matches_the_whole(algorithm: str) -> None:
    a, b = os.urandom(70_001), os.urandom(33_333)

    def value(data: bytes) -> str:
        c = Checksum(algorithm)
        c.update(data)
        return c.value()

    combined = crc_combine(algorithm, value_to_int(value(a)), value_to_int(value(b)), len(b))
    assert int_to_value(algorithm, combined) == value(a + b)
    assert zlib.crc32(a + b) == crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b))  # the emulator's own


def test_complete_body_is_s3_xml() -> None:
    body = complete_body([DonePart(1, '"a&b"', "AAAAAA==", 5), DonePart(2, '"c"', "BBBBBB==", 1)], "crc32")
    root = ET.fromstring(body)
    ns = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
    parts = root.findall("s3:Part", ns)
    assert [p.findtext("s3:PartNumber", namespaces=ns) for p in parts] == ["1", "2"]
    assert parts[0].findtext("s3:ETag", namespaces=ns) == '"a&b"'
    assert parts[1].findtext("s3:ChecksumCRC32", namespaces=ns) == "BBBBBB=="


def test_first_text_is_bounded() -> None:
    assert first_text(b"<R><UploadId>a&amp;b</UploadId></R>", "UploadId") == "a&b"
    assert first_text(b"<R>" + b" " * (70 << 10) + b"<UploadId>x</UploadId></R>", "UploadId") is None
    assert first_text(b"<UploadId>unterminated", "UploadId") is None


def test_split_headers() -> None:
    given = [("User-Agent", "sigcurl"), ("Content-Type", "text/csv"), ("x-amz-meta-a", "1"), ("x-amz-storage-class", "GLACIER"),
             ("x-amz-server-side-encryption", "aws:kms"), ("x-amz-tagging", "a=b"), ("x-amz-acl", "private"),
             ("x-amz-server-side-encryption-customer-key", "k"), ("If-None-Match", "*"), ("Content-MD5", "x"),
             ("x-amz-checksum-crc32", "x"), ("X-Custom", "y")]
    create, part, complete = split_headers(given)
    names = [[n for n, _ in h] for h in (create, part, complete)]
    assert names[0] == ["User-Agent", "Content-Type", "x-amz-meta-a", "x-amz-storage-class", "x-amz-server-side-encryption",
                        "x-amz-tagging", "x-amz-acl", "x-amz-server-side-encryption-customer-key", "X-Custom"]
    assert names[1] == ["User-Agent", "x-amz-server-side-encryption-customer-key", "X-Custom"]
    assert names[2] == ["User-Agent", "x-amz-server-side-encryption-customer-key", "If-None-Match", "X-Custom"]
