"""The AWS config and credentials files: the INI format as botocore reads it, and the
profiles, sso-sessions and services in them.

The files are INI as Python's RawConfigParser reads them (what botocore uses): ``#``/``;``
comments, ``name = value`` or ``name: value``, names lower-cased, indented lines continue a
value, and a value that starts on the next line (``s3 =`` then indented ``name = value``
lines) is a nested group. Missing files are fine; unreadable or malformed ones are errors
that name the file and line.

The file layer under ``_config`` and the credential sources: imports only the ground
(``_errors``, ``_files``), never a module that resolves settings.
"""

from __future__ import annotations

import os

from ._errors import ConfigFileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Files", "Section", "parse_config", "read_profiles"]

Section = dict[str, "str | dict[str, str]"]


def parse_config(text: str, path: str) -> dict[str, Section]:
    """Parse one AWS config or credentials file into ``{section: {name: value or nested dict}}``."""
    sections: dict[str, Section] = {}
    raw: dict[str, list[str]] | None = None  # name -> value lines of the current section
    raw_lines: dict[str, int] = {}
    current: str | None = None
    name: str | None = None

    def close_section() -> None:
        if current is None or raw is None:
            return
        section = sections.setdefault(current, {})
        for key, lines in raw.items():
            section[key] = _value(lines, path, raw_lines[key])

    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            if not stripped:
                name = None  # a blank line ends a continued value
            continue
        if line[0] in " \t" and name is not None and raw is not None:
            raw[name].append(stripped)
            continue
        if stripped.startswith("["):
            if not stripped.endswith("]") or len(stripped) < 3:
                raise ConfigFileError(f"{path}, line {number}: malformed section header {stripped!r}; "
                                      "write it as [default] or [profile NAME]")
            close_section()
            current, raw, raw_lines, name = stripped[1:-1].strip(), {}, {}, None
            continue
        cut = min((i for i in (stripped.find("="), stripped.find(":")) if i > 0), default=-1)
        # Messages name the setting, never the line: a misplaced line may hold a secret.
        if current is None or raw is None:
            what = f"the setting {stripped[:cut].strip()!r}" if cut > 0 else "a line"
            raise ConfigFileError(f"{path}, line {number}: {what} is outside any section; "
                                  "put it under [default] or [profile NAME]")
        if cut < 0:
            raise ConfigFileError(f"{path}, line {number}: expected 'name = value' (the line is not shown: it "
                                  "may hold a secret)")
        name = stripped[:cut].strip().lower()
        raw[name] = [stripped[cut + 1:].strip()]
        raw_lines[name] = number
    close_section()
    return sections


def _value(lines: list[str], path: str, number: int) -> str | dict[str, str]:
    if lines[0] or len(lines) == 1:
        return "\n".join(lines)
    nested: dict[str, str] = {}
    for offset, line in enumerate(lines[1:], start=1):
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ConfigFileError(f"{path}, line {number + offset}: expected 'name = value' in the nested "
                                  "settings (the line is not shown: it may hold a secret)")
        nested[key.strip().lower()] = value.strip()
    return nested


def read_profiles(path: str) -> dict[str, Section]:
    """One AWS config or credentials file, parsed; ``{}`` when it does not exist."""
    from ._files import MAX_FILE_BYTES, FileTooLargeError, read_text

    try:
        text = read_text(path)  # under a size cap: /dev/null is empty, /dev/zero stops at the cap
    except FileNotFoundError:
        return {}
    except FileTooLargeError:
        raise ConfigFileError(f"cannot read {path}: it is over {MAX_FILE_BYTES >> 20} MiB, far more than any "
                              "AWS config file") from None
    except UnicodeDecodeError:
        raise ConfigFileError(f"cannot read {path}: it is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_config(text, path)


class Files:
    """The config and credentials files, split into profiles, sso-sessions and services."""

    def __init__(self, env: Mapping[str, str]) -> None:
        home = env.get("HOME") or os.path.expanduser("~")
        self.config_path = os.path.expanduser(env.get("AWS_CONFIG_FILE") or os.path.join(home, ".aws", "config"))
        self.credentials_path = os.path.expanduser(
            env.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join(home, ".aws", "credentials"))
        self.config_profiles: dict[str, Section] = {}
        self.services: dict[str, Section] = {}
        self.sso_sessions: dict[str, Section] = {}
        for header, section in read_profiles(self.config_path).items():
            kind, _, rest = header.partition(" ")
            if header == "default":
                self.config_profiles.setdefault("default", {}).update(section)
            elif kind == "profile" and rest.strip():
                self.config_profiles.setdefault(rest.strip(), {}).update(section)
            elif kind == "services" and rest.strip():
                self.services[rest.strip()] = section
            elif kind == "sso-session" and rest.strip():
                self.sso_sessions[rest.strip()] = section
        self.credential_profiles = read_profiles(self.credentials_path)

    def has_profile(self, name: str) -> bool:
        return name in self.config_profiles or name in self.credential_profiles

    def merged(self, name: str) -> Section:
        """The profile as botocore sees it: credentials-file values win over config-file ones."""
        return {**self.config_profiles.get(name, {}), **self.credential_profiles.get(name, {})}
