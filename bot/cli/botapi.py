"""Asking the Bot API who the bot is (getMe), once, before the bot runs or to make an invite
link: the username, or one line on what failed, the token never shown."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from bot.cli.common import EXIT_USAGE, CliError
from bot.config import TOKEN_ENV, Config, ConfigError, require_token


def ask_username(config: Config) -> str:
    """The bot's username from Telegram (getMe), when the config does not give it."""
    try:
        token = require_token(config)
    except ConfigError as exc:
        raise CliError(f"{exc} (or set [telegram] username to make invites offline)",
                       EXIT_USAGE) from None
    try:
        return get_me(config, token)
    except CliError as exc:
        raise CliError(f"{exc} (or set [telegram] username in {config.source} to make invites "
                       "offline)", exc.code) from None


# How long start-up waits for the Bot API to connect, and then to answer getMe (PTB's own
# default for every call): a server that never answers is reported after this, not retried.
STARTUP_WAIT_S = 5.0


def api_name(config: Config) -> str:
    """The Bot API server, named without the token: Telegram, or [telegram] base_url."""
    if config.telegram.base_url:
        return f"the Bot API server at {config.telegram.base_url.rstrip('/')}"
    return "Telegram (https://api.telegram.org)"


def get_me(config: Config, token: str) -> str:
    """Ask the Bot API who the bot is, once; its username, or one line on what failed.

    A rejected token exits with 2 (fix the configuration); a network failure or a server
    that does not answer exits with 1 (it may work later). The token is never shown.
    """
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
    from telegram.request import HTTPXRequest

    from bot.runtime.logs import redact, secret_forms

    async def get_me() -> str:
        kwargs: dict[str, Any] = {}
        if config.telegram.base_url:
            root = config.telegram.base_url.rstrip("/")
            kwargs = {"base_url": f"{root}/bot", "base_file_url": f"{root}/file/bot"}
        request = HTTPXRequest(connect_timeout=STARTUP_WAIT_S, read_timeout=STARTUP_WAIT_S)
        async with Bot(token, request=request, **kwargs) as bot:
            return bot.username

    where = api_name(config)
    if os.environ.get(TOKEN_ENV, "").strip():
        check_token = f"check {TOKEN_ENV} (it replaces [telegram] token in {config.source})"
    else:
        check_token = f"check [telegram] token in {config.source} (or set {TOKEN_ENV})"
    check_url = (f"[telegram] base_url in {config.source}" if config.telegram.base_url
                 else "this machine's network connection (a proxy? a firewall?)")
    secrets = secret_forms(token)
    try:
        return asyncio.run(get_me())
    except InvalidToken as exc:
        # PTB's own message names the token; the server's answer is in the cause.
        why = str(exc.__cause__ or "Unauthorized")
        raise CliError(redact(f"{where} rejected the token ({why}); {check_token}", secrets),
                       EXIT_USAGE) from None
    except TimedOut:
        raise CliError(f"{where} did not answer within {STARTUP_WAIT_S:g} s; check "
                       f"{check_url}") from None
    except NetworkError as exc:
        raise CliError(redact(f"cannot reach {where} ({exc}); check {check_url}", secrets)
                       ) from None
    except TelegramError as exc:
        raise CliError(redact(f"{where} answered getMe with an error ({exc}); check "
                              f"{check_url}", secrets)) from None
