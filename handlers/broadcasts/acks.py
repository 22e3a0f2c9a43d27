"""Acknowledgements: the members' "received" button, and the secretaries' `/broadcasts`.

`/broadcasts` lists the latest broadcasts of the secretary's subtree with their counts and,
for those that asked for acknowledgement, two buttons: who has not acknowledged, and
remind them. Both check again that the presser leads the broadcast's branch. The reminder
and its pace are `bot.rules.broadcasts.remind`'s.
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.rules import broadcasts
from bot.rules.access import may_lead
from bot.rules.broadcasts import Acknowledged
from bot.rules.callbacks import Ack, BroadcastReport
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, plain, pressed, refuse, reply, reply_lines
from storage.rows import BroadcastRow

logger = logging.getLogger(__name__)

EXCERPT = 40  # characters of a broadcast's text shown in /broadcasts


async def ack(update: Update, context: Context) -> None:
    """The "received" button: the presser acknowledges for themself, if it was for them."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = Ack.parse(query.data)
    broadcast_id = parsed.broadcast if parsed else None
    actor = context.actor
    if broadcast_id is None or actor is None:
        await query.answer(context.t("button.stale"), show_alert=True)
        return
    chat = update.effective_chat
    chat_id = chat.id if chat is not None else actor.user_id
    done = await broadcasts.acknowledge(context.services, broadcast_id, actor.user_id, chat_id)
    if done is Acknowledged.NOT_FOR_YOU:
        await query.answer(context.t("ack.not_for_you"), show_alert=True)
        return
    if done is Acknowledged.ALREADY:
        await query.answer(context.t("ack.already"))
        return
    await query.answer(context.t("ack.thanks"))
    message = query.message
    if chat is None or chat.type != "private" or not isinstance(message, Message):
        return  # in a group the button stays, for the others
    mark = context.t("ack.mark")
    try:
        if message.photo or message.document is not None:
            caption = message.caption_html or ""
            await query.edit_message_caption(f"{caption}\n\n{mark}", reply_markup=None)
        else:
            await query.edit_message_text(f"{message.text_html}\n\n{mark}", reply_markup=None)
    except BadRequest as exc:  # too long with the mark, or too old to edit: drop the button
        logger.info("could not mark an acknowledged message: %s", exc)
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except BadRequest as again:
            logger.info("could not remove the button either: %s", again)


def _excerpt(context: Context, row: BroadcastRow) -> str:
    text = (row.body or "").replace("\n", " ")
    if len(text) > EXCERPT:
        text = text[:EXCERPT] + "…"
    kind = context.t(f"broadcasts.kind_{row.media_kind}") + " " if row.media_kind else ""
    return kind + esc(text)


async def list_broadcasts(update: Update, context: Context) -> None:
    """`/broadcasts [BRANCH_ID]`: the latest broadcasts of the subtree with their counts."""
    args = context.args or []
    branch = await scope(update, context, "broadcasts", args[0] if args else None)
    if branch is None:
        return
    rows = await broadcasts.recent(context.store, branch.id, limit=10)
    if not rows:
        await reply(update, context.t("broadcasts.none", branch=esc(branch.name)))
        return
    zone = ZoneInfo(branch.timezone)
    lines = [context.t("broadcasts.header", branch=esc(branch.name))]
    keyboard = []
    for listed in rows:
        row, counts = listed.row, listed.counts
        lines.append("")
        lines.append(context.t(
            "broadcasts.item", id=row.id, branch=esc(row.branch_name),
            when=row.created_at.astimezone(zone).strftime("%m-%d %H:%M"),
            excerpt=_excerpt(context, row)))
        lines.append(context.t(
            "broadcasts.counts", sent=counts.sent, total=counts.total,
            acknowledged=counts.acknowledged if row.ack_required else "—",
            members=counts.members, unreachable=counts.unreachable, failed=counts.failed,
            pending=counts.pending))
        if row.ack_required:
            keyboard.append([
                InlineKeyboardButton(context.t("broadcasts.button_who", id=row.id),
                                     callback_data=BroadcastReport(row.id, "who").pack()),
                InlineKeyboardButton(context.t("broadcasts.button_remind", id=row.id),
                                     callback_data=BroadcastReport(row.id, "remind").pack()),
            ])
    await reply(update, "\n".join(lines), InlineKeyboardMarkup(keyboard) if keyboard else None)


async def report_button(update: Update, context: Context) -> None:
    """A /broadcasts button: checked again against the database, then who or remind."""
    query = update.callback_query
    parsed = await pressed(update, context, BroadcastReport, alert=True)
    if query is None or parsed is None:
        return
    broadcast_id, action = parsed.broadcast, parsed.action
    actor = context.me
    row = await broadcasts.get(context.store, broadcast_id)
    if row is None or not await may_lead(context.store, actor, row.branch_id):
        await refuse(update, context, "deny.outside_scope", action=f"broadcasts_{action}",
                     branch_id=row.branch_id if row else None,
                     branch=esc(row.branch_name) if row else f"#{broadcast_id}")
        return
    if action == "who":
        await _who(update, context, row)
    else:
        await _remind(update, context, row)


async def _who(update: Update, context: Context, row: BroadcastRow) -> None:
    query = update.callback_query
    assert query is not None
    missing = await broadcasts.unacknowledged(context.store, row.id)
    await query.answer()
    if not missing:
        await reply(update, context.t("broadcasts.all_acknowledged", id=row.id))
        return
    lines = [context.t("broadcasts.who_header", id=row.id, n=len(missing))]
    for person in missing:
        flag = "" if person.reachable else " " + context.t("who.unreachable")
        lines.append(f"• {esc(person.name)}{flag}")
    await reply_lines(update, lines)


async def _remind(update: Update, context: Context, row: BroadcastRow) -> None:
    query = update.callback_query
    actor = context.actor
    assert query is not None and actor is not None
    done = await broadcasts.remind(context.services, row, actor.user_id,
                                   default_locale=context.config.defaults.locale)
    if done.wait_minutes is not None:
        await refuse(update, context, "broadcasts.remind_too_soon",
                     action=broadcasts.REMIND_ACTION, branch_id=row.branch_id,
                     minutes=done.wait_minutes)
        return
    if not done.queued:
        await query.answer(plain(context.t("broadcasts.all_acknowledged", id=row.id)),
                           show_alert=True)
        return
    await query.answer()
    await reply(update, context.t("broadcasts.reminded", n=done.queued))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [
        CallbackQueryHandler(ack, pattern=Ack.pattern()),
        CommandHandler("broadcasts", list_broadcasts, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(report_button, pattern=BroadcastReport.pattern()),
    ]
