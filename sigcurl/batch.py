"""Many transfers in one invocation: option sets, ``-K`` files, ``--parallel``, exit status.

curl's model, signed:

* The command line is split into option sets at ``--next`` (``-:``) before
  click sees it (:func:`split_argv`); ``-K/--config FILE`` is expanded in
  place (:mod:`sigcurl.config_file`).  Each set is parsed by the click command
  on its own; the options of a set apply to every URL in it.  Global options
  (:data:`GLOBAL_OPTIONS`: ``-v``, ``-s``, ``-S``, ``--parallel``,
  ``--parallel-max``, ``--fail-early``) apply to every set wherever given.
* URLs keep the order they were given in (positional and ``--url`` alike),
  and the n-th ``-o`` of a set goes with the n-th URL of that set; URLs
  without an ``-o`` write to stdout.
* Every transfer is signed afresh; credentials are resolved once per
  invocation (:class:`Shared`) and again only when they are about to
  expire; one connection pool per worker keeps connections alive.
* ``--parallel`` runs up to ``--parallel-max`` transfers at once on threads.
  Each transfer's stdout and stderr go to its own spool, written out whole
  and in the order given, so outputs never interleave.
* The exit status is the last failing transfer's, in the order given (as
  curl's ``--parallel`` does; curl's serial mode returns the last transfer's
  code, so a later success hides an earlier failure, which a script should
  never miss), or the first failure's with ``--fail-early``, which also
  stops starting new transfers.
  When some of several transfers failed, a summary (one line per failed
  transfer) ends stderr.
"""

from __future__ import annotations

import io
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from sigcurl.curlopts import REMOTE_NAME
from sigcurl.urlglob import expand, has_glob, output_name
from sigcurl.errors import SigcurlError, UsageError

if TYPE_CHECKING:
    import click

    from sigcurl.invocation import Invocation, SigningContext
    from sigcurl.credentials import ResolvedCredentials
    from sigcurl.environment import Env
    from sigcurl.transport import Transport

#: Options that apply to every option set, wherever they are given (curl's "global" options).
GLOBAL_OPTIONS = ("verbose", "silent", "show_error", "parallel", "parallel_max", "fail_early")

#: curl's --parallel-max default and ceiling.
PARALLEL_DEFAULT = 50
PARALLEL_CEILING = 300

#: Re-resolve credentials when they expire within this long (a transfer must not outlive them).
CREDENTIAL_MARGIN = timedelta(seconds=60)

#: Spooled output of a parallel transfer stays in memory up to this size, then goes to a temporary file.
SPOOL_MEMORY = 1 << 20

_NEXT = ("--next", "-:")
_REMOTE_WORD = "--output=" + REMOTE_NAME  # -O / --remote-name: an -o whose name comes from the URL
_CONFIG = ("--config", "-K")


# --- the command line ------------------------------------------------------------


def option_table(command: click.Command) -> dict[str, bool]:
    """Every option string of ``command`` -> whether it takes a value."""
    import click

    table: dict[str, bool] = {}
    for param in command.params:
        if isinstance(param, click.Option):
            takes = not (param.is_flag or param.count)
            for name in (*param.opts, *param.secondary_opts):
                table[name] = takes
    for name in (*_NEXT, "--fail-early"):
        table.setdefault(name, False)
    for name in _CONFIG:
        table[name] = True
    return table


def takes_value(table: dict[str, bool]) -> Callable[[str], bool | None]:
    """``word -> needs a separate value?`` for long options and short clusters (None: unknown)."""

    def check(word: str) -> bool | None:
        if word.startswith("--") or len(word) <= 2:
            return table.get(word)
        for i, ch in enumerate(word[1:], 1):  # a cluster such as -sSX or -XPOST
            takes = table.get("-" + ch)
            if takes is None:
                return None
            if takes:
                return i == len(word) - 1
        return False

    return check


