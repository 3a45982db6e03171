#!/usr/bin/env python
"""Regenerate ``sigcurl/_endpoint_data.py`` from botocore's data files.

Run after upgrading botocore (a development dependency only; sigcurl never
imports it at run time)::

    python scripts/gen_endpoints.py          # rewrite the data module
    python scripts/gen_endpoints.py --check  # exit 1 if it is out of date

What it derives:

- ``PREFIXES``: every endpoint prefix -> signing name, from each service's
  ``metadata.endpointPrefix``/``metadata.signingName`` (service-2.json) and
  the partitions' ``credentialScope.service`` overrides (endpoints.json).
- ``PREFIXES`` also gets the hosts that operations' static host prefixes
  (endpoint traits) make of an endpoint prefix when no known prefix ends
  them: ``sync-`` + ``states`` -> ``sync-states`` signs as ``states``,
  ``data-`` + ``servicediscovery``, ``stream-`` + ``logs`` (Live Tail).
- ``REGIONS``, ``DNS_SUFFIXES`` and ``REGION_PATTERN`` from the partitions.
- ``HOSTS``: the exact hosts that ``sigcurl.endpoints`` would otherwise read
  wrongly. Every host botocore can build is enumerated -- each service's
  endpoint rule set evaluated for every region with and without FIPS and
  dualstack, plus every hostname in endpoints.json -- with the signing name
  and region botocore signs it with; the hosts whose shape already says so
  are dropped, and the rest are kept verbatim.
- ``JSON_VERSIONS``: signing name -> the version of the AWS JSON protocol its
  service speaks (``application/x-amz-json-1.0`` or ``-1.1``), for ``--json``
  requests with ``X-Amz-Target``.
- ``SERVICE_IDS``: signing name -> the service ID in snake case, the name the
  AWS CLI's ``AWS_ENDPOINT_URL_<SERVICE>`` and ``services`` sections use.
"""

from __future__ import annotations

import argparse
import importlib
import pprint
import sys
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.endpoint_provider import EndpointProvider
from botocore.loaders import Loader

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "sigcurl" / "_endpoint_data.py"

# Hosts that are not any service's endpoint prefix but whose first labels
# name the signing service (resource.LABEL.REGION...).
EXTRA_PREFIXES = {
    "execute-api": "execute-api",  # API Gateway invoke URLs
    "lambda-url": "lambda",  # Lambda function URLs (*.lambda-url.REGION.on.aws)
    "appsync-api": "appsync",  # AppSync GraphQL endpoints
    "appsync-realtime-api": "appsync",
}
EXTRA_SIGNING_NAMES = ("execute-api", "lambda", "s3-object-lambda", "s3-outposts", "s3express", "iotdata")
EXTRA_SUFFIXES = ("on.aws",)  # Lambda function URLs

# Truth = (signing name, signing region, requires SigV4a)
Truth = tuple[str, str, bool]


def load(loader: Loader) -> dict[str, Any]:
    """Every service's metadata, keyed by service name."""
    return {
        name: loader.load_service_model(name, "service-2")["metadata"]
        for name in loader.list_available_services("service-2")
    }


def json_versions(metadata: dict[str, Any]) -> dict[str, str]:
    """Signing name -> the AWS JSON protocol version (its ``application/x-amz-json-<v>``).

    A signing name whose services disagree is left out (the caller then keeps
    ``application/json``).
    """
    seen: dict[str, set[str]] = defaultdict(set)
    for meta in metadata.values():
        protocols = meta.get("protocols") or [meta.get("protocol")]
        if "json" in protocols and meta.get("jsonVersion"):
            seen[meta.get("signingName") or meta["endpointPrefix"]].add(meta["jsonVersion"])
    return {name: next(iter(v)) for name, v in seen.items() if len(v) == 1}


