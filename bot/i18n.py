"""Translations: one folder of TOML files per language (`bot/locales/zh/`, `bot/locales/en/`),
one file per top-level section of the catalog, flattened to dotted keys.

A key `needs.help` lives in `bot/locales/<lang>/needs.toml` under its `[needs]` table (and
`need.report.title` would sit under `[need.report]` in `need.toml`): a file holds exactly the
section it is named after, so the file of any key is the key's first word.

Texts are `str.format` templates with named fields. Catalog texts may contain HTML
(every message is sent with parse_mode HTML); the *values* filled in are escaped by
the caller (`bot.text.esc`) when they come from users.
"""

from __future__ import annotations

import logging
import string
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Protocol

logger = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        elif isinstance(value, str):
            out[full] = value
        else:
            raise ValueError(f"catalog key {full} must be text")


def load_folder(folder: Traversable, where: str) -> dict[str, str]:
    """The flattened texts of one language's folder (`where` names it in errors).

    Every `<section>.toml` must hold the table `[section]` and nothing else, so that a key's
    file is its first word and no file can define (or silently override) another's keys.
    """
    out: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        section = entry.name.removesuffix(".toml")
        table = tomllib.loads(entry.read_text("utf-8"))
        if list(table) != [section]:
            raise ValueError(f"{where}/{entry.name} must hold the table [{section}] and nothing "
                             f"else, not {', '.join(f'[{name}]' for name in table) or 'nothing'}")
        _flatten("", table, out)
    return out


@cache
def catalog(language: str) -> dict[str, str]:
    """The flattened catalog of one language: every `bot/locales/<language>/<section>.toml`."""
    return load_folder(resources.files("bot.locales").joinpath(language),
                       f"bot/locales/{language}")


def fields(template: str) -> set[str]:
    """The named fields a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def pick_language(chosen: str | None, telegram_code: str | None, default: str) -> str:
    """The language to speak: the one chosen with /lang, else Telegram's, else the default."""
    if chosen in LANGUAGES:
        return chosen
    if telegram_code:
        code = telegram_code.lower()
        for lang in LANGUAGES:
            if code == lang or code.startswith(lang + "-"):
                return lang
    return default if default in LANGUAGES else DEFAULT_LANGUAGE


class Translate(Protocol):
    """What `Translator` is (for code that only calls it): the text of a key in a language."""

    def __call__(self, language: str, key: str, /, **values: Any) -> str:
        """The text for `key` in `language`, filled with `values`."""
        ...


class Count(int):
    """A whole number in a template: `{n:household|households}` writes "1 household" or
    "2 households" (English needs the noun to agree; Chinese templates write `{n} 户`)."""

    def __format__(self, spec: str) -> str:
        if "|" in spec:
            one, many = spec.split("|", 1)
            return f"{int(self)} {one if self == 1 else many}"
        return format(int(self), spec)


class Translator:
    """Looks up texts by key for a language; a missing key falls back to the other language."""

    def __init__(self, default: str = DEFAULT_LANGUAGE) -> None:
        self.default = default if default in LANGUAGES else DEFAULT_LANGUAGE
        self.catalogs = {lang: catalog(lang) for lang in LANGUAGES}

    def __call__(self, language: str, key: str, /, **values: Any) -> str:
        """The text for `key` in `language`, filled with `values`."""
        table = self.catalogs.get(language) or self.catalogs[self.default]
        template = table.get(key)
        if template is None:
            logger.error("missing translation %s for %s", key, language)
            template = next((c[key] for c in self.catalogs.values() if key in c), key)
        if not values:
            return template
        return template.format(**{k: Count(v) if type(v) is int else v
                                  for k, v in values.items()})

    def has(self, key: str) -> bool:
        """True if the key exists in every language."""
        return all(key in table for table in self.catalogs.values())


def duration(translate: Translate, language: str, minutes: float) -> str:
    """A length of time as a person says it: "不到 1 分钟" / "under a minute", "45 分钟",
    "1 小时", "2 小时 5 分钟", "3 天 4 小时" (days and hours from a day on; minutes rounded)."""
    whole = round(minutes)
    if whole < 1:
        return translate(language, "duration.under_minute")
    days, rest = divmod(whole, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        key = "duration.days_hours" if hours else "duration.days"
        return translate(language, key, d=Count(days), h=Count(hours))
    if hours:
        key = "duration.hours_minutes" if mins else "duration.hours"
        return translate(language, key, h=Count(hours), m=Count(mins))
    return translate(language, "duration.minutes", m=Count(mins))
