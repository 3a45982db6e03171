"""SigV4a signatures per second: sigcurl against awscrt (the AWS C signer).

Usage::

    python benchmarks/bench_sigv4a.py [--rounds 9] [--seconds 0.5] [--json [PATH]]

Both signers get the same pool of distinct requests (S3 PUTs through a
Multi-Region Access Point: every request has its own object key, version
id, metadata value and 1 KiB body; four signed headers), signed in the same
order: a request is never the same as the one before, so no cache of
canonical paths or queries helps either side more than it would in real
use.  Every round runs each pair back to back for about ``--seconds`` of
CPU time each, alternating which goes first (``sigbench.interleaved``);
the table shows median rates and the median of the rounds' ratios.

Like with like: each side keeps what a running process keeps.  sigcurl
reuses one ``Credentials`` (its derived P-256 key is cached per key pair);
awscrt reuses one static credentials provider and one signing config per
signature type, as a long-lived awscrt client does.  The signing time is
the same fixed instant for both (awscrt's lives in its config; sigcurl
formats it on every call).  Before timing, the first request of each kind
is signed by both and awscrt's signature is verified against sigcurl's
string to sign, which proves both sign the same canonical request.

Rows: header and presign (a full signature: canonical request, string to
sign, ECDSA P-256), and, printed only, the floor -- ``cryptography``'s
ECDSA P-256 sign alone with the same key object -- and sigcurl deriving a
key for an uncached key pair (the first signature of a process pays it).

awscrt is a test-only dependency; the benchmark needs it installed.  No
secret is printed: the credentials are AWS's documented example keys.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from awscrt import auth as crt_auth
from awscrt import http as crt_http

sys.path.insert(0, str(Path(__file__).resolve().parent))
import results  # noqa: E402
from sigbench import Pair, Result, interleaved, table  # noqa: E402

import sigcurl  # noqa: E402
from sigcurl.signer import sigv4a  # noqa: E402

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
HOST = "mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com"
WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
#: Larger than every cache of the signer (1,024 to 2,048 entries), so the pool never repeats in them.
POOL = 4096


class Request(NamedTuple):
    """One request of the pool, as both signers are given it."""

    target: str  # path and query, as sent
    headers: list[tuple[str, str]]
    body: bytes


def _request(i: int) -> Request:
    return Request(
        f"/photos/2024/cat%20picture-{i:05d}.jpg?versionId=3%2FL4kqtJlcpXroDTDmJ{i:05d}",
        [
            ("Host", HOST),
            ("Content-Type", "image/jpeg"),
            ("x-amz-meta-owner", f"alice-{i:05d}"),
            ("x-amz-storage-class", "STANDARD"),
        ],
        (b"%05d" % i) * 205,  # 1,025 bytes, its own per request
    )


def _crt_config(query: bool) -> crt_auth.AwsSigningConfig:
    provider = crt_auth.AwsCredentialsProvider.new_static(ACCESS_KEY, SECRET_KEY)
    return crt_auth.AwsSigningConfig(
        algorithm=crt_auth.AwsSigningAlgorithm.V4_ASYMMETRIC,
        signature_type=(
            crt_auth.AwsSignatureType.HTTP_REQUEST_QUERY_PARAMS
            if query
            else crt_auth.AwsSignatureType.HTTP_REQUEST_HEADERS
        ),
        credentials_provider=provider,
        region="*",
        service="s3",
        date=WHEN,
        use_double_uri_encode=False,
        should_normalize_uri_path=False,
        signed_body_value=crt_auth.AwsSignedBodyValue.UNSIGNED_PAYLOAD if query else None,
        signed_body_header_type=(
            crt_auth.AwsSignedBodyHeaderType.NONE if query else crt_auth.AwsSignedBodyHeaderType.X_AMZ_CONTENT_SHA_256
        ),
        expiration_in_seconds=900 if query else None,
    )


def _pairs(pool: list[Request]) -> list[Pair]:
    creds = sigcurl.Credentials(ACCESS_KEY, SECRET_KEY)
    base = f"https://{HOST}"
    size = len(pool)
    sign, presign = sigcurl.sign, sigcurl.presign
    header_config, query_config = _crt_config(False), _crt_config(True)
    HttpRequest, HttpHeaders, aws_sign_request, BytesIO = (  # noqa: N806
        crt_http.HttpRequest, crt_http.HttpHeaders, crt_auth.aws_sign_request, io.BytesIO
    )

    def header_ours(start: int, count: int) -> None:
        for i in range(start, start + count):
            r = pool[i % size]
            sign("PUT", base + r.target, r.headers, r.body, credentials=creds, region="*", service="s3",
                 time=WHEN, algorithm="sigv4a")

    def header_theirs(start: int, count: int) -> None:
        for i in range(start, start + count):
            r = pool[i % size]
            request = HttpRequest("PUT", r.target, HttpHeaders(r.headers), BytesIO(r.body))
            aws_sign_request(request, header_config).result()

    def presign_ours(start: int, count: int) -> None:
        for i in range(start, start + count):
            r = pool[i % size]
            presign("PUT", base + r.target, r.headers, credentials=creds, region="*", service="s3",
                    time=WHEN, expires=900, algorithm="sigv4a")

    def presign_theirs(start: int, count: int) -> None:
        for i in range(start, start + count):
            r = pool[i % size]
            request = HttpRequest("PUT", r.target, HttpHeaders(r.headers))
            aws_sign_request(request, query_config).result()

    _cross_check(pool[0], creds, header_config, query_config)
    return [
        Pair("SigV4a header", header_ours, header_theirs),
        Pair("SigV4a presign", presign_ours, presign_theirs),
    ]


def _cross_check(
    r: Request, creds: sigcurl.Credentials, header_config: crt_auth.AwsSigningConfig,
    query_config: crt_auth.AwsSigningConfig,
) -> None:
    """awscrt's signatures of ``r`` verify against sigcurl's strings to sign (the same request is signed)."""
    x, y = sigv4a.public_key_of(creds)
    url = f"https://{HOST}{r.target}"
    ours = sigcurl.sign("PUT", url, r.headers, r.body, credentials=creds, region="*", service="s3",
                        time=WHEN, algorithm="sigv4a")
    request = crt_http.HttpRequest("PUT", r.target, crt_http.HttpHeaders(r.headers), io.BytesIO(r.body))
    crt_auth.aws_sign_request(request, header_config).result()
    theirs = request.headers.get("Authorization").rpartition("Signature=")[2]
    assert sigv4a.verify(x, y, ours.string_to_sign, theirs), "header: awscrt signed another canonical request"
    ours = sigcurl.presign("PUT", url, r.headers, credentials=creds, region="*", service="s3",
                           time=WHEN, expires=900, algorithm="sigv4a")
    request = crt_http.HttpRequest("PUT", r.target, crt_http.HttpHeaders(r.headers))
    crt_auth.aws_sign_request(request, query_config).result()
    theirs = parse_qs(urlsplit(request.path).query)["X-Amz-Signature"][0]
    assert sigv4a.verify(x, y, ours.string_to_sign, theirs), "presign: awscrt signed another canonical request"


def _floor(seconds: float) -> float:
    """``cryptography``'s ECDSA P-256 signatures per CPU-second with sigcurl's cached key object."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    key = sigv4a.private_key_of(sigcurl.Credentials(ACCESS_KEY, SECRET_KEY))
    algorithm = ec.ECDSA(Prehashed(hashes.SHA256()))
    digests = [hashlib.sha256(b"%d" % i).digest() for i in range(256)]
    return _cpu_rate(lambda i: key.sign(digests[i & 255], algorithm), seconds)


