"""Configuration: a TOML file read into frozen dataclasses, one per section.

Every error names the file, the key and what is expected, in one line, so that
`frontline` can print it and exit with code 2 instead of a traceback.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from bot.clock import is_timezone, suggest_timezone
from bot.i18n import LANGUAGES

LOCALES = LANGUAGES
TOKEN_ENV = "FRONTLINE_TOKEN"
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_USERNAME_RE = re.compile(r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$")


class ConfigError(Exception):
    """A configuration problem, described in one line."""


@dataclass(frozen=True)
class TelegramConfig:
    """The `[telegram]` section."""

    token: str = ""
    base_url: str | None = None
    username: str | None = None
    max_messages_per_second: int = 25
    # Paid broadcasts (allow_paid_broadcast): broadcasts, their reminders and the daily
    # prompts and reminders go out at up to paid_max_messages_per_second, 0.1 Star each.
    paid_broadcast: bool = False
    paid_max_messages_per_second: int = 1000


@dataclass(frozen=True)
class StorageConfig:
    """The `[storage]` section."""

    path: Path = Path("frontline.db")


@dataclass(frozen=True)
class DefaultsConfig:
    """The `[defaults]` section: what a branch uses until it sets its own."""

    timezone: str = "Asia/Shanghai"
    locale: str = "zh"
    checkin_time: time = time(8, 0)
    reminder_time: time = time(10, 0)
    digest_time: time = time(20, 0)


@dataclass(frozen=True)
class Config:
    """The whole configuration."""

    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    defaults: DefaultsConfig = field(default_factory=DefaultsConfig)
    admins: frozenset[int] = frozenset()
    source: str = "<built-in>"


def parse_time(value: str) -> time:
    """Parse `HH:MM` (24-hour) into a time; ValueError otherwise."""
    match = _TIME_RE.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(value)
    return time(int(match.group(1)), int(match.group(2)))


def valid_timezone(name: str) -> bool:
    """True if `name` is an IANA timezone the scheduler can use (`bot.clock.timezones()`:
    not a `posix/` or `right/` copy, not the machine's `localtime`)."""
    return is_timezone(name)


def _timezone_expected(name: object) -> str:
    """What `[defaults] timezone` expects, with the usable name if `name` was nearly one."""
    hint = suggest_timezone(name) if isinstance(name, str) else None
    tail = f" (did you mean {hint}?)" if hint else ""
    return f"an IANA timezone such as Asia/Shanghai{tail}"


class _Reader:
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


def load_config(path: str | Path, *, environ: Mapping[str, str] | None = None) -> Config:
    """Read and check the configuration file at `path`.

    Raises:
        ConfigError: with one line naming the file, the key and what is expected.
    """
    env = os.environ if environ is None else environ
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read the file ({exc.strerror or exc})") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: expected a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from None
    return config_from_mapping(doc, source=source, environ=env)


def config_from_mapping(
    doc: Mapping[str, Any], *, source: str = "<config>", environ: Mapping[str, str] | None = None
) -> Config:
    """Build a Config from an already parsed TOML document."""
    env = {} if environ is None else environ
    top = _Reader(source, "", doc)
    sections: dict[str, Mapping[str, Any]] = {"telegram": {}, "storage": {}, "defaults": {}}
    for name in sections:
        value = top.get(name, dict, "a table", {})
        sections[name] = value
    admins_raw = top.get("admins", list, "a list of Telegram user ids", [])
    admins: set[int] = set()
    for item in admins_raw:
        if isinstance(item, bool) or not isinstance(item, int) or item <= 0:
            raise top.fail("admins", "a list of Telegram user ids (positive integers)", item)
        admins.add(item)
    for key in doc:
        if key not in top.used:
            if isinstance(doc[key], dict):
                raise ConfigError(f"{source}: [{key}]: unknown section")
            raise ConfigError(f"{source}: {key}: unknown key (check the spelling)")

    tg = _Reader(source, "telegram", sections["telegram"])
    token = tg.get("token", str, "a bot token from @BotFather", "")
    token = env.get(TOKEN_ENV) or token
    base_url = tg.get("base_url", str, "an http(s) URL", None)
    if base_url is not None and not re.match(r"^https?://[^\s/]+(/\S*)?$", base_url):
        raise tg.fail("base_url", "an http(s) URL such as http://127.0.0.1:8081", base_url)
    username = tg.get("username", str, "the bot's username", None)
    if username is not None:
        if not _USERNAME_RE.match(username):
            raise tg.fail("username", "a Telegram username (letters, digits, _)", username)
        username = username.lstrip("@")
    rate = tg.get("max_messages_per_second", int, "a whole number from 1 to 30", 25)
    if not 1 <= rate <= 30:
        raise tg.fail("max_messages_per_second", "a whole number from 1 to 30", rate)
    paid = tg.get("paid_broadcast", bool, "true or false", False)
    paid_rate = tg.get("paid_max_messages_per_second", int, "a whole number from 31 to 1000",
                       1000)
    if not 31 <= paid_rate <= 1000:
        raise tg.fail("paid_max_messages_per_second", "a whole number from 31 to 1000",
                      paid_rate)
    tg.check_unknown()

    st = _Reader(source, "storage", sections["storage"])
    db_path = st.get("path", str, "a file path for the SQLite database", "frontline.db")
    if not db_path.strip():
        raise st.fail("path", "a file path for the SQLite database", db_path)
    if "\x00" in db_path:
        raise st.fail("path", "a file path without a NUL character (\\u0000)", db_path)
    st.check_unknown()
    path = Path(db_path).expanduser()
    if not path.is_absolute() and source not in ("<config>", "<built-in>"):
        # A relative path is relative to the config file, not to wherever frontline was started.
        path = Path(source).resolve().parent / path

    df = _Reader(source, "defaults", sections["defaults"])
    tz = df.get("timezone", str, "an IANA timezone such as Asia/Shanghai", "Asia/Shanghai")
    if not valid_timezone(tz):
        raise df.fail("timezone", _timezone_expected(tz), tz)
    locale = df.get("locale", str, "one of: zh, en", "zh")
    if locale not in LOCALES:
        raise df.fail("locale", "one of: zh, en", locale)
    times = {}
    for key, default in (("checkin_time", "08:00"), ("reminder_time", "10:00"),
                         ("digest_time", "20:00")):
        value = df.get(key, str, "a time HH:MM (24-hour)", default)
        try:
            times[key] = parse_time(value)
        except ValueError:
            raise df.fail(key, "a time HH:MM (24-hour)", value) from None
    df.check_unknown()
    prompt_at, reminder_at, digest_at = (times[k].hour * 60 + times[k].minute for k in
                                         ("checkin_time", "reminder_time", "digest_time"))
    # The same order /settings keeps (bot.rhythm.order_problem): prompt, then reminder, then
    # digest, and the rate report two hours after the reminder on the same day.
    if reminder_at <= prompt_at:
        raise df.fail("reminder_time", f"a time after checkin_time "
                      f"({times['checkin_time']:%H:%M})", f"{times['reminder_time']:%H:%M}")
    if digest_at <= reminder_at:
        raise df.fail("digest_time", f"a time after reminder_time "
                      f"({times['reminder_time']:%H:%M})", f"{times['digest_time']:%H:%M}")
    if reminder_at > 21 * 60 + 59:
        raise df.fail("reminder_time", "21:59 at the latest (the check-in rate is reported "
                      "upward two hours later, the same day)", f"{times['reminder_time']:%H:%M}")

    return Config(
        telegram=TelegramConfig(token=token, base_url=base_url, username=username,
                                max_messages_per_second=rate, paid_broadcast=paid,
                                paid_max_messages_per_second=paid_rate),
        storage=StorageConfig(path=path),
        defaults=DefaultsConfig(timezone=tz, locale=locale, **times),
        admins=frozenset(admins),
        source=source,
    )


def require_token(config: Config) -> str:
    """The bot token, or a ConfigError saying where to put it."""
    token = config.telegram.token.strip()
    if not token:
        raise ConfigError(
            f"{config.source}: [telegram] token: expected a bot token from @BotFather "
            f"(or set {TOKEN_ENV})"
        )
    if not re.match(r"^\d+:[A-Za-z0-9_-]{20,}$", token):
        raise ConfigError(
            f"{config.source}: [telegram] token: expected a token like 123456:ABC-DEF... "
            "(as given by @BotFather)"
        )
    return token
