"""`/help`, and a one-line answer (the way to `/help`) to unknown commands and free text in a
private chat."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.text import cut
from handlers.core.context import Context
from handlers.core.replies import esc, reply

COMMAND_SHOWN = 40  # characters of an unknown command echoed back


def help_text(context: Context) -> str:
    """The commands this user may use."""
    actor = context.actor
    parts = [context.t("help.member")]
    if actor is not None and actor.leads:
        parts.append(context.t("help.secretary") + "\n" + context.t("imports.help"))
    if actor is None or actor.person is None or actor.person.branch_id is None:
        parts.append(context.t("help.not_member"))
    return "\n\n".join(parts)


def _and_join(context: Context, line: str) -> str:
    """A one-line answer, with how to join for someone who is in no branch yet."""
    actor = context.actor
    if actor is None or actor.person is None or actor.person.branch_id is None:
        return line + "\n" + context.t("help.not_member")
    return line


async def help_command(update: Update, context: Context) -> None:
    """`/help`: what this user can do."""
    await reply(update, help_text(context))


async def nothing_to_cancel(update: Update, context: Context) -> None:
    """`/cancel` outside any conversation."""
    await reply(update, context.t("help.nothing_to_cancel"))


async def unknown_command(update: Update, context: Context) -> None:
    """A command nobody handles."""
    message = update.effective_message
    word = (message.text or "").split()[0] if message and message.text else "/"
    # Echo a short command whole; a long one (up to 4,096 characters) only in part.
    shown = cut(word.split("@")[0], COMMAND_SHOWN)
    await reply(update, _and_join(context, context.t("help.unknown_command",
                                                      command=esc(shown))))


async def free_text(update: Update, context: Context) -> None:
    """Text or anything else that is not a command, in a private chat."""
    await reply(update, _and_join(context, context.t("help.free_text")))


async def stale_button(update: Update, context: Context) -> None:
    """A button whose data no handler recognises (old, or forged)."""
    query = update.callback_query
    assert query is not None
    await query.answer(context.t("button.stale"), show_alert=True)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module: register them last, as catch-alls."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("help", help_command, filters=private),
        CommandHandler("cancel", nothing_to_cancel, filters=private),
        MessageHandler(private & filters.COMMAND, unknown_command),
        MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, free_text),
        CallbackQueryHandler(stale_button),
    ]
