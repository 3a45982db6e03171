"""SigV4a (AWS4-ECDSA-P256-SHA256): every official vector, key derivation, chunks, awscrt.

ECDSA signatures are randomised, so each case asserts the canonical request
and the string to sign exactly, then *verifies* signatures with the case's
public key -- ours against the string to sign we built, and the case's own
example signatures against our string to sign (which proves the two strings
are the ones AWS's reference signer hashed).

* aws-c-auth's v4a suite (38 cases), header AND query (presign) mode, plus
  the two folders without expected outputs (signed and cross-checked with
  awscrt instead);
* key-derivation-vectors.json (private key and public point);
* the aws-c-auth SigV4a aws-chunked example (seed canonical request, chunk
  and trailer string-to-sign structure, signatures verified, wire framing)
  and a full SigV4a aws-chunked upload through the verifying loopback server;
* hypothesis: random requests signed by sigcurl and by awscrt (test-only):
  each side's signature verifies against the other side's string to sign.
No case is skipped.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from awscrt import auth as crt_auth
from awscrt import crypto as crt_crypto
from awscrt import http as crt_http
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vectors_io import VECTORS, load_json, parse_request, read_text

import sigcurl
from sigcurl.signer import sigv4a
from sigcurl.signer.chunks import encode_signed, encoded_length, trailer_lines
from sigcurl.signer.types import EMPTY_SHA256, STREAMING_ECDSA_PAYLOAD, STREAMING_ECDSA_PAYLOAD_TRAILER

V4A = VECTORS / "aws-c-auth-v4a"
EXAMPLE = sigcurl.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
ALGORITHM = "AWS4-ECDSA-P256-SHA256"
# DER SubjectPublicKeyInfo prefix of an uncompressed P-256 point (id-ecPublicKey, prime256v1).
_P256_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _verify(public: tuple[str, str], string_to_sign: str, signature: str) -> bool:
    """Verify with ``cryptography`` (through sigcurl's helper) AND with awscrt's own EC code."""
    ours = sigv4a.verify(public[0], public[1], string_to_sign, signature)
    spki = _P256_SPKI_PREFIX + b"\x04" + bytes.fromhex(public[0]) + bytes.fromhex(public[1])
    key = crt_crypto.EC.new_key_from_der_data(spki)
    digest = hashlib.sha256(string_to_sign.encode()).digest()
    theirs = key.verify(digest, bytes.fromhex(signature.rstrip("*")))
    assert ours == theirs, "cryptography and awscrt disagree on an ECDSA verification"
    return ours


def _public(case: Path) -> tuple[str, str]:
    pk = load_json(case / "public-key.json")
    return pk["X"], pk["Y"]


def _header_multiset(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted((n.lower(), " ".join(v.split())) for n, v in headers)


def _auth_parts(value: str) -> tuple[str, str]:
    """``(everything before the signature, the signature)`` of an Authorization value."""
    head, _, sig = value.rpartition("Signature=")
    return head, sig


def _cases(with_outputs: bool) -> list[Path]:
    dirs = sorted(p for p in V4A.iterdir() if p.is_dir())
    return [p for p in dirs if (p / "header-canonical-request.txt").exists() == with_outputs]


def _args(case: Path) -> tuple[dict, dict]:  # type: ignore[type-arg]
    ctx = load_json(case / "context.json")
    c = ctx["credentials"]
    creds = sigcurl.Credentials(c["access_key_id"], c["secret_access_key"], c.get("token"))
    when = datetime.strptime(ctx["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    kwargs = dict(
        credentials=creds, region=ctx["region"], service=ctx["service"], time=when,
        normalize_path=ctx["normalize"], double_encode=True,
        sign_session_token=not ctx.get("omit_session_token", False), algorithm="sigv4a",
    )
    return kwargs, ctx


# --------------------------------------------------------------------------
# aws-c-auth v4a suite
# --------------------------------------------------------------------------


def test_counts() -> None:
    """38 registered cases with expected outputs, 2 folders with only a request: none dropped."""
    assert len(_cases(True)) == 38
    assert [p.name for p in _cases(False)] == ["get-vanilla-query-order-key", "get-vanilla-query-order-value"]


@pytest.mark.parametrize("case", _cases(True), ids=lambda p: p.name)
def test_v4a_header(case: Path) -> None:
    kwargs, ctx = _args(case)
    raw = parse_request((case / "request.txt").read_bytes())
    signed = sigcurl.sign(raw.method, raw.url(), raw.headers, raw.body, content_sha256_header=ctx["sign_body"], **kwargs)
    sts = read_text(case / "header-string-to-sign.txt")
    assert signed.canonical_request == read_text(case / "header-canonical-request.txt")
    assert signed.string_to_sign == sts
    public = _public(case)
    assert sigv4a.public_key_of(kwargs["credentials"]) == public
    # Ours verifies; AWS's example signatures verify against our string to sign.
    assert _verify(public, signed.string_to_sign, signed.signature)
    assert _verify(public, signed.string_to_sign, read_text(case / "header-signature.txt"))
    expected = parse_request((case / "header-signed-request.txt").read_bytes())
    expected_auth = next(v for n, v in expected.headers if n.lower() == "authorization")
    head, example_sig = _auth_parts(expected_auth)
    assert _verify(public, signed.string_to_sign, example_sig)
    ours_auth = dict(signed.headers)["Authorization"]
    assert _auth_parts(ours_auth) == (head, signed.signature)
    without_auth = [h for h in _header_multiset(signed.headers) if h[0] != "authorization"]
    assert without_auth == [h for h in _header_multiset(expected.headers) if h[0] != "authorization"]
    # A wrong string to sign does not verify (the check is not vacuous).
    assert not _verify(public, signed.string_to_sign + "x", signed.signature)


@pytest.mark.parametrize("case", _cases(True), ids=lambda p: p.name)
def test_v4a_query(case: Path) -> None:
    kwargs, ctx = _args(case)
    raw = parse_request((case / "request.txt").read_bytes())
    signed = sigcurl.presign(raw.method, raw.url(), raw.headers, body=raw.body, expires=ctx["expiration_in_seconds"], **kwargs)
    assert signed.canonical_request == read_text(case / "query-canonical-request.txt")
    assert signed.string_to_sign == read_text(case / "query-string-to-sign.txt")
    public = _public(case)
    assert _verify(public, signed.string_to_sign, signed.signature)
    assert _verify(public, signed.string_to_sign, read_text(case / "query-signature.txt"))
    expected = parse_request((case / "query-signed-request.txt").read_bytes())
    ours_q = sorted(parse_qsl(urlsplit(signed.url).query, keep_blank_values=True))
    theirs_q = sorted(parse_qsl(urlsplit(expected.target).query, keep_blank_values=True))
    assert [p for p in ours_q if p[0] != "X-Amz-Signature"] == [p for p in theirs_q if p[0] != "X-Amz-Signature"]
    assert dict(ours_q)["X-Amz-Signature"] == signed.signature
    assert _verify(public, signed.string_to_sign, dict(theirs_q)["X-Amz-Signature"])
    assert _header_multiset(signed.headers) == _header_multiset(expected.headers)


@pytest.mark.parametrize("case", _cases(False), ids=lambda p: p.name)
@pytest.mark.parametrize("mode", ["header", "query"])
def test_v4a_unregistered_cases_match_awscrt(case: Path, mode: str) -> None:
    """The two folders with no expected outputs: awscrt's signature verifies against our string to sign."""
    kwargs, ctx = _args(case)
    raw = parse_request((case / "request.txt").read_bytes())
    creds = kwargs["credentials"]
    if mode == "header":
        ours = sigcurl.sign(raw.method, raw.url(), raw.headers, raw.body, **kwargs)
    else:
        ours = sigcurl.presign(raw.method, raw.url(), raw.headers, body=raw.body, expires=ctx["expiration_in_seconds"], **kwargs)
    theirs_sig, _ = _crt_sign(
        raw.method, raw.target, raw.headers, raw.body, creds=creds, region_set=ctx["region"],
        service=ctx["service"], when=kwargs["time"], s3=False, query=mode == "query",
        expires=ctx["expiration_in_seconds"],
    )
    public = sigv4a.public_key_of(creds)
    assert _verify(public, ours.string_to_sign, ours.signature)
    assert _verify(public, ours.string_to_sign, theirs_sig)


# --------------------------------------------------------------------------
# key derivation
# --------------------------------------------------------------------------

KDF = load_json(V4A / "key-derivation-vectors.json")["vectors"]


@pytest.mark.parametrize("vector", KDF, ids=lambda v: v["access_key_id"])
def test_key_derivation(vector: dict) -> None:  # type: ignore[type-arg]
    creds = sigcurl.Credentials(vector["access_key_id"], vector["secret_access_key"])
    if "private_key" in vector:
        d = sigv4a.derive_private_value(creds.access_key, creds.secret_key)
        assert f"{d:064x}" == vector["private_key"]
    assert sigv4a.public_key_of(creds) == (vector["X"], vector["Y"])


def test_key_cached_per_key_pair() -> None:
    a = sigv4a.private_key_of(EXAMPLE)
    assert sigv4a.private_key_of(sigcurl.Credentials(EXAMPLE.access_key, EXAMPLE.secret_key, "token")) is a
    other = sigcurl.Credentials(EXAMPLE.access_key, EXAMPLE.secret_key + "x")
    assert sigv4a.private_key_of(other) is not a
    assert sigv4a.public_key_of(other) != sigv4a.public_key_of(EXAMPLE)


def test_signatures_are_randomised_der() -> None:
    when = datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc)
    a = sigcurl.sign("GET", "https://example.amazonaws.com/", credentials=EXAMPLE, region="*", service="service", time=when, algorithm="sigv4a")
    b = sigcurl.sign("GET", "https://example.amazonaws.com/", credentials=EXAMPLE, region="*", service="service", time=when, algorithm="sigv4a")
    assert a.string_to_sign == b.string_to_sign and a.signature != b.signature
    for sig in (a.signature, b.signature):
        der = bytes.fromhex(sig)
        assert der[0] == 0x30 and der[1] == len(der) - 2 and len(der) <= 72


