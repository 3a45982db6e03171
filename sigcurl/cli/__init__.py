"""The ``sigcurl`` command: click options, grouped help, one-line errors and exit codes.

Thin by design, and the only module that imports click or calls
``sys.exit``: it declares the options, splits the words into option sets
(:mod:`sigcurl.argv`), hands what click parsed to :mod:`sigcurl.options`
(every option rule, compiled into typed specs), runs them with
:mod:`sigcurl.driver`, and maps failures to one-line errors and exit codes.
Nothing beyond click is imported until the command runs, so ``--help``
starts fast; ``--sign-only`` and ``--presign`` never import an HTTP stack
or rich.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import click

from sigcurl.cli import about
from sigcurl.cli.command import Opt, SigcurlCommand, _positive, group_opts, option_table
from sigcurl.errors import ExitCode

if TYPE_CHECKING:
    from sigcurl.environment import Env

__all__ = ["cli", "group_opts", "main", "option_table", "run_options"]

@click.command("sigcurl", cls=SigcurlCommand, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("urls", nargs=-1, metavar="URL...")
@click.option("--url", "extra_urls", multiple=True, cls=Opt, metavar="URL", help="A URL to fetch (as well as the arguments).")
@click.option("-X", "--request", "method", cls=Opt, metavar="METHOD", help="HTTP method to use (default GET, POST with data, PUT with -T).")
@click.option("-H", "--header", "headers", multiple=True, cls=Opt, metavar="'NAME: VALUE'", help="Extra header; 'Name:' removes a default header, 'Name;' sends it empty, @FILE reads lines.")
@click.option("-d", "--data", "--data-ascii", "data", multiple=True, cls=Opt, metavar="DATA", help="POST data (@FILE reads a file without its newlines, @- stdin).")
@click.option("--data-binary", multiple=True, cls=Opt, metavar="DATA", help="POST data exactly as given (@FILE streams the file's bytes).")
@click.option("--data-raw", multiple=True, cls=Opt, metavar="DATA", help="POST data with no special meaning for @.")
@click.option("--data-urlencode", multiple=True, cls=Opt, metavar="DATA", help="POST data, URL-encoded (content, =content, name=content, @file, name@file).")
@click.option("--json", "json_data", multiple=True, cls=Opt, metavar="DATA", help="POST JSON (@FILE, @-); sets Content-Type and Accept to application/json.")
@click.option("-F", "--form", multiple=True, cls=Opt, metavar="NAME=CONTENT", help="multipart/form-data field: name=value, name=@file (upload), name=<file (content); ;type= ;filename=.")
@click.option("--form-string", multiple=True, cls=Opt, metavar="NAME=STRING", help="multipart/form-data field with a literal value (no @, < or ;type=).")
@click.option("-T", "--upload-file", "upload", cls=Opt, metavar="FILE", help="PUT this file (- for stdin), streamed.")
@click.option("-G", "--get", "get", is_flag=True, cls=Opt, help="Send the -d data in the URL query with GET.")
@click.option("-I", "--head", "head", is_flag=True, cls=Opt, help="Send HEAD and show the response headers only.")
@click.option("-A", "--user-agent", cls=Opt, metavar="NAME", help="User-Agent to send.")
@click.option("--compressed", is_flag=True, cls=Opt, help="Ask for a compressed response and decompress it.")
@click.option("-L", "--location", "follow", is_flag=True, cls=Opt, help="Follow redirects (each hop signed afresh).")
@click.option("--location-trusted", is_flag=True, cls=Opt, help="Like -L, and sign requests to other hosts too.")
@click.option("--max-redirs", type=click.IntRange(-1), default=50, show_default=True, cls=Opt, metavar="N", help="Maximum redirects to follow (-1: no limit).")
@click.option("-k", "--insecure", is_flag=True, cls=Opt, help="Do not verify the server's TLS certificate.")
@click.option("--cacert", cls=Opt, metavar="FILE", help="CA bundle to verify the server with.")
@click.option("-x", "--proxy", cls=Opt, metavar="[PROTOCOL://]HOST[:PORT]", help="Use this proxy.")
@click.option("--noproxy", cls=Opt, metavar="HOSTS", help="Comma-separated hosts that bypass the proxy.")
@click.option("-m", "--max-time", type=float, cls=Opt, metavar="SECONDS", callback=_positive, help="Maximum time for the whole transfer.")
@click.option("--connect-timeout", type=float, cls=Opt, metavar="SECONDS", callback=_positive, help="Maximum time to connect.")
@click.option("--retry", type=click.IntRange(0), default=None, cls=Opt, metavar="N", help="Retry transient failures N times (re-signed each time).")
@click.option("--retry-delay", type=float, cls=Opt, metavar="SECONDS", callback=_positive, help="Wait this long between retries (default: backoff).")
@click.option("--retry-max-time", type=float, cls=Opt, metavar="SECONDS", callback=_positive, help="Stop retrying after this long.")
@click.option("--retry-all-errors", is_flag=True, cls=Opt, help="Retry on any error.")
@click.option("--resolve", "resolve_", multiple=True, cls=Opt, metavar="HOST:PORT:ADDR", help="Connect to ADDR for HOST:PORT (URL, Host and TLS name unchanged).")
@click.option("--connect-to", multiple=True, cls=Opt, metavar="HOST1:PORT1:HOST2:PORT2", help="Connect to HOST2:PORT2 instead of HOST1:PORT1.")
@click.option("-g", "--globoff", is_flag=True, cls=Opt, help="No URL globbing: {a,b} and [1-9] are literal.")
@click.option("--url-query", multiple=True, cls=Opt, metavar="DATA", help="Add to each URL's query: name=value (value encoded), =value, name@FILE, +raw (as is).")
@click.option("-e", "--referer", cls=Opt, metavar="URL", help="Send this Referer header (curl's ';auto' is accepted and ignored).")
@click.option("-r", "--range", "range_", cls=Opt, metavar="RANGE", help="Ask for these bytes only: 0-499, -500 (the last 500), 9500-, 0-0,-1.")
@click.option("-C", "--continue-at", cls=Opt, metavar="OFFSET", help="Resume: ask for the bytes from OFFSET on (- : the size of the -o file, which is appended to).")
@click.option("--etag-compare", cls=Opt, metavar="FILE", help="Send If-None-Match with the ETag stored in FILE (by --etag-save).")
@click.option("--etag-save", cls=Opt, metavar="FILE", help="Save the response's ETag to FILE (empty when there is none).")
@click.option("--cert", cls=Opt, metavar="FILE[:PASSWORD]", help="Client certificate for mutual TLS (PEM; may hold the key).")
@click.option("--key", cls=Opt, metavar="FILE", help="Private key of --cert (PEM).")
@click.option("--cert-type", type=click.Choice(["PEM", "DER", "P12", "ENG"], case_sensitive=False), cls=Opt, help="Type of --cert (only PEM is read).")
@click.option("--key-type", type=click.Choice(["PEM", "DER", "ENG"], case_sensitive=False), cls=Opt, help="Type of --key (only PEM is read).")
@click.option("--pass", "pass_", cls=Opt, metavar="PHRASE", help="Password of the --key (or --cert) private key.")
@click.option("--capath", cls=Opt, metavar="DIR", help="Directory of CA certificates (hashed names, as c_rehash makes).")
@click.option("--tlsv1.2", "tlsv1_2", is_flag=True, cls=Opt, help="Use TLS 1.2 or later.")
@click.option("--tlsv1.3", "tlsv1_3", is_flag=True, cls=Opt, help="Use TLS 1.3 or later.")
@click.option("--tls-max", cls=Opt, metavar="VERSION", help="Use at most this TLS version: 1.2, 1.3 or default.")
@click.option("--http1.1", "http1_1", is_flag=True, cls=Opt, help="Use HTTP/1.1 (what sigcurl always sends).")
@click.option("--http2", is_flag=True, cls=Opt, hidden=True)
@click.option("--http2-prior-knowledge", is_flag=True, cls=Opt, hidden=True)
@click.option("--http3", is_flag=True, cls=Opt, hidden=True)
@click.option("--http3-only", is_flag=True, cls=Opt, hidden=True)
@click.option("-K", "--config", "config_", cls=Opt, section="transfers", metavar="FILE", help="Read options from FILE (curl's syntax: 'url = ...', 'header = \"...\"', 'next'; - is stdin).")
@click.option("--next", "next_", is_flag=True, cls=Opt, section="transfers", help="(also -:) Start a new set of options for the URLs that follow.")
@click.option("-Z", "--parallel", is_flag=True, cls=Opt, section="transfers", help="Run the transfers in parallel (output of each kept whole, in order).")
@click.option("--parallel-max", type=int, cls=Opt, section="transfers", metavar="N", help="At most N transfers at once with --parallel (default 50, at most 300); also the parts of an S3 multipart upload sent at once (default 4).")
@click.option("--fail-early", is_flag=True, cls=Opt, section="transfers", help="Stop at the first failed transfer and exit with its code.")
@click.option("-i", "--include", is_flag=True, cls=Opt, section="output", help="Write the status line and headers before the body.")
@click.option("-o", "--output", multiple=True, cls=Opt, section="output", metavar="FILE", help="Write the body to FILE instead of stdout (one -o per URL, in order).")
@click.option("-O", "--remote-name", "remote_name", is_flag=True, cls=Opt, section="output", help="Write the body to a file named like the URL's last path segment (one -O per URL, in order, like -o).")
@click.option("--remote-name-all", is_flag=True, cls=Opt, section="output", help="As -O for every URL that has no -o or -O.")
@click.option("--output-dir", cls=Opt, section="output", metavar="DIR", help="Directory for -o files.")
@click.option("--create-dirs", is_flag=True, cls=Opt, section="output", help="Create the directories -o needs.")
@click.option("-s", "--silent", is_flag=True, cls=Opt, section="output", help="No progress and no error messages.")
@click.option("-S", "--show-error", is_flag=True, cls=Opt, section="output", help="With -s, still show errors.")
@click.option("-v", "--verbose", is_flag=True, cls=Opt, section="output", help="Show the request and response headers on stderr (secrets redacted).")
@click.option("-f", "--fail", is_flag=True, cls=Opt, section="output", help="Exit 22 with no body on HTTP errors (>= 400).")
@click.option("--fail-with-body", is_flag=True, cls=Opt, section="output", help="Exit 22 on HTTP errors, after writing the body.")
@click.option("-w", "--write-out", cls=Opt, section="output", metavar="FORMAT", help="Write %{http_code}, %{time_total}, %{size_download}, %{content_type}, %{url_effective}, %{header_json}... after the transfer (@FILE reads it).")
@click.option("-D", "--dump-header", cls=Opt, section="output", metavar="FILE", help="Write the response headers to FILE (- for stdout).")
@click.option("--remove-on-error", is_flag=True, cls=Opt, section="output", help="Remove the -o file when the transfer fails.")
@click.option("-#", "--progress-bar", is_flag=True, cls=Opt, section="output", help="Show progress as a bar (sigcurl's meter is always a bar).")
@click.option("--no-progress-meter", is_flag=True, cls=Opt, section="output", help="No progress meter (errors still shown, unlike -s).")
@click.option("--trace", cls=Opt, section="output", metavar="FILE", help="Write a hex dump of everything sent and received to FILE (- for stdout; secrets redacted).")
@click.option("--trace-ascii", cls=Opt, section="output", metavar="FILE", help="Like --trace, as text without the hex.")
@click.option("--trace-time", is_flag=True, cls=Opt, section="output", help="Put a time stamp on each --trace block.")
@click.option("--stderr", "stderr_", cls=Opt, section="output", metavar="FILE", help="Write what goes to stderr to FILE instead (- for stdout).")
@click.option("--pretty/--raw", default=None, cls=Opt, section="output", help="Pretty-print JSON/XML (default: only on a terminal); --raw also keeps event stream frames as received.")
@click.option("-N", "--no-buffer", is_flag=True, cls=Opt, section="output", help="Write every response as it arrives (no pretty-printing held until the end); streams always flow.")
@click.option("--color/--no-color", default=None, cls=Opt, section="output", help="Colour pretty output (default: on a terminal, unless NO_COLOR).")
@click.option("--region", cls=Opt, section="signing", metavar="REGION", help="Signing region (default: from the host, AWS_REGION, the profile).")
@click.option("--service", cls=Opt, section="signing", metavar="NAME", help="Signing service name (default: from the host).")
@click.option("--sigv4a", is_flag=True, cls=Opt, section="signing", help="Sign with SigV4a (ECDSA, multi-region).")
@click.option("--region-set", cls=Opt, section="signing", metavar="LIST", help="SigV4a region set, e.g. '*' or 'us-east-1,us-west-2'.")
@click.option("--unsigned-payload", is_flag=True, cls=Opt, section="signing", help="Sign UNSIGNED-PAYLOAD instead of the body's hash.")
@click.option("--checksum", type=click.Choice(["crc32", "crc32c", "crc64nvme", "sha1", "sha256", "none"], case_sensitive=False), cls=Opt, section="signing", help="S3 x-amz-checksum-* of the body, sent as a trailer when streaming (default: crc32 for S3 file and stdin uploads).")
@click.option("--aws-chunked/--no-aws-chunked", "aws_chunked", default=None, cls=Opt, section="signing", help="S3 signed streaming of uploads (default: on for S3 uploads from files; off for stores without it).")
@click.option("--part-size", cls=Opt, section="signing", metavar="SIZE", help="S3 multipart uploads: part size (bytes, or K/M/G; 5M to 5G; default 8M); a file larger than SIZE goes in parts (default: above 64M).")
@click.option("--presign", is_flag=True, cls=Opt, section="signing", help="Print a presigned URL; send nothing.")
@click.option("--expires", type=int, default=900, show_default=True, cls=Opt, section="signing", metavar="SECONDS", help="Lifetime of a --presign URL (1 s to 7 days).")
@click.option("--sign-only", is_flag=True, cls=Opt, section="signing", help="Print the signed request (method, target, headers); send nothing.")
@click.option("--sign-format", type=click.Choice(["http", "json", "curl"], case_sensitive=False), cls=Opt, section="signing", help="With --sign-only (implied): print the request as HTTP text, JSON, or a curl command line.")
@click.option("--aws-sigv4", cls=Opt, section="signing", metavar="aws:amz[:REGION[:SERVICE]]", help="curl's syntax: sign with SigV4; the region and service, when given, override the host's.")
@click.option("--no-sign-request", is_flag=True, cls=Opt, section="signing", help="Send without signing and without looking up credentials (as the AWS CLI's option).")
@click.option("--sign-host", cls=Opt, section="signing", metavar="HOST", help="Sign for this Host (VPC endpoints, tunnels); connect to the URL's host.")
@click.option("--date", "date_", cls=Opt, section="signing", metavar="TIMESTAMP", help="Sign as of this instant (2015-08-30T12:36:00Z or 20150830T123600Z).")
@click.option("--debug-signature", is_flag=True, cls=Opt, section="signing", help="Print the canonical request and string to sign on stderr.")
@click.option("-u", "--user", cls=Opt, section="credentials", metavar="KEY:SECRET[:TOKEN]", help="With --aws-sigv4: the access key, secret key and session token (visible in ps: prefer -K or the environment).")
@click.option("--profile", cls=Opt, section="credentials", metavar="NAME", help="Profile from ~/.aws/config and ~/.aws/credentials (else AWS_PROFILE).")
@click.option("--access-key", cls=Opt, section="credentials", metavar="ID", help="Access key id (with --secret-key).")
@click.option("--secret-key", cls=Opt, section="credentials", metavar="KEY", help="Secret access key (prefer the environment or a profile).")
@click.option("--session-token", cls=Opt, section="credentials", metavar="TOKEN", help="Session token of temporary credentials.")
@click.option("--role-arn", cls=Opt, section="credentials", metavar="ARN", help="Assume this role first and sign with its credentials.")
@click.option("--role-session-name", cls=Opt, section="credentials", metavar="NAME", help="Session name for --role-arn.")
@click.option("--external-id", cls=Opt, section="credentials", metavar="ID", help="External id for --role-arn.")
@click.option("--duration", type=click.IntRange(900, 43200), cls=Opt, section="credentials", metavar="SECONDS", help="Session duration for --role-arn.")
@click.option("--whoami", is_flag=True, cls=Opt, section="credentials", help="Show which credentials and region would be used, then exit.")
@click.option("-V", "--version", is_flag=True, expose_value=False, is_eager=True, callback=about.show_version, cls=Opt, section="about", help="Show the version, the versions of the libraries in use, and the features available.")
@click.option("--completion", type=click.Choice(["bash", "zsh", "fish"], case_sensitive=False), expose_value=False, is_eager=True, callback=about.show_completion, cls=Opt, section="about", metavar="SHELL", help="Print the completion script for bash, zsh or fish.")
@click.option("-M", "--manual", is_flag=True, expose_value=False, is_eager=True, callback=about.show_manual, cls=Opt, section="about", help="Show the manual page.")
@click.pass_context
def cli(ctx: click.Context, /, **opts: Any) -> None:
    """curl for AWS-signed HTTP: signs each request with SigV4 (or SigV4a) and sends it.

    \b
    Examples:
      sigcurl 'https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15'
      sigcurl -sf --json @payload.json https://abc.execute-api.eu-west-1.amazonaws.com/prod/items
      sigcurl -T backup.sql https://bucket.s3.eu-west-1.amazonaws.com/backups/backup.sql
      sigcurl --presign --expires 3600 https://bucket.s3.amazonaws.com/report.pdf
    """
    from sigcurl.environment import Env

    ctx.exit(run_options([group_opts(ctx, opts), *ctx.meta.get("sigcurl.groups", [])], Env.from_process()))


def run_options(option_sets: list[dict[str, Any]], env: Env) -> int:
    """Compile the option sets into a run and drive it; the exit status."""
    from sigcurl.driver import run
    from sigcurl.options import compile_run

    def warn(line: str) -> None:
        env.stderr.write(line + "\n")

    spec = compile_run(option_sets, stdin=env.stdin, stdout_isatty=env.stdout_isatty, environ=env.environ, warn=warn)
    return run(spec, env)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console entry point."""
    code: Any = 0
    try:
        cli.main(args=argv, prog_name="sigcurl")
    except BrokenPipeError:
        code = ExitCode.WRITE_ERROR
    except SystemExit as exc:
        code = exc.code
    except Exception as exc:  # noqa: BLE001 - never a traceback for a user
        if os.environ.get("SIGCURL_TRACEBACK"):
            raise
        sys.stderr.write(
            f"sigcurl: internal error ({type(exc).__name__}) — please report it; "
            "set SIGCURL_TRACEBACK=1 to see the details\n"
        )
        code = ExitCode.INTERNAL
    sys.exit(_flush_stdout(code))


def _flush_stdout(code: Any) -> Any:
    """``code``, after stdout is flushed; when its reader has gone, stdout becomes /dev/null.

    The interpreter flushes stdout once more at exit: what a closed pipe left
    in the buffer would fail again there (exit 120 and an "Exception ignored"
    message).  As the Python documentation's note on SIGPIPE says, standard
    output is pointed at /dev/null instead, and the run's code is kept
    (23 when nothing else failed).
    """
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return code or ExitCode.WRITE_ERROR
    return code
