"""Translations: one TOML catalog per language under `bot/locales/`, flattened to dotted keys.

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


@cache
def catalog(language: str) -> dict[str, str]:
    """The flattened catalog of one language: `<lang>.toml` and every `<feature>.<lang>.toml`.

    A feature may keep its texts in its own file (`needs.zh.toml`, `needs.en.toml`); a key
    defined twice is an error, so that files cannot silently override each other.
    """
    folder = resources.files("bot.locales")
    names = sorted(entry.name for entry in folder.iterdir()
                   if entry.name == f"{language}.toml" or entry.name.endswith(f".{language}.toml"))
    out: dict[str, str] = {}
    for name in names:
        part: dict[str, str] = {}
        _flatten("", tomllib.loads(folder.joinpath(name).read_text("utf-8")), part)
        clash = sorted(set(part) & set(out))
        if clash:
            raise ValueError(f"bot/locales/{name}: keys defined twice: {', '.join(clash[:5])}")
        out.update(part)
    return out


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