# --------------------------------------------------------------------------
# region sets and the library call
# --------------------------------------------------------------------------

WHEN = datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("given_set", "sent"),
    [("*", "*"), ("us-east-1", "us-east-1"), ("us-east-1,us-west-2", "us-east-1,us-west-2"), (" us-east-1 , us-west-2 ", "us-east-1,us-west-2")],
)
def test_region_set_header_and_query(given_set: str, sent: str) -> None:
    url = "https://abc123.mrap.accesspoint.s3-global.amazonaws.com/key"
    signed = sigcurl.sign("GET", url, [("X-Amz-Region-Set", "ignored")], credentials=EXAMPLE, region=given_set, service="s3", time=WHEN, algorithm="sigv4a")
    assert [v for n, v in signed.headers if n.lower() == "x-amz-region-set"] == [sent]
    assert f"\nx-amz-region-set:{sent}\n" in signed.canonical_request
    assert signed.credential_scope == "20150830/s3/aws4_request"
    assert dict(signed.headers)["X-Amz-Content-SHA256"] == EMPTY_SHA256
    assert _verify(sigv4a.public_key_of(EXAMPLE), signed.string_to_sign, signed.signature)
    url_signed = sigcurl.presign("GET", url, credentials=EXAMPLE, region=given_set, service="s3", time=WHEN, algorithm="sigv4a", expires=60)
    query = dict(parse_qsl(urlsplit(url_signed.url).query))
    assert query["X-Amz-Region-Set"] == sent
    assert query["X-Amz-Algorithm"] == ALGORITHM
    assert query["X-Amz-Credential"] == "AKIDEXAMPLE/20150830/s3/aws4_request"
    assert url_signed.canonical_request.endswith("\nhost\nUNSIGNED-PAYLOAD")
    assert _verify(sigv4a.public_key_of(EXAMPLE), url_signed.string_to_sign, query["X-Amz-Signature"])


