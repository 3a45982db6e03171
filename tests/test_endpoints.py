"""Host inference (sigcurl.endpoints): a table of host forms, a differential
test against botocore's endpoint rule sets, and a no-crash property."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigcurl.endpoints import KNOWN_REGIONS, SIGNING_NAMES, Endpoint, infer_endpoint

ROOT = Path(__file__).resolve().parent.parent


def s3(region: str | None, service: str = "s3") -> Endpoint:
    return Endpoint(service, region, s3=True)


def compat(region: str, name: str) -> Endpoint:
    return Endpoint("s3", region, s3=True, s3_compatible=name)


MRAP = Endpoint("s3", "*", s3=True, sigv4a=True)

CASES = [
    # Regional endpoints: svc.REGION.amazonaws.com
    ("ec2.us-east-1.amazonaws.com", Endpoint("ec2", "us-east-1"), "regional"),
    ("dynamodb.eu-west-1.amazonaws.com", Endpoint("dynamodb", "eu-west-1"), "regional-dynamodb"),
    ("sqs.ap-southeast-2.amazonaws.com", Endpoint("sqs", "ap-southeast-2"), "regional-sqs"),
    ("SNS.US-WEST-2.AMAZONAWS.COM", Endpoint("sns", "us-west-2"), "upper-case"),
    ("logs.us-east-2.amazonaws.com:443", Endpoint("logs", "us-east-2"), "with-port"),
    ("kms.eu-central-1.amazonaws.com.", Endpoint("kms", "eu-central-1"), "trailing-dot"),
    ("sts.eu-west-2.amazonaws.com", Endpoint("sts", "eu-west-2"), "sts-regional"),
    ("newsvc.us-east-1.amazonaws.com", Endpoint("newsvc", "us-east-1"), "unknown-prefix-guessed"),
    ("ec2.xx-future-9.amazonaws.com", None, "not-a-region"),
    ("ec2.ap-future-9.amazonaws.com", Endpoint("ec2", "ap-future-9"), "future-region"),
    # Global endpoints -> the partition's signing region
    ("iam.amazonaws.com", Endpoint("iam", "us-east-1"), "iam-global"),
    ("sts.amazonaws.com", Endpoint("sts", "us-east-1"), "sts-global"),
    ("route53.amazonaws.com", Endpoint("route53", "us-east-1"), "route53-global"),
    ("cloudfront.amazonaws.com", Endpoint("cloudfront", "us-east-1"), "cloudfront-global"),
    ("organizations.us-east-1.amazonaws.com", Endpoint("organizations", "us-east-1"), "organizations"),
    ("budgets.amazonaws.com", Endpoint("budgets", "us-east-1"), "budgets-global"),
    ("waf.amazonaws.com", Endpoint("waf", "us-east-1"), "waf-global"),
    ("iam.global.api.aws", Endpoint("iam", "us-east-1"), "iam-global-dualstack"),
    ("global.health.amazonaws.com", Endpoint("health", "us-east-1"), "health-global"),
    # FIPS and dualstack
    ("kms-fips.us-east-1.amazonaws.com", Endpoint("kms", "us-east-1"), "fips-suffix"),
    ("fips.batch.us-west-2.amazonaws.com", Endpoint("batch", "us-west-2"), "fips-prefix"),
    ("data.iot-fips.us-east-1.amazonaws.com", Endpoint("iotdata", "us-east-1"), "fips-inner-label"),
    ("iam-fips.amazonaws.com", Endpoint("iam", "us-east-1"), "iam-fips-global"),
    ("ec2.us-east-1.api.aws", Endpoint("ec2", "us-east-1"), "dualstack-api-aws"),
    ("lambda-fips.us-west-2.api.aws", Endpoint("lambda", "us-west-2"), "dualstack-fips"),
    ("aos.eu-west-1.api.aws", Endpoint("es", "eu-west-1"), "dualstack-learned-prefix"),
    ("ec2.dualstack.us-east-2.amazonaws.com", Endpoint("ec2", "us-east-2"), "dualstack-label"),
    # China, GovCloud and the other partitions
    ("ec2.cn-north-1.amazonaws.com.cn", Endpoint("ec2", "cn-north-1"), "china"),
    ("iam.cn-north-1.amazonaws.com.cn", Endpoint("iam", "cn-north-1"), "china-iam"),
    ("route53.amazonaws.com.cn", Endpoint("route53", "cn-northwest-1"), "china-route53-global"),
    ("ec2.cn-north-1.api.amazonwebservices.com.cn", Endpoint("ec2", "cn-north-1"), "china-dualstack"),
    ("ec2.us-gov-west-1.amazonaws.com", Endpoint("ec2", "us-gov-west-1"), "govcloud"),
    ("iam.us-gov.amazonaws.com", Endpoint("iam", "us-gov-west-1"), "govcloud-iam-global"),
    ("ec2.us-iso-east-1.c2s.ic.gov", Endpoint("ec2", "us-iso-east-1"), "iso"),
    ("ec2.eusc-de-east-1.amazonaws.eu", Endpoint("ec2", "eusc-de-east-1"), "eusc"),
    # Endpoint prefixes whose signing name differs
    ("bedrock-runtime.us-east-1.amazonaws.com", Endpoint("bedrock", "us-east-1"), "bedrock-runtime"),
    ("bedrock-agent-runtime.us-west-2.amazonaws.com", Endpoint("bedrock", "us-west-2"), "bedrock-agent-runtime"),
    ("runtime.sagemaker.eu-west-1.amazonaws.com", Endpoint("sagemaker", "eu-west-1"), "runtime-sagemaker"),
    ("api.sagemaker.eu-west-1.amazonaws.com", Endpoint("sagemaker", "eu-west-1"), "api-sagemaker"),
    ("email.us-east-1.amazonaws.com", Endpoint("ses", "us-east-1"), "email-ses"),
    ("data.iot.us-east-1.amazonaws.com", Endpoint("iotdata", "us-east-1"), "data-iot"),
    ("data-ats.iot.us-east-1.amazonaws.com", Endpoint("iotdata", "us-east-1"), "data-ats-iot"),
    ("a1b2c3d4e5f6g7-ats.iot.us-east-1.amazonaws.com", Endpoint("iotdata", "us-east-1"), "iot-account-data"),
    ("iot.us-east-1.amazonaws.com", Endpoint("iot", "us-east-1"), "iot-control"),
    ("streams.dynamodb.us-east-1.amazonaws.com", Endpoint("dynamodb", "us-east-1"), "dynamodb-streams"),
    ("monitoring.us-east-1.amazonaws.com", Endpoint("monitoring", "us-east-1"), "cloudwatch"),
    ("appstream2.us-east-1.amazonaws.com", Endpoint("appstream", "us-east-1"), "appstream2"),
    ("api.ecr.us-east-1.amazonaws.com", Endpoint("ecr", "us-east-1"), "api-ecr"),
    ("portal.sso.us-east-1.amazonaws.com", Endpoint("awsssoportal", "us-east-1"), "sso-portal"),
    ("participant.connect.us-east-1.amazonaws.com", Endpoint("execute-api", "us-east-1"), "connect-participant"),
    ("runtime.lex.us-east-1.amazonaws.com", Endpoint("lex", "us-east-1"), "lex-runtime"),
    ("importexport.amazonaws.com", Endpoint("IngestionService", "us-east-1"), "importexport-case"),
    # API Gateway, Lambda function URLs, AppSync
    ("abc123defg.execute-api.us-east-1.amazonaws.com", Endpoint("execute-api", "us-east-1"), "apigw"),
    ("abc123defg-vpce-0123456789abcdef0.execute-api.us-east-1.amazonaws.com", Endpoint("execute-api", "us-east-1"),
     "apigw-private"),
    ("vpce-0123456789abcdef0-abcdefgh.execute-api.eu-west-1.vpce.amazonaws.com", Endpoint("execute-api", "eu-west-1"),
     "apigw-vpce"),
    ("vpce-0123-abcd.sqs.us-east-1.vpce.amazonaws.com", Endpoint("sqs", "us-east-1"), "sqs-vpce"),
    ("abcdefghijklmnop.lambda-url.us-east-1.on.aws", Endpoint("lambda", "us-east-1"), "lambda-url"),
    ("xyz.appsync-api.us-west-2.amazonaws.com", Endpoint("appsync", "us-west-2"), "appsync"),
    # OpenSearch
    ("search-mydomain-abc123.us-east-1.es.amazonaws.com", Endpoint("es", "us-east-1"), "opensearch-domain"),
    ("vpc-mydomain-abc123.eu-west-1.es.amazonaws.com", Endpoint("es", "eu-west-1"), "opensearch-vpc"),
    ("es.us-east-1.amazonaws.com", Endpoint("es", "us-east-1"), "opensearch-control"),
    ("abc123xyz.us-east-1.aoss.amazonaws.com", Endpoint("aoss", "us-east-1"), "opensearch-serverless"),
    ("aoss.us-east-1.amazonaws.com", Endpoint("aoss", "us-east-1"), "aoss-control"),
    # S3: every host form
    ("s3.amazonaws.com", s3(None), "s3-global"),
    ("bucket.s3.amazonaws.com", s3(None), "s3-legacy-virtual"),
    ("my.dotted.bucket.s3.amazonaws.com", s3(None), "s3-legacy-dotted-bucket"),
    ("s3.us-west-2.amazonaws.com", s3("us-west-2"), "s3-path-style"),
    ("bucket.s3.us-west-2.amazonaws.com", s3("us-west-2"), "s3-virtual"),
    ("s3-us-west-2.amazonaws.com", s3("us-west-2"), "s3-dash-region"),
    ("bucket.s3-eu-west-1.amazonaws.com", s3("eu-west-1"), "s3-dash-region-virtual"),
    ("s3-external-1.amazonaws.com", s3("us-east-1"), "s3-external-1"),
    ("s3.dualstack.eu-west-1.amazonaws.com", s3("eu-west-1"), "s3-dualstack"),
    ("bucket.s3.dualstack.eu-west-1.amazonaws.com", s3("eu-west-1"), "s3-dualstack-virtual"),
    ("s3-fips.us-east-1.amazonaws.com", s3("us-east-1"), "s3-fips"),
    ("bucket.s3-fips.dualstack.us-east-2.amazonaws.com", s3("us-east-2"), "s3-fips-dualstack"),
    ("bucket.s3-accelerate.amazonaws.com", s3(None), "s3-accelerate"),
    ("bucket.s3-accelerate.dualstack.amazonaws.com", s3(None), "s3-accelerate-dualstack"),
    ("s3.cn-north-1.amazonaws.com.cn", s3("cn-north-1"), "s3-china"),
    ("bucket.s3.us-gov-west-1.amazonaws.com", s3("us-gov-west-1"), "s3-govcloud"),
    ("s3-accesspoint.us-east-1.amazonaws.com", s3("us-east-1"), "s3-accesspoint-bare"),
    ("myap-123456789012.s3-accesspoint.us-east-1.amazonaws.com", s3("us-east-1"), "s3-access-point"),
    ("myap-123456789012.s3-accesspoint.dualstack.us-east-1.amazonaws.com", s3("us-east-1"), "s3-ap-dualstack"),
    ("myap-123456789012.s3-accesspoint-fips.us-east-1.amazonaws.com", s3("us-east-1"), "s3-ap-fips"),
    ("myol-123456789012.s3-object-lambda.us-west-2.amazonaws.com", s3("us-west-2", "s3-object-lambda"),
     "s3-object-lambda"),
    ("s3-object-lambda.us-west-2.amazonaws.com", s3("us-west-2", "s3-object-lambda"), "s3-object-lambda-bare"),
    ("myap-123456789012.op-01ac5d28a6a232904.s3-outposts.us-west-2.amazonaws.com",
     s3("us-west-2", "s3-outposts"), "s3-outposts"),
    ("mybucket--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com", s3("us-west-2", "s3express"),
     "s3-express-zonal"),
    ("mybucket--use1-az4--x-s3.s3express-fips-use1-az4.us-east-1.amazonaws.com", s3("us-east-1", "s3express"),
     "s3-express-fips"),
    ("s3express-control.us-west-2.amazonaws.com", s3("us-west-2", "s3express"), "s3-express-control"),
    ("s3-control.us-east-1.amazonaws.com", s3("us-east-1"), "s3-control"),
    ("123456789012.s3-control.eu-west-1.amazonaws.com", s3("eu-west-1"), "s3-control-account"),
    ("123456789012.s3-control-fips.dualstack.us-east-1.amazonaws.com", s3("us-east-1"), "s3-control-fips-ds"),
    ("bucket.vpce-1a2b3c4d-5e6f.s3.us-east-1.vpce.amazonaws.com", s3("us-east-1"), "s3-vpce"),
    ("mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com", MRAP, "s3-mrap"),
    ("mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com:443", MRAP, "s3-mrap-port"),
    ("MFZWI23GNJVGW.MRAP.ACCESSPOINT.S3-GLOBAL.AMAZONAWS.COM", MRAP, "s3-mrap-upper"),
    ("accesspoint.s3-global.amazonaws.com", s3(None), "s3-global-accesspoint-bare"),
    ("s3-global.amazonaws.com", s3(None), "s3-global-bare"),
    ("bucket.s3-website-us-east-1.amazonaws.com", s3("us-east-1"), "s3-website-dash"),
    ("s3.s3.amazonaws.com", s3(None), "bucket-named-s3"),
    ("s3-us-west-2.s3.eu-west-1.amazonaws.com", s3("eu-west-1"), "bucket-named-like-dash-form"),
    # S3-compatible stores
    ("0123456789abcdef.r2.cloudflarestorage.com", compat("auto", "r2"), "r2"),
    ("0123456789abcdef.eu.r2.cloudflarestorage.com", compat("auto", "r2"), "r2-jurisdiction"),
    ("s3.us-west-004.backblazeb2.com", compat("us-west-004", "b2"), "b2"),
    ("bucket.s3.eu-central-003.backblazeb2.com", compat("eu-central-003", "b2"), "b2-virtual"),
    ("nyc3.digitaloceanspaces.com", compat("nyc3", "spaces"), "spaces"),
    ("bucket.fra1.digitaloceanspaces.com", compat("fra1", "spaces"), "spaces-virtual"),
    ("s3.wasabisys.com", compat("us-east-1", "wasabi"), "wasabi-global"),
    ("s3.eu-central-1.wasabisys.com", compat("eu-central-1", "wasabi"), "wasabi-regional"),
    ("bucket.s3.us-east-2.wasabisys.com", compat("us-east-2", "wasabi"), "wasabi-virtual"),
    # MinIO's default address on loopback signs as S3
    ("localhost:9000", compat("us-east-1", "minio"), "minio-localhost"),
    ("127.0.0.1:9000", compat("us-east-1", "minio"), "minio-ipv4"),
    ("[::1]:9000", compat("us-east-1", "minio"), "minio-ipv6"),
    # Not inferred: the CLI asks for --service
    ("localhost", None, "localhost"),
    ("localhost:8080", None, "localhost-other-port"),
    ("127.0.0.1:9001", None, "ipv4-other-port"),
    ("::1", None, "ipv6-bare"),
    ("10.0.0.5", None, "private-ipv4"),
    ("example.com", None, "unknown-host"),
    ("api.example.com", None, "unknown-subdomain"),
    ("amazonaws.com", None, "bare-suffix"),
    ("us-east-1.amazonaws.com", None, "region-only"),
    ("ec2-203-0-113-25.compute-1.amazonaws.com", None, "ec2-public-dns"),
    ("notamazonaws.com", None, "lookalike-suffix"),
    ("s3.amazonaws.com.evil.example", None, "suffix-in-middle"),
    ("", None, "empty"),
]


@pytest.mark.parametrize(("host", "expected"), [pytest.param(h, e, id=i) for h, e, i in CASES])
def test_infer_endpoint(host: str, expected: Endpoint | None) -> None:
    got = infer_endpoint(host)
    # The table states how to sign; ``how`` and ``required_headers`` are checked in test_dataplanes.
    assert (got[:5] if got is not None else None) == (expected[:5] if expected is not None else None)


def test_case_table_is_large_and_ids_unique() -> None:
    ids = [i for _, _, i in CASES]
    assert len(ids) >= 60
    assert len(ids) == len(set(ids))


def test_known_regions() -> None:
    for region in ("us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "us-iso-east-1", "eusc-de-east-1"):
        assert region in KNOWN_REGIONS
    assert list(KNOWN_REGIONS) == sorted(set(KNOWN_REGIONS))
    assert not any(r.endswith("-global") for r in KNOWN_REGIONS)


def test_signing_names() -> None:
    for name in ("s3", "execute-api", "bedrock", "sagemaker", "ses", "iotdata", "lambda", "es", "aoss", "s3express"):
        assert name in SIGNING_NAMES
    assert list(SIGNING_NAMES) == sorted(set(SIGNING_NAMES))


def test_inferred_services_are_known_signing_names() -> None:
    for host, expected, _ in CASES:
        if expected is not None and host != "newsvc.us-east-1.amazonaws.com":
            assert expected.service in SIGNING_NAMES, host


# --- differential: botocore's own endpoint rule sets ------------------------

DIFF_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1")


@pytest.fixture(scope="module")
def botocore_metadata(botocore_models: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every service's metadata from botocore's data (loaded once per session: it is slow)."""
    return {name: model["metadata"] for name, model in botocore_models.items()}


