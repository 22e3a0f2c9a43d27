"""The production sections of the configuration: `[webhook]`, `[http]`, `[logging]`,
`[backup]` and `[retention]` (README, "Running in production")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from bot.config.reader import ConfigError, Reader, parse_time, read_secret, relative_to

SECRET_ENV = "FRONTLINE_WEBHOOK_SECRET"
# A file holding the secret, as for the token (systemd: FRONTLINE_WEBHOOK_SECRET_FILE=%d/secret
# with LoadCredential; compose: a secret), so it is in no environment listing.
SECRET_FILE_ENV = "FRONTLINE_WEBHOOK_SECRET_FILE"
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # Telegram's setWebhook secret_token
# setWebhook: "Ports currently supported for webhooks: 443, 80, 88, 8443."
WEBHOOK_PORTS = frozenset({443, 80, 88, 8443})
LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class WebhookConfig:
    """The `[webhook]` section: used when `[telegram] updates = "webhook"`.

    Telegram posts each update to `url` + `path` with the header
    X-Telegram-Bot-Api-Secret-Token = `secret_token`; the bot's HTTP server listens on
    `listen`:`port` (behind a reverse proxy that terminates TLS) and serves /healthz,
    /readyz and /metrics there too (`[http]` is then not used).
    """

    url: str | None = None  # the public https:// root, e.g. https://bot.example.org
    path: str = "/telegram"
    listen: str = "127.0.0.1"
    port: int = 8443
    secret_token: str = field(default="", repr=False)  # FRONTLINE_WEBHOOK_SECRET, when set, wins
    remove_on_stop: bool = False  # deleteWebhook on a clean stop
    max_connections: int = 40

    @property
    def public_url(self) -> str:
        """The URL given to setWebhook."""
        return (self.url or "").rstrip("/") + self.path


@dataclass(frozen=True)
class HttpConfig:
    """The `[http]` section: in polling mode, a small HTTP server for /healthz, /readyz and
    /metrics starts when the section is present (`enabled`)."""

    enabled: bool = False
    listen: str = "127.0.0.1"
    port: int = 8080


@dataclass(frozen=True)
class LoggingConfig:
    """The `[logging]` section: "text" (one readable line) or "json" (one JSON object per
    line), and the level (`-v` makes it debug)."""

    format: str = "text"
    level: str = "info"


@dataclass(frozen=True)
class BackupConfig:
    """The `[backup]` section: a daily online backup into `folder` at `time` (local, in
    `[defaults] timezone`), the newest `keep` kept. Off while `folder` is unset."""

    folder: Path | None = None
    at: time = time(3, 30)
    keep: int = 7


@dataclass(frozen=True)
class RetentionConfig:
    """The `[retention]` section, in days; 0 keeps forever. What each period covers and
    why is in the README ("What is kept, and for how long")."""

    outbox_days: int = 30  # delivered (sent, skipped, unreachable, failed) outbox rows
    audit_days: int = 365  # audit log entries
    health_days: int = 90  # members' check-in statuses and notes (sensitive personal data)


def _port(reader: Reader, key: str, default: int) -> int:
    port: int = reader.get(key, int, "a TCP port from 1 to 65535", default)
    if not 1 <= port <= 65535:
        raise reader.fail(key, "a TCP port from 1 to 65535", port)
    return port


def _listen(reader: Reader) -> str:
    listen: str = reader.get("listen", str, "an IP address to listen on", "127.0.0.1")
    if not listen.strip() or any(c.isspace() for c in listen):
        raise reader.fail("listen", "an IP address to listen on, such as 127.0.0.1", listen)
    return listen


def read_webhook(source: str, table: Mapping[str, Any], env: Mapping[str, str], *,
             required: bool) -> WebhookConfig:
    wh = Reader(source, "webhook", table)
    url = wh.get("url", str, "the public https:// URL Telegram posts to", None)
    if url is not None:
        match = re.match(r"^https://([^\s/:]+)(?::(\d+))?(/\S*)?$", url)
        if not match:
            raise wh.fail("url", "a public https:// URL such as https://bot.example.org", url)
        if match.group(2) and int(match.group(2)) not in WEBHOOK_PORTS:
            raise wh.fail("url", "a URL on port 443, 80, 88 or 8443 (the ports Telegram "
                          "posts to)", url)
    path = wh.get("path", str, "a URL path such as /telegram", "/telegram")
    if not re.match(r"^/[A-Za-z0-9._~/-]*$", path):
        raise wh.fail("path", "a URL path such as /telegram", path)
    secret = wh.get("secret_token", str, "1 to 256 characters A-Z a-z 0-9 _ -", "")
    secret_file = wh.get("secret_token_file", str, "the path of a file holding the secret",
                         None)
    secret_file = env.get(SECRET_FILE_ENV) or secret_file
    if secret_file and not env.get(SECRET_ENV):
        secret = read_secret(source, "[webhook] secret_token_file", secret_file)
    secret = env.get(SECRET_ENV) or secret
    if secret and not _SECRET_RE.match(secret):
        raise wh.fail("secret_token", "1 to 256 characters A-Z a-z 0-9 _ -", "<hidden>")
    config = WebhookConfig(
        url=url, path=path, listen=_listen(wh), port=_port(wh, "port", 8443),
        secret_token=secret,
        remove_on_stop=wh.get("remove_on_stop", bool, "true or false", False),
        max_connections=wh.get("max_connections", int, "a whole number from 1 to 100", 40))
    if not 1 <= config.max_connections <= 100:
        raise wh.fail("max_connections", "a whole number from 1 to 100",
                      config.max_connections)
    wh.check_unknown()
    if required and url is None:
        raise ConfigError(f'{source}: [webhook] url: expected the public https:// URL '
                          f'Telegram posts to (with [telegram] updates = "webhook")')
    if required and not secret:
        raise ConfigError(f"{source}: [webhook] secret_token: expected 1 to 256 characters "
                          f"A-Z a-z 0-9 _ - (or set {SECRET_ENV}); without it anyone could "
                          "post updates")
    return config


def read_http(source: str, table: Mapping[str, Any], *, present: bool) -> HttpConfig:
    reader = Reader(source, "http", table)
    config = HttpConfig(enabled=present, listen=_listen(reader),
                        port=_port(reader, "port", 8080))
    reader.check_unknown()
    return config


def read_logging(source: str, table: Mapping[str, Any]) -> LoggingConfig:
    reader = Reader(source, "logging", table)
    kind = reader.get("format", str, 'one of: "text", "json"', "text")
    if kind not in ("text", "json"):
        raise reader.fail("format", 'one of: "text", "json"', kind)
    level = reader.get("level", str, "one of: " + ", ".join(LOG_LEVELS), "info")
    if level not in LOG_LEVELS:
        raise reader.fail("level", "one of: " + ", ".join(LOG_LEVELS), level)
    reader.check_unknown()
    return LoggingConfig(format=kind, level=level)


def read_backup(source: str, table: Mapping[str, Any]) -> BackupConfig:
    reader = Reader(source, "backup", table)
    folder = reader.get("folder", str, "a folder for the backups", None)
    if folder is not None and not folder.strip():
        raise reader.fail("folder", "a folder for the backups", folder)
    value = reader.get("time", str, "a time HH:MM (24-hour)", "03:30")
    try:
        at = parse_time(value)
    except ValueError:
        raise reader.fail("time", "a time HH:MM (24-hour)", value) from None
    keep = reader.get("keep", int, "a whole number from 1 to 365", 7)
    if not 1 <= keep <= 365:
        raise reader.fail("keep", "a whole number from 1 to 365", keep)
    reader.check_unknown()
    return BackupConfig(folder=relative_to(source, folder) if folder else None, at=at,
                        keep=keep)


def read_retention(source: str, table: Mapping[str, Any]) -> RetentionConfig:
    reader = Reader(source, "retention", table)
    days = {}
    for key, default in (("outbox_days", 30), ("audit_days", 365), ("health_days", 90)):
        value = reader.get(key, int, "a number of days from 0 (keep forever) to 3650",
                           default)
        if not 0 <= value <= 3650:
            raise reader.fail(key, "a number of days from 0 (keep forever) to 3650", value)
        days[key] = value
    reader.check_unknown()
    return RetentionConfig(**days)
