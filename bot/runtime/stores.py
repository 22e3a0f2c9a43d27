"""The Store a configuration opens: its file, and its defaults filling what branches leave
unset. A module of its own, light to import, so that the command line (`frontline status`,
`backup`, ...) opens the database without loading the Telegram application."""

from __future__ import annotations

from bot.config import Config
from storage.branches import Defaults
from storage.store import Store


def store_for(config: Config, *, read_only: bool = False) -> Store:
    """The Store for a configuration; with `read_only`, readers only (`frontline status`)."""
    d = config.defaults
    return Store(config.storage.path, Defaults(
        timezone=d.timezone, locale=d.locale, checkin_time=d.checkin_time.strftime("%H:%M"),
        reminder_time=d.reminder_time.strftime("%H:%M"),
        digest_time=d.digest_time.strftime("%H:%M")), read_only=read_only)