def service_ids(metadata: dict[str, Any]) -> dict[str, str]:
    """Signing name -> the service ID in snake case (``AWS_ENDPOINT_URL_<ID>`` upper-cased, the
    ``services`` section's key), as botocore's ``ConfiguredEndpointProvider`` spells it
    (``serviceId`` with spaces as hyphens, lower case, hyphens as underscores).

    A signing name several services share keeps the service whose endpoint prefix
    (else whose name) is that signing name, else the first by name.
    """
    ranked: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for name, meta in sorted(metadata.items()):
        prefix = meta["endpointPrefix"]
        signing = meta.get("signingName", prefix)
        snake = meta["serviceId"].replace(" ", "-").lower().replace("-", "_")
        rank = 0 if prefix == signing else 1 if name == signing else 2
        ranked[signing].append((rank, name, snake))
    return {signing: min(options)[2] for signing, options in ranked.items()}


def prefix_table(metadata: dict[str, Any], endpoints: dict[str, Any]) -> dict[str, str]:
    """Endpoint prefix -> signing name. A prefix shared by services with
    different signing names keeps the one of the service named like it."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for name, meta in metadata.items():
        prefix = meta["endpointPrefix"]
        signing = meta.get("signingName", prefix)
        votes[prefix][signing] += 10 if name == prefix else 1
    for partition in endpoints["partitions"]:
        for prefix, service in partition["services"].items():
            scoped = service.get("defaults", {}).get("credentialScope", {}).get("service")
            if scoped:
                votes[prefix][scoped] += 100  # what botocore's endpoint bridge signs with
    table = {prefix: counter.most_common(1)[0][0] for prefix, counter in votes.items()}
    for prefix, counter in votes.items():
        if len(counter) > 1:
            print(f"note: prefix {prefix!r} signs as {dict(counter)}; using {table[prefix]!r}", file=sys.stderr)
    table.update(EXTRA_PREFIXES)
    return table


def host_prefix_forms(loader: Loader, metadata: dict[str, Any], prefixes: dict[str, str]) -> dict[str, str]:
    """Prefixes made by operations' static ``hostPrefix`` (``data-`` + ``lakeformation``)
    -> the service's signing name, where no known prefix already ends them."""
    found: dict[str, str] = {}
    for name, meta in sorted(metadata.items()):
        endpoint_prefix = meta["endpointPrefix"]
        signing = meta.get("signingName", endpoint_prefix)
        for operation in loader.load_service_model(name, "service-2")["operations"].values():
            host_prefix = operation.get("endpoint", {}).get("hostPrefix", "")
            if not host_prefix or "{" in host_prefix:
                continue  # none, or a per-request label (an account ID, a graph ID)
            key = host_prefix + endpoint_prefix
            labels = key.split(".")
            if not any(".".join(labels[i:]) in prefixes for i in range(len(labels))):
                found[key] = signing
    return found


def ruleset_hosts(
    loader: Loader, metadata: dict[str, Any], regions: list[str], pseudo: list[str]
) -> Iterator[tuple[str, Truth, str]]:
    """Evaluate every SigV4 service's endpoint rule set for every region and
    FIPS/dualstack combination; yield (host, how botocore signs it, region given).

    The partitions' pseudo-regions (``aws-global``) are given too, but hosts
    that merely echo them are dropped."""
    partitions = loader.load_data("partitions")
    for name, meta in sorted(metadata.items()):
        if meta.get("signatureVersion") in ("v2", "bearer") and "aws.auth#sigv4" not in meta.get("auth", []):
            continue  # not signed with SigV4 (SimpleDB, Import/Export, CodeCatalyst)
        ruleset = loader.load_service_model(name, "endpoint-rule-set-1")
        provider = EndpointProvider(ruleset, partitions)
        params = ruleset["parameters"]
        default_signing = meta.get("signingName", meta["endpointPrefix"])
        for region in regions + pseudo:
            for fips in (False, True):
                for dualstack in (False, True):
                    kwargs: dict[str, Any] = {"Region": region}
                    if "UseFIPS" in params:
                        kwargs["UseFIPS"] = fips
                    elif fips:
                        continue
                    if "UseDualStack" in params:
                        kwargs["UseDualStack"] = dualstack
                    elif dualstack:
                        continue
                    try:
                        resolved = provider.resolve_endpoint(**kwargs)
                    except Exception:  # the rule set rejects this combination
                        continue
                    host = urlsplit(resolved.url).hostname
                    if not host or "{" in resolved.url or "." not in host:
                        continue  # a template, or localhost (DynamoDB local)
                    if region in pseudo and region in host:
                        continue  # the pseudo-region echoed: abuse.aws-global.amazonaws.com
                    yield host, sign_with(resolved.properties, default_signing, region), region


