"""SigV4a (AWS4-ECDSA-P256-SHA256): every official vector, key derivation, awscrt.

ECDSA signatures are randomised, so each case asserts the canonical request
and the string to sign exactly, then *verifies* signatures with the case's
public key -- ours against the string to sign we built, and the case's own
example signatures against our string to sign (which proves the two strings
are the ones AWS's reference signer hashed).

* aws-c-auth's v4a suite (38 cases), header AND query (presign) mode, plus
  the two folders without expected outputs (signed and cross-checked with
  awscrt instead);
* key-derivation-vectors.json (private key and public point);
* hypothesis: random requests signed by sigcurl and by awscrt (test-only):
  each side's signature verifies against the other side's string to sign.
No case is skipped.  aws-chunked SigV4a is in ``test_sigv4a_chunked.py``,
region sets and the library call in ``test_sigv4a_signing.py``.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from awscrt import auth as crt_auth
from awscrt import http as crt_http
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vectors_io import VECTORS, load_json, parse_request, read_text

import sigcurl
from sigcurl.signer import sigv4a
from support.sigv4a_checks import EXAMPLE, verify_signature

V4A = VECTORS / "aws-c-auth-v4a"


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
    assert verify_signature(public, signed.string_to_sign, signed.signature)
    assert verify_signature(public, signed.string_to_sign, read_text(case / "header-signature.txt"))
    expected = parse_request((case / "header-signed-request.txt").read_bytes())
    expected_auth = next(v for n, v in expected.headers if n.lower() == "authorization")
    head, example_sig = _auth_parts(expected_auth)
    assert verify_signature(public, signed.string_to_sign, example_sig)
    ours_auth = dict(signed.headers)["Authorization"]
    assert _auth_parts(ours_auth) == (head, signed.signature)
    without_auth = [h for h in _header_multiset(signed.headers) if h[0] != "authorization"]
    assert without_auth == [h for h in _header_multiset(expected.headers) if h[0] != "authorization"]
    # A wrong string to sign does not verify (the check is not vacuous).
    assert not verify_signature(public, signed.string_to_sign + "x", signed.signature)


@pytest.mark.parametrize("case", _cases(True), ids=lambda p: p.name)
def test_v4a_query(case: Path) -> None:
    kwargs, ctx = _args(case)
    raw = parse_request((case / "request.txt").read_bytes())
    signed = sigcurl.presign(raw.method, raw.url(), raw.headers, body=raw.body, expires=ctx["expiration_in_seconds"], **kwargs)
    assert signed.canonical_request == read_text(case / "query-canonical-request.txt")
    assert signed.string_to_sign == read_text(case / "query-string-to-sign.txt")
    public = _public(case)
    assert verify_signature(public, signed.string_to_sign, signed.signature)
    assert verify_signature(public, signed.string_to_sign, read_text(case / "query-signature.txt"))
    expected = parse_request((case / "query-signed-request.txt").read_bytes())
    ours_q = sorted(parse_qsl(urlsplit(signed.url).query, keep_blank_values=True))
    theirs_q = sorted(parse_qsl(urlsplit(expected.target).query, keep_blank_values=True))
    assert [p for p in ours_q if p[0] != "X-Amz-Signature"] == [p for p in theirs_q if p[0] != "X-Amz-Signature"]
    assert dict(ours_q)["X-Amz-Signature"] == signed.signature
    assert verify_signature(public, signed.string_to_sign, dict(theirs_q)["X-Amz-Signature"])
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
    assert verify_signature(public, ours.string_to_sign, ours.signature)
    assert verify_signature(public, ours.string_to_sign, theirs_sig)


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
    assert verify_signature(public, ours.string_to_sign, theirs_sig), ours.canonical_request
    # Ours verifies, with awscrt's EC code too (inside _verify).
    assert verify_signature(public, ours.string_to_sign, ours.signature)
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
