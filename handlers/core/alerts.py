"""The admins' alerts' Telegram side: one direct message to an admin (`bot.rules.alerts`).

Sent with `bot.send_message`, through the application's rate limiter like any direct reply
(it waits out a 429 and retries 5xx; Telegram's overall budget is shared with the outbox),
never through the outbox: delivery being stuck is one of the things an alert tells, and the
alert must not wait in the queue that does not move.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.rules.alerts import Delivery

logger = logging.getLogger(__name__)


async def tell_admin(bot: Bot, admin: int, text: str) -> Delivery:
    """Send `text` (HTML) to the admin's private chat; what became of it."""
    try:
        await bot.send_message(chat_id=admin, text=text)
    except (Forbidden, BadRequest) as exc:
        # Blocked, or never opened a chat with the bot: it would fail again.
        logger.warning("could not alert admin %s: %s", admin, exc.message)
        return Delivery.REFUSED
    except TelegramError as exc:
        logger.warning("could not alert admin %s now (%s); trying again in a minute", admin,
                       exc.message or type(exc).__name__)
        return Delivery.FAILED
    return Delivery.SENT
