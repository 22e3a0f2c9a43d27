"""Reading one table of the configuration: the error type, the key reader, and the
values several sections share (a time of day, a path relative to the file, a secret file)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Any

_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ConfigError(Exception):
    """A configuration problem, described in one line."""


def parse_time(value: str) -> time:
    """Parse `HH:MM` (24-hour) into a time; ValueError otherwise."""
    match = _TIME_RE.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(value)
    return time(int(match.group(1)), int(match.group(2)))


class Reader:
    """Reads one table of the TOML document, remembering which keys were used."""

    def __init__(self, source: str, section: str, table: Mapping[str, Any]) -> None:
        self.source = source
        self.section = section
        self.table = table
        self.used: set[str] = set()

    def fail(self, key: str, expected: str, got: Any = None) -> ConfigError:
        where = f"[{self.section}] {key}" if self.section else key
        tail = f", got {got!r}" if got is not None else ""
        return ConfigError(f"{self.source}: {where}: expected {expected}{tail}")

    def get(self, key: str, kind: type, expected: str, default: Any) -> Any:
        self.used.add(key)
        if key not in self.table:
            return default
        value = self.table[key]
        if kind is int and isinstance(value, bool):
            raise self.fail(key, expected, value)
        if not isinstance(value, kind):
            raise self.fail(key, expected, value)
        return value

    def check_unknown(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            where = f"[{self.section}] {unknown[0]}" if self.section else unknown[0]
            raise ConfigError(f"{self.source}: {where}: unknown key (check the spelling)")


def relative_to(source: str, value: str) -> Path:
    """A path from the config: a relative one is relative to the config file, not to
    wherever frontline was started."""
    path = Path(value).expanduser()
    if not path.is_absolute() and source not in ("<config>", "<built-in>"):
        path = Path(source).resolve().parent / path
    return path


def read_secret(source: str, where: str, value: str) -> str:
    path = relative_to(source, value)
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ConfigError(f"{source}: {where}: cannot read {path} ({reason})") from None
