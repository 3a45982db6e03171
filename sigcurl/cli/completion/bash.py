"""The bash completion script: option names, value completions by kind, profiles read from the AWS files at TAB time."""

from __future__ import annotations

from sigcurl.cli.completion.options import HEADER, METHODS, OptionSpec, words


def render_bash(specs: list[OptionSpec], regions: tuple[str, ...], services: tuple[str, ...]) -> str:
    by_kind: dict[str, list[str]] = {}
    choice_cases: list[str] = []
    for spec in specs:
        if not spec.takes_value:
            continue
        if spec.kind == "choice":
            choice_cases.append(
                f"        {'|'.join(spec.names)})\n"
                f"            COMPREPLY=($(compgen -W '{' '.join(spec.choices)}' -- \"$cur\"))\n"
                "            return 0 ;;"
            )
        else:
            by_kind.setdefault(spec.kind, []).extend(spec.names)
    all_names = [n for s in specs for n in s.names]

    def case(kind: str, body: str) -> str:
        names = by_kind.get(kind)
        return f"        {'|'.join(names)})\n{body}\n            return 0 ;;" if names else ""

    cases = [
        case("profile", '            COMPREPLY=($(compgen -W "$(_sigcurl_profiles)" -- "$cur"))'),
        case("region", '            COMPREPLY=($(compgen -W "$_sigcurl_regions" -- "$cur"))'),
        case(
            "regionset",
            '            local done_part=""\n'
            '            [[ $cur == *,* ]] && done_part=${cur%,*},\n'
            '            COMPREPLY=($(compgen -P "$done_part" -W "$_sigcurl_regions" -- "${cur##*,}"))',
        ),
        case("service", '            COMPREPLY=($(compgen -W "$_sigcurl_services" -- "$cur"))'),
        case("method", f"            COMPREPLY=($(compgen -W '{' '.join(METHODS)}' -- \"$cur\"))"),
        *choice_cases,
        case("file", '            compopt -o filenames 2>/dev/null\n            COMPREPLY=($(compgen -f -- "$cur"))'),
        case("dir", '            compopt -o filenames 2>/dev/null\n            COMPREPLY=($(compgen -d -- "$cur"))'),
        case(
            "atfile",
            '            if [[ $cur == @* ]]; then\n'
            '                COMPREPLY=($(compgen -P @ -f -- "${cur#@}"))\n'
            "            fi",
        ),
        case("none", "            :"),
    ]
    cases_text = "\n".join(c for c in cases if c)
    return f"""\
# bash completion for sigcurl -- {HEADER}.
#
# Install (bash-completion loads it on first use of sigcurl):
#   mkdir -p ~/.local/share/bash-completion/completions
#   sigcurl --completion bash > ~/.local/share/bash-completion/completions/sigcurl
# or add `source /path/to/this/file` to ~/.bashrc.

_sigcurl_regions="{words(regions, "")}"

_sigcurl_services="{words(services, "")}"

_sigcurl_options="{words(all_names, "")}"

# Profile names from the shared config and credentials files (read at TAB time).
_sigcurl_profiles() {{
    local config=${{AWS_CONFIG_FILE:-$HOME/.aws/config}}
    local credentials=${{AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}}
    local file line name seen=" "
    for file in "$config" "$credentials"; do
        [[ -r $file ]] || continue
        while IFS= read -r line || [[ -n $line ]]; do
            [[ $line =~ ^[[:space:]]*\\[[[:space:]]*([^]]*[^][:space:]])[[:space:]]*\\] ]] || continue
            name=${{BASH_REMATCH[1]}}
            if [[ $file == "$config" ]]; then
                # the config file names profiles [profile NAME], except [default]
                if [[ $name =~ ^profile[[:space:]]+(.+)$ ]]; then
                    name=${{BASH_REMATCH[1]}}
                elif [[ $name != default ]]; then
                    continue
                fi
            fi
            [[ $seen == *" $name "* ]] && continue
            seen="$seen$name "
            printf '%s\\n' "$name"
        done <"$file"
    done
}}

# The value of the option in $1, for the word $2: 0 when $1 takes a value.
_sigcurl_value() {{
    local prev=$1 cur=$2
    case $prev in
{cases_text}
    esac
    return 1
}}

_sigcurl() {{
    local cur prev word prefix="" i
    COMPREPLY=()
    # $2 is the text readline replaces; COMP_WORDS is also split at '=' and '@'
    # (both in the default COMP_WORDBREAKS): --region=eu-we -> --region = eu-we.
    cur=${{2-${{COMP_WORDS[COMP_CWORD]}}}}
    word=${{COMP_WORDS[COMP_CWORD]}}
    prev=""
    (( COMP_CWORD > 0 )) && prev=${{COMP_WORDS[COMP_CWORD-1]}}
    if [[ $word == [=@] ]]; then
        [[ $word == = ]] && cur=""
    elif [[ $prev == [=@] ]] && (( COMP_CWORD > 1 )); then
        prev=${{COMP_WORDS[COMP_CWORD-2]}}
    fi
    if [[ $cur == --*=* ]]; then  # '=' not in COMP_WORDBREAKS: one word
        prev=${{cur%%=*}}
        prefix=${{cur%%=*}}=
        cur=${{cur#*=}}
    fi

    if _sigcurl_value "$prev" "$cur"; then
        for i in "${{!COMPREPLY[@]}}"; do
            COMPREPLY[i]=$prefix${{COMPREPLY[i]}}
        done
    elif [[ -z $prefix && $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$_sigcurl_options" -- "$cur"))
    fi
}}

complete -F _sigcurl sigcurl
"""
