#!/usr/bin/env python3
"""Rewrite ``completions/`` from the command's options (the generator is :mod:`sigcurl.cli.completion`).

The same text is what ``sigcurl --completion SHELL`` prints.  Run this after
adding or renaming an option, and commit the output::

    python scripts/gen_completions.py            # rewrites completions/*
    python scripts/gen_completions.py --out DIR  # writes elsewhere

``tests/test_completions.py`` fails when the committed scripts are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sigcurl.cli.completion.__main__ import main  # noqa: E402 - after the path is set

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] if "--out" in sys.argv else ["--out", str(ROOT / "completions"), *sys.argv[1:]]))
