"""Property tests: sigcurl's signer against botocore's, on random requests.

Both signers sign **the same wire request**: sigcurl signs the caller's
method/URL/headers/body and returns ``.url`` (what goes on the wire); botocore
is then given that ``.url`` with the caller's headers and body, at the same
fixed instant, and must produce the same canonical request and signature.
This is what a server does: it sees sigcurl's wire URL, not the caller's.

Where the two signers legitimately differ, the strategies are constrained
and the reason is written next to the constraint:

* Unsigned headers: both leave out the same hop-by-hop and tracing headers
  (``keep-alive``, ``te``, ``traceparent``...; checked in
  ``test_unsigned_headers_match_botocore``), so none is generated.
* Headers botocore rewrites itself (``Date``, ``X-Amz-Date``,
  ``Authorization``, ``X-Amz-Security-Token``, ``X-Amz-Content-SHA256``,
  ``Content-MD5`` which switches S3 payload signing, and for presign the
  ``Content-Type`` it deletes) are not generated.
* Header values are printable ASCII plus spaces and tabs: botocore folds
  with ``str.split()``, which also folds Unicode whitespace (``\\x1c``,
  ``\\xa0``...) that is not HTTP whitespace and cannot be sent in a header
  on the wire anyway.
* Presign: botocore's ``SigV4QueryAuth`` re-parses the query with
  ``parse_qs`` into a dict, so it keeps only the first value of a repeated
  key and decodes invalid UTF-8 as U+FFFD.  Presign queries therefore have
  unique keys and their ``%XX`` escapes encode valid UTF-8.  (Repeated keys
  are covered in header mode, where botocore uses the raw query.)
* Paths and queries never contain ``?``/``#`` unescaped (they would end
  the path/query by URL syntax) nor C0 controls (``urlsplit`` strips them;
  they cannot be on the wire).
* botocore always signs the session token; ``sign_session_token=False`` is
  checked on its own, without botocore.
"""

from __future__ import annotations

import datetime as dt
import string
from unittest import mock
from urllib.parse import quote

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sigcurl
from sigcurl.signer.canonical import UNSIGNED_HEADERS

WHEN = dt.datetime(2024, 5, 17, 9, 3, 7, tzinfo=dt.timezone.utc)
PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- strategies ----------------------------------------------------------

_EXCLUDED_HEADERS = (
    {n.lower() for n in botocore.auth.SIGNED_HEADERS_BLACKLIST}
    | set(UNSIGNED_HEADERS)
    | {"host", "date", "x-amz-date", "authorization", "x-amz-security-token",
       "x-amz-content-sha256", "content-md5", "content-type"}
)
_TOKEN = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"

methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "get", "Post"])
hosts = st.sampled_from(
    [
        ("https", "example.amazonaws.com"),
        ("https", "Bucket.S3.EU-West-1.amazonaws.com"),
        ("https", "example.com:443"),
        ("http", "localhost:80"),
        ("http", "127.0.0.1:8080"),
        ("https", "[::1]:8443"),
    ]
)

# Characters a caller may write raw in a path or query: unicode, spaces and
# every reserved character except the ones that end the component.
_raw_chars = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="?#"
)
_reserved = st.sampled_from(list("!$&'()*+,;=:@/ %~-._") + ["é", "ü", "日本", "😀"])


def _pre_encoded() -> st.SearchStrategy[str]:
    """``%XX`` escapes of valid UTF-8 text, in upper or lower case hex."""
    return st.builds(
        lambda t, lower: quote(t, safe="").lower() if lower else quote(t, safe=""),
        st.text(_raw_chars, min_size=1, max_size=3),
        st.booleans(),
    )


_path_piece = st.one_of(
    st.text(_raw_chars, max_size=6),
    _reserved,
    _pre_encoded(),
    st.sampled_from([".", "..", "", "%2F", "%2e", "%"]),
)
paths = st.lists(_path_piece, max_size=6).map(lambda parts: "/" + "/".join(parts))

_query_text = st.lists(
    st.one_of(
        st.text(_raw_chars.filter(lambda c: c != "&" and c != "="), max_size=5),
        st.sampled_from(["+", ":", "/", "%2B", "%20", "%3D", "%26", " ", "é", "~", "*"]),
        _pre_encoded(),
    ),
    max_size=3,
).map("".join)
_query_value = st.lists(st.one_of(_query_text, st.just("=")), max_size=3).map("".join)
query_pairs = st.lists(
    st.tuples(_query_text, st.one_of(st.none(), _query_value)), max_size=5
)

header_names = st.text(_TOKEN, min_size=1, max_size=12).filter(
    lambda n: n.lower() not in _EXCLUDED_HEADERS and not n.lower().startswith("x-amz-")
)
header_values = st.text(string.printable.replace("\r", "").replace("\n", "").replace("\x0b", "").replace("\x0c", ""), max_size=20)


