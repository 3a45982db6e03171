"""The one driver: every transfer of a run, serially or in parallel, and the run's exit status.

A single URL is a run of one transfer; several URLs, option sets
(``--next``), ``-K`` files and globs are the same path.  Transfers are taken
from the :class:`~sigcurl.spec.RunSpec` as they are needed, so a pattern of
100,000 URLs is never held whole.

* Serially, each transfer writes straight to stdout and stderr.
* With ``--parallel``, up to ``--parallel-max`` transfers run at once on
  threads; each one's stdout and stderr go to its own spool, written out
  whole and in the order given (:mod:`sigcurl.output.parallel`).
* ``-d @-``/``-T -`` with several transfers: standard input is read once
  and replayed to each, as curl does (from a temporary file: bounded
  memory, :mod:`sigcurl.replay`).

The exit status is decided in :func:`exit_status`: the last failing
transfer's code in the order given (curl's ``--parallel`` rule; curl's
serial mode returns the last transfer's code, so a later success would hide
an earlier failure), the first failure's with ``--fail-early``, which also
stops starting new transfers.  When some of several transfers failed, a
summary (one line per failed transfer) ends stderr.
"""

from __future__ import annotations

import io
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO, cast

from sigcurl.environment import Env
from sigcurl.errors import Interrupted, OutputClosedError
from sigcurl.output.stderr import Stderr
from sigcurl.session import Session
from sigcurl.spec import RunSpec, TransferSpec, WhoamiSpec
from sigcurl.transfer import Outcome
from sigcurl.transfer import run as run_transfer

#: Spooled output of a parallel transfer stays in memory up to this size, then goes to a temporary file.
SPOOL_MEMORY = 1 << 20


def run(spec: RunSpec, env: Env, secrets: list[str | None] | None = None) -> int:
    """Run every transfer of ``spec`` (or ``--whoami``); the exit status."""
    if spec.stderr:
        return _with_stderr(spec, env, secrets)
    session = Session(env, secrets)
    err = Stderr(env.stderr, silent=spec.silent, show_error=spec.show_error, secrets=session.secrets)
    if spec.whoami is not None:
        return _whoami(spec.whoami, session, err)
    make_stdin, release_stdin = _stdin_for(env, spec.total)
    outcomes: list[Outcome] = []
    try:
        if spec.parallel and spec.total > 1:
            try:
                _run_parallel(spec, env, session, make_stdin, outcomes)
            except OutputClosedError as exc:  # the reader of stdout went away: one line (none with -s), exit 23
                err.error(exc.line())
                return int(exc.exit_code)
        else:
            _run_serial(spec, env, session, make_stdin, outcomes)
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM: undo what the transfers left, before the session closes
        raise _interrupted(exc) from None
    finally:
        session.close()
        release_stdin()
    code, summary = exit_status(outcomes, spec.total, fail_early=spec.fail_early)
    if summary:
        err.error("\n".join(summary))
    return code


def _interrupted(exc: KeyboardInterrupt) -> Interrupted:
    """The interrupt to raise once what the run left is undone (:func:`sigcurl.interrupts.undo_all`).

    A serial transfer undid its own on the way out and says so in ``exc``; the transfers of ``-Z``
    run on threads that never see the interrupt: their files are removed and their multipart uploads
    aborted here (each abort bounded by a short timeout), without waiting for the transfers to end.
    """
    from sigcurl import interrupts

    code = exc.exit_code if isinstance(exc, Interrupted) else interrupts.code()
    interrupts.stopping(code)
    own = exc.done if isinstance(exc, Interrupted) and exc.done != Interrupted().done else None
    left = interrupts.undo_all()
    done = "; ".join(text for text in (own, left) if text)
    return Interrupted(code, done) if done else Interrupted(code)


def _with_stderr(spec: RunSpec, env: Env, secrets: list[str | None] | None) -> int:
    """``--stderr FILE`` (``-``: stdout): the run with its stderr there; curl warns and keeps stderr when FILE cannot be opened."""
    path = spec.stderr or ""
    if path == "-":
        stream: Any = io.TextIOWrapper(_Unclosed(env.stdout), encoding="utf-8", errors="replace", write_through=True)
    else:
        try:
            stream = open(path, "w", encoding="utf-8", errors="replace")  # noqa: SIM115 - closed below
        except OSError as exc:
            if not spec.silent:
                env.stderr.write(f"sigcurl: warning: cannot write --stderr {path}: {exc.strerror or exc}; using stderr\n")
            return run(spec._replace(stderr=None), env, secrets)
    try:
        return run(spec._replace(stderr=None), env._replace(stderr=stream, stderr_isatty=False), secrets)
    finally:
        stream.flush()
        if path != "-":
            stream.close()


class _Unclosed(io.RawIOBase):
    """A binary stream written through, never closed (stdout under ``--stderr -``)."""

    def __init__(self, target: BinaryIO) -> None:
        super().__init__()
        self._target = target

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._target.write(bytes(data))
        self._target.flush()
        return len(data)


