"""What the command says about itself: ``--version``, ``--completion SHELL`` and ``--manual``.

Each is an eager click option whose callback prints and exits before any
request is built, like click's own version option.  Nothing here imports an
HTTP stack, rich or ``cryptography``: versions are read from the installed
distributions' metadata (:func:`importlib.metadata.version`), not by importing
the packages, so these paths start as fast as ``--help``.
"""

from __future__ import annotations

import sys

import click

from sigcurl._version import __version__

DEPENDENCIES = ("click", "requests", "rich", "cryptography")
"""Distributions named on the first line of ``--version``, in this order."""
OPTIONAL = ("awscrt",)
"""Named only when installed (fast crc32c and crc64nvme checksums)."""

FEATURES = (
    ("SigV4", None),
    ("SigV4a", "cryptography"),
    ("presign", None),
    ("aws-chunked", None),
    ("checksums", None),
    ("fast-crc", "awscrt"),
    ("credential-chain", None),
    ("assume-role", None),
    ("sso", None),
    ("parallel", None),
    ("url-globbing", None),
    ("event-streams", None),
    ("s3-multipart", None),
    ("s3-urls", None),
    ("mutual-tls", None),
    ("curl-aws-sigv4", None),
)
"""(feature, the distribution it needs or None): listed by ``--version`` when available."""


def _distribution_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def version_text() -> str:
    """``curl -V``'s layout: the versions, then the protocols and features available."""
    py = sys.version_info
    python = f"{py.major}.{py.minor}.{py.micro}" + ("" if py.releaselevel == "final" else f"{py.releaselevel[0]}{py.serial}")
    versions = {name: _distribution_version(name) for name in DEPENDENCIES + OPTIONAL}
    parts = [f"{name}/{versions[name] or 'missing'}" for name in DEPENDENCIES]
    parts += [f"{name}/{versions[name]}" for name in OPTIONAL if versions[name]]
    features = [name for name, needs in FEATURES if needs is None or versions.get(needs)]
    return "\n".join(
        (
            f"sigcurl {__version__} (python {python}) {' '.join(parts)}",
            f"Platform: {sys.platform} ({sys.implementation.name})",
            "Protocols: http https",
            f"Features: {' '.join(features)}",
        )
    )


def show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``-V/--version``: print :func:`version_text` and exit 0."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(version_text())
    ctx.exit(0)


def show_completion(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """``--completion SHELL``: print the completion script for SHELL and exit 0."""
    if value is None or ctx.resilient_parsing:
        return
    from sigcurl.cli.completion import render

    click.echo(render(value.lower(), ctx.command), nl=False)
    ctx.exit(0)


def show_manual(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``-M/--manual``: the manual page, through ``man`` on a terminal, else as plain text."""
    if not value or ctx.resilient_parsing:
        return
    from sigcurl.cli.manual import show

    ctx.exit(show())
