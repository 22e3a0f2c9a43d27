"""Acknowledgements: the members' "received" button, and the secretaries' `/broadcasts`.

`/broadcasts` lists the latest broadcasts of the secretary's subtree with their counts and,
for those that asked for acknowledgement, two buttons: who has not acknowledged, and
remind them. Both check again that the presser leads the broadcast's branch. A reminder
is one message to each reachable member who has not acknowledged, through the outbox,
with the same button; a broadcast's reminders are at most one per
`bot.rules.broadcasts.REMIND_INTERVAL` (10 minutes), counted from the audit log, so that a
double tap or an impatient secretary does not flood the members.
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.i18n import pick_language
from bot.rules import broadcasts
from bot.rules.access import may_lead
from bot.rules.broadcasts import Draft
from bot.rules.callbacks import Ack, BroadcastReport
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, plain, pressed, refuse, reply, reply_lines
from storage.rows import BroadcastRow, NewMessage

logger = logging.getLogger(__name__)

EXCERPT = 40  # characters of a broadcast's text shown in /broadcasts
REMIND_ACTION = "broadcast_remind"


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
    store = context.store
    row = await store.broadcasts.get(broadcast_id)
    if row is None or not row.ack_required or not await store.broadcasts.is_recipient(broadcast_id,
                                                                          actor.user_id):
        await query.answer(context.t("ack.not_for_you"), show_alert=True)
        return
    chat = update.effective_chat
    chat_id = chat.id if chat is not None else actor.user_id
    if not await store.broadcasts.acknowledge(broadcast_id, actor.user_id, chat_id,
                                              at=context.clock.now()):
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
    store = context.store
    rows = await store.broadcasts.recent(branch.id, limit=10)
    if not rows:
        await reply(update, context.t("broadcasts.none", branch=esc(branch.name)))
        return
    zone = ZoneInfo(branch.timezone)
    lines = [context.t("broadcasts.header", branch=esc(branch.name))]
    keyboard = []
    for row in rows:
        counts = await store.broadcasts.counts(row.id)
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
    row = await context.store.broadcasts.get(broadcast_id)
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
    missing = await context.store.broadcasts.unacknowledged(row.id)
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
    store, now = context.store, context.clock.now()
    targets = [p for p in await store.broadcasts.unacknowledged(row.id) if p.reachable]
    if not targets:
        await query.answer(plain(context.t("broadcasts.all_acknowledged", id=row.id)),
                           show_alert=True)
        return
    author = await store.people.get(row.author_id)
    branch = await store.branches.get(row.branch_id)
    draft = Draft(row.branch_id, row.branch_name, author.display_name if author else "",
                  body=row.body)
    default = branch.locale if branch else context.config.defaults.locale
    messages = []
    for person in targets:
        language = pick_language(person.language, person.telegram_language, default)
        label = context.translate(language, "broadcast.received")
        messages.append(NewMessage(
            person.member_id, person.member_id,
            broadcasts.reminder(context.translate, language, draft, row.id),
            [[(label, Ack(row.id).pack())]]))
    # Once per REMIND_INTERVAL, decided inside the write: two secretaries pressing at the
    # same moment send one reminder, not two.
    last = await store.outbox.enqueue_at_most_every(
        "reminder", messages, interval=broadcasts.REMIND_INTERVAL, action=REMIND_ACTION,
        subject=("broadcast", row.id), actor_id=actor.user_id, branch_id=row.branch_id,
        detail={"reminded": len(messages)}, at=now)
    if last is not None:
        wait = broadcasts.REMIND_INTERVAL - (now - last)
        minutes = max(1, round(wait.total_seconds() / 60))
        await refuse(update, context, "broadcasts.remind_too_soon", action=REMIND_ACTION,
                     branch_id=row.branch_id, minutes=minutes)
        return
    context.services.wake_outbox()
    await query.answer()
    await reply(update, context.t("broadcasts.reminded", n=len(messages)))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [
        CallbackQueryHandler(ack, pattern=Ack.pattern()),
        CommandHandler("broadcasts", list_broadcasts, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(report_button, pattern=BroadcastReport.pattern()),
    ]
