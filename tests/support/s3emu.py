"""A loopback S3 emulator for multipart uploads: every signature verified, S3's XML and limits, nothing stored.

Built on :class:`support.server.VerifyingServer` (each request's SigV4 /
SigV4a signature, aws-chunked chunk signatures and ``x-amz-checksum-*``
values checked with botocore and test-only code, never sigcurl's).  It
implements PutObject and the four multipart calls with S3's XML answers and
S3's limits (AWS documentation, "Amazon S3 multipart upload limits" and the
API reference of each call):

* PutObject above 5 GiB: ``400 EntityTooLarge``;
* UploadPart: part numbers 1 to 10,000 (``InvalidArgument``), an unknown
  upload id is ``404 NoSuchUpload``, a part without the checksum the upload
  was created with is ``InvalidRequest``;
* CompleteMultipartUpload: parts in ascending order (``InvalidPartOrder``),
  known and with matching ETags and checksums (``InvalidPart``), every part
  but the last at least 5 MiB (``EntityTooSmall``), at most 10,000; a
  ``FULL_OBJECT`` CRC-32 given by the client must equal the object's
  (``BadDigest``), which the emulator computes itself from the CRC-32s of the
  parts it received (zlib's classic GF(2) ``crc32_combine``, test-only code);
* AbortMultipartUpload: ``204``, recorded in :attr:`S3Emulator.aborted`.

Bodies are hashed as they arrive and never kept (only requests under
``store_body_limit`` bytes are, e.g. the XML of CompleteMultipartUpload), so
a 6 GiB upload costs the emulator no memory.  :attr:`S3Emulator.fault` can
make parts fail.  Run on its own for the benchmarks::

    python -c 'import sys; sys.path.insert(0, "tests"); from support.s3emu import main; main()' --port-file PATH
"""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .responses import rejection
from .server import RecordedRequest, Response, VerifyingServer

MIN_PART = 5 << 20
MAX_PARTS = 10_000
MAX_PUT = 5 << 30
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


# -- CRC-32 combination (zlib's classic crc32_combine: GF(2) matrices) ----------------


def _gf2_times(mat: list[int], vec: int) -> int:
    out, i = 0, 0
    while vec:
        if vec & 1:
            out ^= mat[i]
        vec >>= 1
        i += 1
    return out


def _gf2_square(mat: list[int]) -> list[int]:
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def _shift(crc: int, length: int) -> int:
    """``crc`` run through ``length`` zero bytes (the CRC-32 register's linear part)."""
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while length:
        even = _gf2_square(odd)
        if length & 1:
            crc = _gf2_times(even, crc)
        length >>= 1
        if not length:
            break
        odd = _gf2_square(even)
        if length & 1:
            crc = _gf2_times(odd, crc)
        length >>= 1
    return crc


_operators: dict[int, list[int]] = {}


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """CRC-32 of A+B from crc(A), crc(B), len(B); the operator for each length is built once."""
    op = _operators.get(length2)
    if op is None:
        op = _operators[length2] = [_shift(1 << i, length2) for i in range(32)]
    return _gf2_times(op, crc1) ^ crc2


# -- state -------------------------------------------------------------------------------


@dataclass
class PartRecord:
    number: int
    size: int
    etag: str
    crc32: int | None  # computed by the emulator from the bytes received
    checksums: dict[str, str]  # every x-amz-checksum-* the emulator computed (base64)
    payload: bytes | None  # kept only when small


@dataclass
class Upload:
    key: str
    headers: list[tuple[str, str]]
    algorithm: str | None  # lower case, from x-amz-checksum-algorithm
    checksum_type: str
    parts: dict[int, PartRecord] = field(default_factory=dict)


@dataclass
class StoredObject:
    key: str
    size: int
    crc32: str | None  # base64 CRC-32 of the whole object, computed by the emulator
    etag: str
    parts: int  # 0 for a single PUT
    headers: list[tuple[str, str]]
    data: bytes | None  # only when every piece was small enough to keep
    checksum: str | None = None  # the client's FULL_OBJECT/COMPOSITE value as accepted


