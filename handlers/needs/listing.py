"""Needs: `/needs` (a secretary's list, or a member's own) and the Resolve / Cancel note.

`/needs [BRANCH_ID] [category] [status] [urgency]` lists the open and assigned needs of a
secretary's subtree, critical first, then oldest first, five a page; for a member who leads
nothing it lists the needs they reported themself, newest first. The page buttons carry the
filter, so they survive a restart. Resolve and Cancel ask for a note (the reason), then change
the status through `bot.rules.needs.change_status`, which tells the reporter; each press and the
note are checked against the database. Button formats are in `handlers.needs.keyboards`.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.rules import need_cases, needs
from bot.rules.access import may_lead
from bot.rules.callbacks import NeedClose, NeedPage
from bot.rules.needs import NeedFilter
from handlers.core.context import Context
from handlers.core.drafts import stay
from handlers.core.guards import scope
from handlers.core.keyboards import keyboard
from handlers.core.replies import edit, esc, fit_html, refuse, reply
from handlers.needs.keyboards import (
    DRAFTS,
    NOTE,
    PENDING_KEY,
    need_buttons,
    page_data,
    parse_action,
    parse_page,
    typed_text,
)
from storage.rows import Buttons

logger = logging.getLogger(__name__)


async def list_needs(update: Update, context: Context) -> None:
    """`/needs [BRANCH_ID] [category] [status] [urgency]`: a secretary's list, or one's own."""
    actor = context.me
    if not actor.leads:
        await _own_needs(update, context)
        return
    spec = needs.parse_filter(context.translate, list(context.args or []))
    if isinstance(spec, str):
        await reply(update, context.t("needs.bad_filter", value=esc(spec[:30]))
                    + "\n\n" + context.t("needs.help"))
        return
    branch = await scope(update, context, "needs",
                         str(spec.branch_id) if spec.branch_id is not None else None)
    if branch is None:
        return
    spec = NeedFilter(branch.id, spec.category, spec.status, spec.urgency)
    text, markup = await _page(context, spec, 0, branch.name)
    await reply(update, text, markup)


async def _own_needs(update: Update, context: Context) -> None:
    """A member's own needs, newest first (a member sees no one else's)."""
    actor = context.me
    if not actor.is_member:
        await reply(update, context.t("need.not_member"))
        return
    rows = await need_cases.reported_by(context.store, actor.user_id)
    if not rows:
        await reply(update, context.t("needs.mine_empty"))
        return
    now = context.clock.now()
    blocks = [needs.block(context.translate, context.language, row, now) for row in rows]
    await reply(update, context.t("needs.mine_header", n=len(rows)) + "\n\n"
                + "\n\n".join(blocks))


async def _page(context: Context, spec: NeedFilter, page: int,
                branch_name: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of a listing: the text and the buttons (each need's, then ◀ 🔄 ▶)."""
    rows, total = await need_cases.listing(context.store, spec, page)
    pages = max(1, -(-total // needs.PAGE))
    if not rows and page > 0:  # the page emptied meanwhile: show the last one
        return await _page(context, spec, pages - 1, branch_name) if total else (
            context.t("needs.empty", branch=esc(branch_name)), None)
    t = context.t
    shown = [t(f"need.cat_{spec.category}")] if spec.category else []
    shown += [t(f"need.status_{s}") for s in spec.statuses]
    shown += [t(f"need.urg_{spec.urgency}")] if spec.urgency else []
    header = t("needs.header", branch=esc(branch_name), filter=" · ".join(shown), total=total,
               page=page + 1, pages=pages)
    if not rows:
        return header + "\n\n" + t("needs.empty", branch=esc(branch_name)), None
    now = context.clock.now()
    blocks = [needs.block(context.translate, context.language, row, now) for row in rows]
    buttons: Buttons = []
    for row in rows:
        if row.status in needs.ACTIVE:
            buttons += need_buttons(context.translate, context.language, row.id)
    nav = [("◀", page_data(spec, page - 1))] if page > 0 else []
    nav.append(("🔄", page_data(spec, page)))
    if page + 1 < pages:
        nav.append(("▶", page_data(spec, page + 1)))
    # Excerpts keep a page under the limit; fit_html only guards against a future change.
    return fit_html(header + "\n\n" + "\n\n".join(blocks)), keyboard([*buttons, nav])


async def turn_page(update: Update, context: Context) -> None:
    """◀ 🔄 ▶ under a listing: checked against the database again."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = parse_page(query.data)
    actor = context.actor
    if parsed is None or actor is None:
        await query.answer(context.t("button.stale"), show_alert=True)
        return
    spec, page = parsed
    assert spec.branch_id is not None
    branch = await need_cases.branch(context.store, spec.branch_id)
    if branch is None or not await may_lead(context.store, actor, branch.id):
        await refuse(update, context, "deny.outside_scope", action="needs",
                     branch_id=spec.branch_id, branch=esc(branch.name if branch else "?"))
        return
    await query.answer()
    text, markup = await _page(context, spec, page, branch.name)
    await edit(update, text, markup)


async def _edit(context: Context, where: tuple[int, int] | None, text: str,
                markup: InlineKeyboardMarkup | None) -> None:
    """Edit a message in place; an unchanged or vanished one is left as it is."""
    if where is None:
        return
    try:
        await context.bot.edit_message_text(text, chat_id=where[0], message_id=where[1],
                                            reply_markup=markup)
    except BadRequest as exc:
        logger.info("need message not edited: %s", exc.message)


# --- Resolve / Cancel ------------------------------------------------------------------------


async def ask_note(update: Update, context: Context) -> int:
    """Resolve or Cancel under a need: check the presser's rights, then ask for the note."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = parse_action(query.data)
    actor = context.actor
    if parsed is None or actor is None:
        await query.answer(context.t("button.stale"), show_alert=True)
        return ConversationHandler.END
    status, need_id = parsed
    need = await need_cases.get(context.store, need_id)
    if need is None:
        await query.answer(context.t("needs.not_found", id=need_id), show_alert=True)
        return ConversationHandler.END
    if not await may_lead(context.store, actor, need.branch_id):
        await refuse(update, context, "deny.outside_scope", action=f"need_{status}",
                     branch_id=need.branch_id, branch=esc(need.branch_name))
        return ConversationHandler.END
    if needs.is_closed(need):
        await query.answer(context.t("needs.already_closed", id=need.id,
                                     status=context.t(f"need.status_{need.status}")),
                           show_alert=True)
        return ConversationHandler.END
    await query.answer()
    message = query.message
    where, listing = None, None
    if isinstance(message, Message):
        where = (message.chat.id, message.message_id)
        if message.reply_markup is not None:
            listing = next((b.callback_data for row in message.reply_markup.inline_keyboard
                            for b in row if b.text == "🔄" and isinstance(b.callback_data, str)),
                           None)
    assert context.user_data is not None
    context.user_data[PENDING_KEY] = (status, need.id, where, listing)
    key = "needs.ask_resolve_note" if status == "resolved" else "needs.ask_cancel_reason"
    await reply(update, context.t(key, id=need.id, max=needs.NOTE_MAX))
    return NOTE


async def got_note(update: Update, context: Context) -> int:
    """The note or reason: change the status (once), tell the reporter, update the message."""
    pending = context.user_data.pop(PENDING_KEY, None) if context.user_data is not None else None
    actor = context.actor
    if pending is None or actor is None:
        return await DRAFTS.lost(update, context)
    status, need_id, where, listing = pending
    note = await typed_text(update, context, needs.NOTE_MAX, "needs.note_empty", "need.too_long")
    if note is None:
        assert context.user_data is not None
        context.user_data[PENDING_KEY] = pending
        return NOTE
    need = await need_cases.get(context.store, need_id)
    if need is None or not await may_lead(context.store, actor, need.branch_id):
        await refuse(update, context, "deny.outside_scope", action=f"need_{status}",
                     branch_id=need.branch_id if need else None,
                     branch=esc(need.branch_name if need else "?"))
        return ConversationHandler.END
    change = await need_cases.close(context.services, need, status, note=note,
                                    by=actor.user_id)
    if not change.changed:
        await reply(update, context.t("needs.already_closed", id=need_id,
                                      status=context.t(f"need.status_{change.status}")))
        return ConversationHandler.END
    await reply(update, context.t("needs.changed", id=need_id,
                                  status=context.t(f"need.status_{status}")))
    parsed = parse_page(listing) if listing else None
    if parsed is not None:
        spec, page = parsed
        text, markup = await _page(context, spec, page, await _branch_name(context, spec))
        await _edit(context, where, text, markup)
    else:
        changed = await need_cases.get(context.store, need_id)
        assert changed is not None
        await _edit(context, where, context.t("need.new_header", id=need_id) + "\n" + needs.block(
            context.translate, context.language, changed, context.clock.now(), excerpt=False),
                    None)
    return ConversationHandler.END


async def _branch_name(context: Context, spec: NeedFilter) -> str:
    branch = await need_cases.branch(context.store, spec.branch_id or 0)
    return branch.name if branch else "?"


async def cancel_note(update: Update, context: Context) -> int:
    """`/cancel` while a note is expected: the need is left as it was."""
    if context.user_data is not None:
        context.user_data.pop(PENDING_KEY, None)
    await reply(update, context.t("needs.note_cancelled"))
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module: `/needs`, its pages, and the Resolve / Cancel note."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    other = private & ~filters.COMMAND
    with warnings.catch_warnings():
        # The note starts from a button and continues by text in the same chat, so it is
        # tracked per chat and user, not per message; PTB warns about exactly that.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        note = ConversationHandler(
            entry_points=[CallbackQueryHandler(ask_note, pattern=NeedClose.pattern())],
            states={NOTE: [MessageHandler(text, got_note),
                           MessageHandler(other, stay("need.text_only", NOTE))]},
            fallbacks=[CommandHandler("cancel", cancel_note, filters=private)],
            allow_reentry=True,
            conversation_timeout=600,
            name="need_note",
        )
    return [
        note,
        CommandHandler("needs", list_needs, filters=private),
        CallbackQueryHandler(turn_page, pattern=NeedPage.pattern()),
    ]
