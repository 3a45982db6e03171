"""Where a response body goes: stdout, the ``-o`` file, or ``-O``'s name from the URL; ``-C`` appends, ``--remove-on-error`` removes;
the ``-D`` and ``--etag-save`` files created before the request is sent."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import BinaryIO, cast

from sigcurl import interrupts
from sigcurl.errors import WriteError
from sigcurl.spec import REMOTE_NAME, OutputSpec


def remote_file_name(url: str) -> str:
    """``-O``: the last segment of the URL's path, as curl names the file (still percent-encoded)."""
    path = url.split("://", 1)[-1].split("?", 1)[0].split("#", 1)[0]
    name = path.partition("/")[2].rpartition("/")[2]
    if not name or name in (".", ".."):
        raise WriteError(
            f"the URL {url} has no file name for -O", "add a file name to the URL's path, or use -o FILE"
        )
    return name


def sink_path(out: OutputSpec, url: str) -> str | None:
    """The file the body of the transfer to ``url`` goes to (``-o``, ``-O``, ``--output-dir``), None for stdout."""
    path = out.output
    if path is None or path == "-":
        return None
    if path == REMOTE_NAME:
        path = remote_file_name(url)
    if out.output_dir and not os.path.isabs(path):
        path = os.path.join(out.output_dir, path)
    return path


def resume_offset(out: OutputSpec, url: str) -> int:
    """``-C -``: the size of the output file (0 when it does not exist, or the body goes to stdout)."""
    path = sink_path(out, url)
    if path is None:
        return 0
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


class _LazyFile:
    """The ``-o`` file, opened at the first byte written, as curl does: a transfer that fails
    before its body (``-f``, a 304) leaves the file as it was.

    Once the run is interrupted (Ctrl-C, SIGTERM) it is neither created nor written to; with
    ``--remove-on-error`` (``removable``) an interrupt removes it until it is closed whole
    (:mod:`sigcurl.interrupts`).
    """

    __slots__ = ("path", "append", "file", "removable", "forget")

    def __init__(self, path: str, append: bool, removable: bool = False) -> None:
        self.path, self.append, self.removable = path, append, removable
        self.file: BinaryIO | None = None
        self.forget: Callable[[], None] | None = None

    def open(self) -> BinaryIO:
        if self.file is None:
            try:
                if self.removable:
                    file, self.forget = interrupts.create_removable(self.path, self._open)
                else:
                    interrupts.check()
                    file = self._open()
                self.file = file
            except OSError as exc:
                missing = not os.path.isdir(os.path.dirname(os.path.abspath(self.path)))
                fix = "add --create-dirs, or check the path" if missing else "check the path and its permissions"
                raise WriteError(f"cannot write {self.path}: {exc.strerror or exc}", fix) from None
            return file
        return self.file

    def _open(self) -> BinaryIO:
        return open(self.path, "ab" if self.append else "wb")  # noqa: SIM115 - closed by close()

    def write(self, data: bytes) -> int:
        interrupts.check()  # a -Z transfer's thread writes nothing once the run is interrupted
        return self.open().write(data) if data else 0

    def flush(self) -> None:
        if self.file is not None:
            self.file.flush()

    def close(self, create: bool) -> bool:
        """Close; ``create``: make the (empty) file even if nothing was written.  Whether the file was opened."""
        if self.file is None and create:
            self.open()
        if self.file is None:
            return False
        self.file.close()
        if self.forget is not None and not interrupts.STOPPING.is_set():  # interrupted: left for the removal
            self.forget()
        return True


def open_sink(out: OutputSpec, url: str, stdout: BinaryIO) -> tuple[BinaryIO, Callable[[bool], bool]]:
    """The stream the body of the transfer to ``url`` is written to, and how to close it.

    The file is opened at the first byte written (``-C``, which appends, opens it at once, and
    ``--create-dirs`` makes its directories at once, as curl does); the close function takes whether to create the file when nothing was written
    (curl does for a successful transfer, not for a 304) and returns whether the file was opened.
    """
    path = sink_path(out, url)
    if path is None:
        return stdout, lambda create: False
    if out.create_dirs:  # at once, as curl does
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    sink = _LazyFile(path, out.resume, out.remove_on_error)
    if out.resume:
        sink.open()
    return cast(BinaryIO, sink), sink.close


def remove_output(out: OutputSpec, url: str) -> None:
    """``--remove-on-error``: remove the output file of a failed transfer (stdout is left alone)."""
    path = sink_path(out, url)
    if path is not None:
        with contextlib.suppress(OSError):
            os.remove(path)


def create_head_files(out: OutputSpec, shared_file: Callable[[str], BinaryIO]) -> None:
    """Before the request is sent, as curl does: ``-D FILE`` (truncated once per run) and
    ``--etag-save FILE`` (truncated for each transfer) exist, empty, even if the transfer fails.

    Raises :class:`~sigcurl.errors.WriteError` (exit 23) when one cannot be created.
    """
    if out.dump_header and out.dump_header != "-":
        shared_file(out.dump_header)
    if out.etag_save and out.etag_save != "-":
        try:
            open(out.etag_save, "wb").close()
        except OSError as exc:
            raise WriteError(f"cannot write --etag-save {out.etag_save}: {exc.strerror or exc}", "check the path") from None
