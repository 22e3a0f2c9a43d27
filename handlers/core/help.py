"""`/help`, and a one-line answer (the way to `/help`) to unknown commands and free text in a
private chat. In a group: `/help` says what works there (`/linkgroup`, `/unlinkgroup`), and any
other command is answered in one line with a button that opens the private chat."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
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
        parts.append(context.t("help.secretary") + "\n" + context.t("imports.help")
                     + "\n" + context.t("rosterimport.help") + "\n" + context.t("export.help"))
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
    word = _command_word(update)
    # Echo a short command whole; a long one (up to 4,096 characters) only in part.
    shown = cut(word.split("@")[0], COMMAND_SHOWN)
    await reply(update, _and_join(context, context.t("help.unknown_command",
                                                      command=esc(shown))))


async def free_text(update: Update, context: Context) -> None:
    """Text or anything else that is not a command, in a private chat."""
    await reply(update, _and_join(context, context.t("help.free_text")))


def _command_word(update: Update) -> str:
    message = update.effective_message
    return (message.text or "").split()[0] if message and message.text else "/"


async def group_help(update: Update, context: Context) -> None:
    """`/help` in a group: what works there, and the button to the private chat."""
    await reply(update, context.t("group.help"), _private_chat(context))


async def group_command(update: Update, context: Context) -> None:
    """Any other command in a group: one line to use the private chat, with a button to it.
    A command addressed to another bot (`/start@other_bot`) is left to that bot."""
    command, _, addressee = _command_word(update).partition("@")
    if addressee and addressee.lower() != _username(context).lower():
        return
    await reply(update, context.t("group.private_only", command=esc(cut(command, COMMAND_SHOWN))),
                _private_chat(context))


def _username(context: Context) -> str:
    return context.config.telegram.username or context.bot.username or ""


def _private_chat(context: Context) -> InlineKeyboardMarkup | None:
    """The button that opens the private chat with the bot (none if its name is unknown)."""
    username = _username(context)
    if not username:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(context.t("group.button_private"),
                                                       url=f"https://t.me/{username}")]])


async def stale_button(update: Update, context: Context) -> None:
    """A button whose data no handler recognises (old, or forged)."""
    query = update.callback_query
    assert query is not None
    await query.answer(context.t("button.stale"), show_alert=True)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module: register them last, as catch-alls."""
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    return [
        CommandHandler("help", help_command, filters=private),
        CommandHandler("help", group_help, filters=groups),
        MessageHandler(groups & filters.COMMAND, group_command),
        CommandHandler("cancel", nothing_to_cancel, filters=private),
        MessageHandler(private & filters.COMMAND, unknown_command),
        MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, free_text),
        CallbackQueryHandler(stale_button),
    ]