def exit_status(outcomes: Sequence[Outcome], total: int, *, fail_early: bool) -> tuple[int, list[str]]:
    """The run's exit status, and the summary lines for stderr (none for one transfer).

    ``outcomes`` are the transfers that ran, in the order given; ``total``
    how many there were to run.
    """
    failed = [o for o in outcomes if o.error is not None]
    if not failed:
        return 0, []
    lines: list[str] = []
    # A closed stdout was said once when it happened; the transfers it failed are not listed again.
    listed = [o for o in failed if not isinstance(o.error, OutputClosedError)]
    if total > 1 and listed:
        from sigcurl.output.redact import redact_url

        not_run = total - len(outcomes)
        closed = len(failed) - len(listed)
        lines.append(f"sigcurl: {len(failed)} of {total} transfers failed"
                     + (f" ({closed} because the output was closed)" if closed else "") + ":")
        for o in listed:
            assert o.error is not None
            what = " ".join(o.error.what.split())
            lines.append(f"sigcurl:   [{o.seq + 1}/{total}] {redact_url(o.url)}: ({int(o.error.exit_code)}) {what}")
        if not_run:
            lines.append(f"sigcurl: {not_run} transfer{'' if not_run == 1 else 's'} not run (--fail-early)")
    chosen = min(failed, key=lambda o: o.seq) if fail_early else failed[-1]
    assert chosen.error is not None
    return int(chosen.error.exit_code), lines


def _whoami(spec: WhoamiSpec, session: Session, err: Stderr) -> int:
    from sigcurl.credentials.whoami import whoami_lines
    from sigcurl.errors import SigcurlError
    from sigcurl.output.writes import write_bytes
    from sigcurl.scope import resolve_scope
    from sigcurl.signer.request import split_url

    s = spec.signing
    try:
        host = split_url(spec.url)[1] if spec.url else ""
        scope = resolve_scope(host, service="sts", region=s.region,
                              configured_region=session.configured_region(s.credentials.profile))
        region = None if scope.assumed_region else scope.region
        lines = whoami_lines(session.credentials(s.credentials, s.region, None), region)
        write_bytes(session.env.stdout, "".join(line + "\n" for line in lines).encode())
    except SigcurlError as exc:
        err.error(exc.line())
        return int(exc.exit_code)
    return 0


def _stdin_for(env: Env, count: int) -> tuple[Callable[[], BinaryIO], Callable[[], None]]:
    """Standard input for each transfer: as is for one, read once (spooled to disk) and replayed for several;
    and what releases the spool at the end."""
    if count <= 1:
        return (lambda: env.stdin), (lambda: None)
    from sigcurl.replay import SharedInput

    shared = SharedInput(env.stdin)
    return shared.reader, shared.close


def _run_serial(spec: RunSpec, env: Env, session: Session, make_stdin: Callable[[], BinaryIO],
                outcomes: list[Outcome]) -> None:
    for t in spec.transfers:
        tenv = env if spec.total <= 1 else env._replace(stdin=make_stdin())
        outcome = run_transfer(t, tenv, session, _stderr_for(t, tenv, session))
        outcomes.append(outcome)
        if outcome.error is not None and spec.fail_early:
            break


def _stderr_for(t: TransferSpec, env: Env, session: Session) -> Stderr:
    return Stderr(env.stderr, silent=t.output.silent, show_error=t.output.show_error, secrets=session.secrets)


def _run_parallel(spec: RunSpec, env: Env, session: Session, make_stdin: Callable[[], BinaryIO],
                  outcomes: list[Outcome]) -> None:
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from sigcurl.output.parallel import ParallelProgress, flush

    stop = threading.Event()
    progress = ParallelProgress.start(env.stderr, spec.total) if env.stderr_isatty and not spec.silent else None

    def work(t: TransferSpec) -> tuple[Any, io.StringIO, Outcome | None]:
        out = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115 - closed by the writer
        spool = io.StringIO()
        if stop.is_set():
            return out, spool, None
        tenv = env._replace(stdin=make_stdin(), stdout=cast(BinaryIO, out), stderr=spool, stderr_isatty=False)
        outcome = None
        try:
            outcome = run_transfer(t, tenv, session, _stderr_for(t, tenv, session))
        finally:
            failed = outcome is None or outcome.error is not None
            if failed and spec.fail_early:
                stop.set()
            if progress is not None:
                progress.done(failed)
        return out, spool, outcome

    workers = min(spec.parallel_max, spec.total)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sigcurl")
    # Outputs are written in the order given, so finished transfers wait for slower earlier ones;
    # a window of submitted transfers bounds how many spools wait (and so the memory they hold).
    window = max(2 * workers, workers + 16)
    queued: Iterator[TransferSpec] = iter(spec.transfers)
    pending: deque[Any] = deque()

    def fill() -> None:
        while len(pending) < window and not stop.is_set() and (t := next(queued, None)) is not None:
            pending.append(pool.submit(work, t))

    interrupted = False
    try:
        fill()
        while pending:  # written whole, in the order given
            out, spool, outcome = pending.popleft().result()
            if outcome is not None:
                outcomes.append(outcome)
            fill()
            try:
                flush(out, spool.getvalue(), env.stdout, env.stderr, env.stdout_isatty, progress)
            finally:
                out.close()
    except KeyboardInterrupt:
        # Ctrl-C, SIGTERM: start nothing more and do not wait for running transfers (a server dripping
        # its answer would hold the exit); `run` undoes what they left, the CLI ends the process once
        # its line is written.
        stop.set()
        interrupted = True
        raise
    except BaseException:
        stop.set()  # a closed stdout: start nothing more
        raise
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=True)
        if progress is not None:
            progress.stop()