def split_argv(args: Sequence[str], table: dict[str, bool], stdin: Callable[[], BinaryIO]) -> list[list[str]]:
    """The words of each option set: ``--next`` splits, ``-K`` expands, URLs become ``--url=``.

    Rewriting positional URLs as ``--url=URL`` keeps every URL of a set in the
    order given, which is what pairs the n-th ``-o`` with the n-th URL.
    Empty sets (a trailing ``--next``) are dropped.
    """
    from sigcurl.config_file import read_config

    check = takes_value(table)
    groups: list[list[str]] = [[]]
    words = deque(args)
    only_urls = False

    def expand(source: str) -> None:
        words.extendleft(reversed(read_config(source, stdin(), check)))

    while words:
        word = words.popleft()
        cur = groups[-1]
        if only_urls or word == "-" or not word.startswith("-"):
            cur.append(f"--url={word}")
        elif word == "--":
            only_urls = True
        elif word in _NEXT:
            groups.append([])
        elif word == "--remote-name":
            cur.append(_REMOTE_WORD)
        elif word.startswith("--"):
            name, eq, value = word.partition("=")
            if name == "--config":
                if not eq:
                    if not words:
                        raise UsageError("--config needs a file name", "use -K FILE (- for standard input)")
                    value = words.popleft()
                expand(value)
                continue
            cur.append(word)
            if not eq and table.get(name) and words:
                cur.append(words.popleft())
        else:
            _split_short(word, words, cur, table, expand)
    return [g for g in groups if g]


def _split_short(word: str, words: deque[str], cur: list[str], table: dict[str, bool], expand: Callable[[str], None]) -> None:
    """A short option or cluster (``-s``, ``-sSL``, ``-XPOST``, ``-sK file``, ``-sO``)."""
    kept = "-"  # the cluster's flags, without -O (which becomes an -o of its own)
    for i, ch in enumerate(word[1:], 1):
        if ch == "O":
            cur.append(_REMOTE_WORD)
            continue
        takes = table.get("-" + ch)
        if not takes:
            kept += ch  # a flag (or unknown: click reports it)
            continue
        attached = word[i + 1 :]
        value = attached if attached else (words.popleft() if words else None)
        if ch == "K":
            if value is None:
                raise UsageError("-K needs a file name", "use -K FILE (- for standard input)")
            if len(kept) > 1:
                cur.append(kept)
            expand(value)
            return
        cur.append(kept + word[i:])
        if not attached and value is not None:
            cur.append(value)
        return
    if len(kept) > 1:
        cur.append(kept)


def merge_globals(groups: list[dict[str, Any]]) -> None:
    """Give every option set the global options given in any of them (in place)."""
    merged: dict[str, Any] = {}
    for g in groups:
        for name in GLOBAL_OPTIONS:
            value = g.get(name)
            if name == "parallel_max":
                if value is not None:
                    merged[name] = value
            elif value:
                merged[name] = value
    for g in groups:
        for name in GLOBAL_OPTIONS:
            if name in merged:
                g[name] = merged[name]


def parallel_max(value: int | None) -> int:
    """curl's rule: default 50, at most 300, below 1 means the default."""
    if value is None or value < 1:
        return PARALLEL_DEFAULT
    return min(value, PARALLEL_CEILING)


# --- --url-query -------------------------------------------------------------------


def url_query_part(arg: str, stdin: BinaryIO) -> str:
    """One ``--url-query`` argument as it goes into the query (curl 7.87).

    ``+text`` is added as is; otherwise ``--data-urlencode``'s syntax:
    ``content``, ``=content``, ``name=content``, ``@file``, ``name@file``,
    the content percent-encoded (a space as ``%20``, which every AWS
    service reads the same way; curl writes ``+``).
    """
    from sigcurl.curlopts import urlencode_arg

    if arg.startswith("+"):
        return arg[1:]
    return urlencode_arg(arg, stdin, what="--url-query")


