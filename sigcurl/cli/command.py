"""The command's machinery: option classes, grouped help, splitting option sets, one-line usage errors.

What :mod:`sigcurl.cli` builds the ``sigcurl`` command from: the option
class that knows its help section, the command class that parses each
option set (``--next``, ``-K``) and turns click's errors into one line
(secret values redacted), and the helpers that put data and form parts
in command-line order.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, BinaryIO

import click

from sigcurl.errors import ExitCode, Interrupted, SigcurlError

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
        unusable = _unusable_argument(argv)
        if unusable is not None:
            sys.stderr.write(f"sigcurl: {unusable}\n")
            sys.exit(ExitCode.USAGE)
        args = argv
        from sigcurl import interrupts

        restore = interrupts.install()
        try:
            rv = super().main(args=args, prog_name=prog_name or "sigcurl", standalone_mode=False, **extra)
            sys.exit(rv if isinstance(rv, int) else 0)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else "", err=False)
            sys.exit(ExitCode.USAGE)
        except click.UsageError as exc:
            msg = _redact_secret_words(_as_ours(exc.format_message()), argv)
            sys.stderr.write(f"sigcurl: {msg} — see 'sigcurl --help'\n")
            sys.exit(ExitCode.USAGE)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except (_Interruption, click.Abort, KeyboardInterrupt) as exc:  # click turns KeyboardInterrupt into Abort, from it
            cause = exc.args[0] if isinstance(exc, _Interruption) else exc if isinstance(exc, Interrupted) else exc.__cause__ or exc.__context__
            seen = cause if isinstance(cause, Interrupted) else Interrupted(interrupts.code())
            interrupts.said()
            # on a terminal the line starts on a line of its own (after the ^C echoed); on a pipe it is the only line
            sys.stderr.write(("\n" if _isatty(sys.stderr) and not isinstance(exc, click.Abort) else "") + seen.line() + "\n")
            _exit_interrupted(seen.exit_code)
        except SigcurlError as exc:
            sys.stderr.write(_redact_secret_words(exc.line(), argv) + "\n")
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            sys.stderr.write(_redact_secret_words(f"sigcurl: {_as_ours(exc.format_message())}", argv) + "\n")
            sys.exit(ExitCode.USAGE)
        finally:
            restore()

    def invoke(self, ctx: click.Context) -> Any:
        """The command, with Ctrl-C and SIGTERM handed to :meth:`main` as they are (click would write
        an empty line to stderr and raise Abort)."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            raise _Interruption(exc) from None

    def make_parser(self, ctx: click.Context) -> Any:
        """click's parser, recording the order of every option occurrence in ``ctx.meta["sigcurl.order"]``.

        click groups repeated options; curl joins ``-d``, ``--data-raw``,
        ``--data-urlencode``... (and ``-F``/``--form-string``) in the order
        given across the options, so the order is kept here.
        """
        parser = super().make_parser(ctx)
        parse = parser.parse_args

        def parse_in_order(args: list[str]) -> Any:
            opts, largs, order = parse(args)
            ctx.meta["sigcurl.order"] = [p.name for p in order]
            return opts, largs, order

        setattr(parser, "parse_args", parse_in_order)  # noqa: B010 - the parser's own method, wrapped
        return parser

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


#: Options whose value is secret: never echoed in an error about the command line.
SECRET_OPTIONS = ("--secret-key", "--session-token", "--user", "-u")


def _redact_secret_words(message: str, argv: Sequence[str]) -> str:
    """``message`` without the value of any secret-bearing option: ``--secret-key=VALUE`` (also as
    written in a ``-K`` file) and the values given to those options in ``argv``."""
    import re

    # --secret-key=V / --session-token=V as a -K line echoes them; -u/--user values are KEY:SECRET (sigcurl's own
    # words after "-u", as in "-u/--user" or "drop -u to", are not values)
    message = re.sub(r"((?:--secret-key|--session-token)=|(?:--user|(?<![\w-])-u)[= ]?(?=[^\s'\"]*:))[^\s'\"]+",
                     r"\1<redacted>", message)
    for i, word in enumerate(argv):
        for option in SECRET_OPTIONS:
            if word == option and i + 1 < len(argv):
                value = argv[i + 1]
            elif word.startswith(option + "=") or option == "-u" and word.startswith("-u") and len(word) > 2:
                value = word[len(option) + (1 if word.startswith(option + "=") else 0):]
            else:
                continue
            if len(value) >= 4:
                message = message.replace(value, "<redacted>")
    return message


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


