"""The zsh completion script: an ``_arguments`` spec per option, profiles read from the AWS files at TAB time."""

from __future__ import annotations

import re

from sigcurl.cli.completion.options import HEADER, METHODS, OptionSpec, words


def _zsh_action(spec: OptionSpec) -> str:
    label = " ".join(re.sub(r"[^\w.=@-]+", " ", spec.metavar).split()) or "value"
    action = {
        "profile": "_sigcurl_profiles",
        "region": "_sigcurl_regions",
        "regionset": "_sequence _sigcurl_regions",
        "service": "_sigcurl_services",
        "method": f"({' '.join(METHODS)})",
        "choice": f"({' '.join(spec.choices)})",
        "file": "_files",
        "dir": "_files -/",
        "atfile": "_sigcurl_at_files",
        "none": " ",
    }[spec.kind]
    return f":{label}:{action}"


def render_zsh(specs: list[OptionSpec], regions: tuple[str, ...], services: tuple[str, ...]) -> str:
    lines: list[str] = []
    for spec in specs:
        names = spec.names
        exclusion = "" if spec.multiple or len(names) == 1 else f"({' '.join(names)})"
        star = "*" if spec.multiple else ""
        if spec.takes_value:
            forms = [n + ("=" if n.startswith("--") else "+") for n in names]
            tail = f"[{spec.help}]{_zsh_action(spec)}"
        else:
            forms = list(names)
            tail = f"[{spec.help}]"
        prefix = f"'{star}{exclusion}'" if (star or exclusion) else ""
        if len(forms) > 1:
            lines.append(f"{prefix}{{{','.join(forms)}}}'{tail}'")
        else:
            lines.append(f"'{star}{exclusion}{forms[0]}{tail}'")
    args = " \\\n    ".join(lines)
    return f"""\
#compdef sigcurl
# zsh completion for sigcurl -- {HEADER}.
#
# Install: save it as _sigcurl in a directory on $fpath before `compinit` runs:
#   mkdir -p ~/.zfunc && sigcurl --completion zsh > ~/.zfunc/_sigcurl
# with `fpath=(~/.zfunc $fpath)` before compinit in ~/.zshrc; or, after
# compinit, `source /path/to/this/file`.

_sigcurl_region_list=(
    {words(regions, "    ")}
)

_sigcurl_service_list=(
    {words(services, "    ")}
)

_sigcurl_regions() {{
    local expl
    _wanted regions expl 'AWS region' compadd -a "$@" - _sigcurl_region_list
}}

_sigcurl_services() {{
    local expl
    _wanted services expl 'signing name' compadd -a "$@" - _sigcurl_service_list
}}

# Profile names from the shared config and credentials files (read at TAB time).
_sigcurl_profiles() {{
    local expl file line
    local -a profiles match mbegin mend
    local config=${{AWS_CONFIG_FILE:-$HOME/.aws/config}}
    local credentials=${{AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}}
    if [[ -r $config ]]; then
        for line in "${{(@f)$(<$config)}}"; do
            if [[ $line =~ '^[[:space:]]*\\[[[:space:]]*profile[[:space:]]+([^]]*[^][:space:]])[[:space:]]*\\]' ]]; then
                profiles+=("$match[1]")
            elif [[ $line =~ '^[[:space:]]*\\[[[:space:]]*default[[:space:]]*\\]' ]]; then
                profiles+=(default)
            fi
        done
    fi
    if [[ -r $credentials ]]; then
        for line in "${{(@f)$(<$credentials)}}"; do
            if [[ $line =~ '^[[:space:]]*\\[[[:space:]]*([^]]*[^][:space:]])[[:space:]]*\\]' ]]; then
                profiles+=("$match[1]")
            fi
        done
    fi
    _wanted profiles expl 'AWS profile' compadd "$@" - ${{(u)profiles}}
}}

# Values where @FILE reads a file (-d @body.json, -H @headers.txt).
_sigcurl_at_files() {{
    if compset -P '@'; then
        _files
    else
        _message 'value, or @FILE to read it from a file'
    fi
}}

_sigcurl() {{
    _arguments -s -S \\
    {args} \\
    '*:URL: '
}}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _sigcurl "$@"
else
    compdef _sigcurl sigcurl
fi
"""
