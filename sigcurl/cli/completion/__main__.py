"""``python -m sigcurl.cli.completion [--out DIR]``: rewrite ``completions/`` from the command's options."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sigcurl.cli import cli
from sigcurl.cli.completion import render_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sigcurl.cli.completion", description=__doc__.splitlines()[0].strip("`"))
    parser.add_argument("--out", type=Path, default=Path("completions"), help="directory to write (default: ./completions)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in render_all(cli).items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.out / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
