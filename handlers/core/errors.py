"""The application's error handler: log first, then tell the user in their language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.rules import people
from handlers.core.context import Context

logger = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Log the exception with its traceback; tell the user, briefly, that it failed."""
    logger.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    if isinstance(context.error, Forbidden) and update.effective_user is not None:
        # The user blocked the bot: nothing to tell them; remember they are unreachable.
        try:
            await people.blocked_the_bot(context.services, update.effective_user.id)
        except Exception:
            logger.exception("could not mark a user unreachable")
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(context.t("error.generic"), show_alert=True)
        elif update.effective_message is not None and update.effective_chat is not None \
                and update.effective_chat.type == "private":
            await update.effective_message.reply_text(context.t("error.generic"))
    except TelegramError as exc:
        logger.warning("could not tell the user about the error: %s", exc)
