#!/usr/bin/env python3
"""Rewrite ``sigcurl/cli/manual/sigcurl.1`` from the command's options and README.md (see :mod:`sigcurl.cli.manual.page`).

Run it after changing an option or the README's Credentials, Output, Exit
codes, Environment, Files or Quick start sections, and commit the page;
``tests/test_manual.py`` fails when it is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sigcurl.cli.manual.__main__ import main  # noqa: E402 - after the path is set

if __name__ == "__main__":
    sys.exit(main(["--readme", str(ROOT / "README.md"), *sys.argv[1:]]))
