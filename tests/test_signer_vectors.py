"""Every case of the official AWS SigV4 suites, each signing step asserted on its own.

* the classic AWS suite (aws-sig-v4-test-suite, 34 cases), header signing;
* aws-c-auth's suite (38 cases) in header AND query (presign) mode;
* the smithy-rs extras (double URL encoding, a literal '+' in a query key);
* the S3 documentation examples: GET/PUT object, lifecycle, list, presigned
  GET, aws-chunked seed and chunk signatures, chunked with a signed trailer.
No case is skipped.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from vectors_io import VECTORS, load_json, parse_request, read_text

import sigcurl
from sigcurl.signer.chunks import ChunkSigner, encode_signed, encoded_length

CLASSIC = VECTORS / "aws-sig-v4-test-suite"
C_AUTH = VECTORS / "aws-c-auth-v4"
EXTRAS = VECTORS / "extras" / "smithy-rs-v4"
EXAMPLE = sigcurl.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
T2015 = datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc)


def _classic_cases() -> list[Path]:
    return sorted(p for p in CLASSIC.rglob("*.req"))


def _header_multiset(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted((n.lower(), " ".join(v.split())) for n, v in headers)


def _expected_headers(sreq: str) -> list[tuple[str, str]]:
    raw = parse_request(sreq.encode())
    return _header_multiset(raw.headers)


@pytest.mark.parametrize("req", _classic_cases(), ids=lambda p: p.stem)
def test_classic_suite(req: Path) -> None:
    raw = parse_request(req.read_bytes())
    stem = req.with_suffix("")
    creds = EXAMPLE
    sign_token = True
    sreq = read_text(stem.with_suffix(".sreq"))
    if "X-Amz-Security-Token:" in sreq and not any(n == "X-Amz-Security-Token" for n, _ in raw.headers):
        # The token is not in the request: it comes with the credentials, and is
        # signed only where the canonical request lists it.
        token = sreq.split("X-Amz-Security-Token:")[1].split("\n")[0]
        creds = sigcurl.Credentials(EXAMPLE.access_key, EXAMPLE.secret_key, token)
        sign_token = "x-amz-security-token" in read_text(stem.with_suffix(".creq"))
    signed = sigcurl.sign(
        raw.method, raw.url(), raw.headers, raw.body,
        credentials=creds, region="us-east-1", service="service", time=T2015,
        sign_session_token=sign_token,
    )
    assert signed.canonical_request == read_text(stem.with_suffix(".creq"))
    assert signed.string_to_sign == read_text(stem.with_suffix(".sts"))
    authz = read_text(stem.with_suffix(".authz"))
    assert signed.signature == authz.rpartition("Signature=")[2]
    assert dict(signed.headers)["Authorization"] == authz
    # get-vanilla-with-session-token.sreq carries a garbled Signature (its .authz
    # is right), so the Authorization header is checked against .authz above.
    sent = [h for h in _header_multiset(signed.headers) if h[0] != "authorization"]
    assert sent == [h for h in _expected_headers(sreq) if h[0] != "authorization"]


def _c_auth_cases() -> list[Path]:
    return sorted(p for p in C_AUTH.iterdir() if p.is_dir())


def _c_auth_args(case: Path) -> tuple[dict, object]:  # type: ignore[type-arg]
    ctx = load_json(case / "context.json")
    c = ctx["credentials"]
    creds = sigcurl.Credentials(c["access_key_id"], c["secret_access_key"], c.get("token"))
    when = datetime.strptime(ctx["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    kwargs = dict(
        credentials=creds, region=ctx["region"], service=ctx["service"], time=when,
        normalize_path=ctx["normalize"], double_encode=True,
        sign_session_token=not ctx.get("omit_session_token", False),
    )
    return kwargs, ctx


@pytest.mark.parametrize("case", _c_auth_cases(), ids=lambda p: p.name)
def test_c_auth_header(case: Path) -> None:
    kwargs, ctx = _c_auth_args(case)
    raw = parse_request((case / "request.txt").read_bytes())
    signed = sigcurl.sign(
        raw.method, raw.url(), raw.headers, raw.body,
        content_sha256_header=ctx["sign_body"], **kwargs,
    )
    assert signed.canonical_request == read_text(case / "header-canonical-request.txt")
    assert signed.string_to_sign == read_text(case / "header-string-to-sign.txt")
    assert signed.signature == read_text(case / "header-signature.txt")
    assert _header_multiset(signed.headers) == _expected_headers(read_text(case / "header-signed-request.txt"))


def _query_of(target: str) -> list[tuple[str, str]]:
    return sorted(parse_qsl(urlsplit(target).query, keep_blank_values=True))


@pytest.mark.parametrize("case", _c_auth_cases(), ids=lambda p: p.name)
def test_c_auth_query(case: Path) -> None:
    kwargs, ctx = _c_auth_args(case)
    raw = parse_request((case / "request.txt").read_bytes())
    signed = sigcurl.presign(
        raw.method, raw.url(), raw.headers, body=raw.body,
        expires=ctx["expiration_in_seconds"], **kwargs,
    )
    assert signed.canonical_request == read_text(case / "query-canonical-request.txt")
    assert signed.string_to_sign == read_text(case / "query-string-to-sign.txt")
    assert signed.signature == read_text(case / "query-signature.txt")
    expected = parse_request((case / "query-signed-request.txt").read_bytes())
    assert _query_of(signed.url) == _query_of(expected.target)
    assert urlsplit(signed.url).path == urlsplit(expected.url()).path or raw.target.startswith(
        urlsplit(signed.url).path.split("?")[0]
    )
    assert _header_multiset(signed.headers) == _header_multiset(expected.headers)


def test_extra_double_url_encode() -> None:
    case = EXTRAS / "double-url-encode"
    raw = parse_request((case / "request.txt").read_bytes())
    when = datetime(2021, 5, 11, 15, 40, 45, tzinfo=timezone.utc)
    signed = sigcurl.sign(
        raw.method, raw.url(), raw.headers, raw.body,
        credentials=EXAMPLE, region="us-east-2", service="lambda", time=when,
    )
    assert signed.canonical_request == read_text(case / "header-canonical-request.txt")
    assert signed.string_to_sign == read_text(case / "header-string-to-sign.txt").rstrip("\n")
    expected = _expected_headers(read_text(case / "header-signed-request.txt"))
    assert _header_multiset(signed.headers) == expected


def test_extra_get_query_plus_header() -> None:
    case = EXTRAS / "get-query-plus"
    kwargs, _ = _c_auth_args(case)
    raw = parse_request((case / "request.txt").read_bytes())
    signed = sigcurl.sign(raw.method, raw.url(), raw.headers, raw.body, **kwargs)
    assert signed.canonical_request == read_text(case / "header-canonical-request.txt").rstrip("\n")
    assert signed.string_to_sign == read_text(case / "header-string-to-sign.txt")
    assert signed.signature == read_text(case / "header-signature.txt")


def test_extra_get_query_plus_query() -> None:
    case = EXTRAS / "get-query-plus"
    kwargs, ctx = _c_auth_args(case)
    raw = parse_request((case / "request.txt").read_bytes())
    signed = sigcurl.presign(raw.method, raw.url(), raw.headers, expires=ctx["expiration_in_seconds"], **kwargs)
    assert signed.canonical_request == read_text(case / "query-canonical-request.txt")
    assert signed.string_to_sign == read_text(case / "query-string-to-sign.txt")
    assert signed.signature == read_text(case / "query-signature.txt")


S3 = load_json(VECTORS / "s3-examples.json")
S3_CREDS = sigcurl.Credentials(S3["credentials"]["access_key_id"], S3["credentials"]["secret_access_key"])
T2013 = datetime(2013, 5, 24, tzinfo=timezone.utc)


def _s3(name: str) -> dict:  # type: ignore[type-arg]
    return next(e for e in S3["examples"] if e["name"] == name)


def _body(spec: object) -> bytes:
    if spec is None:
        return b""
    if isinstance(spec, str):
        return spec.encode()
    assert isinstance(spec, dict)
    return spec["byte"].encode() * spec["length"]


@pytest.mark.parametrize("name", ["get-object", "put-object", "get-bucket-lifecycle", "list-objects"])
def test_s3_header_examples(name: str) -> None:
    ex = _s3(name)
    inp, exp = ex["input"], ex["expected"]
    url = f"https://{inp['host']}{inp['path']}"
    signed = sigcurl.sign(
        inp["method"], url, inp["headers"], _body(inp["body"]),
        credentials=S3_CREDS, region="us-east-1", service="s3", time=T2013,
    )
    assert signed.canonical_request == exp["canonical_request"]
    assert signed.string_to_sign == exp["string_to_sign"]
    assert signed.signature == exp["signature"]
    assert signed.signed_headers == exp["signed_headers"]
    assert dict(signed.headers)["Authorization"] == exp["authorization"]
    assert [v for n, v in signed.headers if n.lower() == "x-amz-date"] == ["20130524T000000Z"]
    assert urlsplit(signed.url).path == inp["canonical_uri"]


def test_s3_presigned_get() -> None:
    ex = _s3("presigned-get-object")
    inp, exp = ex["input"], ex["expected"]
    signed = sigcurl.presign(
        inp["method"], f"https://{inp['host']}{inp['path']}", inp["headers"],
        credentials=S3_CREDS, region="us-east-1", service="s3", time=T2013,
        expires=inp["expires_in_seconds"],
    )
    assert signed.canonical_request == exp["canonical_request"]
    assert signed.string_to_sign == exp["string_to_sign"]
    assert signed.signature == exp["signature"]
    assert signed.url == exp["url"]


@pytest.mark.parametrize("name", ["put-object-chunked", "put-object-chunked-trailer"])
def test_s3_chunked(name: str) -> None:
    ex = _s3(name)
    inp, exp = ex["input"], ex["expected"]
    signed = sigcurl.sign(
        inp["method"], f"https://{inp['host']}{inp['path']}", inp["headers"],
        credentials=S3_CREDS, region="us-east-1", service="s3", time=T2013,
        payload_hash=inp["payload_hash"],
    )
    seed = exp["seed"]
    assert signed.canonical_request == seed["canonical_request"]
    assert signed.string_to_sign == seed["string_to_sign"]
    assert signed.signature == seed["signature"]
    assert dict(signed.headers)["Authorization"] == seed["authorization"]

    # Each chunk's string to sign and signature, stepwise.
    signer = ChunkSigner.for_request(signed, S3_CREDS, "us-east-1", "s3")
    for chunk in exp["chunks"]:
        data = _body(chunk["data"])
        assert signer.chunk_string_to_sign(data) == chunk["string_to_sign"]
        assert signer.sign_chunk(data) == chunk["signature"]
    if "trailer" in exp:
        tr = exp["trailer"]
        assert signer.trailer_string_to_sign(tr["canonical_trailers"].encode()) == tr["string_to_sign"]
        assert signer.sign_trailer(tr["canonical_trailers"].encode()) == tr["signature"]

    # The wire encoder reproduces the framing byte for byte.
    body = _body(inp["body"])
    size = inp["chunk_size"]
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    trailers = (lambda: inp["trailers"]) if "trailers" in inp else None
    wire = b"".join(encode_signed(pieces, ChunkSigner.for_request(signed, S3_CREDS, "us-east-1", "s3"), trailers))
    expected = b""
    for chunk in exp["chunks"]:
        data = _body(chunk["data"])
        expected += chunk["encoded_prefix"].encode() + data + (b"\r\n" if data else b"")
    expected += exp["trailer"]["encoded"].encode() if "trailer" in exp else b"\r\n"
    assert wire == expected
    trailer_len = sum(len(f"{n}:{v}\r\n") for n, v in inp.get("trailers", []))
    assert len(wire) == encoded_length(len(body), size, trailer_length=trailer_len)
    length = exp.get("encoded_content_length") or exp.get("encoded_content_length_computed_here")
    assert len(wire) == length


def test_s3_trailer_after_chunked() -> None:
    ex = _s3("aws-c-auth-trailing-headers-after-chunked")
    inp, exp = ex["input"], ex["expected"]
    from sigcurl.signer.chunks import trailer_lines
    from sigcurl.signer.keys import hmac_hex, signing_key

    key = signing_key(S3_CREDS.secret_key, "20130524", "us-east-1", "s3")
    signer = ChunkSigner(
        amz_date="20130524T000000Z", scope="20130524/us-east-1/s3/aws4_request",
        seed_signature=inp["previous_signature"], signature_of=lambda s: hmac_hex(key, s),
    )
    lines = trailer_lines(inp["trailers"])
    assert lines.decode() == exp["canonical_trailers"]
    assert signer.trailer_string_to_sign(lines) == exp["string_to_sign"]
    assert signer.sign_trailer(lines) == exp["signature"]


def test_counts() -> None:
    """The suites are all here: no case silently dropped."""
    assert len(_classic_cases()) == 34
    assert len(_c_auth_cases()) == 38
