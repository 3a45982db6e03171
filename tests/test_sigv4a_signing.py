"""SigV4a (AWS4-ECDSA-P256-SHA256) through the library call: region sets in the header and the
query, bad region sets, the SigV4 streaming marker refused, a missing ``cryptography`` as a
one-line error, and SigV4 never importing it.

ECDSA signatures are randomised, so signatures are *verified* (with
``cryptography`` and with awscrt) rather than compared.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

import sigcurl
from sigcurl.signer import sigv4a
from sigcurl.signer.types import EMPTY_SHA256
from support.sigv4a_checks import ALGORITHM, EXAMPLE, verify_signature

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
    assert verify_signature(sigv4a.public_key_of(EXAMPLE), signed.string_to_sign, signed.signature)
    url_signed = sigcurl.presign("GET", url, credentials=EXAMPLE, region=given_set, service="s3", time=WHEN, algorithm="sigv4a", expires=60)
    query = dict(parse_qsl(urlsplit(url_signed.url).query))
    assert query["X-Amz-Region-Set"] == sent
    assert query["X-Amz-Algorithm"] == ALGORITHM
    assert query["X-Amz-Credential"] == "AKIDEXAMPLE/20150830/s3/aws4_request"
    assert url_signed.canonical_request.endswith("\nhost\nUNSIGNED-PAYLOAD")
    assert verify_signature(sigv4a.public_key_of(EXAMPLE), url_signed.string_to_sign, query["X-Amz-Signature"])


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
    from sigcurl.errors import SigcurlError

    line = SigcurlError(info.value.what, info.value.fix).line()  # as the command prints it
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
