"""Data-plane host forms that botocore's endpoint data does not describe (hand-written data).

Each row is one host form documented in a service's guide, read by
:mod:`sigcurl.dataplanes`. Fields, in order:

``family``, ``form``
    A short family name and which of its host forms this is (for ``-v``).
``keys``
    Host labels of which one must be present for the row to be tried.
``pattern``
    A regular expression the whole host (lower case, no port, no trailing
    dot) must match.  ``{R}`` is the region, captured; ``{S}`` is an AWS
    DNS suffix (``amazonaws.com``, ``amazonaws.com.cn``); ``{L}`` is one label.
``service``
    The SigV4 signing name; ``""`` means the ``svc`` group's endpoint prefix
    mapped through botocore's prefix table (interface VPC endpoints).
``region``
    The fixed signing region, or None: the ``{R}`` group if the pattern has
    one, else the caller's region (environment, profile).  ``"*"`` with SigV4a.
``sigv4a``
    The endpoint requires SigV4a.
``headers``
    Headers the service requires on every request, as (name, value); the
    value :data:`PAYLOAD_SHA256` stands for the payload's SHA-256 (hex).
``note``
    What a user should know: for database token hosts, how the token is made.
``doc``
    The AWS documentation page the row comes from (a botocore rule set or
    service model when the form is only in an SDK's data).  The comment above each
    page's constant says what the page was read to say and what it does not
    write; the pages under "NOT YET CHECKED" were not found in the last review.

Order matters: within one key, the first matching row wins.
"""

from __future__ import annotations

PAYLOAD_SHA256 = "<payload sha256>"
"""Stands for the hex SHA-256 of the request's payload, as the signer computes it."""

# --- Pages read and checked against the row (host form and signing name) -----------------------
# Managed Prometheus: aps-workspaces.REGION.amazonaws.com signed with --service aps.
_AMP = "https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-compatible-APIs.html"
# Neptune: every HTTP request to an IAM-enabled cluster is SigV4-signed (neptune-db:* actions); the
# endpoints page lists the cluster, reader, custom and instance endpoints.
_NEPTUNE = "https://docs.aws.amazon.com/neptune/latest/userguide/iam-auth-connecting.html"
_NEPTUNE_EP = "https://docs.aws.amazon.com/neptune/latest/userguide/feature-overview-endpoints.html"
# Neptune Analytics: the pages say how a graph is reached (public or private endpoint, SDK service
# "Neptune graph") but NOT the host forms, which come from the neptune-graph model (signing name
# neptune-graph; data operations use the host prefix {graphIdentifier}.). Host forms unverified.
_NA = "https://docs.aws.amazon.com/neptune-analytics/latest/userguide/gettingStarted-accessing.html"
_NA_CONNECT = "https://docs.aws.amazon.com/neptune-analytics/latest/userguide/gettingStarted-connecting.html"
# OpenSearch Service: the OpenSearch APIs are at domain-id.region.es.amazonaws.com.
_OS_SIGN = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-signing-service-requests.html"
# OpenSearch VPC domains: 'vpc-endpoint-....us-east-1.es.amazonaws.com' and, dual stack,
# 'vpc-endpoint-....aos.us-east-1.on.aws'.
_OS_ENDPOINTS = (
    "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/opensearch/"
    "aws.sdk.kotlin.services.opensearch.model/-domain-status/endpoints.html"
)
# OpenSearch Serverless: collection-id.region.aoss.amazonaws.com (Classic), collection-id.aoss.region.on.aws
# and account-id.aoss.region.on.aws (NextGen). The x-amz-content-sha256 requirement is in the guide's
# "signing HTTP requests with other clients" section, whose English page was not found.
_AOSS_EP = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-collection-endpoints.html"
# Lambda function URLs: https://<url-id>.lambda-url.<region>.on.aws, AWS_IAM auth.
_LAMBDA_URL = "https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html"
# VPC Lattice: SigV4 or SigV4A as vpc-lattice-svcs, x-amz-content-sha256: UNSIGNED-PAYLOAD required.
_LATTICE = "https://docs.aws.amazon.com/vpc-lattice/latest/ug/sigv4-authenticated-requests.html"
# Aurora DSQL: the English page of the token guide was not found; this one (English text)
# gives the host form your_cluster_identifier.dsql.AWS_REGION.on.aws and the DbConnect/DbConnectAdmin actions.
_DSQL = "https://docs.aws.amazon.com/ja_jp/aurora-dsql/latest/userguide/authentication-token-dotnet.html"
# EventBridge global endpoints: EndpointId abcde.veo; this page spells the host "endpoints.event", the
# events endpoint rules build {EndpointId}.endpoint.events.{dnsSuffix}, the form matched here.
_EVENTS = "https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsEventsEndpointDetails.html"
# SES multi-region (global) endpoints: the page documents the feature; the host form is UNVERIFIED on
# any AWS page found - it comes from the sesv2 endpoint rules ({EndpointId}.endpoints.email.{dnsSuffix}).
_SES_MRE = "https://docs.aws.amazon.com/goto/cli2/sesv2-2019-09-27/CreateMultiRegionEndpoint"
# S3 Tables: https://s3tables.<REGION>.amazonaws.com/iceberg, SigV4 signing name s3tables.
_S3TABLES = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-tables-integrating-open-source.html"

