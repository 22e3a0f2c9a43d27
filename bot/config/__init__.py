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
from bot.config.ops import (
    LOG_LEVELS,
    SECRET_ENV,
    SECRET_FILE_ENV,
    WEBHOOK_PORTS,
    BackupConfig,
    HttpConfig,
    LoggingConfig,
    RetentionConfig,
    WebhookConfig,
    read_backup,
    read_http,
    read_logging,
    read_retention,
    read_webhook,
)
from bot.config.reader import ConfigError, Reader, parse_time, read_secret, relative_to
from bot.i18n import LANGUAGES

__all__ = [
    "LOCALES", "LOG_LEVELS", "SECRET_ENV", "SECRET_FILE_ENV", "TOKEN_ENV", "TOKEN_FILE_ENV",
    "WEBHOOK_PORTS",
    "BackupConfig", "Config", "ConfigError", "DefaultsConfig", "HttpConfig", "LoggingConfig",
    "RetentionConfig", "StorageConfig", "TelegramConfig", "WebhookConfig", "config_from_mapping",
    "load_config", "parse_time", "require_token", "valid_timezone",
]

LOCALES = LANGUAGES
TOKEN_ENV = "FRONTLINE_TOKEN"
# A file holding the token (systemd's LoadCredential: FRONTLINE_TOKEN_FILE=%d/token), so
# that the token is on no command line and in no environment listing.
TOKEN_FILE_ENV = "FRONTLINE_TOKEN_FILE"
_USERNAME_RE = re.compile(r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$")


@dataclass(frozen=True)
class TelegramConfig:
    """The `[telegram]` section."""

    token: str = field(default="", repr=False)
    base_url: str | None = None
    username: str | None = None
    max_messages_per_second: int = 25
    # Paid broadcasts (allow_paid_broadcast): broadcasts, their reminders and the daily
    # prompts and reminders go out at up to paid_max_messages_per_second, 0.1 Star each.
    paid_broadcast: bool = False
    paid_max_messages_per_second: int = 1000
    # How updates arrive: "polling" (getUpdates) or "webhook" (Telegram posts them to the
    # `[webhook]` URL). Switching is this one setting.
    updates: str = "polling"


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
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    admins: frozenset[int] = frozenset()
    source: str = "<built-in>"


def valid_timezone(name: str) -> bool:
    """True if `name` is an IANA timezone the scheduler can use (`bot.clock.timezones()`:
    not a `posix/` or `right/` copy, not the machine's `localtime`)."""
    return is_timezone(name)


def _timezone_expected(name: object) -> str:
    """What `[defaults] timezone` expects, with the usable name if `name` was nearly one."""
    hint = suggest_timezone(name) if isinstance(name, str) else None
    tail = f" (did you mean {hint}?)" if hint else ""
    return f"an IANA timezone such as Asia/Shanghai{tail}"


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
    top = Reader(source, "", doc)
    sections: dict[str, Mapping[str, Any]] = {
        name: {} for name in ("telegram", "storage", "defaults", "webhook", "http", "logging",
                              "backup", "retention")}
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

    tg = Reader(source, "telegram", sections["telegram"])
    token = tg.get("token", str, "a bot token from @BotFather", "")
    token_file = tg.get("token_file", str, "the path of a file holding the token", None)
    token_file = env.get(TOKEN_FILE_ENV) or token_file
    if token_file and not env.get(TOKEN_ENV):
        token = read_secret(source, "[telegram] token_file", token_file)
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
    updates = tg.get("updates", str, 'one of: "polling", "webhook"', "polling")
    if updates not in ("polling", "webhook"):
        raise tg.fail("updates", 'one of: "polling", "webhook"', updates)
    tg.check_unknown()
    webhook = read_webhook(source, sections["webhook"], env, required=updates == "webhook")
    http = read_http(source, sections["http"], present="http" in doc)
    logs = read_logging(source, sections["logging"])
    retention = read_retention(source, sections["retention"])

    st = Reader(source, "storage", sections["storage"])
    db_path = st.get("path", str, "a file path for the SQLite database", "frontline.db")
    if not db_path.strip():
        raise st.fail("path", "a file path for the SQLite database", db_path)
    if "\x00" in db_path:
        raise st.fail("path", "a file path without a NUL character (\\u0000)", db_path)
    st.check_unknown()
    path = relative_to(source, db_path)
    backup = read_backup(source, sections["backup"])

    df = Reader(source, "defaults", sections["defaults"])
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
                                paid_max_messages_per_second=paid_rate, updates=updates),
        storage=StorageConfig(path=path),
        defaults=DefaultsConfig(timezone=tz, locale=locale, **times),
        webhook=webhook, http=http, logging=logs, backup=backup, retention=retention,
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
