"""Credentials from explicit values (command-line flags) and environment variables.

Environment: ``AWS_ACCESS_KEY_ID`` + ``AWS_SECRET_ACCESS_KEY``, a token from
``AWS_SECURITY_TOKEN`` or else ``AWS_SESSION_TOKEN`` (the AWS CLI reads them
in that order), optional ``AWS_CREDENTIAL_EXPIRATION``.  An empty access key
counts as unset; an access key without a secret is an error, as in the CLI.
Standard library only: this is sigcurl's fast start-up path.
"""

from __future__ import annotations

from collections.abc import Mapping

from sigcurl.credentials._types import ResolvedCredentials, check_credentials, parse_timestamp
from sigcurl.errors import CredentialSourceError, UsageError
from sigcurl.signer.types import Credentials


def from_flags(
    access_key: str | None, secret_key: str | None, session_token: str | None
) -> ResolvedCredentials | None:
    """Credentials given on the command line, or None when no key flag was given.

    Raises UsageError when only one of the access key and the secret is given.
    """
    if not access_key and not secret_key:
        if session_token:
            raise UsageError(
                "--session-token was given without --access-key and --secret-key",
                "pass all three, or none to use the credential chain",
            )
        return None
    if not access_key:
        raise UsageError("--secret-key was given without --access-key", "pass both --access-key and --secret-key")
    if not secret_key:
        raise UsageError("--access-key was given without --secret-key", "pass both --access-key and --secret-key")
    return ResolvedCredentials(
        Credentials(access_key, secret_key, session_token or None), source="command-line flags"
    )


def from_environment(environ: Mapping[str, str]) -> ResolvedCredentials | None:
    """Credentials from the environment variables, or None when AWS_ACCESS_KEY_ID is unset or empty."""
    access_key = environ.get("AWS_ACCESS_KEY_ID", "")
    if not access_key:
        return None
    secret_key = environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not secret_key:
        raise CredentialSourceError(
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
            "set both, or unset AWS_ACCESS_KEY_ID to use a profile",
        )
    token_name = "AWS_SECURITY_TOKEN" if environ.get("AWS_SECURITY_TOKEN") else "AWS_SESSION_TOKEN"
    token = environ.get(token_name) or None
    creds = check_credentials(Credentials(access_key, secret_key, token), "the environment",
                              ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", token_name))
    expiry = None
    raw_expiry = environ.get("AWS_CREDENTIAL_EXPIRATION", "")
    if raw_expiry:
        expiry = parse_timestamp(raw_expiry)
        if expiry is None:
            raise CredentialSourceError(
                "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time",
                "set it like 2030-01-01T00:00:00Z, or unset it",
            )
    return ResolvedCredentials(creds, source="environment", expiry=expiry)