def add_query(url: str, parts: Sequence[str]) -> str:
    """``url`` with ``parts`` appended to its query (``&``-joined; the fragment stays last)."""
    if not parts:
        return url
    base, hash_, fragment = url.partition("#")
    extra = "&".join(parts)
    if "?" not in base:
        base += "?" + extra
    elif base.endswith(("?", "&")):
        base += extra
    else:
        base += "&" + extra
    return base + hash_ + fragment


# --- what one invocation shares --------------------------------------------------


class Shared:
    """State shared by the transfers of one invocation (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.secrets: list[str | None] = []
        self._credentials: dict[tuple[Any, ...], ResolvedCredentials] = {}
        self._transports: dict[tuple[Any, ...], Transport] = {}
        self._regions: dict[tuple[Any, ...], str | None] = {}
        #: server clock minus ours, learnt from a clock-skew error by any transfer of the run
        self.clock_offset = timedelta()

    def credentials(self, ctx: SigningContext) -> ResolvedCredentials:
        """Credentials for ``ctx``'s options: resolved once, again when close to expiry."""
        o = ctx.opts
        key = tuple(o.get(k) for k in ("profile", "access_key", "secret_key", "session_token", "role_arn",
                                        "role_session_name", "external_id", "duration"))
        with self.lock:
            found = self._credentials.get(key)
            if found is not None and (found.expiry is None or found.expiry - ctx.env.now() > CREDENTIAL_MARGIN):
                return found
            found = ctx.resolve_credentials()
            self._credentials[key] = found
            self.secrets.extend([found.credentials.secret_key, found.credentials.session_token])
            return found

    def region(self, profile: str | None, environ: Any, resolve: Callable[[], str | None]) -> str | None:
        """The configured region for ``profile`` (files read once per invocation)."""
        key = (profile, environ.get("AWS_REGION"), environ.get("AWS_DEFAULT_REGION"))
        with self.lock:
            if key not in self._regions:
                self._regions[key] = resolve()
            return self._regions[key]

    def transport(self, key: Any, factory: Callable[[], Transport]) -> Transport:
        """One transport (connection pool) per set of connection options and per thread."""
        full = (key, threading.get_ident())
        with self.lock:
            found = self._transports.get(full)
            if found is None:
                found = self._transports[full] = factory()
            return found

    def close(self) -> None:
        """Close every connection pool."""
        with self.lock:
            transports, self._transports = list(self._transports.values()), {}
        for t in transports:
            t.close()


class ReplayStdin(io.RawIOBase):
    """Standard input read once, replayed to every transfer that reads it (curl reads ``@-`` once)."""

    def __init__(self, source: BinaryIO, lock: threading.Lock, cache: list[bytes]) -> None:
        super().__init__()
        self._source = source
        self._lock = lock
        self._cache = cache
        self._pos = 0

    def _data(self) -> bytes:
        with self._lock:
            if not self._cache:
                self._cache.append(self._source.read())
            return self._cache[0]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._data()
        chunk = data[self._pos : self._pos + len(buffer)]
        buffer[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)

    def isatty(self) -> bool:
        return False


# --- the transfers --------------------------------------------------------------------


class Transfer:
    """One URL of one option set, and how it ended (a plain class: no dataclass cost at import)."""

    __slots__ = ("index", "group", "url", "opts", "error", "ran")

    def __init__(self, index: int, group: int, url: str, opts: dict[str, Any]) -> None:
        self.index = index
        self.group = group
        self.url = url
        self.opts = opts
        self.error: SigcurlError | None = None
        self.ran = False


