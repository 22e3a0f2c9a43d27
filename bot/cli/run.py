"""`frontline run` (the bot, by long polling or webhook) and `frontline demo` (a scripted day in
the sandbox)."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
import socket
import sys

from bot.cli.botapi import api_name, get_me
from bot.cli.common import (
    EXIT_FAILURE,
    EXIT_USAGE,
    CliError,
    existing_database,
    hold,
    load,
    no_op,
    setup_logging,
    with_store,
)
from bot.config import Config, ConfigError, require_token


def cmd_run(args: argparse.Namespace) -> None:
    """Run the bot: long polling, or a webhook with `[telegram] updates = "webhook"`."""
    config = load(args)
    try:
        token = require_token(config)
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    # Before anything can log: no line may show the token (nor the webhook's secret), even
    # with -v.
    setup_logging(args.verbose, token=token, config=config.logging)
    _hide(config.webhook.secret_token)
    from telegram.error import TelegramError

    from bot.runtime.app import build_application, stopped_by_conflict
    from bot.runtime.lifecycle import run
    from bot.runtime.logs import redact, secret_forms

    webhook = config.telegram.updates == "webhook"
    # Check the database before talking to Telegram, so a bad file stops start-up cleanly,
    # and hold it, so that a second bot on it is refused before it sends anything.
    existing_database(config)
    with hold(config, "run"):
        asyncio.run(with_store(config, no_op, migrate=True))
        sock = _listen(config)  # a port in use is one line, before any call to Telegram
        try:
            username = get_me(config, token)
            application = build_application(config, token=token)
            how = f"webhook at {config.webhook.public_url}" if webhook else "long polling"
            logging.getLogger("bot.cli").info("Frontline is starting as @%s (%s)", username,
                                             how)
            try:
                run(application, config, sock=sock)
            except TelegramError as exc:  # Telegram failed between getMe and the first poll
                raise CliError(f"{api_name(config)}: {redact(str(exc), secret_forms(token))}; "
                               "try again") from None
        finally:
            if sock is not None:
                sock.close()
        conflict = stopped_by_conflict(application)
    if conflict is not None:
        raise CliError(
            f"stopped: Telegram answers getUpdates with “{conflict}”: another process is "
            "polling this bot's updates with the same token; stop it, or give each bot its own "
            "token (@BotFather)", EXIT_USAGE)


def _listen(config: Config) -> socket.socket | None:
    """The HTTP server's socket, bound now: `[webhook]` in webhook mode, `[http]` when the
    section is there in polling mode, else None."""
    from bot.runtime.http import listen

    if config.telegram.updates == "webhook":
        host, port, section = config.webhook.listen, config.webhook.port, "webhook"
    elif config.http.enabled:
        host, port, section = config.http.listen, config.http.port, "http"
    else:
        return None
    try:
        return listen(host, port)
    except OSError as exc:
        code = EXIT_FAILURE if exc.errno == errno.EADDRINUSE else EXIT_USAGE
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise CliError(f"cannot listen on {host}:{port} ({reason}); check "
                       f"[{section}] listen and port in {config.source}", code) from None


def _hide(secret: str) -> None:
    """Keep the webhook's secret out of every log line, as the token is."""
    if not secret:
        return
    from bot.runtime.logs import RedactingFormatter

    for handler in logging.getLogger().handlers:
        inner = handler.formatter or logging.Formatter()
        handler.setFormatter(RedactingFormatter(inner, [secret]))


def cmd_demo(args: argparse.Namespace) -> None:
    """Play a scripted day in the sandbox."""
    from bot.demo.script import run_demo

    setup_logging(args.verbose, quiet=not args.verbose)
    asyncio.run(run_demo(language=args.lang, out=sys.stdout))