def sign_with(properties: dict[str, Any], signing: str, region: str) -> Truth:
    """How botocore signs for a resolved endpoint: the first auth scheme's
    overrides, else the model's signing name and the client's region."""
    schemes = properties.get("authSchemes") or []
    names = [scheme["name"] for scheme in schemes]
    sigv4a = bool(names) and not any(n.startswith("sigv4") and n != "sigv4a" for n in names)
    for scheme in schemes:
        if scheme["name"] == "sigv4a" and not sigv4a:
            continue
        signing = scheme.get("signingName", signing)
        if scheme["name"] == "sigv4a":
            region = ",".join(scheme.get("signingRegionSet", ["*"]))
        else:
            region = scheme.get("signingRegion", region)
        break
    return signing, region, sigv4a


def legacy_hosts(endpoints: dict[str, Any], prefixes: dict[str, str], regions: set[str]) -> Iterator[tuple[str, Truth]]:
    """Every hostname in endpoints.json (the pre-rule-set data), with the
    credential scope botocore's endpoint bridge signs with."""
    for partition in endpoints["partitions"]:
        suffix = partition["dnsSuffix"]
        for prefix, service in partition["services"].items():
            if prefix not in prefixes:
                continue  # an entry no client uses
            defaults = service.get("defaults", {})
            for key, endpoint in service["endpoints"].items():
                scope = {**defaults.get("credentialScope", {}), **endpoint.get("credentialScope", {})}
                region = scope.get("region", key)
                if region not in regions:
                    continue
                truth = (scope.get("service", prefixes[prefix]), region, False)
                template = endpoint.get("hostname") or defaults.get("hostname") or partition["defaults"]["hostname"]
                variants = [(template, suffix)] + [
                    (v.get("hostname", ""), v.get("dnsSuffix", suffix)) for v in endpoint.get("variants", [])
                ]
                for hostname, dns_suffix in variants:
                    if hostname:
                        host = hostname.format(service=prefix, region=key, dnsSuffix=dns_suffix).lower()
                        if "." in host and ":" not in host:  # not localhost:8000 (DynamoDB local)
                            yield host, truth


def decide(host: str, counter: Counter[tuple[Truth, str]]) -> Truth:
    """One answer for a host several (service, region) inputs build.

    When every input signs with its own region, the host does not say which
    region it is (region None). Otherwise the most common answer wins.
    """
    answers: Counter[Truth] = Counter()
    for (truth, _), weight in counter.items():
        answers[truth] += weight
    (signing, region, sigv4a), _ = answers.most_common(1)[0]
    inputs = {given for (truth, given) in counter}
    if len(inputs) > 1 and all(truth[1] == given for (truth, given) in counter):
        return signing, None, sigv4a  # type: ignore[return-value]
    if len(answers) > 1:
        print(f"note: {host} signs as {dict(answers)}; using {(signing, region)}", file=sys.stderr)
    return signing, region, sigv4a


def reload(text: str) -> Any:
    """Write the data module and (re)import sigcurl.endpoints over it."""
    OUTPUT.write_text(text)
    import sigcurl._endpoint_data as data
    import sigcurl.endpoints as module

    importlib.reload(data)
    return importlib.reload(module)