def botocore_cases(loader: Any, metadata: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(service, host, signing name, signing region) for every SigV4 service
    in botocore's data and a handful of regions, as botocore builds and signs
    them: the endpoint rule set's URL and auth scheme, else the model's
    signing name and the client's region."""
    from botocore.endpoint_provider import EndpointProvider

    partitions = loader.load_data("partitions")
    cases = []
    for name, meta in metadata.items():
        if meta.get("signatureVersion") in ("v2", "bearer") and "aws.auth#sigv4" not in meta.get("auth", []):
            continue
        provider = EndpointProvider(loader.load_service_model(name, "endpoint-rule-set-1"), partitions)
        for region in DIFF_REGIONS:
            try:
                resolved = provider.resolve_endpoint(Region=region, UseFIPS=False, UseDualStack=False)
            except Exception:  # not offered in this partition, or needs more parameters
                continue
            host = urlsplit(resolved.url).hostname or ""
            signing, signing_region = meta.get("signingName", meta["endpointPrefix"]), region
            for scheme in resolved.properties.get("authSchemes", []):
                if scheme["name"] == "sigv4":
                    signing = scheme.get("signingName", signing)
                    signing_region = scheme.get("signingRegion", signing_region)
                    break
            cases.append((name, host, signing, signing_region))
    return cases


def test_botocore_differential(botocore_loader: Any, botocore_metadata: dict[str, dict[str, Any]]) -> None:
    cases = botocore_cases(botocore_loader, botocore_metadata)
    assert len(cases) > 1500
    # A few hosts are built for two partitions with different signing regions
    # (budgets.amazonaws.com: us-east-1 from aws, us-gov-west-1 from
    # aws-us-gov); any of botocore's answers for a host is accepted.
    answers: dict[str, set[tuple[str, str]]] = {}
    for _, host, signing, region in cases:
        answers.setdefault(host, set()).add((signing, region))
    wrong = []
    for name, host, signing, region in cases:
        got = infer_endpoint(host)
        if got is not None and got.s3 and got.region is None:
            continue  # global S3 hosts leave the region to the user by design
        if got is None or (got.service, got.region) not in answers[host]:
            wrong.append(f"{name}: {host} -> {got}, botocore signs {signing}/{region}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("region", DIFF_REGIONS)
def test_botocore_template_host(region: str, botocore_loader: Any, botocore_metadata: dict[str, dict[str, Any]]) -> None:
    """The plain ``{endpointPrefix}.{region}.{dnsSuffix}`` host for every service
    signs with the model's signing name (or its credential-scope override)."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    wrong = []
    for name, meta in botocore_metadata.items():
        prefix = meta["endpointPrefix"]
        if prefix in ("s3", "s3-control"):
            continue  # covered by the S3 cases
        got = infer_endpoint(f"{prefix}.{region}.{suffix}")
        allowed = {meta.get("signingName", prefix)}
        if got is None or got.region != region or got.service not in allowed | {_scoped(botocore_loader, prefix)}:
            wrong.append(f"{name}: {prefix}.{region}.{suffix} -> {got}, expected {allowed}")
    assert not wrong, "\n".join(wrong)


def _scoped(loader: Any, prefix: str) -> str | None:
    """endpoints.json's credentialScope.service for a prefix, if any (the loader keeps the file loaded)."""
    for partition in loader.load_data("endpoints")["partitions"]:
        scope = partition["services"].get(prefix, {}).get("defaults", {}).get("credentialScope", {})
        if "service" in scope:
            return str(scope["service"])
    return None


# --- properties --------------------------------------------------------------

HOSTISH = st.lists(
    st.sampled_from(["s3", "amazonaws", "com", "us-east-1", "dualstack", "fips", "vpce", "execute-api",
                     "accesspoint", "mrap", "s3-global", "es", "on", "aws", "api", "cn", "s3express-use1-az4",
                     "s3-us-west-2", "", "-fips", "lambda-url", "r2", "cloudflarestorage", "wasabisys",
                     "backblazeb2", "digitaloceanspaces", "s3-external-1", "iot", "x"]),
    max_size=8,
).map(".".join)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), HOSTISH, HOSTISH.map(lambda h: h + ":" + "8080")))
def test_never_raises(host: str) -> None:
    result = infer_endpoint(host)
    assert result is None or isinstance(result, Endpoint)
    if result is not None:
        assert result.service
        assert result.sigv4a == (result.region == "*")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(KNOWN_REGIONS), st.sampled_from(["ec2", "sqs", "bedrock-runtime", "execute-api"]))
def test_regional_shape_any_region(region: str, prefix: str) -> None:
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    got = infer_endpoint(f"{prefix}.{region}.{suffix}")
    assert got is not None and got.region == region


# --- the generated data ------------------------------------------------------


def test_data_module_is_literal_and_botocore_free() -> None:
    source = (ROOT / "sigcurl" / "_endpoint_data.py").read_text()
    assert "import botocore" not in source
    code = "import sys, sigcurl.endpoints; print('botocore' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_data_module_is_up_to_date() -> None:
    pytest.importorskip("botocore")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_endpoints.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_region_pattern_is_anchored_by_fullmatch() -> None:
    from sigcurl import _endpoint_data

    assert re.fullmatch(_endpoint_data.REGION_PATTERN, "us-east-1")
    assert not re.fullmatch(_endpoint_data.REGION_PATTERN, "compute-1")