class S3Emulator:
    """Loopback S3 (path-style ``/bucket/key``) for PutObject and multipart uploads."""

    def __init__(self, *, store_body_limit: int = 1 << 20, tls: bool = False) -> None:
        self.server = VerifyingServer(store_body_limit=store_body_limit, name="s3emu", tls=tls)
        self.server.handler = self.handle
        self.lock = threading.Lock()
        self.uploads: dict[str, Upload] = {}
        self.objects: dict[str, StoredObject] = {}
        self.aborted: list[str] = []
        self.rejected: list[str] = []  # reasons of refused requests
        #: fault injection: called for every UploadPart; a Response answers it instead
        self.fault: Callable[[RecordedRequest, int], Response | None] | None = None

    def __enter__(self) -> S3Emulator:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    def url_for(self, path: str) -> str:
        return self.server.url_for(path)

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.server.requests

    # -- dispatch ----------------------------------------------------------------------

    def handle(self, r: RecordedRequest) -> Response:
        params = dict(r.query_pairs)
        complete = r.method == "POST" and "uploadId" in params
        v = r.verification
        checksum_only = v.code == "BadDigest" and v.expected_signature == v.signature
        if not r.ok and not (complete and checksum_only):  # Complete's x-amz-checksum-* is the object's
            self.rejected.append(v.reason)
            return rejection(v)
        key = r.path
        if r.method == "POST" and "uploads" in params:
            return self._create(r, key)
        if r.method == "PUT" and "partNumber" in params:
            return self._part(r, params)
        if complete:
            return self._complete(r, key, params["uploadId"])
        if r.method == "DELETE" and "uploadId" in params:
            return self._abort(params["uploadId"])
        if r.method == "PUT" and not params:
            return self._put(r, key)
        return _error(400, "NotImplemented", f"the emulator does not implement {r.method} {r.target}")

    def _create(self, r: RecordedRequest, key: str) -> Response:
        upload_id = uuid.uuid4().hex
        algorithm = (r.header("x-amz-checksum-algorithm") or "").lower() or None
        kind = r.header("x-amz-checksum-type") or ("FULL_OBJECT" if algorithm == "crc64nvme" else "COMPOSITE" if algorithm else "")
        with self.lock:
            self.uploads[upload_id] = Upload(key, list(r.headers), algorithm, kind)
        return _xml("InitiateMultipartUploadResult", Bucket=key.split("/")[1], Key=key.split("/", 2)[-1], UploadId=upload_id)

    def _part(self, r: RecordedRequest, params: dict[str, str]) -> Response:
        with self.lock:
            upload = self.uploads.get(params.get("uploadId", ""))
        if upload is None:
            return _error(404, "NoSuchUpload", "The specified upload does not exist.")
        number = int(params["partNumber"]) if params["partNumber"].isdigit() else 0
        if not 1 <= number <= MAX_PARTS:
            return _error(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
        if self.fault is not None:
            answer = self.fault(r, number)
            if answer is not None:
                return answer
        info = r.body_info
        sums = dict(info.checksums)
        if upload.algorithm and upload.algorithm not in sums:
            return _error(400, "InvalidRequest", f"Checksum Type mismatch occurred, expected checksum Type: {upload.algorithm}")
        crc = sums.get("crc32")
        etag = f'"{info.payload_sha256[:32]}"'
        record = PartRecord(number, info.payload_size, etag, int.from_bytes(base64.b64decode(crc), "big") if crc else None,
                            sums, info.payload)
        with self.lock:
            upload.parts[number] = record
        headers = [("ETag", etag)] + [(f"x-amz-checksum-{a}", v) for a, v in sums.items()]
        return Response(200, headers=headers, body=b"")

    def _complete(self, r: RecordedRequest, key: str, upload_id: str) -> Response:
        with self.lock:
            upload = self.uploads.get(upload_id)
        if upload is None:
            return _error(404, "NoSuchUpload", "The specified upload does not exist.")
        try:
            root = ET.fromstring(r.payload or b"")
        except ET.ParseError:
            return _error(400, "MalformedXML", "The XML you provided was not well-formed")
        ns = {"s3": XMLNS}
        listed = []
        for p in root.findall("s3:Part", ns) or root.findall("Part"):
            number = p.findtext("s3:PartNumber", namespaces=ns) or p.findtext("PartNumber") or "0"
            etag = p.findtext("s3:ETag", namespaces=ns) or p.findtext("ETag") or ""
            sums = {child.tag.split("}")[-1][len("Checksum"):].lower(): (child.text or "")
                    for child in p if child.tag.split("}")[-1].startswith("Checksum")}
            listed.append((int(number), etag, sums))
        if not listed or len(listed) > MAX_PARTS:
            return _error(400, "MalformedXML", "between 1 and 10000 parts are needed")
        numbers = [n for n, _, _ in listed]
        if numbers != sorted(set(numbers)):
            return _error(400, "InvalidPartOrder", "The list of parts was not in ascending order.")
        records = []
        for n, etag, sums in listed:
            rec = upload.parts.get(n)
            if rec is None or rec.etag != etag:
                return _error(400, "InvalidPart", f"part {n} was not uploaded, or its ETag differs")
            for algorithm, value in sums.items():
                if rec.checksums.get(algorithm) != value:
                    return _error(400, "InvalidPart", f"part {n}: {algorithm} {value} != {rec.checksums.get(algorithm)}")
            records.append(rec)
        for rec in records[:-1]:
            if rec.size < MIN_PART:
                return _error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.")
        crc: int | None = 0
        for rec in records:
            crc = None if crc is None or rec.crc32 is None else crc32_combine(crc, rec.crc32, rec.size)
        crc_b64 = base64.b64encode(crc.to_bytes(4, "big")).decode() if crc is not None else None
        claimed = None
        if upload.algorithm:
            claimed = r.header(f"x-amz-checksum-{upload.algorithm}")
            if claimed is not None and upload.algorithm == "crc32" and claimed != crc_b64:
                return _error(400, "BadDigest", f"The full-object crc32 {claimed} does not match the object's {crc_b64}")
        data = b"".join(rec.payload for rec in records) if all(rec.payload is not None for rec in records) else None  # type: ignore[misc]
        etag = hashlib.md5(b"".join(rec.etag.encode() for rec in records)).hexdigest() + f"-{len(records)}"
        stored = StoredObject(key, sum(rec.size for rec in records), crc_b64, f'"{etag}"', len(records), upload.headers,
                              data, claimed)
        with self.lock:
            self.objects[key] = stored
            del self.uploads[upload_id]
        extra = {}
        if claimed and upload.algorithm:
            extra = {f"Checksum{upload.algorithm.upper()}": claimed, "ChecksumType": upload.checksum_type}
        return _xml("CompleteMultipartUploadResult", Location=f"http://{r.header('host')}{key}", Bucket=key.split("/")[1],
                    Key=key.split("/", 2)[-1], ETag=stored.etag, **extra)

    def _abort(self, upload_id: str) -> Response:
        with self.lock:
            upload = self.uploads.pop(upload_id, None)
            if upload is not None:
                self.aborted.append(upload_id)
        if upload is None:
            return _error(404, "NoSuchUpload", "The specified upload does not exist.")
        return Response(204, body=b"")

    def _put(self, r: RecordedRequest, key: str) -> Response:
        info = r.body_info
        if info.payload_size > MAX_PUT:
            return _error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
        crc = info.checksums.get("crc32")
        etag = f'"{info.payload_sha256[:32]}"'
        with self.lock:
            self.objects[key] = StoredObject(key, info.payload_size, crc, etag, 0, list(r.headers), info.payload)
        return Response(200, headers=[("ETag", etag)], body=b"")


def _xml(root: str, **fields: str | None) -> Response:
    from xml.sax.saxutils import escape

    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items() if v is not None)
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{XMLNS}">{inner}</{root}>'
    return Response(200, headers=[("Content-Type", "application/xml")], body=body.encode())


def _error(status: int, code: str, message: str) -> Response:
    return Response.aws_error(code, message, status=status)


def upload(emu: S3Emulator, tmp_path: Path, options: list[str], data: bytes, source: str, header: str) -> tuple[int, str]:
    """``data`` uploaded to ``/bucket/k`` with ``-H header``, from a file or a pipe (``source``), by the real command.

    Returns (exit code, stderr).
    """
    from cli_helpers import base_env, run_process

    path = tmp_path / "body"
    path.write_bytes(data)
    r = run_process([*options, "-H", header, "-T", str(path) if source == "file" else "-", emu.url_for("/bucket/k")],
                    base_env(tmp_path), stdin=data if source == "pipe" else None)
    return r.exit_code, r.stderr


def main() -> None:
    """Serve until killed; the port is written to ``--port-file``."""
    import argparse
    import time

    parser = argparse.ArgumentParser(description="loopback S3 emulator")
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()
    emu = S3Emulator()
    emu.server.clock_tolerance = None
    with emu:
        Path(args.port_file).write_text(str(emu.server.port))
        while True:
            time.sleep(3600)
