"""A member's new name or phone: typed after the card's Correct name / Correct phone button
(a short conversation), or given with `/rename` and `/phone`; checked, then confirmed by a
button (`handlers.org.member_buttons`)."""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.rules import members
from bot.rules.callbacks import MemberCard
from bot.rules.members import Change
from handlers.core.context import Context
from handlers.core.replies import esc, pressed, reply
from handlers.org.member_buttons import ask, checked

ASK_VALUE = 0
ASKING = "member_asking"  # user_data: (member, branch, change) whose new value is asked for


async def ask_value(update: Update, context: Context) -> int:
    """The card's Correct name / Correct phone: ask for the new one."""
    query = update.callback_query
    parsed = await pressed(update, context, MemberCard)
    if query is None or parsed is None:
        return ConversationHandler.END
    change = Change.NAME if parsed.action == "name" else Change.PHONE
    target = await checked(update, context, parsed.member, change, asked_in=parsed.branch)
    if target is None:
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[ASKING] = (parsed.member, parsed.branch, change)
    await query.answer()
    await reply(update, context.t(f"member.ask_{change}", name=target.name))
    return ASK_VALUE


async def got_value(update: Update, context: Context) -> int:
    """The new name or phone: checked, then its confirmation."""
    asking = (context.user_data or {}).pop(ASKING, None)
    message = update.effective_message
    if asking is None or message is None or message.text is None:
        return ConversationHandler.END
    member_id, branch_id, change = asking
    if not await propose(update, context, member_id, change, message.text, asked_in=branch_id):
        assert context.user_data is not None
        context.user_data[ASKING] = asking  # ask again
        return ASK_VALUE
    return ConversationHandler.END


async def propose(update: Update, context: Context, member_id: int, change: Change,
                  text: str, *, asked_in: int | None = None) -> bool:
    """Check a new name or phone and ask to confirm it; False after saying what is wrong
    with the value (a refusal of the change itself ends it: True)."""
    t = context.t
    value = members.clean_name(text) if change is Change.NAME else members.phone_of(text)
    if value is None:
        await reply(update, t("member.bad_name", max=members.NAME_MAX) if change is Change.NAME
                    else t("member.bad_phone", value=esc(text[:40])))
        return False
    target = await checked(update, context, member_id, change, asked_in=asked_in)
    if target is None:
        return True
    person = target.person
    if value == (person.name if change is Change.NAME else person.phone):
        await reply(update, t("member.unchanged", name=target.name))
        return True
    if change is Change.NAME:
        await ask(update, context, target, change, name=value)
    else:
        await ask(update, context, target, change, phone=value)
    return True


async def value_cancelled(update: Update, context: Context) -> int:
    """`/cancel` while a new name or phone is asked for."""
    (context.user_data or {}).pop(ASKING, None)
    await reply(update, context.t("member.cancelled"))
    return ConversationHandler.END


async def not_text(update: Update, context: Context) -> int:
    """Anything but text while a new name or phone is asked for."""
    await reply(update, context.t("member.text_only"))
    return ASK_VALUE


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module (registered through `handlers.org.members`)."""
    with warnings.catch_warnings():
        # Started by a button, continued by text in the same chat: tracked per chat and user.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return [ConversationHandler(
            entry_points=[CallbackQueryHandler(ask_value, pattern=MemberCard.pattern(
                action=("name", "phone")))],
            states={ASK_VALUE: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_value),
                                CommandHandler("cancel", value_cancelled),
                                MessageHandler(~filters.COMMAND, not_text)]},
            fallbacks=[CommandHandler("cancel", value_cancelled)],
            allow_reentry=True,
            conversation_timeout=1800,
            name="member_value",
        )]