def _derivation(seconds: float) -> float:
    """Keys derived per CPU-second for key pairs never seen before (the cache kept cold)."""
    def derive(i: int) -> object:
        fresh = sigcurl.Credentials(f"AKIDBENCH{i:011d}", SECRET_KEY)
        key = sigv4a.private_key_of(fresh)
        sigv4a._KEYS.pop((fresh.access_key, fresh.secret_key), None)
        return key

    return _cpu_rate(derive, seconds)


def _cpu_rate(fn: Callable[[int], object], seconds: float) -> float:
    clock, n = time.process_time, 0
    t0 = clock()
    while True:
        for _ in range(64):
            fn(n)
            n += 1
        t = clock()
        if t - t0 >= seconds:
            return n / (t - t0)


def main() -> None:
    """Run the interleaved rounds, print the table (and the floor), optionally write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=0.5, help="CPU time per signer per round")
    results.add_json_option(parser, "sigv4a")
    args = parser.parse_args()

    pool = [_request(i) for i in range(POOL)]
    found: list[Result] = interleaved(_pairs(pool), args.rounds, args.seconds)
    floor = _floor(args.seconds * 2)
    derivation = _derivation(args.seconds)
    versions = f"awscrt {_version('awscrt')}, cryptography {_version('cryptography')}"
    print(f"SigV4a signing, {args.rounds} interleaved rounds x {args.seconds}s CPU, {POOL} distinct requests")
    print(f"Python {sys.version.split()[0]}; {versions}\n")
    print(table(found, "awscrt", "{:.2f}x"))
    print(f"\nfloor: cryptography ECDSA P-256 sign alone (prehashed, same key): {floor:,.0f}/s "
          f"({1e6 / floor:.1f} µs); sigcurl key derivation, uncached key pair: {derivation:,.0f}/s")
    for r in found:
        print(f"{r.group}: sigcurl {1e6 / r.ours:.1f} µs, awscrt {1e6 / r.theirs:.1f} µs, "
              f"sigcurl above the floor {1e6 / r.ours - 1e6 / floor:.1f} µs")
    if args.json:
        rows = []
        for r in found:
            rows.append({"group": r.group, "tool": "sigcurl", "value": round(r.ours)})
            rows.append({"group": r.group, "tool": "awscrt", "value": round(r.theirs)})
        ratios = ", ".join(f"{r.group.split()[-1]} {r.ratio:.2f}x" for r in found)
        results.write(
            args.json, "sigv4a", "signatures/s", True, rows,
            source=(f"python benchmarks/bench_sigv4a.py --json ({args.rounds} interleaved rounds, {POOL} distinct "
                    f"requests, per CPU-second; {versions}; median ratios {ratios}; ECDSA floor {floor:,.0f}/s)"),
        )


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    main()
