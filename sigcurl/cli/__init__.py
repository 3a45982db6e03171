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
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn

import click

from sigcurl.cli import about
from sigcurl.errors import ExitCode, Interrupted, SigcurlError

if TYPE_CHECKING:
    from sigcurl.environment import Env

SECTIONS = ("curl options", "transfers", "signing", "credentials", "output")


class Opt(click.Option):
    """An option that knows which help section it belongs to."""

    def __init__(self, *args: Any, section: str = "curl options", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section = section


class SigcurlContext(click.Context):
    """Help width as :func:`shutil.get_terminal_size` gives it, without importing shutil (start-up time)."""

    def make_formatter(self) -> click.HelpFormatter:
        width = self.terminal_width
        if width is None:
            try:
                columns = int(os.environ.get("COLUMNS", "0"))
            except ValueError:
                columns = 0
            if columns <= 0:
                try:
                    columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
                except (AttributeError, ValueError, OSError):
                    columns = 0
            width = max(min(columns or 80, self.max_content_width or 80) - 2, 50)
        return self.formatter_class(width=width, max_width=self.max_content_width)


class SigcurlCommand(click.Command):
    """Grouped option help, and one-line errors with exit codes instead of tracebacks."""

    context_class = SigcurlContext

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        groups: dict[str, list[tuple[str, str]]] = {s: [] for s in SECTIONS}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx) if isinstance(param, click.Option) else None  # URL is in the usage line
            if record is not None:
                groups.setdefault(getattr(param, "section", "output"), []).append(record)
        for section, rows in groups.items():
            if rows:
                with formatter.section(section.capitalize()):
                    formatter.write_dl(rows)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any) -> Any:  # type: ignore[override]
        extra.pop("standalone_mode", None)
        argv = list(args) if args is not None else sys.argv[1:]
        bad = _first_undecodable(argv)
        if bad is not None:
            sys.stderr.write(
                f"sigcurl: argument {bad + 1} is not valid UTF-8 — pass text as UTF-8; "
                "send raw bytes with --data-binary @FILE or percent-encode them in the URL\n"
            )
            sys.exit(ExitCode.USAGE)
        args = argv
        restore = _on_sigterm()
        try:
            rv = super().main(args=args, prog_name=prog_name or "sigcurl", standalone_mode=False, **extra)
            sys.exit(rv if isinstance(rv, int) else 0)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else "", err=False)
            sys.exit(ExitCode.USAGE)
        except click.UsageError as exc:
            msg = " ".join(exc.format_message().split())
            sys.stderr.write(f"sigcurl: {msg} — see 'sigcurl --help'\n")
            sys.exit(ExitCode.USAGE)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt) as exc:  # click turns KeyboardInterrupt into Abort, from it
            cause = exc if isinstance(exc, Interrupted) else exc.__cause__ or exc.__context__
            seen = cause if isinstance(cause, Interrupted) else Interrupted()
            sys.stderr.write(seen.line() + "\n")
            sys.exit(seen.exit_code)
        except SigcurlError as exc:
            sys.stderr.write(exc.line() + "\n")
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            sys.stderr.write(f"sigcurl: {exc.format_message()}\n")
            sys.exit(ExitCode.USAGE)
        finally:
            restore()

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Split the words into option sets (``--next``, ``-K``) and parse each set on its own.

        The first set is parsed into ``ctx``; the others are kept, parsed, in
        ``ctx.meta["sigcurl.groups"]`` (see :mod:`sigcurl.batch`).
        """
        if not _needs_split(args) or ctx.resilient_parsing:
            return super().parse_args(ctx, args)
        from sigcurl.argv import split_argv

        groups = split_argv(args, option_table(self), _stdin)
        first, rest = (groups[0], groups[1:]) if groups else ([], [])
        parsed = []
        for words in rest:
            sub = self.make_context(ctx.info_name, words)
            parsed.append(group_opts(sub, dict(sub.params)))
        ctx.meta["sigcurl.groups"] = parsed
        return super().parse_args(ctx, first)


def _on_sigterm() -> Any:
    """SIGTERM raises :class:`~sigcurl.errors.Interrupted` (exit 143) in the main thread, so work under
    way is cleaned up as on Ctrl-C (an S3 multipart upload is aborted); returns what restores the handler."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def terminated(_signum: int, _frame: Any) -> None:
        raise Interrupted(ExitCode.TERMINATED)

    previous = signal.signal(signal.SIGTERM, terminated)
    return lambda: signal.signal(signal.SIGTERM, previous)


