"""`/lang`: choose Chinese or English."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.i18n import LANGUAGES
from bot.rules import people
from bot.rules.callbacks import Lang
from handlers.core import menus
from handlers.core.context import Context
from handlers.core.replies import pressed, reply


async def lang(update: Update, context: Context) -> None:
    """`/lang [zh|en]`: switch directly, or show the two buttons."""
    args = context.args or []
    if args and args[0].lower() in LANGUAGES:
        await _switch(update, context, args[0].lower())
        return
    buttons = [InlineKeyboardButton(context.translate(code, "lang.name"),
                                    callback_data=Lang(code).pack()) for code in LANGUAGES]
    await reply(update, context.t("lang.choose"), InlineKeyboardMarkup([buttons]))


async def lang_button(update: Update, context: Context) -> None:
    """A language button."""
    query = update.callback_query
    parsed = await pressed(update, context, Lang)
    if query is None or parsed is None:
        return
    await query.answer()
    await _switch(update, context, parsed.code)


async def _switch(update: Update, context: Context, code: str) -> None:
    actor = context.me
    await people.choose_language(context.services, actor.user_id, code)
    text = context.translate(code, "lang.set")
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(text)
    else:
        await reply(update, text)
    role = actor.person.role if actor.person else None
    await menus.set_for_person(context.bot, context, actor.user_id, role, code)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [CommandHandler("lang", lang, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(lang_button, pattern=Lang.pattern())]
