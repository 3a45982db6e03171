"""Exception types that carry their exit code, and the exit-code table.

Every failure a user can cause or meet is a :class:`SigcurlError` with a
``what`` (the cause) and a ``fix`` (what to do about it).  The CLI prints it
as one line, ``sigcurl: <what> — <fix>``, and exits with ``exit_code``.
Codes follow curl's where the meaning is the same; sigcurl's own codes live
at 90 and above so they never collide with curl's.

No message built here may contain a secret: callers pass names, paths and
access key ids, never secret keys or session tokens.

Beside :class:`HTTPFailure`, :func:`read_capped`: the bounded read both
credential HTTP clients share (it raises that failure).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit statuses (documented in the README's exit-code table)."""

    OK = 0
    UNSUPPORTED_PROTOCOL = 1  # the URL's scheme is not http or https
    USAGE = 2  # bad option or option value (curl: failed to initialize)
    BAD_URL = 3  # malformed URL
    PROXY_RESOLVE = 5  # cannot resolve proxy
    RESOLVE = 6  # cannot resolve host
    CONNECT = 7  # cannot connect
    WEIRD_REPLY = 8  # the server's reply cannot be understood (an invalid Content-Length)
    PARTIAL_FILE = 18  # the response ended before its announced length
    HTTP_ERROR = 22  # HTTP status >= 400 with -f / --fail-with-body
    WRITE_ERROR = 23  # cannot write output
    READ_ERROR = 26  # cannot read input (file, stdin)
    TIMEOUT = 28  # operation timed out
    RANGE_ERROR = 33  # -C: the server does not support byte ranges
    TLS_CONNECT = 35  # TLS handshake failed
    TOO_MANY_REDIRECTS = 47  # more redirects than --max-redirs
    CLIENT_CERT = 58  # the --cert/--key client certificate cannot be used
    EMPTY_REPLY = 52  # server replied nothing
    SEND_ERROR = 55  # failed sending data
    RECV_ERROR = 56  # failed receiving data (also: a broken event stream: CRC, oversize frame, cut mid-frame)
    TLS_CERT = 60  # peer certificate cannot be verified
    BAD_CONTENT_ENCODING = 61  # --compressed body cannot be decoded
    CA_CERT = 77  # the --cacert file cannot be read
    SIGNING_CONFIG = 90  # cannot tell what to sign for (service/region unknown)
    NO_CREDENTIALS = 91  # no credential source supplied credentials
    CREDENTIAL_SOURCE = 92  # a configured credential source failed
    INTERNAL = 93  # a bug in sigcurl (please report it)
    STREAM_ERROR = 94  # the service reported an error inside an event stream (the HTTP status was 200)
    INTERRUPTED = 130  # Ctrl-C (SIGINT)
    TERMINATED = 143  # SIGTERM


class SigcurlError(Exception):
    """A user-facing failure: one line, a cause and a fix, and an exit code."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, what: str, fix: str = "", *, exit_code: ExitCode | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.fix = fix
        if exit_code is not None:
            self.exit_code = exit_code

    def line(self) -> str:
        """The one line shown to the user (without a trailing newline)."""
        what = " ".join(self.what.split())
        if self.fix:
            return f"sigcurl: {what} — {' '.join(self.fix.split())}"
        return f"sigcurl: {what}"

    def __str__(self) -> str:
        return self.line()


class UsageError(SigcurlError):
    """A bad option, option value or combination of options."""

    exit_code = ExitCode.USAGE


class BadURLError(SigcurlError):
    """The URL cannot be parsed or has an unsupported scheme."""

    exit_code = ExitCode.BAD_URL


class SigningConfigError(SigcurlError):
    """The service or region to sign for cannot be determined or is invalid."""

    exit_code = ExitCode.SIGNING_CONFIG


class NoCredentialsError(SigcurlError):
    """No credential source in the chain supplied credentials."""

    exit_code = ExitCode.NO_CREDENTIALS


class CredentialSourceError(SigcurlError):
    """A configured credential source failed (process, STS, SSO, file...)."""

    exit_code = ExitCode.CREDENTIAL_SOURCE


class ReadError(SigcurlError):
    """An input file or stdin cannot be read."""

    exit_code = ExitCode.READ_ERROR


class WriteError(SigcurlError):
    """The output file or stdout cannot be written."""

    exit_code = ExitCode.WRITE_ERROR


class OutputClosedError(WriteError):
    """The reader of the output went away (a closed pipe): said once per run, not once per transfer."""


class TransferError(SigcurlError):
    """A network failure; the exit code names which (resolve, connect, TLS...)."""

    exit_code = ExitCode.CONNECT


class HTTPStatusError(SigcurlError):
    """An HTTP status >= 400 with --fail / --fail-with-body."""

    exit_code = ExitCode.HTTP_ERROR


class HTTPFailure(Exception):
    """A credential provider's request never produced a response.

    ``kind`` is connect, timeout, too-large or other; ``detail`` is a short
    phrase without secrets.  Raised by every HTTP client the credential
    providers are given (the default one and the transport's), so each
    provider words its own message.
    """

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


#: Credential responses larger than this are refused (they are tiny): the cap of every credential HTTP client.
MAX_CREDENTIAL_BODY = 1024 * 1024


def read_capped(chunks: Iterable[bytes], origin: str) -> bytes:
    """A credential response's body from ``chunks``; :class:`HTTPFailure` ``too-large`` past :data:`MAX_CREDENTIAL_BODY`.

    The one bounded read of both credential clients (``credentials._http``'s
    default and the transport's), which may not import each other.
    """
    body: list[bytes] = []
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_CREDENTIAL_BODY:
            raise HTTPFailure("too-large", f"response from {origin} exceeds {MAX_CREDENTIAL_BODY} bytes")
        body.append(chunk)
    return b"".join(body)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT, exit 130) or SIGTERM (exit 143), and what was done about the work under way.

    The mechanism (:mod:`sigcurl.interrupts`): the command's handlers raise
    ``Interrupted(ExitCode.INTERRUPTED)`` on Ctrl-C and
    ``Interrupted(ExitCode.TERMINATED)`` on SIGTERM in the main thread; both
    unwind alike (spools closed, parallel transfers stopped).  Code that must
    clean up on the way (an S3 multipart upload sends AbortMultipartUpload)
    catches ``KeyboardInterrupt`` and raises ``Interrupted(code, done)``
    saying what it did; the driver adds what it undid for the transfers of
    ``-Z``; the command prints one line with ``done`` and exits with ``exit_code``.
    """

    def __init__(self, exit_code: ExitCode = ExitCode.INTERRUPTED, done: str = "nothing more was sent") -> None:
        super().__init__(done)
        self.exit_code = exit_code
        self.done = done

    def line(self) -> str:
        """The one line shown to the user."""
        what = "terminated (SIGTERM)" if self.exit_code == ExitCode.TERMINATED else "interrupted"
        return f"sigcurl: {what} — {self.done}; run the command again to retry"
