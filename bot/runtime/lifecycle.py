"""`frontline run`'s life cycle, by long polling or by webhook.

It is PTB's own `run_polling` (`Application.__run`) step by step, with the small HTTP server
(`bot.runtime.http`) and the webhook added: initialize, post_init, the HTTP server, then
either the Updater's long polling (`start_polling(allowed_updates=Update.ALL_TYPES)` with
the same error callback, so a 409 Conflict still reaches `_on_polling_conflict`) and
`start`, or `start` and setWebhook; then the loop runs until SIGTERM or SIGINT (or
`Application.stop_running`, which stops the loop as in PTB).

Stopping, in this order:
1. stop taking updates: the HTTP server stops accepting (a webhook request arriving now is
   refused and Telegram sends it again later), the Updater stops polling;
2. `Application.stop`: the updates already taken are handled, the jobs under way finish;
   `post_stop` stops the scheduler and lets the outbox finish the messages in flight and
   write their outcomes (the rest stays pending in the database for the next start);
3. deleteWebhook, only with `[webhook] remove_on_stop`;
4. `shutdown`, `post_shutdown` (the database is closed).
A second signal while stopping is noted and ignored: the steps above are each bounded.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from typing import Any

from telegram import Update
from telegram.error import TelegramError

from bot.config import Config, WebhookConfig
from bot.runtime.http import AnyApplication, HttpServer, asgi_app
from bot.runtime.receiving import watch_webhook
from bot.runtime.services import Services
from handlers.core.context import SERVICES_KEY

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run(application: AnyApplication, config: Config, *,
        sock: socket.socket | None = None) -> None:
    """Run the bot until a stop signal (see the module's docstring); `sock`: the bound
    socket of the HTTP server, if it runs (always in webhook mode)."""
    webhook = config.webhook if config.telegram.updates == "webhook" else None
    if webhook is not None and sock is None:
        raise ValueError("webhook mode needs the HTTP server's socket")
    services: Services = application.bot_data[SERVICES_KEY]
    services.receiving.webhook = webhook is not None
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stopping = False

    def stop_signal() -> None:
        if stopping:
            logger.info("already stopping")
            return
        raise SystemExit  # out of run_forever / run_until_complete, as PTB does

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop_signal)
    server: HttpServer | None = None
    webhook_set = False
    try:
        loop.run_until_complete(application.initialize())
        if application.post_init is not None:
            loop.run_until_complete(application.post_init(application))
        if sock is not None:
            server = HttpServer(asgi_app(application, webhook=webhook), sock)
            loop.run_until_complete(server.start())
        services.receiving.started_at = services.clock.now()
        if webhook is not None:
            loop.run_until_complete(application.start())
            loop.run_until_complete(_set_webhook(application, webhook))
            webhook_set = True
            watch_webhook(application, services.receiving, webhook.public_url)
        else:
            loop.run_until_complete(_start_polling(application))
            loop.run_until_complete(application.start())
        loop.run_forever()
    except (KeyboardInterrupt, SystemExit):
        logger.info("stop signal received; stopping")
    finally:
        stopping = True
        try:
            loop.run_until_complete(_stop(application, server, webhook if webhook_set else None))
        finally:
            loop.close()


async def _start_polling(application: AnyApplication) -> None:
    updater = application.updater
    assert updater is not None

    def error_callback(exc: TelegramError) -> None:
        # As run_polling: errors of getUpdates go to the error handlers (409 Conflict).
        application.create_task(application.process_error(error=exc, update=None))

    await updater.start_polling(allowed_updates=Update.ALL_TYPES, error_callback=error_callback)


async def _set_webhook(application: AnyApplication, webhook: WebhookConfig) -> None:
    await application.bot.set_webhook(
        url=webhook.public_url, secret_token=webhook.secret_token,
        allowed_updates=Update.ALL_TYPES, max_connections=webhook.max_connections,
        drop_pending_updates=False)
    logger.info("webhook set: Telegram posts updates to %s", webhook.public_url)


async def _stop(application: AnyApplication, server: HttpServer | None,
                webhook: WebhookConfig | None) -> None:
    """Stop in the order of the module's docstring; `webhook`: set at start."""
    if server is not None:
        await server.stop()
    updater: Any = application.updater
    if updater is not None and updater.running:
        await updater.stop()
    if application.running:
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    if webhook is not None and webhook.remove_on_stop:
        try:
            await application.bot.delete_webhook(drop_pending_updates=False)
            logger.info("webhook removed (remove_on_stop)")
        except TelegramError as exc:
            logger.warning("could not remove the webhook (%s)", exc)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
    logger.info("stopped; what is still pending goes out at the next start")