def render(tables: dict[str, Any]) -> str:
    lines = [
        '"""Endpoint tables for sigcurl.endpoints (generated: do not edit).',
        "",
        "Regenerate with ``python scripts/gen_endpoints.py`` from botocore's data files.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
    ]
    for name, (annotation, value) in tables.items():
        text = pprint.pformat(value, width=100, sort_dicts=True)
        lines.append(f"{name}: {annotation} = {text}")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the data module is out of date")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    loader = Loader()
    endpoints = loader.load_data("endpoints")
    partitions = loader.load_data("partitions")
    metadata = load(loader)
    prefixes = prefix_table(metadata, endpoints)
    prefixes.update(host_prefix_forms(loader, metadata, prefixes))

    regions: set[str] = set()
    pseudo: set[str] = set()
    suffixes: set[str] = set(EXTRA_SUFFIXES)
    patterns = []
    for partition in endpoints["partitions"]:
        regions.update(partition["regions"])
        suffixes.add(partition["dnsSuffix"])
        suffixes.update(v["dnsSuffix"] for v in partition["defaults"].get("variants", []))
    for partition in partitions["partitions"]:
        for region in partition["regions"]:
            (pseudo if region.endswith("-global") else regions).add(region)
        suffixes.add(partition["outputs"]["dnsSuffix"])
        suffixes.add(partition["outputs"]["dualStackDnsSuffix"])
        patterns.append(partition["regionRegex"].removeprefix("^").removesuffix("$"))

    signing_names = set(prefixes.values()) | set(EXTRA_SIGNING_NAMES)

    truths: dict[str, Counter[tuple[Truth, str]]] = defaultdict(Counter)
    for host, truth, given in ruleset_hosts(loader, metadata, sorted(regions), sorted(pseudo)):
        truths[host][truth, given] += 1000  # the rule sets are what botocore uses today
        signing_names.add(truth[0])
    for host, truth in legacy_hosts(endpoints, prefixes, regions):
        truths[host][truth, truth[1]] += 1

    resolved = {host: decide(host, counter) for host, counter in sorted(truths.items())}

    tables: dict[str, Any] = {
        "REGIONS": ("tuple[str, ...]", tuple(sorted(regions))),
        "REGION_PATTERN": ("str", "|".join(f"(?:{p})" for p in sorted(set(patterns)))),
        "DNS_SUFFIXES": ("tuple[str, ...]", tuple(sorted(suffixes, key=lambda s: (-len(s), s)))),
        "SIGNING_NAMES": ("tuple[str, ...]", tuple(sorted(signing_names))),
        "PREFIXES": ("dict[str, str]", prefixes),
        "HOSTS": ("dict[str, tuple[str, str | None, bool]]", {}),
        "JSON_VERSIONS": ("dict[str, str]", json_versions(metadata)),
        "SERVICE_IDS": ("dict[str, str]", service_ids(metadata)),
    }
    # Pass 1, the shape rules alone: learn the prefixes that rule sets spell
    # differently from endpointPrefix (aos -> es, efs -> elasticfilesystem).
    # Pass 2: keep verbatim only the hosts the shape rules still misread.
    old = OUTPUT.read_text() if OUTPUT.exists() else None
    sys.path.insert(0, str(ROOT))
    try:
        module = reload(render(tables))
        learned: dict[str, Counter[str]] = defaultdict(Counter)
        for host, (signing, region, sigv4a) in resolved.items():
            got = module._parse(host)
            if got is None or got.s3 or got.region != region or got.service == signing or sigv4a:
                continue
            labels = module._aws_labels(host)
            split = module._split_aws(labels) if labels else None
            if split is not None and split[2] is None:
                learned[".".join(split[0])][signing] += 1
        for prefix, counter in learned.items():
            if len(counter) == 1 and prefix not in prefixes:
                prefixes[prefix] = next(iter(counter))
        module = reload(render(tables))
        hosts: dict[str, tuple[str, str | None, bool]] = {}
        for host, (signing, region, sigv4a) in resolved.items():
            got = module._parse(host)
            if got is None or (got.service, got.region, got.sigv4a) != (signing, region, sigv4a):
                if got is not None and got.s3 and got.region is None and signing == "s3":
                    continue  # global S3 hosts: region deliberately left to the user
                hosts[host] = (signing, region, sigv4a)
        tables["HOSTS"] = (tables["HOSTS"][0], hosts)
        signing_names.update(signing for signing, _, _ in hosts.values())
        tables["SIGNING_NAMES"] = (tables["SIGNING_NAMES"][0], tuple(sorted(signing_names)))
        new = render(tables)
    finally:
        OUTPUT.write_text(old if args.check and old is not None else new)
    if args.check:
        if old != new:
            print(f"{OUTPUT} is out of date: run scripts/gen_endpoints.py", file=sys.stderr)
            return 1
        return 0
    print(f"wrote {OUTPUT}: {len(prefixes)} prefixes, {len(hosts)} exact hosts, {len(regions)} regions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
