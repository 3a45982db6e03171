"""The data-plane table against the AWS pages its rows cite: host names copied
from those pages infer the service and region the page gives, through the row
that cites the page; every row cites an AWS documentation page; and the README's
data-plane list names every family in the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigcurl.dataplanes import rows
from sigcurl.endpoints import PAYLOAD_SHA256, infer_endpoint

SHA = (("x-amz-content-sha256", PAYLOAD_SHA256),)
UNSIGNED = (("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),)

# (host exactly as the page writes it or its documented form filled in, service, region, headers, page)
PAGE_EXAMPLES = [
    # "domain-id.region.es.amazonaws.com", example my-domain.us-east-1.es.amazonaws.com
    ("my-domain.us-east-1.es.amazonaws.com", "es", "us-east-1", (),
     "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-signing-service-requests.html"),
    ("vpc-endpoint-h2dsd34efgyghrtguk5gt6j2foh4.us-east-1.es.amazonaws.com", "es", "us-east-1", (),
     "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/opensearch/"
     "aws.sdk.kotlin.services.opensearch.model/-domain-status/endpoints.html"),
    ("vpc-endpoint-h2dsd34efgyghrtguk5gt6j2foh4.aos.us-east-1.on.aws", "es", "us-east-1", (),
     "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/opensearch/"
     "aws.sdk.kotlin.services.opensearch.model/-domain-status/endpoints.html"),
    # collection-id.aoss.region.on.aws, account-id.aoss.region.on.aws, collection-id.region.aoss.amazonaws.com
    ("1tg2xudton46knx2a95g.aoss.us-east-1.on.aws", "aoss", "us-east-1", SHA,
     "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-collection-endpoints.html"),
    ("123456789012.aoss.us-east-1.on.aws", "aoss", "us-east-1", SHA,
     "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-collection-endpoints.html"),
    ("1tg2xudton46knx2a95g.us-east-1.aoss.amazonaws.com", "aoss", "us-east-1", SHA,
     "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-collection-endpoints.html"),
    ("aps-workspaces.us-east-2.amazonaws.com", "aps", "us-east-2", (),
     "https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-compatible-APIs.html"),
    ("data-svc-022f67d3a42.1234abc.vpc-lattice-svcs.us-west-2.on.aws", "vpc-lattice-svcs", "us-west-2", UNSIGNED,
     "https://docs.aws.amazon.com/vpc-lattice/latest/ug/sigv4-authenticated-requests.html"),
    ("abcdefghijklmnop.lambda-url.us-east-2.on.aws", "lambda", "us-east-2", (),
     "https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html"),
    ("s3tables.us-east-1.amazonaws.com", "s3tables", "us-east-1", (),
     "https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-tables-integrating-open-source.html"),
    ("vpce-123456-abc000.execute-api.us-east-2.vpce.amazonaws.com", "execute-api", "us-east-2", (),
     "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-test-invoke-url.html"),
    ("abcdefghijklmnopqrst.dsql.us-east-1.on.aws", "dsql", "us-east-1", (),
     "https://docs.aws.amazon.com/ja_jp/aurora-dsql/latest/userguide/authentication-token-dotnet.html"),
    ("123456789012.ddb.us-east-2.amazonaws.com", "dynamodb", "us-east-2", (),
     "https://docs.aws.amazon.com/general/latest/gr/ddb.html"),
    ("123456789012.ddb.us-east-2.api.aws", "dynamodb", "us-east-2", (),
     "https://docs.aws.amazon.com/general/latest/gr/ddb.html"),
]


@pytest.mark.parametrize(("host", "service", "region", "headers", "page"), PAGE_EXAMPLES,
                         ids=[case[0] for case in PAGE_EXAMPLES])
def test_page_example_infers_through_the_row_citing_the_page(
        host: str, service: str, region: str, headers: tuple[tuple[str, str], ...], page: str) -> None:
    got = infer_endpoint(host)
    assert got is not None
    assert (got.service, got.region, got.required_headers) == (service, region, headers)
    cited = {row.doc for row in rows() if got.how == f"data plane: {row.family} ({row.form})"}
    assert cited == {page}


def test_every_row_cites_an_aws_documentation_page() -> None:
    for row in rows():
        assert row.doc.startswith(("https://docs.aws.amazon.com/", "https://github.com/boto/botocore/")), row
        assert " " not in row.doc and "amazonaws.com.rproxy" not in row.doc, row


# family -> the words the README's data-plane list uses for it
README_NAMES = {
    "prometheus": "Managed Prometheus", "neptune": "Neptune", "neptune-analytics": "Neptune Analytics",
    "opensearch": "OpenSearch", "opensearch-serverless": "Serverless", "opensearch-ingestion": "Ingestion",
    "lambda-url": "Lambda URLs", "appsync": "AppSync", "iot": "IoT", "cloudsearch": "CloudSearch",
    "mediastore": "MediaStore", "kinesis-video": "Kinesis Video", "timestream": "Timestream cells",
    "vpc-lattice": "VPC Lattice", "aurora-dsql": "Aurora DSQL", "rds": "RDS", "msk": "MSK",
    "elasticache": "ElastiCache", "memorydb": "MemoryDB", "eventbridge": "EventBridge global endpoints",
    "ses": "SES multi-region endpoints", "cloudfront-kvs": "CloudFront KeyValueStore", "sqs": "Legacy SQS",
    "api-gateway": "API Gateway", "privatelink": "interface VPC endpoints", "glacier": "Glacier",
    "s3-tables": "S3 Tables", "bedrock": "Bedrock", "sagemaker": "SageMaker", "dynamodb": "DynamoDB",
    "kinesis": "Kinesis hosts",
}


def test_readme_lists_every_family() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("- Data planes documented only in a service's guide")
    section = readme[start:readme.index("`-v` says how the service was chosen", start)]
    assert set(README_NAMES) == {row.family for row in rows()}
    missing = [name for name in README_NAMES.values() if name not in section]
    assert not missing, missing
