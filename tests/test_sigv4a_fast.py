"""SigV4a's fast path gives the shared cores' result, field for field, or declines.

The reference is the general path every other signature takes
(``header_core.sign_with``, ``query_core.presign_with``, themselves checked
against the AWS suites, botocore and awscrt).  A deterministic signature
function stands in for ECDSA, so whole results compare equal.  Inputs: the
request of every case of the AWS suites under tests/vectors (both header and
query signing, S3 and default settings, with and without a session token)
and random requests (paths and queries with escapes, spaces, ``+``,
non-ASCII text; repeated, folded, dropped and invalid headers).  The
common shapes must take the fast path, so the comparison is not vacuous.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vectors_io import VECTORS, parse_request

from sigcurl.signer import _sigv4a_fast as fast
from sigcurl.signer import settings as presets
from sigcurl.signer.header_core import sign_with
from sigcurl.signer.query_core import presign_with
from sigcurl.signer.types import Credentials, SignedRequest, SigningSettings

ALGORITHM = "AWS4-ECDSA-P256-SHA256"
DATE = "20150830T123600Z"
SCOPE = "20150830/service/aws4_request"
PLAIN = Credentials("AKIDEXAMPLE", "secret")
TOKEN = Credentials("AKIDEXAMPLE", "secret", "AQoDYXdzEPT//////////wEXAMPLEtc764+bNAh=")
SETTINGS = [
    presets.DEFAULT,
    presets.S3,
    presets.S3._replace(normalize_path=True),
    presets.S3._replace(sign_session_token=False, content_sha256_header=False),
]


def _signature(sts: str) -> str:
    return hashlib.sha256(sts.encode()).hexdigest()


def _general(
    presign: bool, method: str, url: str, headers: object, body: bytes, creds: Credentials,
    s: SigningSettings, regions: str,
) -> SignedRequest:
    if presign:
        return presign_with(method, url, headers, body, creds, s, None, 900, ALGORITHM, DATE, SCOPE,  # type: ignore[arg-type]
                            _signature, (("X-Amz-Region-Set", regions),))
    return sign_with(method, url, headers, body, creds, s, None, ALGORITHM, DATE, SCOPE,  # type: ignore[arg-type]
                     _signature, (("X-Amz-Region-Set", regions),))


def _fast(
    presign: bool, method: str, url: str, headers: object, body: bytes, creds: Credentials,
    s: SigningSettings, regions: str,
) -> SignedRequest | None:
    if presign:
        return fast.presign_query(method, url, headers, body, creds, s, None, 900, DATE, SCOPE, regions,  # type: ignore[arg-type]
                                  _signature)
    return fast.sign_headers(method, url, headers, body, creds, s, None, DATE, SCOPE, regions,  # type: ignore[arg-type]
                             _signature)


def _same_or_declined(*args: object) -> bool:
    """Assert the fast path equals the general one, or declines; True when it took the request."""
    try:
        expected = _general(*args)  # type: ignore[arg-type]
    except ValueError:
        assert _fast(*args) is None  # type: ignore[arg-type]
        return False
    got = _fast(*args)  # type: ignore[arg-type]
    if got is None:
        return False
    assert tuple(got) == tuple(expected)
    return True


def _suite_requests() -> list[Path]:
    files = sorted(VECTORS.rglob("request.txt")) + sorted(VECTORS.rglob("*.req"))
    assert len(files) > 100
    return files


@pytest.mark.parametrize("presign", [False, True], ids=["header", "query"])
def test_every_suite_request(presign: bool) -> None:
    taken = 0
    for path in _suite_requests():
        raw = parse_request(path.read_bytes())
        for s in SETTINGS:
            for creds in (PLAIN, TOKEN):
                for regions in ("*", "us-east-1,us-west-2"):
                    taken += _same_or_declined(presign, raw.method, raw.url(), raw.headers, raw.body, creds, s, regions)
    assert taken > 500


MRAP = "https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com"


@pytest.mark.parametrize("presign", [False, True], ids=["header", "query"])
@pytest.mark.parametrize(
    "target",
    ["/photos/2024/cat%20picture.jpg?versionId=3%2FL4kqtJlcpXroDTDmJ", "/k", "", "/a/%E2%82%AC/b?x=1&a=%2A",
     "/?list-type=2&prefix=photos%2F2024", "/k?Xa=1&b=2", "/k?Y=1&X=2", "/k?Y=1&b=%2F", "/k?XYZ=1"],
)
def test_common_shapes_take_the_fast_path(presign: bool, target: str) -> None:
    headers = [("Host", MRAP[8:]), ("Content-Type", "image/jpeg"), ("x-amz-meta-owner", "alice")]
    for creds in (PLAIN, TOKEN):
        for headers_in in (headers, dict(headers), headers[1:]):
            assert _same_or_declined(presign, "PUT", MRAP + target, headers_in, b"x" * 10, creds, presets.S3, "*")


@pytest.mark.parametrize(
    "target",
    ["/a%2Fb", "/%41", "/a%2fb", "/a b", "/a+b", "/?a=%41", "/?a=b+c", "/?a", "/?a=b&&c=d", "/?=b", "/?X-Amz-Date=1",
     "/./a", "/é"],
)
def test_other_shapes_agree(target: str) -> None:
    for presign in (False, True):
        for s in SETTINGS:
            _same_or_declined(presign, "GET", MRAP + target, [("Host", MRAP[8:])], b"", PLAIN, s, "*")


_PIECE = st.sampled_from(["a", "Z", "0", "-", ".", "_", "~", "/", "%20", "%2F", "%2f", "%41", "%E2%82%AC", "%ZZ", "%",
                          " ", "+", "=", "&", "é", "*", "X-Amz-"])
_TEXT = st.lists(_PIECE, max_size=8).map("".join)
_NAME = st.sampled_from(["Host", "host", "X-Amz-Meta-A", "x-amz-meta-a", "Content-Type", "X-Amz-Date",
                         "Authorization", "X-Amz-Region-Set", "X-Amz-Security-Token", "x-amz-content-sha256",
                         "User-Agent", "bad name", "Expect"])
_VALUE = st.sampled_from(["v", " v ", "a  b", "a\tb", "", "x\r\ny", "line\n folded", "example.com", "é"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    presign=st.booleans(),
    path=_TEXT,
    query=st.none() | _TEXT,
    headers=st.lists(st.tuples(_NAME, _VALUE), max_size=5),
    setting=st.sampled_from(SETTINGS),
    creds=st.sampled_from([PLAIN, TOKEN]),
    body=st.sampled_from([b"", b"body"]),
)
def test_random_requests(
    presign: bool, path: str, query: str | None, headers: list[tuple[str, str]], setting: SigningSettings,
    creds: Credentials, body: bytes,
) -> None:
    url = f"https://example.amazonaws.com/{path}" + ("" if query is None else f"?{query}")
    _same_or_declined(presign, "get", url, headers, body, creds, setting, "us-east-1,us-west-2")


def test_declines_what_it_does_not_handle() -> None:
    call: Callable[..., object] = fast.sign_headers
    args = (PLAIN, presets.S3, None, DATE, SCOPE, "*", _signature)
    assert call("GET", "not a url", [], b"", *args) is None
    assert call("GET", MRAP + "/a", iter([("Host", "h")]), b"", *args) is None  # neither list, tuple nor dict
    assert call("GET", MRAP + "/a", [("Host", "a"), ("host", "b")], b"", *args) is None
    assert call("GET", MRAP + "/a", [("x-amz-content-sha256", "UNSIGNED-PAYLOAD")], b"", *args) is None


@pytest.mark.parametrize("presign", [False, True], ids=["header", "query"])
def test_every_escape_in_path_and_query(presign: bool) -> None:
    """Each byte as an upper- and a lower-case escape: the fast path keeps exactly the escapes encoding keeps."""
    taken = 0
    for byte in range(256):
        for escape in (f"%{byte:02X}", f"%{byte:02x}"):
            for target in (f"/a{escape}b", f"/a?k{escape}=v{escape}"):
                for s in SETTINGS:
                    taken += _same_or_declined(presign, "GET", MRAP + target, [], b"", PLAIN, s, "*")
    assert taken > 700


def test_header_names_and_values_with_percent_and_repeats() -> None:
    """The cached header layouts: ``%`` in names and values, a repeated name, names in another order."""
    for headers in (
        [("X-Odd%Name", "50%s %d"), ("x-amz-meta-a", "1"), ("X-AMZ-META-A", "2")],
        [("x-amz-meta-a", "1"), ("X-Odd%Name", "%%"), ("X-AMZ-META-A", "2")],
        [("x-amz-meta-a", "%(x)s")],
        [],
    ):
        for presign in (False, True):
            assert _same_or_declined(presign, "GET", MRAP + "/k", headers, b"", PLAIN, presets.S3, "*")


def test_caches_are_bounded_and_hide_their_contents() -> None:
    """The derived keys (per access key and secret) and the fast path's caches: bounded, no secret in repr."""
    from sigcurl.signer import sigv4a

    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    creds = Credentials("AKIDCACHE", secret, "session-token-value")
    sigv4a.private_key_of(creds)
    fast.presign_query("GET", MRAP + "/k", [], b"", creds, presets.S3, None, 60, DATE, SCOPE, "*", _signature)
    assert sigv4a.signer_for(creds) is sigv4a.signer_for(Credentials("AKIDCACHE", secret))  # one entry per key pair
    for cache in (sigv4a._KEYS, fast._PARAMS, fast._LAYOUTS):
        assert 0 < len(cache) <= cache.limit <= 128
        text = repr(cache) + str(cache)
        assert secret not in text and "session-token-value" not in text and "AKIDCACHE" not in text
