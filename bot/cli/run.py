"""`frontline run` (the bot, long polling) and `frontline demo` (a scripted day in the sandbox)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.cli.botapi import api_name, get_me
from bot.cli.common import (
    EXIT_USAGE,
    CliError,
    existing_database,
    hold,
    load,
    no_op,
    setup_logging,
    with_store,
)
from bot.config import ConfigError, require_token


def cmd_run(args: argparse.Namespace) -> None:
    """Run the bot with long polling."""
    config = load(args)
    try:
        token = require_token(config)
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    # Before anything can log: no line may show the token, even with -v.
    setup_logging(args.verbose, token=token, config=config.logging)
    from telegram import Update
    from telegram.error import TelegramError

    from bot.runtime.app import build_application, stopped_by_conflict
    from bot.runtime.logs import redact, secret_forms

    # Check the database before talking to Telegram, so a bad file stops start-up cleanly,
    # and hold it, so that a second bot on it is refused before it sends anything.
    existing_database(config)
    with hold(config, "run"):
        asyncio.run(with_store(config, no_op, migrate=True))
        username = get_me(config, token)
        application = build_application(config, token=token)
        logging.getLogger("bot.cli").info("Frontline is starting as @%s (long polling)",
                                         username)
        try:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
        except TelegramError as exc:  # Telegram failed between getMe and the first poll
            raise CliError(f"{api_name(config)}: {redact(str(exc), secret_forms(token))}; "
                           "try again") from None
        conflict = stopped_by_conflict(application)
    if conflict is not None:
        raise CliError(
            f"stopped: Telegram answers getUpdates with “{conflict}”: another process is "
            "polling this bot's updates with the same token; stop it, or give each bot its own "
            "token (@BotFather)", EXIT_USAGE)


def cmd_demo(args: argparse.Namespace) -> None:
    """Play a scripted day in the sandbox."""
    from bot.demo.script import run_demo

    setup_logging(args.verbose, quiet=not args.verbose)
    asyncio.run(run_demo(language=args.lang, out=sys.stdout))
