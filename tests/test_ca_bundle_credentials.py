"""AWS_CA_BUNDLE / ca_bundle reach the credential calls too: an AssumeRole over TLS to a loopback STS.

The verifying TLS server (a throw-away test CA) plays both STS and the
service: the AssumeRole call must verify the server against the CA bundle
the AWS CLI's configuration names (the session profile's ``ca_bundle`` or
``AWS_CA_BUNDLE``) and be signed with the source profile's keys; the request
that follows is signed with the role's credentials.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import base_env, run

from support.server import Response, VerifyingServer

ROLE_KEY, ROLE_SECRET, ROLE_TOKEN = "ASIAROLEEXAMPLE00001", "roleSecret/000000000000000000000000000", "roleToken"


def _assume_role_xml() -> bytes:
    expiry = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f'<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>'
            f"<AccessKeyId>{ROLE_KEY}</AccessKeyId><SecretAccessKey>{ROLE_SECRET}</SecretAccessKey>"
            f"<SessionToken>{ROLE_TOKEN}</SessionToken><Expiration>{expiry}</Expiration></Credentials>"
            "<AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn></AssumedRoleUser></AssumeRoleResult>"
            "</AssumeRoleResponse>").encode()


def _sts_and_service(req: Any) -> Response:
    if req.body and b"Action=AssumeRole" in req.body:
        return Response(200, [("Content-Type", "text/xml")], _assume_role_xml())
    return Response(200, body=b"ok")


@pytest.mark.parametrize("where", ["profile", "environment"])
def test_ca_bundle_verifies_the_assume_role_call(tls_server: VerifyingServer, tmp_path: Path, where: str) -> None:
    tls_server.add_key(ROLE_KEY, ROLE_SECRET, ROLE_TOKEN)
    tls_server.handler = _sts_and_service
    ca_line = f"ca_bundle = {tls_server.ca_bundle}\n" if where == "profile" else ""
    (tmp_path / "config").write_text(f"[profile role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = src\n{ca_line}")
    (tmp_path / "credentials").write_text(
        "[src]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n")
    env: dict[str, str | None] = {**base_env(tmp_path, AWS_ENDPOINT_URL_STS=tls_server.url),
                                  "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
    if where == "environment":
        env["AWS_CA_BUNDLE"] = str(tls_server.ca_bundle)
    result = run(["--profile", "role", "--service", "s3", tls_server.url_for("/data")], env)
    assert result.exit_code == 0, result.stderr
    sts_call, request = tls_server.requests[-2:]
    assert sts_call.tls and sts_call.ok and sts_call.verification.service == "sts"  # signed with the source keys
    assert sts_call.verification.access_key == "AKIDEXAMPLE"
    assert request.tls and request.ok and request.verification.access_key == ROLE_KEY and request.path == "/data"


def test_untrusted_sts_is_a_credential_error(tls_server: VerifyingServer, tmp_path: Path) -> None:
    tls_server.handler = _sts_and_service
    (tmp_path / "config").write_text("[profile role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = src\n")
    (tmp_path / "credentials").write_text(
        "[src]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n")
    env: dict[str, str | None] = {**base_env(tmp_path, AWS_ENDPOINT_URL_STS=tls_server.url),
                                  "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
    result = run(["--profile", "role", "--service", "s3", "https://127.0.0.1:9/data"], env)
    assert result.exit_code == 92 and "AssumeRole" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert tls_server.request_count == 0 or not any(r.ok for r in tls_server.requests)