#: Data and form options (click's parameter names) and what each occurrence becomes.
_DATA_KINDS = {"data": "data", "data_binary": "binary", "data_raw": "raw", "data_urlencode": "urlencode", "json_data": "json"}
_FORM_KINDS = {"form": False, "form_string": True}


def _in_order(order: Sequence[str], opts: dict[str, Any], kinds: dict[str, Any]) -> list[tuple[Any, str]]:
    """``(kind, value)`` of every occurrence of the ``kinds`` options, in command-line order.

    click groups the values of each option; ``order`` (the parser's record,
    one name per occurrence) interleaves them again, as curl reads them.
    """
    pending = {name: list(opts.get(name) or ()) for name in kinds}
    out: list[tuple[Any, str]] = []
    for name in order:
        values = pending.get(name)
        if values:
            out.append((kinds[name], values.pop(0)))
    for name, values in pending.items():  # not seen by the parser (defaults): kept last
        out.extend((kinds[name], v) for v in values)
    return out


def _unusable_argument(argv: Sequence[str]) -> str | None:
    """The error (what — how to fix) for an argument no option can take, else None: bytes that are not
    UTF-8 (Python hands them over as lone surrogates), then a NUL byte (only a caller in Python can pass one)."""
    for i, arg in enumerate(argv):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return (f"argument {i + 1} is not valid UTF-8 — pass text as UTF-8; "
                    "send raw bytes with --data-binary @FILE or percent-encode them in the URL")
    nul = next((i for i, arg in enumerate(argv) if "\x00" in arg), None)
    if nul is not None:
        return f"argument {nul + 1} holds a NUL byte — send such bytes from a file with --data-binary @FILE"
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


def group_opts(ctx: click.Context, opts: dict[str, Any]) -> dict[str, Any]:
    """The options of one option set, with the data and form parts in command-line order."""
    order = ctx.meta.get("sigcurl.order", ())
    data = _in_order(order, opts, _DATA_KINDS)
    forms = _in_order(order, opts, _FORM_KINDS)
    opts["data_args"], opts["form_args"] = [], []
    if data:  # imported only when there is data (start-up time)
        from sigcurl.curlopts import DataArg

        opts["data_args"] = [DataArg(kind, value) for kind, value in data]
    if forms:
        from sigcurl.multipart import FormArg

        opts["form_args"] = [FormArg(value, literal) for literal, value in forms]
    return opts


class _Interruption(Exception):
    """A ``KeyboardInterrupt`` (or :class:`~sigcurl.errors.Interrupted`) on its way out of the command, past click."""


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _exit_interrupted(code: int) -> None:
    """Exit after Ctrl-C or SIGTERM, with the one line written.

    At once (``os._exit``, once stdout and stderr are flushed) when the interrupt came as a signal or
    any of sigcurl's threads is still alive: a parallel transfer the driver no longer waits for, or a
    reader blocked on a pipe (stdin being spooled), whose lock would make the interpreter's shutdown
    abort ("Fatal Python error: _enter_buffered_busy"). A second Ctrl-C meanwhile exits at once too.
    """
    import os
    import threading

    from sigcurl import interrupts

    interrupts.stopping(interrupts.code())  # a second Ctrl-C from now on exits at once (also without a signal)
    running = any(t.name.startswith("sigcurl") and t.is_alive() for t in threading.enumerate())
    if running or interrupts.signalled():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    sys.exit(code)


def _as_ours(message: str) -> str:
    """click's message in the form of sigcurl's own lines: one line, lower case first, no closing full stop.

    ``No such option '--usr'. (Did you mean '--user'?)`` -> ``no such option '--usr' (did you mean '--user'?)``.
    """
    text = " ".join(message.split()).replace(". (Did you mean", " (did you mean").rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text
