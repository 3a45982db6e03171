"""SigV4a aws-chunked: aws-c-auth's chunked example (seed canonical request, chunk and trailer
string-to-sign structure, signatures verified, wire framing and its exact length) and full
SigV4a uploads and requests through the verifying loopback server.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest
from vectors_io import VECTORS, load_json

import sigcurl
from sigcurl.signer import sigv4a
from sigcurl.signer.chunks import encode_signed, encoded_length, trailer_lines
from sigcurl.signer.types import EMPTY_SHA256, STREAMING_ECDSA_PAYLOAD, STREAMING_ECDSA_PAYLOAD_TRAILER
from support.sigv4a_checks import ALGORITHM, EXAMPLE, verify_signature

# --------------------------------------------------------------------------
# aws-chunked SigV4a (aws-c-auth's chunked example)
# --------------------------------------------------------------------------

S3 = load_json(VECTORS / "s3-examples.json")
S3_CREDS = sigcurl.Credentials(S3["credentials"]["access_key_id"], S3["credentials"]["secret_access_key"])
CHUNKED = next(e for e in S3["examples"] if e["name"] == "aws-c-auth-sigv4a-chunked")
T2013 = datetime(2013, 5, 24, tzinfo=timezone.utc)


def _chunked_seed(trailer: bool) -> sigcurl.SignedRequest:
    inp = CHUNKED["input"]
    headers = list(map(tuple, inp["headers"]))
    if trailer:
        headers.append(("x-amz-trailer", "first,second,third"))
    return sigcurl.sign(
        inp["method"], f"https://{inp['host']}{inp['path']}", headers,
        credentials=S3_CREDS, region=inp["region_set"], service="s3", time=T2013, algorithm="sigv4a",
        payload_hash=STREAMING_ECDSA_PAYLOAD_TRAILER if trailer else STREAMING_ECDSA_PAYLOAD,
    )


@pytest.mark.parametrize("trailer", [False, True], ids=["payload", "payload-trailer"])
def test_chunked_seed_and_chunks(trailer: bool) -> None:
    inp, exp = CHUNKED["input"], CHUNKED["expected"]
    public = (exp["public_key"]["X"], exp["public_key"]["Y"])
    assert sigv4a.public_key_of(S3_CREDS) == public
    seed = _chunked_seed(trailer)
    assert seed.canonical_request == exp["canonical_request_with_trailer" if trailer else "canonical_request"]
    assert seed.string_to_sign.split("\n")[:3] == [ALGORITHM, "20130524T000000Z", "20130524/s3/aws4_request"]
    assert verify_signature(public, seed.string_to_sign, seed.signature)

    signer = sigv4a.chunk_signer_for(seed, S3_CREDS)
    body = inp["body"]["byte"].encode() * inp["body"]["length"]
    size = inp["chunk_size"]
    pieces = [body[i : i + size] for i in range(0, len(body), size)] + [b""]
    template = exp["chunk_string_to_sign"].split("\n")
    previous = seed.signature
    for data, digest in zip(pieces, exp["chunk_data_sha256"], strict=True):
        sts = signer.chunk_string_to_sign(data)
        lines = sts.split("\n")
        assert lines[:3] == template[:3] and lines[4] == template[4] == EMPTY_SHA256
        assert lines[3] == previous  # chained unpadded
        assert lines[5] == digest
        wire_sig = signer.sign_chunk(data)
        assert len(wire_sig) == sigv4a.CHUNK_SIGNATURE_LENGTH and wire_sig.rstrip("*") == wire_sig[: len(wire_sig.rstrip("*"))]
        previous = wire_sig.rstrip("*")
        assert verify_signature(public, sts, previous)
    if trailer:
        lines_ = trailer_lines([("first", "1st"), ("second", "2nd"), ("third", "3rd")])
        sts = signer.trailer_string_to_sign(lines_)
        assert sts == exp["trailer_string_to_sign"].replace("<previous signature>", previous)
        assert verify_signature(public, sts, signer.sign_trailer(lines_))


def test_chunked_wire_length_is_exact_with_padding() -> None:
    seed = _chunked_seed(trailer=True)
    body = b"a" * 66560
    pieces = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    trailers = [("first", "1st"), ("second", "2nd"), ("third", "3rd")]
    for _ in range(3):  # DER signatures vary in length; the padded frames do not
        wire = b"".join(encode_signed(pieces, sigv4a.chunk_signer_for(seed, S3_CREDS), lambda: trailers))
        trailer_len = sum(len(f"{n}:{v}\r\n") for n, v in trailers)
        assert len(wire) == encoded_length(len(body), 65536, trailer_length=trailer_len, signature_length=sigv4a.CHUNK_SIGNATURE_LENGTH)
    unpadded = sigv4a.chunk_signer_for(seed, S3_CREDS, pad=False)
    assert "*" not in unpadded.sign_chunk(b"x")


def _send(server: object, method: str, signed: sigcurl.SignedRequest, body: bytes) -> None:
    parts = urlsplit(signed.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in signed.headers:
            conn.putheader(name, value)
        if not any(n.lower() == "content-length" for n, _ in signed.headers):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        conn.getresponse().read()
    finally:
        conn.close()


@pytest.mark.parametrize("trailer", [False, True], ids=["payload", "payload-trailer"])
def test_chunked_upload_verified_by_loopback_server(server, trailer: bool) -> None:  # type: ignore[no-untyped-def]
    """A full SigV4a aws-chunked upload, checked by the harness's independent verifier."""
    body = bytes(range(256)) * 300  # 76800 bytes: two chunks of 64 KiB and a short one
    size = 32 * 1024
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    trailers = [("x-amz-checksum-sha256", base64.b64encode(hashlib.sha256(body).digest()).decode())]
    trailer_len = sum(len(f"{n}:{v}\r\n") for n, v in trailers) if trailer else 0
    length = encoded_length(len(body), size, trailer_length=trailer_len, signature_length=sigv4a.CHUNK_SIGNATURE_LENGTH)
    headers = [
        ("Content-Encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", str(len(body))),
        ("Content-Length", str(length)),
    ]
    if trailer:
        headers.append(("x-amz-trailer", "x-amz-checksum-sha256"))
    seed = sigcurl.sign(
        "PUT", server.url_for("/bucket/key"), headers, credentials=EXAMPLE, region="*", service="s3",
        time=datetime.now(timezone.utc), algorithm="sigv4a",
        payload_hash=STREAMING_ECDSA_PAYLOAD_TRAILER if trailer else STREAMING_ECDSA_PAYLOAD,
    )
    wire = b"".join(encode_signed(pieces, sigv4a.chunk_signer_for(seed, EXAMPLE), (lambda: trailers) if trailer else None))
    assert len(wire) == length
    _send(server, "PUT", seed, wire)
    got = server.last
    assert got.verification.ok, got.verification.reason
    assert got.body_info.payload == body


@pytest.mark.parametrize("mode", ["header", "query"])
def test_request_verified_by_loopback_server(server, mode: str) -> None:  # type: ignore[no-untyped-def]
    url = server.url_for("/bucket/a%20key.txt?list-type=2&prefix=x%2Fy")
    kwargs = dict(credentials=EXAMPLE, region="us-east-1,us-west-2", service="s3", time=datetime.now(timezone.utc), algorithm="sigv4a")
    if mode == "header":
        signed = sigcurl.sign("PUT", url, {"x-amz-meta-a": " b  c "}, b"hello", **kwargs)
    else:
        signed = sigcurl.presign("PUT", url, {"x-amz-meta-a": " b  c "}, expires=300, **kwargs)
    _send(server, "PUT", signed, b"hello")
    got = server.last
    assert got.verification.ok, got.verification.reason
    assert got.verification.algorithm == ALGORITHM