def plan(groups: Sequence[dict[str, Any]], stdin: BinaryIO, warn: Callable[[str], None]) -> list[Transfer]:
    """The transfers of every option set, in order, each with its own ``-o`` and query."""
    transfers: list[Transfer] = []
    for gi, g in enumerate(groups):
        urls = [*g["urls"], *g["extra_urls"]]
        if not urls:
            where = f" in option set {gi + 1} (after --next)" if gi else ""
            raise UsageError(f"no URL given{where}", "usage: sigcurl [OPTIONS] URL (see sigcurl --help)")
        outputs = g["output"]
        outputs = [outputs] if isinstance(outputs, str) else list(outputs or ())
        if len(outputs) > len(urls):
            warn(f"sigcurl: warning: {len(outputs) - len(urls)} more -o/--output than URLs; the extra ones are ignored")
        query = [url_query_part(q, stdin) for q in g.get("url_query") or ()]
        for k, url in enumerate(urls):
            output = outputs[k] if k < len(outputs) else None
            for one, values in _globbed(url, g.get("globoff", False)):
                opts = dict(g, output=output_name(output, values) if output else output)
                transfers.append(Transfer(len(transfers), gi, add_query(one, query), opts))
    return transfers


def _globbed(url: str, globoff: bool) -> Iterator[tuple[str, tuple[str, ...]]]:
    """The URLs of a pattern (curl's globbing), or the URL itself with ``-g``."""
    if globoff or not has_glob(url):
        return iter([(url, ())])
    return expand(url)


def run_batch(top: Invocation, groups: list[dict[str, Any]]) -> int:
    """Run every transfer of ``groups`` (sequentially, or with ``--parallel``); the exit status."""
    env = top.env
    merge_globals(groups)
    top.err.silent, top.err.show_error = bool(groups[0]["silent"]), bool(groups[0]["show_error"])
    transfers = plan(groups, env.stdin, top.err.info)
    shared = Shared()
    shared.secrets.extend(top.secrets)
    if len(transfers) > 1:
        lock, cache = threading.Lock(), []  # type: ignore[var-annotated]
        make_stdin: Callable[[], BinaryIO] = lambda: ReplayStdin(env.stdin, lock, cache)  # type: ignore[assignment,return-value]  # noqa: E731
    else:
        make_stdin = lambda: env.stdin  # noqa: E731
    o = groups[0]
    try:
        if o.get("parallel") and len(transfers) > 1:
            _run_parallel(top, transfers, shared, make_stdin, parallel_max(o.get("parallel_max")), bool(o.get("fail_early")))
        else:
            _run_serial(top, transfers, shared, make_stdin, bool(o.get("fail_early")))
    finally:
        shared.close()
    return _exit_status(top, transfers, bool(o.get("fail_early")))


def _run_one(top: Invocation, t: Transfer, env: Env, shared: Shared) -> None:
    inv = type(top)(env, t.opts, shared=shared)
    t.ran = True
    try:
        inv.one(t.url)
    except SigcurlError as exc:
        t.error = exc
        inv.err.error(exc.line())


def _run_serial(top: Invocation, transfers: list[Transfer], shared: Shared, make_stdin: Callable[[], BinaryIO], fail_early: bool) -> None:
    for t in transfers:
        env = top.env if len(transfers) == 1 else top.env._replace(stdin=make_stdin())
        _run_one(top, t, env, shared)
        if t.error is not None and fail_early:
            break


def _run_parallel(
    top: Invocation, transfers: list[Transfer], shared: Shared, make_stdin: Callable[[], BinaryIO], workers: int, fail_early: bool
) -> None:
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    env = top.env
    stop = threading.Event()
    progress = _Progress.start(env, len(transfers)) if env.stderr_isatty and not top.o.get("silent") else None

    def work(t: Transfer) -> tuple[Any, io.StringIO]:
        out = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115 - closed by the writer
        err = io.StringIO()
        if stop.is_set():
            return out, err
        tenv = env._replace(stdin=make_stdin(), stdout=cast(BinaryIO, out), stderr=err, stderr_isatty=False)
        try:
            _run_one(top, t, tenv, shared)
        finally:
            if t.error is not None and fail_early:
                stop.set()
            if progress is not None:
                progress.done(t)
        return out, err

    pool = ThreadPoolExecutor(max_workers=min(workers, len(transfers)), thread_name_prefix="sigcurl")
    # Outputs are written in the order given, so finished transfers wait for slower earlier ones;
    # a window of submitted transfers bounds how many spools wait (and so the memory they hold).
    window = max(2 * workers, workers + 16)
    queued = iter(transfers)
    pending: deque[Any] = deque()

    def fill() -> None:
        while len(pending) < window and (t := next(queued, None)) is not None:
            pending.append(pool.submit(work, t))

    try:
        fill()
        while pending:  # written whole, in the order given
            out, err = pending.popleft().result()
            fill()
            try:
                _flush(env, out, err, progress)
            finally:
                out.close()
    except BaseException:
        stop.set()  # Ctrl-C, a closed stdout: start nothing more
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if progress is not None:
            progress.stop()


