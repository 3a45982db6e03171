"""Signatures per second: ``sigcurl.sign``/``presign`` against botocore's signers.

Three cases: a small GET with a query, a 1 KiB JSON POST, and a presigned
S3 GET (``sigcurl.presign`` against ``S3SigV4QueryAuth``), each measured two
ways:

* repeated: the same request signed again and again (sigcurl reads the
  clock per call, so only the timestamp changes);
* distinct: every request differs, as in real use: its own query value,
  header value, body and timestamp, drawn from a pool of 8192 requests
  built before timing (larger than any of the signer's caches, so nothing
  request-specific is ever found cached).

Each signer does what a caller does per request: botocore builds an
``AWSRequest`` and calls ``add_auth`` (which reads the clock), sigcurl calls
``sign`` with the request's time.  Rounds are interleaved in one process and
the speed-up is the median of the per-round ratios (see ``sigbench``).
Results go to stdout (Markdown, with the machine's load average over the
run) and, with ``--json``, to ``bench_sign.json`` beside this script.

Run: ``python benchmarks/bench_sign.py [--rounds 9] [--seconds 0.25] [--json [PATH]]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

sys.path.insert(0, str(Path(__file__).parent))
from results import add_json_option  # noqa: E402
from sigbench import Pair, Runner, interleaved, table, write_json  # noqa: E402

import sigcurl  # noqa: E402

ACCESS, SECRET, TOKEN = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None
REGION = "us-east-1"
POOL = 8192
START = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


class Request(NamedTuple):
    """One request of a pool, as both signers are given it."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    time: datetime


def _get(i: int) -> Request:
    return Request(
        "GET", f"https://dynamodb.us-east-1.amazonaws.com/items/{i}?limit=10&next=abc{i:05d}",
        {"Accept": "application/json", "X-Request-Tag": f"job-{i:05d}"}, b"", START + timedelta(seconds=i),
    )


def _post(i: int) -> Request:
    body = (b'{"TableName":"t","Item":{"k":{"S":"%05d' % i + b"v" * 990 + b'"}}}')[:1024]
    return Request(
        "POST", "https://dynamodb.us-east-1.amazonaws.com/",
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.PutItem",
         "X-Request-Tag": f"job-{i:05d}"},
        body, START + timedelta(seconds=i),
    )


def _presign(i: int) -> Request:
    return Request(
        "GET", f"https://bucket.s3.us-east-1.amazonaws.com/reports/2024/report-{i:05d}.pdf?versionId=v{i:05d}",
        {}, b"", START + timedelta(seconds=i),
    )


def _runners(pool: list[Request], service: str, presign: bool, repeated: bool) -> tuple[Runner, Runner]:
    """(sigcurl, botocore) runners over ``pool``."""
    creds = sigcurl.Credentials(ACCESS, SECRET, TOKEN)
    boto = BotoCredentials(ACCESS, SECRET, TOKEN)
    auth: Any = (
        botocore.auth.S3SigV4QueryAuth(boto, service, REGION, expires=3600)
        if presign else botocore.auth.SigV4Auth(boto, service, REGION)
    )
    size = len(pool)
    now, utc = datetime.now, timezone.utc
    sign, presign_ = sigcurl.sign, sigcurl.presign

    def ours(start: int, count: int) -> None:
        for i in range(start, start + count):
            r = pool[i % size]
            t = now(utc) if repeated else r.time
            if presign:
                presign_(r.method, r.url, r.headers, credentials=creds, region=REGION, service=service,
                         time=t, expires=3600)
            else:
                sign(r.method, r.url, r.headers, r.body, credentials=creds, region=REGION, service=service,
                     time=t)

    def theirs(start: int, count: int) -> None:
        for i in range(start, start + count):
            r = pool[i % size]
            auth.add_auth(AWSRequest(r.method, r.url, headers=r.headers, data=r.body))

    return ours, theirs


def pairs() -> list[Pair]:
    """The six cases: GET, POST and presign, repeated and distinct."""
    out = []
    for label, make, service, presign in (
        ("GET (small, query)", _get, "dynamodb", False),
        ("POST (1 KiB JSON)", _post, "dynamodb", False),
        ("presign (S3 GET)", _presign, "s3", True),
    ):
        for repeated in (True, False):
            pool = [make(0)] if repeated else [make(i) for i in range(POOL)]
            ours, theirs = _runners(pool, service, presign, repeated)
            out.append(Pair(f"{label}, {'repeated' if repeated else 'distinct'}", ours, theirs))
    return out


def main() -> None:
    """Run the interleaved rounds, print the table and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=0.25, help="per signer, per case, per round")
    add_json_option(parser, "sign")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    results = interleaved(pairs(), args.rounds, args.seconds)
    load_after = os.getloadavg()[0]
    print(f"Median of {args.rounds} interleaved rounds, signatures per CPU-second:\n")
    print(table(results, "botocore"))
    print(f"\nLoad average (1 min) at the start and the end: {load_before:.2f}, {load_after:.2f} "
          f"on {os.cpu_count()} CPUs")
    if args.json:
        write_json(Path(args.json), "sign", "botocore", results, args.rounds)


if __name__ == "__main__":
    main()
