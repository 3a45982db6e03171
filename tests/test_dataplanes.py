"""The data-plane host table (sigcurl._dataplanes): one documented example host
per row, the signing names against botocore's service models, RDS token
presigning against botocore's generate_db_auth_token, typo hints, the
missing-colon URL and a few runs of the real command."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from cli_helpers import ACCESS_KEY, SECRET_KEY, base_env, run, run_process

from sigcurl.curlopts import wire_url
from sigcurl.dataplanes import rows
from sigcurl.endpoints import (
    HOW_GENERIC_KNOWN,
    HOW_GENERIC_UNKNOWN,
    HOW_S3,
    HOW_TABLE,
    KNOWN_REGIONS,
    PAYLOAD_SHA256,
    SIGNING_NAMES,
    closest,
    infer_endpoint,
    is_known_region,
    is_known_service,
)
from sigcurl.errors import BadURLError
from support.server import VerifyingServer

SHA = (("x-amz-content-sha256", PAYLOAD_SHA256),)
UNSIGNED = (("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),)
GLACIER = (("x-amz-glacier-version", "2012-06-01"),)
NEPTUNE_ID = "c1a2b3c4d5e6.us-east-1.neptune.amazonaws.com:8182"

# (example host from the row's documentation, service, region, sigv4a, required headers, "family (form)")
CASES = [
    ("aps-workspaces.us-west-2.amazonaws.com", "aps", "us-west-2", False, (),
     "prometheus (workspace query and remote_write)"),
    (f"my-cluster.cluster-{NEPTUNE_ID}", "neptune-db", "us-east-1", False, (), "neptune (cluster endpoint)"),
    (f"my-cluster.cluster-ro-{NEPTUNE_ID}", "neptune-db", "us-east-1", False, (), "neptune (reader endpoint)"),
    (f"my-endpoint.cluster-custom-{NEPTUNE_ID}", "neptune-db", "us-east-1", False, (), "neptune (custom endpoint)"),
    (f"my-instance.{NEPTUNE_ID}", "neptune-db", "us-east-1", False, (), "neptune (instance endpoint)"),
    ("g-12a3bcdef4.us-east-1.neptune-graph.amazonaws.com", "neptune-graph", "us-east-1", False, (),
     "neptune-analytics (graph endpoint)"),
    ("g-12a3bcdef4.neptune-graph.us-east-1.amazonaws.com", "neptune-graph", "us-east-1", False, (),
     "neptune-analytics (graph data API)"),
    ("search-my-domain-abc123.us-east-1.es.amazonaws.com", "es", "us-east-1", False, (),
     "opensearch (domain endpoint)"),
    ("vpc-endpoint-h2dsd34efgyghrtguk5gt6j2foh4.us-east-1.es.amazonaws.com", "es", "us-east-1", False, (),
     "opensearch (VPC domain endpoint)"),
    ("vpc-endpoint-h2dsd34efgyghrtguk5gt6j2foh4.aos.us-east-1.on.aws", "es", "us-east-1", False, (),
     "opensearch (dual-stack domain endpoint)"),
    ("1tg2xudton46knx2a95g.us-east-1.aoss.amazonaws.com", "aoss", "us-east-1", False, SHA,
     "opensearch-serverless (collection endpoint)"),
    ("1tg2xudton46knx2a95g.aoss.us-east-1.on.aws", "aoss", "us-east-1", False, SHA,
     "opensearch-serverless (NextGen collection or account endpoint)"),
    ("my-pipeline-abcdefg.us-east-1.osis.amazonaws.com", "osis", "us-east-1", False, (),
     "opensearch-ingestion (pipeline ingestion endpoint)"),
    ("abcdefghijklmnop.lambda-url.us-east-2.on.aws", "lambda", "us-east-2", False, (), "lambda-url (function URL)"),
    ("xyz.appsync-api.us-west-2.amazonaws.com", "appsync", "us-west-2", False, (),
     "appsync (GraphQL and Events API endpoint)"),
    ("xyz.appsync-realtime-api.us-west-2.amazonaws.com", "appsync", "us-west-2", False, (),
     "appsync (real-time endpoint)"),
    ("a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com", "iotdata", "eu-west-1", False, (),
     "iot (device data endpoint)"),
    ("a1b2c3d4e5f6g7.jobs.iot.eu-west-1.amazonaws.com", "iot-jobs-data", "eu-west-1", False, (),
     "iot (jobs data endpoint)"),
    ("search-movies-rr2f34ofg56xneuemujamut52i.us-east-1.cloudsearch.amazonaws.com", "cloudsearch", "us-east-1",
     False, (), "cloudsearch (search endpoint)"),
    ("doc-movies-rr2f34ofg56xneuemujamut52i.us-east-1.cloudsearch.amazonaws.com", "cloudsearch", "us-east-1",
     False, (), "cloudsearch (document endpoint)"),
    ("aaabbbcccdddee.data.mediastore.us-west-2.amazonaws.com", "mediastore", "us-west-2", False, (),
     "mediastore (container data endpoint)"),
    ("s-1234abcd.kinesisvideo.us-west-2.amazonaws.com", "kinesisvideo", "us-west-2", False, (),
     "kinesis-video (stream or channel data endpoint)"),
    ("ingest-cell1.timestream.us-east-1.amazonaws.com", "timestream", "us-east-1", False, (),
     "timestream (ingest cell)"),
    ("query-cell2.timestream.us-east-1.amazonaws.com", "timestream", "us-east-1", False, (),
     "timestream (query cell)"),
    ("data-svc-022f67d3a42.1234abc.vpc-lattice-svcs.us-west-2.on.aws", "vpc-lattice-svcs", "us-west-2", False,
     UNSIGNED, "vpc-lattice (service endpoint)"),
    ("abcdefghijklmnopqrst.dsql.us-east-1.on.aws", "dsql", "us-east-1", False, (), "aurora-dsql (cluster endpoint)"),
    ("my-proxy.proxy-abcdef123456.us-east-1.rds.amazonaws.com", "rds-db", "us-east-1", False, (),
     "rds (proxy endpoint)"),
    ("database-1.cluster-abcdef123456.us-east-1.rds.amazonaws.com", "rds-db", "us-east-1", False, (),
     "rds (cluster endpoint)"),
    ("mydb.abcdef123456.cn-north-1.rds.amazonaws.com.cn", "rds-db", "cn-north-1", False, (),
     "rds (instance endpoint)"),
    ("b-1.mycluster.abc123.c2.kafka.us-east-1.amazonaws.com", "kafka-cluster", "us-east-1", False, (),
     "msk (broker)"),
    ("boot-abcd1234.c2.kafka-serverless.us-east-1.amazonaws.com", "kafka-cluster", "us-east-1", False, (),
     "msk (serverless bootstrap)"),
    ("master.my-group.abc123.use1.cache.amazonaws.com", "elasticache", None, False, (),
     "elasticache (cache endpoint)"),
    ("clustercfg.my-cluster.abc123.memorydb.us-east-1.amazonaws.com", "memorydb", "us-east-1", False, (),
     "memorydb (cluster endpoint)"),
    ("abcde.veo.endpoint.events.amazonaws.com", "events", "*", True, (), "eventbridge (global endpoint)"),
    ("abc123.456def.endpoints.email.amazonaws.com", "ses", "*", True, (), "ses (multi-region endpoint)"),
    ("123456789012.cloudfront-kvs.global.api.aws", "cloudfront-keyvaluestore", "*", True, (),
     "cloudfront-kvs (key value store)"),
    ("queue.amazonaws.com", "sqs", "us-east-1", False, (), "sqs (legacy global endpoint)"),
    ("eu-west-1.queue.amazonaws.com", "sqs", "eu-west-1", False, (), "sqs (legacy regional endpoint)"),
    ("abc123defg-vpce-0123456789abcdef0.execute-api.us-east-1.amazonaws.com", "execute-api", "us-east-1", False,
     (), "api-gateway (private API through a VPC endpoint)"),
    ("vpce-0123456789abcdef0-abcdefgh.execute-api.eu-west-1.vpce.amazonaws.com", "execute-api", "eu-west-1", False,
     (), "api-gateway (VPC endpoint DNS name)"),
    ("abc123defg.execute-api.us-east-1.amazonaws.com", "execute-api", "us-east-1", False, (),
     "api-gateway (invoke URL)"),
    ("vpce-0123-abcd.bedrock-runtime.us-east-1.vpce.amazonaws.com", "bedrock", "us-east-1", False, (),
     "privatelink (interface VPC endpoint)"),
    ("glacier.us-west-2.amazonaws.com", "glacier", "us-west-2", False, GLACIER, "glacier (vault API)"),
    ("s3tables.us-east-1.amazonaws.com", "s3tables", "us-east-1", False, (), "s3-tables (Iceberg REST catalog)"),
    ("bedrock-runtime.us-east-1.amazonaws.com", "bedrock", "us-east-1", False, (), "bedrock (runtime)"),
    ("bedrock-agent-runtime.us-west-2.amazonaws.com", "bedrock", "us-west-2", False, (), "bedrock (agent runtime)"),
    ("runtime.sagemaker.eu-west-1.amazonaws.com", "sagemaker", "eu-west-1", False, (), "sagemaker (runtime)"),
    ("featurestore-runtime.sagemaker.eu-west-1.amazonaws.com", "sagemaker", "eu-west-1", False, (),
     "sagemaker (Feature Store runtime)"),
    ("123456789012.ddb.us-east-1.amazonaws.com", "dynamodb", "us-east-1", False, (),
     "dynamodb (account-based endpoint)"),
    ("123456789012.streams-ddb.us-east-1.amazonaws.com", "dynamodb", "us-east-1", False, (),
     "dynamodb (account-based streams endpoint)"),
    ("123456789012.control-kinesis.us-east-1.amazonaws.com", "kinesis", "us-east-1", False, (),
     "kinesis (account-based endpoint)"),
]


@pytest.mark.parametrize(("host", "service", "region", "sigv4a", "headers", "form"),
                         [pytest.param(*case, id=case[5]) for case in CASES])
def test_dataplane_row(host: str, service: str, region: str | None, sigv4a: bool,
                       headers: tuple[tuple[str, str], ...], form: str) -> None:
    got = infer_endpoint(host)
    assert got is not None
    assert (got.service, got.region, got.sigv4a, got.required_headers) == (service, region, sigv4a, headers)
    assert got.how == f"data plane: {form}"


def test_every_row_has_a_case_and_a_doc() -> None:
    table = {f"{row.family} ({row.form})" for row in rows()}
    assert len(rows()) >= 40
    assert table == {case[5] for case in CASES}
    for row in rows():
        assert row.doc.startswith(("https://docs.aws.amazon.com/", "https://github.com/boto/botocore/")), row


@pytest.mark.parametrize(("host", "service", "how"), [
    ("aps.us-east-1.amazonaws.com", "aps", HOW_GENERIC_KNOWN),  # the control plane keeps its name
    ("rds.us-east-1.amazonaws.com", "rds", HOW_GENERIC_KNOWN),
    ("kafka.us-east-1.amazonaws.com", "kafka", HOW_GENERIC_KNOWN),
    ("neptune-graph.us-east-1.amazonaws.com", "neptune-graph", HOW_GENERIC_KNOWN),
    ("newsvc.us-east-1.amazonaws.com", "newsvc", HOW_GENERIC_UNKNOWN),
    ("iam.amazonaws.com", "iam", HOW_TABLE),
    ("bucket.s3.us-west-2.amazonaws.com", "s3", HOW_S3),
    ("s3.us-west-004.backblazeb2.com", "s3", "S3-compatible store (b2)"),
    ("sync-states.us-east-1.amazonaws.com", "states", HOW_GENERIC_KNOWN),  # an operation host prefix
    ("data-servicediscovery.us-east-1.amazonaws.com", "servicediscovery", HOW_GENERIC_KNOWN),
    ("stream-logs.us-east-1.amazonaws.com", "logs", HOW_GENERIC_KNOWN),
])
def test_how(host: str, service: str, how: str) -> None:
    got = infer_endpoint(host)
    assert got is not None and (got.service, got.how) == (service, how)


def test_events_regional_host_is_not_sigv4a() -> None:
    assert infer_endpoint("events.us-east-1.amazonaws.com")[:4] == ("events", "us-east-1", False, False)  # type: ignore[index]


def test_bad_region_label_falls_back() -> None:
    assert infer_endpoint("aps-workspaces.xx-nowhere-1.amazonaws.com") is None


# --- independent references: botocore's service models --------------------------

# data-plane family -> the botocore service whose model names the signing name
BOTOCORE_MODELS = {
    "prometheus": "amp", "neptune": "neptunedata", "neptune-analytics": "neptune-graph",
    "opensearch-serverless": "opensearchserverless", "opensearch-ingestion": "osis",
    "appsync": "appsync", "cloudsearch": "cloudsearchdomain", "mediastore": "mediastore-data",
    "kinesis-video": "kinesis-video-media", "timestream": "timestream-write", "aurora-dsql": "dsql",
    "memorydb": "memorydb", "eventbridge": "events", "ses": "sesv2", "cloudfront-kvs": "cloudfront-keyvaluestore",
    "glacier": "glacier", "s3-tables": "s3tables", "bedrock": "bedrock-runtime", "sagemaker": "sagemaker-runtime",
    "dynamodb": "dynamodb", "kinesis": "kinesis", "sqs": "sqs", "elasticache": "elasticache",
}


def test_signing_names_agree_with_botocore_models(botocore_loader: Any) -> None:
    loader = botocore_loader
    wrong = []
    for row in rows():
        name = BOTOCORE_MODELS.get(row.family)
        if name is None:
            continue
        meta = loader.load_service_model(name, "service-2")["metadata"]
        if meta.get("signingName", meta["endpointPrefix"]) != row.service:
            wrong.append(f"{row.family} ({row.form}): {row.service}, botocore {name} signs {meta}")
    assert not wrong, "\n".join(wrong)


def test_operation_host_prefixes_sign_as_their_service(botocore_models: dict[str, dict[str, Any]]) -> None:
    """Hosts made by an operation's static hostPrefix (``sync-`` + ``states``) sign as the service."""
    wrong, seen = [], 0
    for name, model in botocore_models.items():
        meta = model["metadata"]
        for operation in model["operations"].values():
            prefix = operation.get("endpoint", {}).get("hostPrefix", "")
            if prefix.endswith("-") and "{" not in prefix:
                seen += 1
                host = f"{prefix}{meta['endpointPrefix']}.us-east-1.amazonaws.com"
                got = infer_endpoint(host)
                if got is None or got.service != meta.get("signingName", meta["endpointPrefix"]):
                    wrong.append(f"{name}: {host} -> {got}")
    assert seen > 10
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_rds_presign_matches_botocore_generate_db_auth_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``sigcurl --presign`` on an RDS host makes the same token as botocore (same instant, same keys)."""
    session_mod = pytest.importorskip("botocore.session")
    import botocore.auth

    class Fixed(datetime.datetime):
        @classmethod
        def utcnow(cls) -> Fixed:  # type: ignore[override]
            return cls(2015, 8, 30, 12, 36, 0)

        @classmethod
        def now(cls, tz: datetime.tzinfo | None = None) -> Fixed:  # type: ignore[override]
            return cls(2015, 8, 30, 12, 36, 0, tzinfo=tz)

    monkeypatch.setattr(botocore.auth.datetime, "datetime", Fixed)
    session = session_mod.get_session()
    session.set_credentials(ACCESS_KEY, SECRET_KEY)
    client = session.create_client("rds", region_name="eu-west-1")
    host = "database-1.cluster-abcdef123456.eu-west-1.rds.amazonaws.com"
    token = client.generate_db_auth_token(DBHostname=host, Port=5432, DBUsername="jane_doe")
    result = run_process(["--presign", "--date", "20150830T123600Z",
                          f"https://{host}:5432/?Action=connect&DBUser=jane_doe"], base_env(tmp_path))
    assert result.exit_code == 0, result.stderr
    ours, theirs = urlsplit(result.stdout.decode().strip()), urlsplit("https://" + token)
    assert (ours.netloc, ours.path) == (theirs.netloc, theirs.path)
    assert dict(parse_qsl(ours.query)) == dict(parse_qsl(theirs.query))
    assert "/eu-west-1/rds-db/aws4_request" in dict(parse_qsl(ours.query))["X-Amz-Credential"]


# --- typo hints --------------------------------------------------------------------

@pytest.mark.parametrize(("value", "known", "expected"), [
    ("us-est-1", KNOWN_REGIONS, ["us-east-1"]),
    ("eu-wset-1", KNOWN_REGIONS, ["eu-west-1"]),
    ("us-east-1", KNOWN_REGIONS, []),  # exact: nothing to suggest
    ("US-EAST-1", KNOWN_REGIONS, ["us-east-1"]),
    ("lamda", SIGNING_NAMES, ["lambda"]),
    ("dynamo", SIGNING_NAMES, ["dynamodb"]),
    ("exceute-api", SIGNING_NAMES, ["execute-api"]),
    ("neptune-bd", SIGNING_NAMES, ["neptune-db"]),
    ("zzzzzzzz", SIGNING_NAMES, []),
    ("", SIGNING_NAMES, []),
    ("ab", ["ac", "ad", "ba", "xy"], ["ac", "ad", "ba"]),
    ("ab", ["ac", "ad", "ba", "xy"][::-1], ["ba", "ad", "ac"]),
])
def test_closest(value: str, known: list[str], expected: list[str]) -> None:
    got = closest(value, known)
    assert got[: len(expected)] == expected if expected else got == []


def test_closest_limits_and_order() -> None:
    assert closest("us-east-1x", KNOWN_REGIONS, n=1) == ["us-east-1"]
    assert len(closest("us-west-9", KNOWN_REGIONS)) == 3
    assert closest("us-west-9", KNOWN_REGIONS)[:2] == ["us-west-1", "us-west-2"]


@pytest.mark.parametrize(("region", "known"), [
    ("us-east-1", True), ("cn-north-1", True), ("us-gov-west-1", True), ("us-est-1", False), ("*", False),
    ("aws-global", False), ("", False),
])
def test_is_known_region(region: str, known: bool) -> None:
    assert is_known_region(region) is known


@pytest.mark.parametrize(("service", "known"), [
    ("s3", True), ("execute-api", True), ("aps", True), ("neptune-db", True), ("rds-db", True),
    ("kafka-cluster", True), ("vpc-lattice-svcs", True), ("iotdevicegateway", True), ("aps-workspaces", False),
    ("lamda", False), ("", False),
])
def test_is_known_service(service: str, known: bool) -> None:
    assert is_known_service(service) is known


# --- URL typos -------------------------------------------------------------------

@pytest.mark.parametrize(("url", "fix"), [
    ("https//sts.amazonaws.com/", "https://sts.amazonaws.com/"),
    ("http//localhost:8080/x", "http://localhost:8080/x"),
    ("HTTPS//sts.amazonaws.com", "https://sts.amazonaws.com"),
    ("https:/sts.amazonaws.com/", "https://sts.amazonaws.com/"),
])
def test_missing_colon_is_a_usage_error(url: str, fix: str) -> None:
    with pytest.raises(BadURLError) as info:
        wire_url(url)
    assert info.value.exit_code == 3
    assert repr(fix) in str(info.value)


def test_hosts_that_merely_start_with_http_are_hosts() -> None:
    assert wire_url("httpbin.example.com/x") == "https://httpbin.example.com/x"
    assert wire_url("https.example.com") == "https://https.example.com/"


# --- the real command --------------------------------------------------------------

def _sign_only(tmp_path: Path, url: str) -> str:
    result = run_process(["--sign-only", "--date", "20150830T123600Z", url], base_env(tmp_path))
    assert result.exit_code == 0, result.stderr
    return result.stdout.decode()


def test_prometheus_signs_as_aps(tmp_path: Path) -> None:
    out = _sign_only(tmp_path, "https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-1/api/v1/query?query=up")
    assert "Credential=AKIDEXAMPLE/20150830/us-west-2/aps/aws4_request" in out


def test_neptune_signs_as_neptune_db(tmp_path: Path) -> None:
    out = _sign_only(tmp_path, f"https://my-cluster.cluster-{NEPTUNE_ID}/status")
    assert "/us-east-1/neptune-db/aws4_request" in out
    assert "Host: my-cluster.cluster-c1a2b3c4d5e6.us-east-1.neptune.amazonaws.com:8182" in out


def test_eventbridge_global_endpoint_signs_with_sigv4a(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    out = _sign_only(tmp_path, "https://abcde.veo.endpoint.events.amazonaws.com/")
    assert "AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20150830/events/aws4_request" in out
    assert "X-Amz-Region-Set: *" in out


def test_missing_colon_exits_3(tmp_path: Path) -> None:
    result = run_process(["https//sts.amazonaws.com/"], base_env(tmp_path))
    assert result.exit_code == 3
    assert "missing the ':' after https" in result.stderr
    assert "cannot tell which AWS service" not in result.stderr


# --- required headers and how the service was told, through the command ------------

AOSS_HOST = "abc123xyz.us-east-1.aoss.amazonaws.com"


def test_aoss_sign_only_shows_the_payload_sha256(tmp_path: Path) -> None:
    body = b'{"query": {"match_all": {}}}'
    result = run_process(
        ["--sign-only", "--date", "20150830T123600Z", "-d", body.decode(), f"https://{AOSS_HOST}/idx/_search"],
        base_env(tmp_path),
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout.decode()
    assert f"X-Amz-Content-SHA256: {hashlib.sha256(body).hexdigest()}".lower() in out.lower()
    assert "x-amz-content-sha256" in out.split("SignedHeaders=")[1].split(",")[0].split(";")


def test_aoss_request_carries_the_signed_payload_sha256(server: VerifyingServer, tmp_path: Path) -> None:
    port = server.url.rsplit(":", 1)[1]
    body = b'{"size": 1}'
    url = f"http://{AOSS_HOST}:{port}/idx/_search"
    result = run(["--resolve", f"{AOSS_HOST}:{port}:127.0.0.1", "-d", body.decode(), url], base_env(tmp_path))
    assert result.exit_code == 0, result.stderr
    r = server.last
    assert r.ok, r
    assert r.header("x-amz-content-sha256") == hashlib.sha256(body).hexdigest()
    assert "/us-east-1/aoss/aws4_request" in (r.header("Authorization") or "")
    assert "x-amz-content-sha256" in (r.header("Authorization") or "")


@pytest.mark.parametrize(("url", "said"), [
    ("https://sqs.us-east-1.amazonaws.com/", "known signing name"),
    ("https://madeupthing.us-east-1.amazonaws.com/", "pass --service NAME if it is wrong"),
    (f"https://{AOSS_HOST}/", "data plane"),
])
def test_verbose_says_how_the_service_was_told(tmp_path: Path, url: str, said: str) -> None:
    result = run(["--sign-only", "-v", url], base_env(tmp_path))
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("* service ")]
    assert len(lines) == 1 and said in lines[0], result.stderr


@pytest.mark.parametrize(("args", "warning"), [
    (["--region", "us-eats-1"], "--region us-eats-1 is not a region sigcurl knows; did you mean us-east-1, us-east-2"),
    (["--service", "dynamdb"], "--service dynamdb is not a signing name sigcurl knows; did you mean dynamodb?"),
    (["--region", "xx-none-9"], "--region xx-none-9 is not a region sigcurl knows; it is signed as given"),
    (["--region", "us-east-1", "--service", "aoss"], None),
    (["-s", "--region", "us-eats-1", "--service", "dynamdb"], None),
])
def test_unknown_region_or_service_is_a_warning(tmp_path: Path, args: list[str], warning: str | None) -> None:
    result = run(["--sign-only", *args, "https://sqs.us-east-1.amazonaws.com/"], base_env(tmp_path))
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    if warning is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and warning in warnings[0], result.stderr


def test_verbose_says_service_from_flag_for_an_unknown_host(tmp_path: Path) -> None:
    result = run(["--sign-only", "-v", "--service", "execute-api", "--region", "us-east-1", "https://api.example.com/"], base_env(tmp_path))
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("* service ")]
    assert lines == ["* service execute-api from --service (the host is not one sigcurl knows)"]
