"""Signatures per second: ``sigcurl.sign``/``presign`` against botocore's signers.

Three cases: a small GET with a query, a 1 KiB JSON POST, and a presigned
S3 GET (``sigcurl.presign`` against ``SigV4QueryAuth``).  Each signer does
what a caller would do per request: botocore builds an ``AWSRequest`` and
calls ``add_auth`` (which reads the clock), sigcurl takes the current time
and calls ``sign``.  Rounds are interleaved in one process (so both see
the same machine state); rates use the process's CPU time, so other load on
a shared machine skews them less.  The table shows the median rate of each
signer and the median of the per-round speed-ups.

Run: ``python benchmarks/bench_sign.py [--rounds 7] [--seconds 0.25]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timezone

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

import sigcurl

ACCESS, SECRET, TOKEN = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None
REGION = "us-east-1"
GET_URL = "https://dynamodb.us-east-1.amazonaws.com/items/42?limit=10&next=abc"
GET_HEADERS = {"Accept": "application/json"}
POST_URL = "https://dynamodb.us-east-1.amazonaws.com/"
POST_HEADERS = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.PutItem"}
POST_BODY = (b'{"TableName":"t","Item":{"k":{"S":"' + b"v" * 980 + b'"}}}')[:1024]
PRESIGN_URL = "https://bucket.s3.us-east-1.amazonaws.com/reports/2024/report.pdf"

Case = tuple[str, Callable[[], object], Callable[[], object]]


def _cases() -> list[Case]:
    creds = sigcurl.Credentials(ACCESS, SECRET, TOKEN)
    boto = BotoCredentials(ACCESS, SECRET, TOKEN)
    v4 = botocore.auth.SigV4Auth(boto, "dynamodb", REGION)
    query = botocore.auth.S3SigV4QueryAuth(boto, "s3", REGION, expires=3600)
    now = datetime.now
    utc = timezone.utc

    def sc_get() -> object:
        return sigcurl.sign("GET", GET_URL, GET_HEADERS, credentials=creds, region=REGION,
                            service="dynamodb", time=now(utc))

    def bc_get() -> object:
        req = AWSRequest("GET", GET_URL, headers=GET_HEADERS)
        v4.add_auth(req)
        return req

    def sc_post() -> object:
        return sigcurl.sign("POST", POST_URL, POST_HEADERS, POST_BODY, credentials=creds, region=REGION,
                            service="dynamodb", time=now(utc))

    def bc_post() -> object:
        req = AWSRequest("POST", POST_URL, headers=POST_HEADERS, data=POST_BODY)
        v4.add_auth(req)
        return req

    def sc_presign() -> object:
        return sigcurl.presign("GET", PRESIGN_URL, credentials=creds, region=REGION, service="s3",
                               time=now(utc), expires=3600)

    def bc_presign() -> object:
        req = AWSRequest("GET", PRESIGN_URL)
        query.add_auth(req)
        return req

    return [
        ("GET (small, query)", sc_get, bc_get),
        ("POST (1 KiB JSON)", sc_post, bc_post),
        ("presign (S3 GET)", sc_presign, bc_presign),
    ]


def _rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds``."""
    n = 0
    batch = 200
    clock = time.process_time
    start = clock()
    end = start + seconds
    while True:
        for _ in range(batch):
            fn()
        n += batch
        t = clock()
        if t >= end:
            return n / (t - start)


def main() -> None:
    """Run the interleaved rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.25, help="per signer, per case, per round")
    args = parser.parse_args()
    cases = _cases()
    for _, a, b in cases:  # warm up: caches, imports
        for _ in range(500):
            a()
            b()
    rates: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name, _, _ in cases}
    for r in range(args.rounds):
        for name, ours, theirs in cases:
            first, second = (ours, theirs) if r % 2 == 0 else (theirs, ours)
            x = _rate(first, args.seconds)
            y = _rate(second, args.seconds)
            s, b = (x, y) if r % 2 == 0 else (y, x)
            rates[name][0].append(s)
            rates[name][1].append(b)
    print(f"Median of {args.rounds} interleaved rounds, signatures per CPU-second:\n")
    print("| case | sigcurl | botocore | speed-up |")
    print("|---|---:|---:|---:|")
    for name, (ours_r, theirs_r) in rates.items():
        s, b = statistics.median(ours_r), statistics.median(theirs_r)
        # The speed-up is the median of the per-round ratios: both signers of a
        # round ran back to back, so a load change between rounds cancels out.
        ratio = statistics.median(x / y for x, y in zip(ours_r, theirs_r))
        print(f"| {name} | {s:,.0f} | {b:,.0f} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