def option_table(command: click.Command) -> dict[str, bool]:
    """Every option string of ``command`` -> whether it takes a value."""
    from sigcurl.argv import CONFIG, NEXT

    table: dict[str, bool] = {}
    for param in command.params:
        if isinstance(param, click.Option):
            takes = not (param.is_flag or param.count)
            for name in (*param.opts, *param.secondary_opts):
                table[name] = takes
    for name in (*NEXT, "--fail-early"):
        table.setdefault(name, False)
    for name in CONFIG:
        table[name] = True
    return table


def _needs_split(args: Sequence[str]) -> bool:
    """Whether the words may hold several option sets, a config file, or URLs given both ways.

    Cheap, and allowed to say yes too often: without any of these, click's own
    parse is the same, and the batch machinery is not even imported.
    """
    for a in args:
        if a in ("--next", "-:", "--url") or a.startswith(("--config", "--url=")):
            return True
        if a == "--remote-name" or a[:1] == "-" and a[1:2] != "-" and ("K" in a or "O" in a):
            return True
    return False


def _stdin() -> BinaryIO:
    """Standard input as bytes (for ``-K -``)."""
    return sys.stdin.buffer if sys.stdin is not None else open(os.devnull, "rb")  # noqa: SIM115


def _collect_data(kind: str) -> Any:
    def callback(ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
        if not values:
            return values
        from sigcurl.curlopts import DataArg

        ctx.meta.setdefault("sigcurl.data", []).extend(DataArg(kind, v) for v in values)
        return values

    return callback


def _collect_form(literal: bool) -> Any:
    def callback(ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
        if not values:  # click calls this for every run: import multipart only for -F
            return values
        from sigcurl.multipart import FormArg

        ctx.meta.setdefault("sigcurl.form", []).extend(FormArg(v, literal) for v in values)
        return values

    return callback


def _first_undecodable(argv: Sequence[str]) -> int | None:
    """The index of the first argument that is not valid UTF-8 (Python hands such bytes over as lone surrogates)."""
    for i, arg in enumerate(argv):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return i
    return None


MAX_SECONDS = 1e9  # about 31 years; the socket layer overflows not far above (curl: "too large number")


def _positive(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """A number of seconds: finite, not negative, at most :data:`MAX_SECONDS`."""
    if value is None:
        return value
    if value != value or value in (float("inf"), float("-inf")):
        raise click.BadParameter("must be a finite number of seconds", ctx=ctx, param=param)
    if value < 0:
        raise click.BadParameter("must not be negative", ctx=ctx, param=param)
    if value > MAX_SECONDS:
        raise click.BadParameter(f"too large (at most {MAX_SECONDS:.0f} seconds)", ctx=ctx, param=param)
    return value


@click.command("sigcurl", cls=SigcurlCommand, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("urls", nargs=-1, metavar="URL...")
@click.option("--url", "extra_urls", multiple=True, cls=Opt, metavar="URL", help="A URL to fetch (as well as the arguments).")
@click.option("-X", "--request", "method", cls=Opt, metavar="METHOD", help="HTTP method to use (default GET, POST with data, PUT with -T).")
@click.option("-H", "--header", "headers", multiple=True, cls=Opt, metavar="'NAME: VALUE'", help="Extra header; 'Name:' removes a default header, 'Name;' sends it empty, @FILE reads lines.")
@click.option("-d", "--data", "--data-ascii", "data", multiple=True, cls=Opt, metavar="DATA", callback=_collect_data("data"), help="POST data (@FILE reads a file without its newlines, @- stdin).")
@click.option("--data-binary", multiple=True, cls=Opt, metavar="DATA", callback=_collect_data("binary"), help="POST data exactly as given (@FILE streams the file's bytes).")
@click.option("--data-raw", multiple=True, cls=Opt, metavar="DATA", callback=_collect_data("raw"), help="POST data with no special meaning for @.")
@click.option("--data-urlencode", multiple=True, cls=Opt, metavar="DATA", callback=_collect_data("urlencode"), help="POST data, URL-encoded (content, =content, name=content, @file, name@file).")
@click.option("--json", "json_data", multiple=True, cls=Opt, metavar="DATA", callback=_collect_data("json"), help="POST JSON (@FILE, @-); sets Content-Type and Accept to application/json.")
@click.option("-F", "--form", multiple=True, cls=Opt, metavar="NAME=CONTENT", callback=_collect_form(False), help="multipart/form-data field: name=value, name=@file (upload), name=<file (content); ;type= ;filename=.")
@click.option("--form-string", multiple=True, cls=Opt, metavar="NAME=STRING", callback=_collect_form(True), help="multipart/form-data field with a literal value (no @, < or ;type=).")
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
@click.option("--retry", type=click.IntRange(0), default=0, cls=Opt, metavar="N", help="Retry transient failures N times (re-signed each time).")
@click.option("--retry-delay", type=float, cls=Opt, metavar="SECONDS", callback=_positive, help="Wait this long between retries (default: backoff).")
@click.option("--retry-max-time", type=float, cls=Opt, metavar="SECONDS", callback=_positive, help="Stop retrying after this long.")
@click.option("--retry-all-errors", is_flag=True, cls=Opt, help="Retry on any error.")
@click.option("--resolve", "resolve_", multiple=True, cls=Opt, metavar="HOST:PORT:ADDR", help="Connect to ADDR for HOST:PORT (URL, Host and TLS name unchanged).")
@click.option("--connect-to", multiple=True, cls=Opt, metavar="HOST1:PORT1:HOST2:PORT2", help="Connect to HOST2:PORT2 instead of HOST1:PORT1.")
@click.option("-g", "--globoff", is_flag=True, cls=Opt, help="No URL globbing: {a,b} and [1-9] are literal.")
@click.option("--url-query", multiple=True, cls=Opt, metavar="DATA", help="Add to each URL's query: name=value (value encoded), =value, name@FILE, +raw (as is).")
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
@click.option("--pretty/--raw", default=None, cls=Opt, section="output", help="Pretty-print JSON/XML (default: only on a terminal).")
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
@click.option("--sign-host", cls=Opt, section="signing", metavar="HOST", help="Sign for this Host (VPC endpoints, tunnels); connect to the URL's host.")
@click.option("--date", "date_", cls=Opt, section="signing", metavar="TIMESTAMP", help="Sign as of this instant (2015-08-30T12:36:00Z or 20150830T123600Z).")
@click.option("--debug-signature", is_flag=True, cls=Opt, section="signing", help="Print the canonical request and string to sign on stderr.")
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


def group_opts(ctx: click.Context, opts: dict[str, Any]) -> dict[str, Any]:
    """The options of one option set, with what the option callbacks collected."""
    opts["data_args"] = ctx.meta.get("sigcurl.data", [])
    opts["form_args"] = ctx.meta.get("sigcurl.form", [])
    return opts


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console entry point."""
    try:
        cli.main(args=argv, prog_name="sigcurl")
    except BrokenPipeError:
        sys.exit(ExitCode.WRITE_ERROR)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - never a traceback for a user
        if os.environ.get("SIGCURL_TRACEBACK"):
            raise
        sys.stderr.write(
            f"sigcurl: internal error ({type(exc).__name__}) — please report it; "
            "set SIGCURL_TRACEBACK=1 to see the details\n"
        )
        sys.exit(ExitCode.INTERNAL)
    sys.exit(0)
