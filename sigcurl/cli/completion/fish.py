"""The fish completion script: one ``complete`` line per option, profiles read from the AWS files at TAB time."""

from __future__ import annotations

from collections.abc import Iterable

from sigcurl.cli.completion.options import HEADER, METHODS, OptionSpec, words


def _fish_words(items: Iterable[str]) -> str:
    return words(items, "    ", 96).replace("\n", " \\\n")


def render_fish(specs: list[OptionSpec], regions: tuple[str, ...], services: tuple[str, ...]) -> str:
    lines: list[str] = []
    for spec in specs:
        parts = ["complete -c sigcurl"]
        parts += [f"-s {n[1:]}" for n in spec.shorts]
        parts += [f"-l {n[2:]}" for n in spec.longs]
        if spec.takes_value:
            parts.append(
                {
                    "profile": "-x -a '(__sigcurl_profiles)'",
                    "region": "-x -a '$__sigcurl_regions'",
                    "regionset": "-x -a '(__sigcurl_region_set)'",
                    "service": "-x -a '$__sigcurl_services'",
                    "method": f"-x -a '{' '.join(METHODS)}'",
                    "choice": f"-x -a '{' '.join(spec.choices)}'",
                    "file": "-r -F",
                    "dir": "-x -a '(__fish_complete_directories (commandline -ct))'",
                    "atfile": "-x -a '(__sigcurl_at_files)'",
                    "none": "-x",
                }[spec.kind]
            )
        if spec.help:
            parts.append(f"-d '{spec.help}'")
        lines.append(" ".join(parts))
    body = "\n".join(lines)
    return f"""\
# fish completion for sigcurl -- {HEADER}.
#
# Install: sigcurl --completion fish > ~/.config/fish/completions/sigcurl.fish

set -g __sigcurl_regions {_fish_words(regions)}

set -g __sigcurl_services {_fish_words(services)}

# Profile names from the shared config and credentials files (read at TAB time).
function __sigcurl_profiles
    set -l config ~/.aws/config
    set -q AWS_CONFIG_FILE; and set config $AWS_CONFIG_FILE
    set -l credentials ~/.aws/credentials
    set -q AWS_SHARED_CREDENTIALS_FILE; and set credentials $AWS_SHARED_CREDENTIALS_FILE
    if test -r "$config"
        string replace -rf '^\\s*\\[\\s*profile\\s+([^\\]]*[^\\]\\s])\\s*\\].*$' '$1' <$config
        string replace -rf '^\\s*\\[\\s*(default)\\s*\\].*$' '$1' <$config
    end
    if test -r "$credentials"
        string replace -rf '^\\s*\\[\\s*([^\\]]*[^\\]\\s])\\s*\\].*$' '$1' <$credentials
    end
end

# --region-set: a comma-separated list of regions.
function __sigcurl_region_set
    set -l token (commandline -ct)
    set -l done (string replace -r '[^,]*$' '' -- $token)
    printf '%s\\n' $done$__sigcurl_regions
end

# Values where @FILE reads a file (-d @body.json, -H @headers.txt).
function __sigcurl_at_files
    set -l token (commandline -ct)
    string match -q -- '@*' $token; or return
    set -l path (string sub -s 2 -- $token)
    for file in $path*
        test -d $file; and set file $file/
        echo @$file
    end
end

complete -c sigcurl -f
{body}
"""
