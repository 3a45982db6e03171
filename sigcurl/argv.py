"""The command line split into option sets: ``--next`` splits, ``-K`` files expand, URLs keep their order.

curl's model: the words are split into option sets at ``--next`` (``-:``)
before click sees them (:func:`split_argv`); ``-K/--config FILE`` is
expanded in place (:mod:`sigcurl.config_file`); every URL, positional or
``--url``, becomes ``--url=URL`` so each set keeps its URLs in the order
given, which is what pairs the n-th ``-o`` with the n-th URL; ``-O``
becomes an ``-o`` whose name comes from the URL.  Each set is then parsed
by the click command on its own (:mod:`sigcurl.cli`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import BinaryIO

from sigcurl.errors import UsageError
from sigcurl.spec import REMOTE_NAME

NEXT = ("--next", "-:")
CONFIG = ("--config", "-K")
_REMOTE_WORD = "--output=" + REMOTE_NAME  # -O / --remote-name: an -o whose name comes from the URL


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
        elif word in NEXT:
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
