"""Writing bytes to a sink: a closed pipe or a full disk becomes one error, binary output kept off terminals."""

from __future__ import annotations

from typing import BinaryIO

from sigcurl.errors import ExitCode, OutputClosedError, SigcurlError, WriteError


def write_bytes(sink: BinaryIO, data: bytes) -> None:
    """Write and flush ``data``; a closed pipe or a full disk is a :class:`WriteError` (exit 23)."""
    try:
        sink.write(data)
        sink.flush()
    except BrokenPipeError:
        raise OutputClosedError(
            "output closed before the whole response was written", "read all of the output, or use -o FILE"
        ) from None
    except OSError as exc:
        raise WriteError(f"cannot write output: {exc.strerror or exc}", "check the disk space and the -o path") from None


def binary_on_terminal() -> SigcurlError:
    """The error for binary bytes bound for a terminal (exit 23, as curl refuses them)."""
    return SigcurlError(
        "binary output can mess up your terminal",
        'use "-o FILE" to save it, or pipe it (e.g. "| cat") to print it anyway',
        exit_code=ExitCode.WRITE_ERROR,
    )
