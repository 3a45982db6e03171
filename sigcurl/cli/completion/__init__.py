"""Shell completion scripts for bash, zsh and fish, generated from the click command's options.

``sigcurl --completion SHELL`` prints :func:`render` of the running command;
``completions/`` in the source tree holds the same text, written by
``python -m sigcurl.cli.completion`` (a test fails when it is stale).  Region and
service lists come from :mod:`sigcurl.endpoints` and are written into the
scripts as data, so pressing TAB never starts Python; profile names are read
from the AWS config files by the shell itself, at TAB time.
"""

from __future__ import annotations

import click

SHELLS = ("bash", "zsh", "fish")
FILE_NAMES = {"bash": "sigcurl.bash", "zsh": "_sigcurl", "fish": "sigcurl.fish"}
"""The name each script has in ``completions/`` (zsh's must be ``_sigcurl`` on ``$fpath``)."""


def render(shell: str, command: click.Command) -> str:
    """The completion script for ``shell`` (one of :data:`SHELLS`) covering every option of ``command``."""
    from sigcurl import endpoints
    from sigcurl.cli.completion.options import collect_options

    specs = collect_options(command)
    regions = tuple(endpoints.KNOWN_REGIONS)
    services = tuple(endpoints.SIGNING_NAMES)
    if shell == "bash":
        from sigcurl.cli.completion.bash import render_bash

        return render_bash(specs, regions, services)
    if shell == "zsh":
        from sigcurl.cli.completion.zsh import render_zsh

        return render_zsh(specs, regions, services)
    if shell == "fish":
        from sigcurl.cli.completion.fish import render_fish

        return render_fish(specs, regions, services)
    raise ValueError(f"no completion for shell {shell!r}; choose one of {', '.join(SHELLS)}")


def render_all(command: click.Command) -> dict[str, str]:
    """Every script, by its file name in ``completions/``."""
    return {FILE_NAMES[shell]: render(shell, command) for shell in SHELLS}
