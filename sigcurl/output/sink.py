"""Where a response body goes: stdout, the ``-o`` file, or ``-O``'s name from the URL; ``-C`` appends, ``--remove-on-error`` removes."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import BinaryIO

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


def open_sink(out: OutputSpec, url: str, stdout: BinaryIO) -> tuple[BinaryIO, Callable[[], None]]:
    """The stream the body of the transfer to ``url`` is written to, and how to close it (``-C``: appended to)."""
    path = sink_path(out, url)
    if path is None:
        return stdout, lambda: None
    if out.create_dirs:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    try:
        f = open(path, "ab" if out.resume else "wb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        missing = not os.path.isdir(os.path.dirname(os.path.abspath(path)))
        fix = "add --create-dirs, or check the path" if missing else "check the path and its permissions"
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}", fix) from None
    return f, f.close


def remove_output(out: OutputSpec, url: str) -> None:
    """``--remove-on-error``: remove the output file of a failed transfer (stdout is left alone)."""
    path = sink_path(out, url)
    if path is not None:
        with contextlib.suppress(OSError):
            os.remove(path)