# AppSync: AWS_IAM authorization (requests SigV4-signed, appsync:GraphQL). The host form
# ID.appsync-api.REGION.amazonaws.com was seen only in the Amplify docs, not on this page.
_APPSYNC = "https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html"
# IoT data plane: the endpoint is `aws iot describe-endpoint --endpoint-type iot:Data-ATS`, and "the service
# name used by AWS Signature Version 4 to sign requests is: iotdevicegateway". The row keeps iotdata, the
# name botocore's iot-data client signs HTTPS requests with (and the one the endpoint tests hold it to);
# DISAGREES with this page - left for a decision, not changed here.
_IOT = "https://docs.aws.amazon.com/AWSJavaSDK/latest/javadoc/com/amazonaws/services/iotdata/package-summary.html"
# CloudSearch: a domain's document and search endpoints, search-movies-....cloudsearch.amazonaws.com;
# requests are signed (the SDKs do it). The doc- form is not written on this page.
_CLOUDSEARCH = "https://docs.aws.amazon.com/cloudsearch/latest/developerguide/submitting-search-requests.html"
# MediaStore: a container's Endpoint is the DNS endpoint for data-plane requests. The host form
# (ID.data.mediastore.REGION.amazonaws.com) is UNVERIFIED on an AWS page: it is the botocore endpoint prefix.
_MEDIASTORE = "https://docs.aws.amazon.com/sdkfornet/v3/apidocs/items/MediaStore/TContainer.html"
# Kinesis Video: GetDataEndpoint returns the endpoint for GetMedia/PutMedia; the host form it returns is
# UNVERIFIED on an AWS page.
_KVS = "https://docs.aws.amazon.com/goto/aws-cli/kinesisvideo-2017-09-30/GetDataEndpoint"
# Timestream: the endpoint discovery pattern (DescribeEndpoints gives the cell endpoint). The cell host
# forms (ingest-cellN / query-cellN) are UNVERIFIED on an AWS page.
_TIMESTREAM = "https://docs.aws.amazon.com/timestream/latest/developerguide/Using.API.html#Using-API.endpoint-discovery"
# RDS: the auth token for --hostname, --port, --username (the same token `--presign` makes). The
# cluster, proxy and instance host forms are not written on this page.
_RDS = "https://docs.aws.amazon.com/cli/latest/reference/rds/generate-db-auth-token.html"
# ElastiCache: a short-lived IAM token (SigV4) in AUTH/HELLO, elasticache:Connect. The cache host form
# matched here is not written in the part of the page read.
_ELASTICACHE = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth-iam.html"
# MSK: IAM access control through SASL_OAUTHBEARER and AWS's signer libraries. The broker and serverless
# bootstrap host forms are UNVERIFIED on an AWS page.
_MSK = "https://docs.aws.amazon.com/msk/latest/developerguide/configure-clients-for-iam-access-control.html"
# API Gateway private APIs: vpce-123456-abc000.execute-api.us-east-2.vpce.amazonaws.com with a Host header.
# The API_ID-VPCE_ID.execute-api form was not in the part of the page read.
_APIGW_PRIVATE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-test-invoke-url.html"
# SQS: the page lists sqs.REGION.amazonaws.com (and FIPS/dual-stack) only; the legacy queue.amazonaws.com
# and REGION.queue.amazonaws.com forms are UNVERIFIED on an AWS page (botocore still knows them).
_SQS = "https://docs.aws.amazon.com/general/latest/gr/sqs-service.html"
# CloudFront KeyValueStore: the API that views and updates a key value store. The host form and SigV4a
# are UNVERIFIED on an AWS page: they come from the cloudfront-keyvaluestore endpoint rules
# ({accountId}.cloudfront-kvs.global.api.aws).
_KVS_CF = "https://docs.aws.amazon.com/cloudfront/latest/APIReference/Welcome.html"
# OpenSearch Ingestion: clients sign with the service name osis and send to the pipeline endpoint. The
# pipeline host form is not written in the part of the page read.
_OSIS = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/configure-client.html"
# DynamoDB: account-id.ddb.REGION.amazonaws.com (and .api.aws) in the endpoint table.
_DDB = "https://docs.aws.amazon.com/general/latest/gr/ddb.html"
# Glacier: the headers every REST request carries (SigV4 Authorization, Host glacier.region.amazonaws.com);
# the x-amz-glacier-version row is further down the page than the part read.
_GLACIER = "https://docs.aws.amazon.com/amazonglacier/latest/dev/api-common-request-headers.html"
# MemoryDB: a short-lived IAM token (SigV4) in AUTH/HELLO, memorydb:Connect. The cluster host form is
# not written in the part of the page read.
_MEMORYDB = "https://docs.aws.amazon.com/memorydb/latest/devguide/auth-iam.html"
# Bedrock: the endpoints page lists the control plane (bedrock.REGION.amazonaws.com, the part read) and the
# runtime endpoints; the Bedrock user guide's "Regional availability by endpoints" names bedrock-runtime.
_BEDROCK = "https://docs.aws.amazon.com/general/latest/gr/bedrock.html"
# Account-based endpoints: the page writes https://ACCOUNT-ID.ddb.REGION.amazonaws.com (DynamoDB); the
# streams-ddb form of the row using it is not written there.
_ACCOUNT_EP = "https://docs.aws.amazon.com/sdkref/latest/guide/feature-account-endpoints.html"
# AppSync real-time: GraphQL subscriptions go over wss:// to "the AWS AppSync real-time endpoint", queries and
# mutations over https:// to the GraphQL endpoint; IAM is one of the authorization modes. The host form
# ID.appsync-realtime-api.REGION.amazonaws.com is UNVERIFIED: not written in the part of the page read.
_APPSYNC_RT = "https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html"
# IoT jobs data: `aws iot describe-endpoint --endpoint-type iot:Jobs` returns
# account-specific-prefix.jobs.iot.aws-region.amazonaws.com. The signing name is not on this page; the CLI
# reference (docs.aws.amazon.com/cli/latest/reference/iot-jobs-data) writes "The service name used by ...
# Signature Version 4 to sign requests is: iot-jobs-data".
_IOT_JOBS = "https://docs.aws.amazon.com/general/latest/gr/iot_device_management.html"
# Interface VPC endpoints: the endpoint-specific Regional DNS hostname holds the endpoint id, the service
# identifier, the Region and vpce.amazonaws.com: vpce-0fe5b17a0707d6abc-29p5708s.ec2.us-east-1.vpce.amazonaws.com
# (and a zonal form with -us-east-1a after the id). The page writes no signing name: that is the service's.
_PRIVATELINK = "https://docs.aws.amazon.com/whitepapers/latest/aws-privatelink/creating-highly-available-endpoint-services.html"
# API Gateway: clients call the execute-api component service at https://api-id.execute-api.region.amazonaws.com/stage/.
# The page names the component execute-api but does not say in so many words that it is the signing name.
_APIGW = "https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-call-api.html"
# SageMaker runtime: no AWS page found that writes runtime.sagemaker.REGION (the General Reference page's part
# read lists api.sagemaker only). botocore's model: endpointPrefix runtime.sagemaker, signingName sagemaker
# (AWS's Smithy model for the service agrees: aws.auth#sigv4 name sagemaker). Host form UNVERIFIED on an AWS page.
_SAGEMAKER = (
    "https://github.com/boto/botocore/blob/develop/botocore/data/sagemaker-runtime/2017-05-13/service-2.json"
)
# Feature Store runtime: botocore's model: endpointPrefix featurestore-runtime.sagemaker, signingName
# sagemaker. Host form UNVERIFIED on an AWS page (none found that writes it).
_FEATURESTORE = (
    "https://github.com/boto/botocore/blob/develop/botocore/data/sagemaker-featurestore-runtime/2020-07-01/service-2.json"
)
# Kinesis account-based endpoints: no AWS page found (the General Reference page lists kinesis.REGION only).
# The rules build https://{AccountId}.{OperationType}-kinesis(-fips).{Region}.{dnsSuffix} (also from a stream
# ARN's account); the service model has no signingName, so it signs as kinesis. The rules' stream-id form
# ({prefix}.{suffix}.{OperationType}-kinesis...) and the kinesis-queues forms are not matched here.
_KINESIS_RULES = "https://github.com/boto/botocore/blob/develop/botocore/data/kinesis/2013-12-02/endpoint-rule-set-1.json"

