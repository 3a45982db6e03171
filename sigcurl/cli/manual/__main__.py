"""``python -m sigcurl.cli.manual [--readme README.md] [--out FILE]``: rewrite the manual page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sigcurl.cli import cli
from sigcurl.cli.manual import PAGE
from sigcurl.cli.manual.page import render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sigcurl.cli.manual", description="Rewrite sigcurl.1 from the options and README.md.")
    parser.add_argument("--readme", type=Path, default=Path("README.md"), help="the README to read (default: ./README.md)")
    parser.add_argument("--out", type=Path, default=PAGE, help=f"the page to write (default: {PAGE})")
    args = parser.parse_args(argv)
    args.out.write_text(render(cli, args.readme.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