def _flush(env: Env, out: Any, err: io.StringIO, progress: _Progress | None) -> None:
    text = err.getvalue()
    if text:
        if progress is not None:
            progress.write_err(text)
        else:
            env.stderr.write(text)
            env.stderr.flush()
    out.seek(0)
    if progress is not None and env.stdout_isatty:
        data = out.read()
        if data:
            progress.write_out(data)
        return
    try:
        while chunk := out.read(1 << 16):
            env.stdout.write(chunk)
        env.stdout.flush()
    except BrokenPipeError:
        from sigcurl.errors import WriteError

        raise WriteError("output closed early", "read all of the output") from None


class _Progress:
    """One rich progress display for all the transfers of a ``--parallel`` run (stderr is a terminal)."""

    def __init__(self, progress: Any, task: Any) -> None:
        self.progress = progress
        self.task = task
        self.failed = 0
        self.lock = threading.Lock()

    @classmethod
    def start(cls, env: Env, total: int) -> _Progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        console = Console(file=env.stderr, stderr=True)
        progress = Progress(
            SpinnerColumn(), TextColumn("transfers"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]}"), TimeElapsedColumn(),
            console=console, transient=False, redirect_stdout=False, redirect_stderr=False,
        )
        task = progress.add_task("transfers", total=total, failed="")
        progress.start()
        return cls(progress, task)

    def done(self, t: Transfer) -> None:
        with self.lock:
            if t.error is not None:
                self.failed += 1
            failed = f"{self.failed} failed" if self.failed else ""
        self.progress.update(self.task, advance=1, failed=failed)

    def write_err(self, text: str) -> None:
        from rich.text import Text

        self.progress.console.print(Text(text), end="", soft_wrap=True, highlight=False, markup=False)

    def write_out(self, data: bytes) -> None:
        from rich.text import Text

        text = Text.from_ansi(data.decode("utf-8", "replace"))
        self.progress.console.print(text, end="", soft_wrap=True, highlight=False)

    def stop(self) -> None:
        self.progress.stop()


# --- exit status ------------------------------------------------------------------------


def _exit_status(top: Invocation, transfers: list[Transfer], fail_early: bool) -> int:
    """curl's rule: the last failure's code (the first's with --fail-early); a summary when several ran."""
    failed = [t for t in transfers if t.error is not None]
    if not failed:
        return 0
    if len(transfers) > 1:
        from sigcurl.render import redact_url

        not_run = sum(1 for t in transfers if not t.ran)
        lines = [f"sigcurl: {len(failed)} of {len(transfers)} transfers failed:"]
        for t in failed:
            assert t.error is not None
            what = " ".join(t.error.what.split())
            lines.append(f"sigcurl:   [{t.index + 1}/{len(transfers)}] {redact_url(t.url)}: ({int(t.error.exit_code)}) {what}")
        if not_run:
            lines.append(f"sigcurl: {not_run} transfer{'' if not_run == 1 else 's'} not run (--fail-early)")
        top.err.error("\n".join(lines))
    chosen = min(failed, key=lambda t: t.index) if fail_early else failed[-1]
    assert chosen.error is not None
    return int(chosen.error.exit_code)