# --- NOT YET CHECKED: none left; a new row whose page is not yet read goes here ----------------

_TOKEN = "a database token host: `sigcurl --presign` makes the auth token"
_CONTENT = (("x-amz-content-sha256", PAYLOAD_SHA256),)

Row = tuple[str, str, tuple[str, ...], str, str, str | None, bool, tuple[tuple[str, str], ...], str, str]

ROWS: tuple[Row, ...] = (
    # Amazon Managed Service for Prometheus: query and remote_write sign as aps.
    ("prometheus", "workspace query and remote_write", ("aps-workspaces", "aps-workspaces-fips"),
     r"aps-workspaces(?:-fips)?\.{R}\.{S}", "aps", None, False, (), "", _AMP),
    # Neptune (port 8182): every endpoint signs as neptune-db.
    ("neptune", "reader endpoint", ("neptune",), r"{L}\.cluster-ro-{L}\.{R}\.neptune\.{S}",
     "neptune-db", None, False, (), "port 8182", _NEPTUNE_EP),
    ("neptune", "custom endpoint", ("neptune",), r"{L}\.cluster-custom-{L}\.{R}\.neptune\.{S}",
     "neptune-db", None, False, (), "port 8182", _NEPTUNE_EP),
    ("neptune", "cluster endpoint", ("neptune",), r"{L}\.cluster-{L}\.{R}\.neptune\.{S}",
     "neptune-db", None, False, (), "port 8182", _NEPTUNE_EP),
    ("neptune", "instance endpoint", ("neptune",), r"{L}\.{L}\.{R}\.neptune\.{S}",
     "neptune-db", None, False, (), "port 8182", _NEPTUNE),
    # Neptune Analytics graphs.
    ("neptune-analytics", "graph endpoint", ("neptune-graph",), r"g-{L}\.{R}\.neptune-graph\.{S}",
     "neptune-graph", None, False, (), "", _NA),
    ("neptune-analytics", "graph data API", ("neptune-graph",), r"g-{L}\.neptune-graph\.{R}\.{S}",
     "neptune-graph", None, False, (), "", _NA_CONNECT),
    # OpenSearch Service domains sign as es.
    ("opensearch", "VPC domain endpoint", ("es",), r"vpc-{L}\.{R}\.es\.{S}", "es", None, False, (), "", _OS_ENDPOINTS),
    ("opensearch", "domain endpoint", ("es",), r"{L}\.{R}\.es\.{S}", "es", None, False, (), "", _OS_SIGN),
    ("opensearch", "dual-stack domain endpoint", ("aos",), r"(?:search|vpc)-{L}\.aos\.{R}\.on\.aws",
     "es", None, False, (), "", _OS_ENDPOINTS),
    # OpenSearch Serverless needs x-amz-content-sha256 on every request.
    ("opensearch-serverless", "collection endpoint", ("aoss", "aoss-fips"), r"{L}\.{R}\.aoss(?:-fips)?\.{S}",
     "aoss", None, False, _CONTENT, "", _AOSS_EP),
    ("opensearch-serverless", "NextGen collection or account endpoint", ("aoss", "aoss-fips"),
     r"{L}\.aoss(?:-fips)?\.{R}\.on\.aws", "aoss", None, False, _CONTENT, "", _AOSS_EP),
    ("opensearch-ingestion", "pipeline ingestion endpoint", ("osis",), r"{L}\.{R}\.osis\.{S}",
     "osis", None, False, (), "", _OSIS),
    # Lambda function URLs, AppSync, IoT device data.
    ("lambda-url", "function URL", ("lambda-url",), r"{L}\.lambda-url\.{R}\.on\.aws",
     "lambda", None, False, (), "", _LAMBDA_URL),
    ("appsync", "GraphQL and Events API endpoint", ("appsync-api",), r"{L}\.appsync-api\.{R}\.{S}",
     "appsync", None, False, (), "", _APPSYNC),
    ("appsync", "real-time endpoint", ("appsync-realtime-api",), r"{L}\.appsync-realtime-api\.{R}\.{S}",
     "appsync", None, False, (), "", _APPSYNC_RT),
    ("iot", "device data endpoint", ("iot",), r"{L}-ats\.iot\.{R}\.{S}", "iotdata", None, False, (),
     "MQTT over WebSocket (/mqtt) signs as iotdevicegateway: pass --service iotdevicegateway", _IOT),
    ("iot", "jobs data endpoint", ("iot",), r"{L}\.jobs\.iot\.{R}\.{S}", "iot-jobs-data", None, False, (), "",
     _IOT_JOBS),
    # CloudSearch domains sign as cloudsearch.
    ("cloudsearch", "search endpoint", ("cloudsearch",), r"search-{L}\.{R}\.cloudsearch\.{S}",
     "cloudsearch", None, False, (), "", _CLOUDSEARCH),
    ("cloudsearch", "document endpoint", ("cloudsearch",), r"doc-{L}\.{R}\.cloudsearch\.{S}",
     "cloudsearch", None, False, (), "", _CLOUDSEARCH),
    ("mediastore", "container data endpoint", ("mediastore",), r"{L}\.data\.mediastore\.{R}\.{S}",
     "mediastore", None, False, (), "", _MEDIASTORE),
    ("kinesis-video", "stream or channel data endpoint", ("kinesisvideo",), r"{L}\.kinesisvideo\.{R}\.{S}",
     "kinesisvideo", None, False, (), "", _KVS),
    ("timestream", "ingest cell", ("timestream",), r"ingest-cell\d+\.timestream\.{R}\.{S}",
     "timestream", None, False, (), "", _TIMESTREAM),
    ("timestream", "query cell", ("timestream",), r"query-cell\d+\.timestream\.{R}\.{S}",
     "timestream", None, False, (), "", _TIMESTREAM),
    # VPC Lattice services: no payload signing, UNSIGNED-PAYLOAD required.
    ("vpc-lattice", "service endpoint", ("vpc-lattice-svcs",), r"{L}\.{L}\.vpc-lattice-svcs\.{R}\.on\.aws",
     "vpc-lattice-svcs", None, False, (("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),), "", _LATTICE),
    # Database token hosts: the token is a presigned URL.
    ("aurora-dsql", "cluster endpoint", ("dsql",), r"{L}\.dsql\.{R}\.on\.aws", "dsql", None, False, (),
     _TOKEN + " (presign https://HOST/?Action=DbConnect, or DbConnectAdmin for admin)", _DSQL),
    ("rds", "proxy endpoint", ("rds",), r"{L}\.proxy-{L}\.{R}\.rds\.{S}", "rds-db", None, False, (),
     _TOKEN + " (presign https://HOST:PORT/?Action=connect&DBUser=USER)", _RDS),
    ("rds", "cluster endpoint", ("rds",), r"{L}\.cluster-(?:ro-|custom-)?{L}\.{R}\.rds\.{S}", "rds-db", None,
     False, (), _TOKEN + " (presign https://HOST:PORT/?Action=connect&DBUser=USER)", _RDS),
    ("rds", "instance endpoint", ("rds",), r"{L}\.{L}\.{R}\.rds\.{S}", "rds-db", None, False, (),
     _TOKEN + " (presign https://HOST:PORT/?Action=connect&DBUser=USER)", _RDS),
    ("msk", "broker", ("kafka",), r"(?:{L}\.)+c\d+\.kafka\.{R}\.{S}", "kafka-cluster", None, False, (),
     "SASL/OAUTHBEARER: the token is a presigned https://kafka.REGION.amazonaws.com/?Action=kafka-cluster:Connect "
     "(signing name kafka-cluster), base64url-encoded", _MSK),
    ("msk", "serverless bootstrap", ("kafka-serverless",), r"(?:{L}\.)+c\d+\.kafka-serverless\.{R}\.{S}",
     "kafka-cluster", None, False, (), "SASL/OAUTHBEARER token as for MSK brokers", _MSK),
    ("elasticache", "cache endpoint", ("cache",), r"(?:{L}\.)+[a-z]{2,4}\d\.cache\.amazonaws\.com(?:\.cn)?",
     "elasticache", None, False, (),
     _TOKEN + ": presign http://CACHE_NAME/?Action=connect&User=USER_ID (add &ResourceType=ServerlessCache for "
     "serverless) with --service elasticache --region REGION; the host label is a short region code", _ELASTICACHE),
    ("memorydb", "cluster endpoint", ("memorydb",), r"(?:{L}\.)+memorydb\.{R}\.{S}", "memorydb", None, False, (),
     _TOKEN + ": presign http://CLUSTER_NAME/?Action=connect&User=USER_ID with --service memorydb", _MEMORYDB),
    # Multi-region endpoints: SigV4a over every region.
    ("eventbridge", "global endpoint", ("endpoint",), r"(?:{L}\.)+endpoint\.events\.{S}", "events", "*", True,
     (), "", _EVENTS),
    ("ses", "multi-region endpoint", ("endpoints",), r"(?:{L}\.)+endpoints\.email\.{S}", "ses", "*", True, (), "",
     _SES_MRE),
    ("cloudfront-kvs", "key value store", ("cloudfront-kvs",), r"\d{12}\.cloudfront-kvs\.global\.api\.aws",
     "cloudfront-keyvaluestore", "*", True, (), "", _KVS_CF),
    # Legacy SQS hosts.
    ("sqs", "legacy global endpoint", ("queue",), r"queue\.amazonaws\.com", "sqs", "us-east-1", False, (), "", _SQS),
    ("sqs", "legacy regional endpoint", ("queue",), r"{R}\.queue\.{S}", "sqs", None, False, (), "", _SQS),
    # API Gateway: public, private (VPC endpoint ID in the host), VPC endpoint DNS.
    ("api-gateway", "private API through a VPC endpoint", ("execute-api",), r"{L}-vpce-{L}\.execute-api\.{R}\.{S}",
     "execute-api", None, False, (), "", _APIGW_PRIVATE),
    ("api-gateway", "VPC endpoint DNS name", ("execute-api",), r"vpce-{L}\.execute-api\.{R}\.vpce\.{S}",
     "execute-api", None, False, (), "send Host: API_ID.execute-api.REGION.amazonaws.com or x-apigw-api-id",
     _APIGW_PRIVATE),
    ("api-gateway", "invoke URL", ("execute-api",), r"{L}\.execute-api\.{R}\.{S}", "execute-api", None, False, (),
     "", _APIGW),
    # Interface VPC endpoints of any service: the service part is an endpoint prefix.
    ("privatelink", "interface VPC endpoint", ("vpce",), r"vpce-{L}\.(?P<svc>[a-z0-9.-]+?)\.{R}\.vpce\.{S}",
     "", None, False, (), "", _PRIVATELINK),
    # Hosts in botocore's data whose signing name differs, or needing headers.
    ("glacier", "vault API", ("glacier", "glacier-fips"), r"glacier(?:-fips)?\.{R}\.{S}", "glacier", None, False,
     (("x-amz-glacier-version", "2012-06-01"),), "", _GLACIER),
    ("s3-tables", "Iceberg REST catalog", ("s3tables",), r"s3tables\.{R}\.{S}", "s3tables", None, False, (), "",
     _S3TABLES),
    ("bedrock", "runtime", ("bedrock-runtime", "bedrock-runtime-fips"), r"bedrock-runtime(?:-fips)?\.{R}\.{S}",
     "bedrock", None, False, (), "", _BEDROCK),
    ("bedrock", "agent runtime", ("bedrock-agent-runtime", "bedrock-agent-runtime-fips"),
     r"bedrock-agent-runtime(?:-fips)?\.{R}\.{S}", "bedrock", None, False, (), "", _BEDROCK),
    ("sagemaker", "runtime", ("sagemaker",), r"runtime(?:-fips)?\.sagemaker\.{R}\.{S}", "sagemaker", None, False,
     (), "", _SAGEMAKER),
    ("sagemaker", "Feature Store runtime", ("sagemaker",), r"featurestore-runtime\.sagemaker\.{R}\.{S}",
     "sagemaker", None, False, (), "", _FEATURESTORE),
    # Account-based endpoints (botocore builds them only with an account ID).
    ("dynamodb", "account-based endpoint", ("ddb",), r"\d{12}\.ddb\.{R}\.{S}", "dynamodb", None, False, (), "",
     _DDB),
    ("dynamodb", "account-based streams endpoint", ("streams-ddb", "streams-ddb-fips"),
     r"\d{12}\.streams-ddb(?:-fips)?\.{R}\.{S}", "dynamodb", None, False, (), "", _ACCOUNT_EP),
    ("kinesis", "account-based endpoint", ("control-kinesis", "data-kinesis", "control-kinesis-fips",
                                           "data-kinesis-fips"),
     r"\d{12}\.(?:control|data)-kinesis(?:-fips)?\.{R}\.{S}", "kinesis", None, False, (), "", _KINESIS_RULES),
)