@pytest.mark.parametrize("bad", ["", " ", "us-east-1,", ",", "us east-1"])
def test_bad_region_set(bad: str) -> None:
    with pytest.raises(ValueError, match="region set"):
        sigcurl.sign("GET", "https://example.amazonaws.com/", credentials=EXAMPLE, region=bad, service="s3", time=WHEN, algorithm="sigv4a")


def test_sigv4_streaming_marker_rejected() -> None:
    with pytest.raises(ValueError, match="ECDSA"):
        sigcurl.sign(
            "PUT", "https://example.amazonaws.com/k", credentials=EXAMPLE, region="*", service="s3", time=WHEN,
            algorithm="sigv4a", payload_hash="STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        )


def test_missing_cryptography_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("cryptography"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setattr(sigv4a, "_EC", None)
    monkeypatch.setattr(sigv4a, "_KEYS", {})
    with pytest.raises(sigv4a.SigV4aUnavailable) as info:
        sigcurl.sign("GET", "https://example.amazonaws.com/", credentials=EXAMPLE, region="*", service="s3", time=WHEN, algorithm="sigv4a")
    line = sigcurl.errors.SigcurlError(info.value.what, info.value.fix).line()  # as the command prints it
    assert "\n" not in line and "pip install" in line and "cryptography" in line


def test_sigv4_does_not_import_cryptography() -> None:
    import subprocess
    import sys

    code = (
        "import sys, datetime, sigcurl\n"
        "c = sigcurl.Credentials('AKID', 'secret')\n"
        "t = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)\n"
        "sigcurl.sign('GET', 'https://sts.amazonaws.com/', credentials=c, region='us-east-1', service='sts', time=t)\n"
        "sigcurl.presign('GET', 'https://sts.amazonaws.com/', credentials=c, region='us-east-1', service='sts', time=t)\n"
        "assert 'cryptography' not in sys.modules and 'sigcurl.signer.sigv4a' not in sys.modules, sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


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
    assert _verify(public, seed.string_to_sign, seed.signature)

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
        assert _verify(public, sts, previous)
    if trailer:
        lines_ = trailer_lines([("first", "1st"), ("second", "2nd"), ("third", "3rd")])
        sts = signer.trailer_string_to_sign(lines_)
        assert sts == exp["trailer_string_to_sign"].replace("<previous signature>", previous)
        assert _verify(public, sts, signer.sign_trailer(lines_))


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


# --------------------------------------------------------------------------
# cross-check with awscrt on random requests
# --------------------------------------------------------------------------


def _crt_sign(
    method: str, target: str, headers: list[tuple[str, str]], body: bytes, *, creds: sigcurl.Credentials,
    region_set: str, service: str, when: datetime, s3: bool, query: bool, expires: int = 3600,
) -> tuple[str, crt_http.HttpRequest]:
    """awscrt's SigV4a signature of the request (and the signed request)."""
    request = crt_http.HttpRequest(method, target, crt_http.HttpHeaders(headers), io.BytesIO(body))
    config = crt_auth.AwsSigningConfig(
        algorithm=crt_auth.AwsSigningAlgorithm.V4_ASYMMETRIC,
        signature_type=(
            crt_auth.AwsSignatureType.HTTP_REQUEST_QUERY_PARAMS if query else crt_auth.AwsSignatureType.HTTP_REQUEST_HEADERS
        ),
        credentials_provider=crt_auth.AwsCredentialsProvider.new_static(creds.access_key, creds.secret_key, creds.session_token),
        region=region_set,
        service=service,
        date=when,
        use_double_uri_encode=not s3,
        should_normalize_uri_path=not s3,
        signed_body_value=crt_auth.AwsSignedBodyValue.UNSIGNED_PAYLOAD if (s3 and query) else None,
        signed_body_header_type=(
            crt_auth.AwsSignedBodyHeaderType.X_AMZ_CONTENT_SHA_256 if (s3 and not query) else crt_auth.AwsSignedBodyHeaderType.NONE
        ),
        expiration_in_seconds=expires if query else None,
    )
    signed = crt_auth.aws_sign_request(request, config).result(timeout=10)
    if query:
        q = dict(parse_qsl(urlsplit(signed.path).query, keep_blank_values=True))
        return q["X-Amz-Signature"], signed
    return _auth_parts(signed.headers.get("Authorization"))[1], signed


_SEGMENT = st.text(alphabet="abcXYZ019-._~ :@!$'()é+=,;", min_size=0, max_size=8)
_QTEXT = st.text(alphabet="abcXYZ019-._~ /&=+é%*", min_size=0, max_size=8)
_HVALUE = st.text(alphabet="abc XYZ019-._~/:;,=+\"'()", min_size=0, max_size=16)


@st.composite
def _random_request(draw: st.DrawFn) -> dict:  # type: ignore[type-arg]
    s3 = draw(st.booleans())
    segments = draw(st.lists(st.one_of(_SEGMENT, st.sampled_from([".", ".."])) if not s3 else _SEGMENT, max_size=4))
    path = "/" + "/".join(quote(s, safe="") for s in segments)
    pairs = draw(st.lists(st.tuples(_QTEXT.filter(bool), _QTEXT), max_size=4))
    target = path + ("?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs) if pairs else "")
    names = draw(st.lists(st.text(alphabet="abcdefgh-", min_size=1, max_size=6), max_size=3, unique=True))
    headers = [("Host", "svc.example.amazonaws.com")] + [(f"X-Test-{n}", draw(_HVALUE)) for n in names]
    token = draw(st.one_of(st.none(), st.text(alphabet="ABCabc0129+/=", min_size=1, max_size=24)))
    return dict(
        method=draw(st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD"])),
        target=target,
        headers=headers,
        body=draw(st.binary(max_size=64)),
        s3=s3,
        service="s3" if s3 else draw(st.sampled_from(["service", "execute-api", "cloudfront-keyvaluestore"])),
        region_set=draw(st.sampled_from(["*", "us-east-1", "us-east-1,us-west-2"])),
        creds=sigcurl.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token),
        when=datetime(2024, 2, 29, 23, 59, 59, tzinfo=timezone.utc),
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(req=_random_request(), query=st.booleans())
def test_cross_check_with_awscrt(req: dict, query: bool) -> None:  # type: ignore[type-arg]
    url = "https://svc.example.amazonaws.com" + req["target"]
    common = dict(credentials=req["creds"], region=req["region_set"], service=req["service"], time=req["when"], algorithm="sigv4a")
    if query:
        ours = sigcurl.presign(req["method"], url, req["headers"], body=req["body"], expires=3600, **common)
    else:
        ours = sigcurl.sign(req["method"], url, req["headers"], req["body"], **common)
    theirs_sig, theirs = _crt_sign(
        req["method"], req["target"], req["headers"], req["body"], creds=req["creds"], region_set=req["region_set"],
        service=req["service"], when=req["when"], s3=req["s3"], query=query,
    )
    public = sigv4a.public_key_of(req["creds"])
    # awscrt's signature verifies against our string to sign: same canonical request.
    assert _verify(public, ours.string_to_sign, theirs_sig), ours.canonical_request
    # Ours verifies, with awscrt's EC code too (inside _verify).
    assert _verify(public, ours.string_to_sign, ours.signature)
    if query:
        crt_q = sorted(p for p in parse_qsl(urlsplit(theirs.path).query, keep_blank_values=True) if p[0] != "X-Amz-Signature")
        our_q = sorted(p for p in parse_qsl(urlsplit(ours.url).query, keep_blank_values=True) if p[0] != "X-Amz-Signature")
        assert our_q == crt_q
    else:
        crt_auth_value = theirs.headers.get("Authorization")
        assert _auth_parts(dict(ours.headers)["Authorization"])[0] == _auth_parts(crt_auth_value)[0]
        crt_headers = [(n, v) for n, v in theirs.headers if n.lower() != "authorization"]
        ours_headers = [(n, v) for n, v in ours.headers if n.lower() != "authorization"]
        assert _header_multiset(ours_headers) == _header_multiset(crt_headers)
