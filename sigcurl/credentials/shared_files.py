"""The shared config and credentials files (``~/.aws/config``, ``~/.aws/credentials``).

Parses both INI files the way the AWS CLI does: in the config file a
profile is ``[profile NAME]`` (or ``[default]``), ``[sso-session NAME]``
and ``[services NAME]`` are their own sections, and an indented block
(``s3 =\\n  key = value``) is a nested mapping; in the credentials file
every section is a profile named as written.  The credentials file's keys
override the config file's for the same profile when a merged view is
needed (role, process, SSO and web-identity settings).  Paths come from
``AWS_CONFIG_FILE`` and ``AWS_SHARED_CREDENTIALS_FILE``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from sigcurl.credentials._types import expand_path, short_path
from sigcurl.errors import CredentialSourceError

if TYPE_CHECKING:
    import configparser

#: Files larger than this are refused rather than parsed (hostile input).
MAX_FILE_BYTES = 4 * 1024 * 1024

Section = dict[str, "str | dict[str, str]"]


class SharedFiles(NamedTuple):
    """Both shared files, parsed.

    ``config_profiles`` / ``credentials_profiles`` map a profile name to its
    keys as written in each file; ``sso_sessions`` and ``services`` come
    from the config file only.
    """

    config_path: str
    credentials_path: str
    config_profiles: dict[str, Section]
    credentials_profiles: dict[str, Section]
    sso_sessions: dict[str, Section]
    services: dict[str, Section]
    display_config: str = "~/.aws/config"
    display_credentials: str = "~/.aws/credentials"

    def has_profile(self, name: str) -> bool:
        """True when either file defines the profile."""
        return name in self.config_profiles or name in self.credentials_profiles

    def profile(self, name: str) -> dict[str, str]:
        """The merged string keys of a profile (credentials file wins per key)."""
        merged: dict[str, str] = {}
        for source in (self.config_profiles.get(name, {}), self.credentials_profiles.get(name, {})):
            for key, value in source.items():
                if isinstance(value, str):
                    merged[key] = value
        return merged

    def nested(self, name: str) -> dict[str, str | dict[str, str]]:
        """The config-file section of a profile including nested blocks."""
        return dict(self.config_profiles.get(name, {}))

    def files_read(self) -> str:
        """Both paths for messages, e.g. ``~/.aws/credentials and ~/.aws/config``."""
        return f"{self.display_credentials} and {self.display_config}"

    def where(self, name: str) -> str:
        """Which file(s) define *name*, for a message."""
        if name in self.credentials_profiles and name not in self.config_profiles:
            return self.display_credentials
        if name in self.config_profiles and name not in self.credentials_profiles:
            return self.display_config
        return self.files_read()


def config_paths(environ: Mapping[str, str]) -> tuple[str, str]:
    """(config file, credentials file) paths after ``~`` and ``$VAR`` expansion."""
    config = environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    creds = environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    return expand_path(config, environ), expand_path(creds, environ)


def load_shared_files(environ: Mapping[str, str]) -> SharedFiles:
    """Read and parse both shared files; a missing file counts as empty.

    Raises CredentialSourceError naming the file when one cannot be read or
    parsed (a malformed file is an error, never silently ignored).
    """
    config_path, creds_path = config_paths(environ)
    raw_config = _parse_ini(config_path, environ)
    raw_creds = _parse_ini(creds_path, environ)
    config_profiles: dict[str, Section] = {}
    sso_sessions: dict[str, Section] = {}
    services: dict[str, Section] = {}
    for section, values in raw_config.items():
        if section.startswith("profile"):
            name = _sub_name(section)
            if name is not None:
                config_profiles[name] = values
        elif section.startswith("sso-session"):
            name = _sub_name(section)
            if name is not None:
                sso_sessions[name] = values
        elif section.startswith("services"):
            name = _sub_name(section)
            if name is not None:
                services[name] = values
        elif section == "default":
            config_profiles["default"] = values
    return SharedFiles(
        config_path=config_path,
        credentials_path=creds_path,
        config_profiles=config_profiles,
        credentials_profiles=raw_creds,
        sso_sessions=sso_sessions,
        services=services,
        display_config=short_path(config_path, environ),
        display_credentials=short_path(creds_path, environ),
    )


def _sub_name(section: str) -> str | None:
    """``profile dev`` -> ``dev`` (quoted names allowed); anything else -> None."""
    import shlex

    try:
        parts = shlex.split(section)
    except ValueError:
        return None
    return parts[1] if len(parts) == 2 else None


def _parse_ini(path: str, environ: Mapping[str, str]) -> dict[str, Section]:
    shown = short_path(path, environ)
    if not os.path.isfile(path):
        return {}
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise CredentialSourceError(
                f"{shown} is {size} bytes, too large to be an AWS config file",
                f"check {shown}",
            )
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise CredentialSourceError(
            f"cannot read {shown}: {exc.strerror or type(exc).__name__}",
            "check the file's permissions or set AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE",
        ) from None
    except UnicodeDecodeError:
        raise CredentialSourceError(f"{shown} is not UTF-8 text", f"fix or remove {shown}") from None
    import configparser  # only when a file exists: a run with keys in the environment parses none

    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        raise CredentialSourceError(
            f"malformed INI file {shown} ({_describe_ini_error(exc)})",
            f"fix {shown} (sections look like [profile NAME], keys like name = value)",
        ) from None
    result: dict[str, Section] = {}
    for section in parser.sections():
        values: Section = {}
        for option in parser.options(section):
            value = parser.get(section, option)
            if value.startswith("\n"):
                nested: dict[str, str] = {}
                for line in value.splitlines():
                    line = line.strip()
                    if not line:
                        continue
                    if "=" not in line:
                        raise CredentialSourceError(
                            f"malformed nested block {option!r} in [{section}] of {shown}",
                            f"fix {shown}: nested lines look like name = value",
                        )
                    k, v = line.split("=", 1)
                    nested[k.strip()] = v.strip()
                values[option] = nested
            else:
                values[option] = value
        result[section] = values
    return result


def _describe_ini_error(exc: configparser.Error) -> str:
    """Name the kind of INI error and its line, without echoing file content (it may hold secrets)."""
    import configparser

    lineno = getattr(exc, "lineno", None)
    kind = {
        "MissingSectionHeaderError": "text before the first [section]",
        "DuplicateSectionError": f"section [{getattr(exc, 'section', '?')}] appears twice",
        "DuplicateOptionError": f"key {getattr(exc, 'option', '?')!r} appears twice in a section",
        "ParsingError": "a line that is not name = value",
    }.get(type(exc).__name__, type(exc).__name__)
    line = str(getattr(exc, "line", "") or "")
    if lineno is None and isinstance(exc, configparser.ParsingError) and exc.errors:
        lineno, line = exc.errors[0][0], str(exc.errors[0][1]).strip("'\"")  # (configparser keeps its repr)
    if line.strip().startswith("[") and "]" not in line:  # looked at, never shown
        kind = "a [section] header without its closing ]"
    return f"{kind}, line {lineno}" if lineno else kind
