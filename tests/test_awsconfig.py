"""The AWS CLI's configuration honoured: --no-sign-request, AWS_ENDPOINT_URL*, CA bundle, region set, retries."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_helpers import base_env, run

from support.server import Response, VerifyingServer


def test_no_sign_request_sends_unsigned_without_credentials(server: VerifyingServer, tmp_path: Path) -> None:
    env = base_env(tmp_path)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(key)
    env["AWS_PROFILE"] = "does-not-exist"  # would fail if credentials were looked up
    result = run(["--no-sign-request", "-v", server.url + "/public/object.txt"], env)
    assert result.exit_code == 0, result.stderr
    r = server.last
    assert r.header("Authorization") is None and r.header("X-Amz-Date") is None
    assert r.header("X-Amz-Security-Token") is None
    assert "* not signing: --no-sign-request" in result.stderr


def test_no_sign_request_sign_only_prints_the_plain_request(tmp_path: Path) -> None:
    result = run(["--no-sign-request", "--sign-only", "https://my-bucket.s3.us-west-2.amazonaws.com/k"], base_env(tmp_path))
    assert result.exit_code == 0, result.stderr
    out = result.stdout.decode()
    assert "Authorization" not in out and "X-Amz-Date" not in out
    assert out.startswith("GET /k HTTP/1.1\nHost: my-bucket.s3.us-west-2.amazonaws.com\n"), out


def test_no_sign_request_with_presign_is_a_usage_error(tmp_path: Path) -> None:
    result = run(["--no-sign-request", "--presign", "https://my-bucket.s3.us-west-2.amazonaws.com/k"], base_env(tmp_path))
    assert result.exit_code == 2
    assert "--no-sign-request and --presign cannot be combined" in result.stderr


# --- configured endpoint URLs -------------------------------------------------------


def _config(tmp_path: Path, text: str) -> None:
    (tmp_path / "config").write_text(text)


@pytest.mark.parametrize("how", ["service env", "global env", "services section", "profile"])
def test_configured_endpoint_receives_the_request_signed_for_the_inferred_scope(
    server: VerifyingServer, tmp_path: Path, how: str
) -> None:
    env = base_env(tmp_path)
    base = server.url + "/base/"
    if how == "service env":
        env["AWS_ENDPOINT_URL_DYNAMODB"] = base
        env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9/"  # the service's own wins
    elif how == "global env":
        env["AWS_ENDPOINT_URL"] = base
    elif how == "services section":
        _config(tmp_path, f"[default]\nservices = local\nendpoint_url = http://127.0.0.1:9/\n"
                          f"[services local]\ndynamodb =\n  endpoint_url = {base}\n")
    else:
        _config(tmp_path, f"[default]\nendpoint_url = {base}\n")
    url = "https://dynamodb.eu-west-1.amazonaws.com/path?x=1"
    result = run(["-v", "-H", "X-Amz-Target: DynamoDB_20120810.ListTables", "--json", "{}", url], env)
    assert result.exit_code == 0, result.stderr
    r = server.last
    assert r.ok, r
    assert r.path == "/base/path" and r.query == "x=1"
    assert r.header("Host") == server.host
    assert "/eu-west-1/dynamodb/aws4_request" in (r.header("Authorization") or "")
    assert "* sending to " in result.stderr


def test_ignore_configured_endpoint_urls(server: VerifyingServer, tmp_path: Path) -> None:
    env = base_env(tmp_path, AWS_ENDPOINT_URL="http://127.0.0.1:9/", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true")
    port = server.url.rsplit(":", 1)[1]
    host = "sqs.us-east-1.amazonaws.com"
    result = run(["--resolve", f"{host}:{port}:127.0.0.1", f"http://{host}:{port}/"], env)
    assert result.exit_code == 0, result.stderr
    assert server.last.ok


def test_s3_bucket_host_goes_path_style_to_the_endpoint(server: VerifyingServer, tmp_path: Path) -> None:
    env = base_env(tmp_path, AWS_ENDPOINT_URL_S3=server.url)
    result = run(["https://my-bucket.s3.us-west-2.amazonaws.com/key.txt"], env)
    assert result.exit_code == 0, result.stderr
    r = server.last
    assert r.ok and r.path == "/my-bucket/key.txt"
    assert "/us-west-2/s3/aws4_request" in (r.header("Authorization") or "")


def test_other_services_are_not_redirected(tmp_path: Path) -> None:
    env = base_env(tmp_path, AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:9/")
    result = run(["--sign-only", "https://sqs.us-east-1.amazonaws.com/"], env)
    assert result.exit_code == 0 and b"Host: sqs.us-east-1.amazonaws.com" in result.stdout


# --- differential: the endpoint-URL precedence against botocore -------------------

_PRECEDENCE = [
    # (environment, config file text, client name, signing name)
    ({}, "", "dynamodb", "dynamodb"),
    ({"AWS_ENDPOINT_URL": "http://global-env:1"}, "", "dynamodb", "dynamodb"),
    ({"AWS_ENDPOINT_URL_DYNAMODB": "http://svc-env:1", "AWS_ENDPOINT_URL": "http://global-env:1"},
     "[default]\nendpoint_url = http://profile:1\n", "dynamodb", "dynamodb"),
    ({"AWS_ENDPOINT_URL_SQS": "http://svc-env:1"}, "", "dynamodb", "dynamodb"),
    ({}, "[default]\nendpoint_url = http://profile:1\n", "sqs", "sqs"),
    ({"AWS_ENDPOINT_URL": "http://global-env:1"},
     "[default]\nservices = s\n[services s]\nsqs =\n  endpoint_url = http://section:1\n", "sqs", "sqs"),
    ({}, "[default]\nservices = s\nendpoint_url = http://profile:1\n[services s]\nsqs =\n  endpoint_url = http://section:1\n",
     "sqs", "sqs"),
    ({}, "[default]\nservices = s\nendpoint_url = http://profile:1\n[services s]\ns3 =\n  endpoint_url = http://section:1\n",
     "sqs", "sqs"),
    ({"AWS_ENDPOINT_URL_API_GATEWAY": "http://svc-env:1"}, "", "apigateway", "apigateway"),
    ({"AWS_ENDPOINT_URL_CLOUDWATCH": "http://svc-env:1"}, "", "cloudwatch", "monitoring"),
    ({"AWS_ENDPOINT_URL_ELASTICSEARCH_SERVICE": "http://svc-env:1"}, "", "es", "es"),
    ({"AWS_ENDPOINT_URL_STS": "http://svc-env:1"}, "", "sts", "sts"),
    ({"AWS_ENDPOINT_URL": "http://global-env:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, "", "sqs", "sqs"),
    ({"AWS_ENDPOINT_URL": "http://global-env:1"}, "[default]\nignore_configured_endpoint_urls = true\n", "sqs", "sqs"),
    ({"AWS_ENDPOINT_URL": "http://global-env:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"},
     "[default]\nignore_configured_endpoint_urls = true\n", "sqs", "sqs"),
    ({"AWS_PROFILE": "dev"}, "[default]\nendpoint_url = http://profile:1\n[profile dev]\nendpoint_url = http://dev:1\n", "sqs", "sqs"),
]


@pytest.mark.parametrize(("environ", "config", "client", "signing"), _PRECEDENCE)
def test_endpoint_url_precedence_matches_botocore(
    tmp_path: Path, environ: dict[str, str], config: str, client: str, signing: str
) -> None:
    botocore_session = pytest.importorskip("botocore.session")
    from sigcurl.credentials.config_endpoints import configured_endpoint
    from sigcurl.credentials.shared_files import load_shared_files
    from sigcurl.endpoints import service_id

    _config(tmp_path, config)
    env = {**base_env(tmp_path), **environ}
    with pytest.MonkeyPatch.context() as mp:
        for key in [k for k in os.environ if k.startswith("AWS_")]:
            mp.delenv(key)
        for key, value in env.items():
            mp.setenv(key, value)
        session = botocore_session.Session()
        expected = session.create_client(client, region_name="us-east-1").meta.endpoint_url
    files = load_shared_files(env)
    profile = env.get("AWS_PROFILE", "default")
    found = configured_endpoint(service_id(signing), env, files.profile(profile), files.services, profile)
    if found is None:
        assert expected.endswith(".amazonaws.com"), expected
    else:
        assert found.url == expected


# --- CA bundle -------------------------------------------------------------------


def test_aws_ca_bundle_and_profile_ca_bundle_are_trusted(tls_server: VerifyingServer, tmp_path: Path) -> None:
    args = ["--service", "execute-api", "--region", "us-east-1", tls_server.url + "/x"]
    assert run(args, base_env(tmp_path)).exit_code == 60  # not trusted by default
    result = run(args, base_env(tmp_path, AWS_CA_BUNDLE=str(tls_server.ca_bundle)))
    assert result.exit_code == 0, result.stderr
    assert tls_server.last.ok
    _config(tmp_path, f"[default]\nca_bundle = {tls_server.ca_bundle}\n")
    result = run(args, base_env(tmp_path))
    assert result.exit_code == 0, result.stderr


def test_cacert_wins_over_aws_ca_bundle(tls_server: VerifyingServer, tmp_path: Path) -> None:
    certifi = pytest.importorskip("certifi")
    env = base_env(tmp_path, AWS_CA_BUNDLE=str(tls_server.ca_bundle))
    result = run(["--cacert", certifi.where(), "--service", "execute-api", tls_server.url + "/x"], env)
    assert result.exit_code == 60


def test_missing_ca_bundle_is_exit_77(tmp_path: Path) -> None:
    result = run(["--service", "execute-api", "https://127.0.0.1:9/"], base_env(tmp_path, AWS_CA_BUNDLE=str(tmp_path / "nope.pem")))
    assert result.exit_code == 77
    assert "cannot read the CA bundle" in result.stderr


# --- SigV4a region set ---------------------------------------------------------------


@pytest.mark.parametrize(("args", "environ", "config", "expected"), [
    ([], {"AWS_SIGV4A_SIGNING_REGION_SET": "us-east-1, us-west-2"}, "", "us-east-1,us-west-2"),
    ([], {}, "[default]\nsigv4a_signing_region_set = eu-west-1\n", "eu-west-1"),
    ([], {"AWS_SIGV4A_SIGNING_REGION_SET": "us-east-2"}, "[default]\nsigv4a_signing_region_set = eu-west-1\n", "us-east-2"),
    (["--region-set", "ap-south-1"], {"AWS_SIGV4A_SIGNING_REGION_SET": "us-east-2"}, "", "ap-south-1"),
    (["--region", "us-west-1"], {"AWS_SIGV4A_SIGNING_REGION_SET": "us-east-2"}, "", "us-east-2"),
    (["--region", "us-west-1"], {}, "", "us-west-1"),
    ([], {}, "", "*"),
])
def test_sigv4a_region_set_precedence(tmp_path: Path, args: list[str], environ: dict[str, str], config: str, expected: str) -> None:
    pytest.importorskip("cryptography")
    _config(tmp_path, config)
    result = run(["--sign-only", "--sigv4a", *args, "https://sqs.us-east-1.amazonaws.com/"], base_env(tmp_path, **environ))
    assert result.exit_code == 0, result.stderr
    assert f"X-Amz-Region-Set: {expected}\n".encode() in result.stdout, result.stdout


# --- the AWS CLI's retry settings --------------------------------------------------------


@pytest.mark.parametrize(("mode", "attempts", "expected"), [
    (None, None, None),
    ("standard", None, ("standard", 2)),
    ("legacy", None, ("legacy", 4)),
    ("adaptive", None, ("adaptive", 2)),
    (None, "5", ("standard", 4)),
    ("Legacy", "1", ("legacy", 0)),
])
def test_aws_retries_table(mode: str | None, attempts: str | None, expected: tuple[str, int] | None) -> None:
    from sigcurl.transport.policy import aws_retries

    assert aws_retries(mode, attempts) == expected


@pytest.mark.parametrize(("mode", "attempts"), [("fast", None), (None, "0"), (None, "three")])
def test_aws_retries_bad_values(mode: str | None, attempts: str | None) -> None:
    from sigcurl.transport.policy import aws_retries

    with pytest.raises(ValueError):
        aws_retries(mode, attempts)


def _busy() -> Response:
    return Response.aws_error("ServiceUnavailable", "busy", status=503, headers=[("Retry-After", "0")])


@pytest.mark.parametrize(("args", "environ", "config", "requests"), [
    ([], {}, "", 1),  # curl's default: no retries
    ([], {"AWS_MAX_ATTEMPTS": "3"}, "", 3),
    ([], {}, "[default]\nmax_attempts = 2\n", 2),
    ([], {"AWS_RETRY_MODE": "standard"}, "", 3),
    (["--retry", "0"], {"AWS_MAX_ATTEMPTS": "3"}, "", 1),  # --retry wins
])
def test_aws_retry_settings_retry_each_attempt_signed(
    server: VerifyingServer, tmp_path: Path, args: list[str], environ: dict[str, str], config: str, requests: int
) -> None:
    _config(tmp_path, config)
    server.queue(_busy(), _busy(), _busy(), _busy())
    result = run([*args, "--service", "execute-api", "--region", "us-east-1", server.url + "/r"], base_env(tmp_path, **environ))
    assert server.request_count == requests
    assert all(r.ok for r in server.requests)
    assert result.exit_code == 0  # a 503 without -f is delivered
