"""Ctrl-C and SIGTERM: the signal handlers, and what an interrupted run undoes.

The rules (README, "Reliability", interruptions):

* the first Ctrl-C (SIGINT) or SIGTERM raises :class:`~sigcurl.errors.Interrupted`
  (exit 130 or 143) in the main thread and sets :data:`STOPPING`, which the
  transfers' threads check: from then on no output file is created and
  nothing more is written to one (:func:`check`);
* what a transfer starts and must undo if the run is interrupted is
  registered here while it is under way: an ``-o`` file with
  ``--remove-on-error`` (:func:`create_removable`) and remote work, an S3
  multipart upload to abort (:func:`on_interrupt`).  A transfer on the main
  thread undoes its own on the way out; :func:`undo_all` does whatever is left
  (the transfers of ``-Z`` run on threads that never see the interrupt):
  files removed, every remote undo started at once, each bounded by
  :data:`UNDO_SECONDS`.  An undo is done once, by whoever claims it first;
* from the first interrupt on, a second Ctrl-C or SIGTERM exits at once
  (:func:`_second`): the registered files are removed, one line is written
  unless it already was (naming any remote work left), and the process ends
  with the first signal's code, without a traceback.

The state is the process's (signals are); :func:`install` resets it at the
start of each command.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sigcurl.errors import ExitCode, Interrupted

#: How long an interrupted run waits for one remote undo (AbortMultipartUpload) to be answered.
UNDO_SECONDS = 0.7
#: How long an interrupted multipart upload waits for its parts in flight to stop before the abort is sent.
STOP_SECONDS = 0.1

#: Set by the first Ctrl-C or SIGTERM: transfers start, create and write nothing more.
STOPPING = threading.Event()

T = TypeVar("T")


class Undo:
    """Remote work to undo if the run is interrupted: ``action`` does it and says what was done;
    ``left`` says what the user must do when it could not be done; ``what`` names the work (``multipart upload``)."""

    __slots__ = ("action", "left", "what", "result", "_claimed", "_ended")

    def __init__(self, action: Callable[[], str], left: str, what: str) -> None:
        self.action = action
        self.left = left
        self.what = what
        self.result: str | None = None  # what the action said, once it ended
        self._claimed = False
        self._ended = threading.Event()

    def claim(self) -> bool:
        """Whether the caller is the first to claim the undo (and so must do it)."""
        with _state.lock:
            first, self._claimed = not self._claimed, True
            return first

    def run(self, action: Callable[[], str] | None = None) -> str:
        """Do the undo (the claimer does), with ``action`` instead of the registered one if given; what was done."""
        try:
            self.result = (action or self.action)()
        finally:
            self._ended.set()
        return self.result

    def forget(self) -> None:
        """The work ended (completed or undone): nothing more to undo."""
        with _state.lock:
            if self in _state.undos:
                _state.undos.remove(self)


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.undos: list[Undo] = []
        self.files: set[str] = set()
        self.code: ExitCode | None = None  # the first signal's exit code
        self.said = False  # the one line was written
        self.signalled = False  # the interrupt came as a signal to this process
        self.handled: tuple[int, ...] | None = None  # the signals whose handlers are sigcurl's (None: not installed)


_state = _State()


def install() -> Callable[[], None]:
    """Reset the state and handle SIGINT and SIGTERM (main thread only); returns what restores the handlers.

    The C module ``_signal`` is used: ``signal`` builds its enums at import (start-up time).
    """
    import _signal as signal  # type: ignore[import-not-found]

    global _state
    _state = _State()
    STOPPING.clear()
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    # a signal ignored when sigcurl started (a background job of a script ignores SIGINT) stays ignored
    handled = [s for s in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(s) != signal.SIG_IGN]
    previous = {s: signal.signal(s, _first) for s in handled}
    _state.handled = tuple(handled)

    def restore() -> None:
        for s, handler in previous.items():
            signal.signal(s, handler)
        STOPPING.clear()

    return restore


def _code(signum: int) -> ExitCode:
    import _signal as signal

    return ExitCode.TERMINATED if signum == signal.SIGTERM else ExitCode.INTERRUPTED


def _first(signum: int, _frame: Any) -> None:
    """The first Ctrl-C or SIGTERM: stop, and unwind the main thread with :class:`Interrupted`."""
    code = _code(signum)
    _state.signalled = True
    stopping(code)
    raise Interrupted(code)


def stopping(code: ExitCode) -> None:
    """The run is being interrupted (``code``): transfers stop; a second Ctrl-C or SIGTERM now exits at once."""
    import _signal as signal

    if _state.code is None:
        _state.code = code
    STOPPING.set()
    if threading.current_thread() is threading.main_thread():
        handled = (signal.SIGINT,) if _state.handled is None else _state.handled  # not installed: a caller's Ctrl-C
        for s in handled:
            signal.signal(s, _second)


def _second(signum: int, _frame: Any) -> None:
    """A second Ctrl-C or SIGTERM: remove the files, say what is left undone (once), exit now."""
    code = _state.code or ExitCode.INTERRUPTED
    _remove_files()
    if not _state.said:
        _state.said = True
        left = [u.left for u in list(_state.undos) if u.result is None]
        again = "Ctrl-C" if _code(signum) == ExitCode.INTERRUPTED else "SIGTERM"
        done = f"stopped at once on a second {again}" + "".join(f"; {text}" for text in left)
        try:
            os.write(2, (Interrupted(code, done).line() + "\n").encode("utf-8", "replace"))
        except OSError:
            pass
    os._exit(int(code))


def code() -> ExitCode:
    """The exit code of the interrupt under way (130 when it did not come as a signal)."""
    return _state.code or ExitCode.INTERRUPTED


def signalled() -> bool:
    """Whether the interrupt came as a signal to this process (not a ``KeyboardInterrupt`` raised by a caller)."""
    return _state.signalled


def said() -> None:
    """The one line is being written: a second Ctrl-C must not write another."""
    _state.said = True


def check() -> None:
    """Raise :class:`Interrupted` once the run is being interrupted (a transfer's thread about to write)."""
    if STOPPING.is_set():
        raise Interrupted(code())


def on_interrupt(action: Callable[[], str], left: str, what: str) -> Undo:
    """Register remote work to undo if the run is interrupted (see :class:`Undo`); ``forget()`` it when it ends."""
    undo = Undo(action, left, what)
    with _state.lock:
        _state.undos.append(undo)
    return undo


def create_removable(path: str, create: Callable[[], T]) -> tuple[T, Callable[[], None]]:
    """``create()`` the file ``path`` so that an interrupt removes it; the file and what forgets it (once complete).

    Under the lock that :func:`undo_all` takes, so a transfer's thread never creates a file after the
    interrupt removed the files: it gets :class:`Interrupted` instead.
    """
    with _state.lock:
        check()
        _state.files.add(path)  # first: an interrupt landing as create() returns still finds the file
        try:
            made = create()
        except Exception:  # not created (an OSError): nothing of ours to remove
            _state.files.discard(path)
            raise

    def forget() -> None:
        with _state.lock:
            _state.files.discard(path)

    return made, forget


def _remove_files() -> None:
    try:
        paths = list(_state.files)  # no lock: also called from a signal handler, which must not wait for one
    except RuntimeError:  # changed while copied (another thread): once more
        paths = list(_state.files)
    for path in paths:
        try:
            os.remove(path)
        except OSError:
            pass
    _state.files.difference_update(paths)


def undo_all(seconds: float = UNDO_SECONDS) -> str | None:
    """Undo what the interrupted run left: remove its files, run every unclaimed remote undo at once
    (each on its own thread) and wait for them at most ``seconds``; what was done, for the one line
    (None when there was nothing to undo)."""
    import time

    with _state.lock:
        STOPPING.set()
        _remove_files()
        undos = list(_state.undos)  # unclaimed, or being undone by a transfer's thread (after a failure)
        mine = [u for u in undos if not u._claimed]
        for u in mine:
            u._claimed = True
    for u in mine:
        threading.Thread(target=_run_quietly, args=(u,), name="sigcurl-undo", daemon=True).start()
    end = time.monotonic() + seconds + 0.1  # each undo of ours is bounded by its own timeout; this is a backstop
    for u in undos:
        u._ended.wait(max(end - time.monotonic(), 0))
    return summary([(u.what, u.result or u.left) for u in undos])


def _run_quietly(undo: Undo) -> None:
    try:
        undo.run()
    except BaseException:  # noqa: BLE001 - the undo's `left` is said instead
        pass


def summary(done: list[tuple[str, str]]) -> str | None:
    """What several undos did, ``(what, text)`` each, as one phrase: equal texts once, with how many
    (``2 multipart uploads: the upload was aborted ...``); None for none."""
    if not done:
        return None
    counted: dict[tuple[str, str], int] = {}
    for item in done:
        counted[item] = counted.get(item, 0) + 1
    return "; ".join(text if n == 1 else f"{n} {what}s: {text}" for (what, text), n in counted.items())
