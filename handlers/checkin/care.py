"""The care message's "report a need" button (the daily rhythm itself is `bot.rules.rhythm`, run
by the one scheduler tick of `bot.runtime.scheduler`)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.callbacks import CareNeed
from handlers.core.context import Context
from handlers.core.replies import reply


async def care_need(update: Update, context: Context) -> None:
    """The care message's "I need something" button: point to /need (one tap in the text)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await reply(update, context.t("care.need_hint"))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [CallbackQueryHandler(care_need, pattern=CareNeed.pattern())]
