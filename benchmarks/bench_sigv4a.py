"""SigV4a signatures per second: sigcurl against awscrt (the AWS C signer).

Usage::

    python benchmarks/bench_sigv4a.py [--rounds 7] [--seconds 0.5]

Each round runs every contender for about ``--seconds`` on the same request
(an S3 PUT through a Multi-Region Access Point, four signed headers and a
small body), interleaved so that machine noise hits every contender alike;
the table shows the median rate over the rounds and the ratio to awscrt.
Rows:

* header / presign: a full signature (canonical request, string to sign,
  ECDSA P-256) with the derived key cached, which is how a running process
  signs (sigcurl caches the key per key pair; awscrt derives it from its
  static credentials provider as it normally does);
* key derivation: sigcurl deriving the P-256 key from an uncached key pair
  (the first signature of a process pays this once).

awscrt is a test-only dependency; the benchmark needs it installed.  No
secret is printed: the credentials are AWS's documented example keys.
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timezone

from awscrt import auth as crt_auth
from awscrt import http as crt_http

import sigcurl
from sigcurl.signer import sigv4a

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
HOST = "mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com"
TARGET = "/photos/2024/cat%20picture.jpg?versionId=3%2FL4kqtJlcpXroDTDmJ"
HEADERS = [
    ("Host", HOST),
    ("Content-Type", "image/jpeg"),
    ("x-amz-meta-owner", "alice"),
    ("x-amz-storage-class", "STANDARD"),
]
BODY = b"x" * 1024
WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def _contenders() -> dict[str, Callable[[], object]]:
    creds = sigcurl.Credentials(ACCESS_KEY, SECRET_KEY)
    url = f"https://{HOST}{TARGET}"
    provider = crt_auth.AwsCredentialsProvider.new_static(ACCESS_KEY, SECRET_KEY)

    def crt_config(query: bool) -> crt_auth.AwsSigningConfig:
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

    header_config, query_config = crt_config(False), crt_config(True)

    def crt_sign(config: crt_auth.AwsSigningConfig) -> object:
        request = crt_http.HttpRequest("PUT", TARGET, crt_http.HttpHeaders(HEADERS), io.BytesIO(BODY))
        return crt_auth.aws_sign_request(request, config).result()

    counter = iter(range(10**12))

    def derive_cold() -> object:
        fresh = sigcurl.Credentials(f"AKIDBENCH{next(counter):011d}", SECRET_KEY)
        key = sigv4a.private_key_of(fresh)
        sigv4a._KEYS.pop((fresh.access_key, fresh.secret_key), None)  # keep the cache cold
        return key

    return {
        "header|sigcurl": lambda: sigcurl.sign(
            "PUT", url, HEADERS, BODY, credentials=creds, region="*", service="s3", time=WHEN, algorithm="sigv4a"
        ),
        "header|awscrt": lambda: crt_sign(header_config),
        "presign|sigcurl": lambda: sigcurl.presign(
            "PUT", url, HEADERS, credentials=creds, region="*", service="s3", time=WHEN, expires=900, algorithm="sigv4a"
        ),
        "presign|awscrt": lambda: crt_sign(query_config),
        "key derivation|sigcurl": derive_cold,
    }


def _rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (batches, perf_counter)."""
    batch, calls, start = 16, 0, time.perf_counter()
    while True:
        for _ in range(batch):
            fn()
        calls += batch
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed


def main() -> None:
    """Run the interleaved rounds and print a Markdown table of median rates."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.5, help="time per contender per round")
    args = parser.parse_args()

    contenders = _contenders()
    for fn in contenders.values():  # warm up: imports, key cache, awscrt event loop
        for _ in range(50):
            fn()
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for r in range(args.rounds):
        order = names if r % 2 == 0 else names[::-1]  # alternate order against drift
        for name in order:
            rates[name].append(_rate(contenders[name], args.seconds))

    median = {name: statistics.median(v) for name, v in rates.items()}
    print(f"SigV4a signing, {args.rounds} interleaved rounds x {args.seconds}s, median rate")
    print(f"Python {platform.python_version()} on {platform.machine()}; awscrt {_version('awscrt')}, "
          f"cryptography {_version('cryptography')}\n")
    print("| operation | sigcurl (sig/s) | awscrt (sig/s) | sigcurl / awscrt |")
    print("|---|---:|---:|---:|")
    for op in dict.fromkeys(n.split("|")[0] for n in names):
        ours = median.get(f"{op}|sigcurl")
        theirs = median.get(f"{op}|awscrt")
        ratio = f"{ours / theirs:.2f}x" if ours and theirs else "n/a"
        print(f"| {op} | {_fmt(ours)} | {_fmt(theirs)} | {ratio} |")


def _fmt(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:,.0f}"


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    main()