@st.composite
def header_lists(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Headers in random case with duplicates (the same name in another case too)."""
    pairs = draw(st.lists(st.tuples(header_names, header_values), max_size=6))
    if pairs and draw(st.booleans()):
        name, _ = draw(st.sampled_from(pairs))
        other = draw(st.sampled_from([name.upper(), name.lower(), name]))
        pairs.insert(draw(st.integers(0, len(pairs))), (other, draw(header_values)))
    return pairs


credentials = st.builds(
    sigcurl.Credentials,
    st.text(string.ascii_uppercase + string.digits, min_size=16, max_size=20),
    st.text(string.ascii_letters + string.digits + "/+", min_size=30, max_size=40),
    st.one_of(st.none(), st.text(string.ascii_letters + string.digits + "/+=", min_size=24, max_size=60)),
)
bodies = st.one_of(st.binary(max_size=64), st.text(max_size=32))
services = st.sampled_from(["s3", "execute-api", "service", "s3-object-lambda", "es"])
regions = st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2"])


def _url(scheme: str, host: str, path: str, query: list[tuple[str, str | None]]) -> str:
    q = "&".join(k if v is None else f"{k}={v}" for k, v in query)
    return f"{scheme}://{host}{path}" + (f"?{q}" if q else "")


# -- botocore side --------------------------------------------------------

_S3 = {"s3", "s3-object-lambda", "s3-outposts", "s3express"}


def _botocore_sign(
    method: str, url: str, headers: list[tuple[str, str]], body: bytes, creds: sigcurl.Credentials,
    region: str, service: str, *, presign: bool = False, expires: int = 900,
) -> tuple[AWSRequest, str]:
    """Sign with botocore at ``WHEN``; return the request and its canonical request."""
    boto_creds = BotoCredentials(creds.access_key, creds.secret_key, creds.session_token)
    if presign:
        cls = botocore.auth.S3SigV4QueryAuth if service in _S3 else botocore.auth.SigV4QueryAuth
        signer = cls(boto_creds, service, region, expires=expires)
    else:
        cls = botocore.auth.S3SigV4Auth if service in _S3 else botocore.auth.SigV4Auth
        signer = cls(boto_creds, service, region)
    req = AWSRequest(method=method, url=url, data=body)
    for name, value in headers:  # HTTPHeaders keeps repeated names (get_all)
        req.headers[name] = value
    captured: list[str] = []
    original = signer.canonical_request

    def capture(request: AWSRequest) -> str:
        creq = original(request)
        captured.append(creq)
        return creq

    signer.canonical_request = capture  # type: ignore[method-assign]
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: WHEN.replace(tzinfo=None)):
        signer.add_auth(req)
    return req, captured[0]


def _authz_signature(value: str) -> str:
    return value.rpartition("Signature=")[2]


# -- header signing -------------------------------------------------------


@PROFILE
@given(methods, hosts, paths, query_pairs, header_lists(), bodies, credentials, services, regions)
def test_header_signing_matches_botocore(
    method: str, host: tuple[str, str], path: str, query: list[tuple[str, str | None]],
    headers: list[tuple[str, str]], body: bytes | str, creds: sigcurl.Credentials, service: str, region: str,
) -> None:
    url = _url(host[0], host[1], path, query)
    signed = sigcurl.sign(method, url, headers, body, credentials=creds, region=region, service=service, time=WHEN)
    raw_body = body.encode() if isinstance(body, str) else body
    req, creq = _botocore_sign(method.upper(), signed.url, headers, raw_body, creds, region, service)
    assert signed.canonical_request == creq
    assert signed.signature == _authz_signature(req.headers["Authorization"])
    assert dict(signed.headers)["Authorization"] == req.headers["Authorization"]
    assert [v for n, v in signed.headers if n.lower() == "x-amz-date"] == [req.headers["X-Amz-Date"]]
    if creds.session_token:
        assert dict(signed.headers)["X-Amz-Security-Token"] == creds.session_token


# -- presigned URLs -------------------------------------------------------


def _unique_keys(pairs: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Keep the first of each key, compared decoded as botocore's ``parse_qs`` does."""
    from urllib.parse import unquote

    seen: set[str] = set()
    out = []
    for k, v in pairs:
        key = unquote(k)
        if key in seen or key.lower().startswith("x-amz-"):
            continue
        seen.add(key)
        out.append((k, v))
    return out


@PROFILE
@given(
    methods, hosts, paths, query_pairs.map(_unique_keys), header_lists(), credentials, services, regions,
    st.integers(1, 7 * 24 * 3600),
)
def test_presign_matches_botocore(
    method: str, host: tuple[str, str], path: str, query: list[tuple[str, str | None]],
    headers: list[tuple[str, str]], creds: sigcurl.Credentials, service: str, region: str, expires: int,
) -> None:
    url = _url(host[0], host[1], path, query)
    signed = sigcurl.presign(
        method, url, headers, credentials=creds, region=region, service=service, time=WHEN, expires=expires
    )
    # botocore is given the wire URL without sigcurl's X-Amz-* parameters (they come
    # last, after a '?' or '&'); a path may itself hold '&' or '?'-free text like them.
    base = signed.url[: signed.url.rindex("X-Amz-Algorithm=") - 1]
    req, creq = _botocore_sign(
        method.upper(), base, headers, b"", creds, region, service, presign=True, expires=expires
    )
    assert signed.canonical_request == creq
    assert signed.signature == req.url.rpartition("X-Amz-Signature=")[2]
    assert signed.url.endswith(f"&X-Amz-Signature={signed.signature}")


# -- robustness and secrecy -----------------------------------------------


any_header_names = st.one_of(header_names, st.text(max_size=8))
any_header_values = st.text(max_size=20)


@settings(max_examples=200, deadline=None)
@given(
    methods, hosts, paths, query_pairs, st.lists(st.tuples(any_header_names, any_header_values), max_size=5),
    bodies, credentials, services, st.booleans(), st.booleans(),
)
def test_sign_raises_only_for_invalid_headers(
    method: str, host: tuple[str, str], path: str, query: list[tuple[str, str | None]],
    headers: list[tuple[str, str]], body: bytes | str, creds: sigcurl.Credentials, service: str,
    presign: bool, sign_token: bool,
) -> None:
    url = _url(host[0], host[1], path, query)
    valid = all(
        n and set(n) <= set(_TOKEN) and "\r" not in v and "\x00" not in v
        and all(v[i + 1 : i + 2] in (" ", "\t") for i, c in enumerate(v) if c == "\n")
        for n, v in headers
    ) and sum(n.lower() == "host" for n, _ in headers) <= 1
    try:
        if presign:
            out = sigcurl.presign(
                method, url, headers, credentials=creds, region="us-east-1", service=service, time=WHEN,
                sign_session_token=sign_token,
            )
        else:
            out = sigcurl.sign(
                method, url, headers, body, credentials=creds, region="us-east-1", service=service, time=WHEN,
                sign_session_token=sign_token,
            )
    except ValueError:
        assert not valid, "a valid request was rejected"
        return
    assert valid, "an invalid header was accepted"
    assert len(out.signature) == 64
    if creds.session_token:
        sent = [v for n, v in out.headers if n == "X-Amz-Security-Token"]
        assert sent == [creds.session_token] or "X-Amz-Security-Token=" in out.url
        assert (f"x-amz-security-token:{creds.session_token}" in out.canonical_request
                or f"X-Amz-Security-Token={quote(creds.session_token, safe='')}" in out.canonical_request) == sign_token
    if not presign:
        assert [n for n, _ in out.headers].count("X-Amz-Date") == 1


@settings(max_examples=100, deadline=None)
@given(credentials, paths, st.booleans())
def test_secrets_never_in_repr(creds: sigcurl.Credentials, path: str, presign: bool) -> None:
    fn = sigcurl.presign if presign else sigcurl.sign
    out = fn("GET", f"https://example.amazonaws.com{path}", credentials=creds, region="us-east-1",
             service="service", time=WHEN)
    secrets = [creds.secret_key] + ([creds.session_token] if creds.session_token else [])
    for text in (repr(creds), str(creds), repr(out), str(out)):
        for secret in secrets:
            assert secret not in text
            assert quote(secret, safe="") not in text


# -- fixed cases the strategies found or that botocore cannot check ---------


def test_unsigned_session_token_is_sent_not_signed() -> None:
    creds = sigcurl.Credentials("AKID", "secret", "tok/en+=")
    out = sigcurl.sign("GET", "https://example.amazonaws.com/", credentials=creds, region="us-east-1",
                       service="iotdata", time=WHEN, sign_session_token=False)
    assert "x-amz-security-token" not in out.canonical_request
    assert dict(out.headers)["X-Amz-Security-Token"] == "tok/en+="


@pytest.mark.parametrize("service", ["s3", "service"])
def test_invalid_utf8_escapes_survive_on_the_wire(service: str) -> None:
    """``%FF`` (not UTF-8) in a path or query is a byte, and must reach the wire unchanged."""
    creds = sigcurl.Credentials("AKID", "secret")
    out = sigcurl.sign("GET", "https://example.amazonaws.com/a%FFb?k%C3=v%FF", credentials=creds,
                       region="us-east-1", service=service, time=WHEN)
    assert "%FF" in out.url.split("?")[0] and out.url.endswith("?k%C3=v%FF")
    assert "k%C3=v%FF" in out.canonical_request
    req, creq = _botocore_sign("GET", out.url, [], b"", creds, "us-east-1", service)
    assert creq == out.canonical_request


def test_unsigned_headers_match_botocore() -> None:
    """Headers that proxies and tracers change in flight are left unsigned, as botocore does."""
    assert {n.lower() for n in botocore.auth.SIGNED_HEADERS_BLACKLIST} <= UNSIGNED_HEADERS
    signed = sigcurl.sign(
        "GET", "https://example.amazonaws.com/", {"Keep-Alive": "5", "Traceparent": "00-1-2-01", "X-Ok": "1"},
        credentials=sigcurl.Credentials("AKID", "SECRET"), region="us-east-1", service="svc", time=WHEN,
    )
    assert signed.signed_headers == "host;x-amz-date;x-ok"
