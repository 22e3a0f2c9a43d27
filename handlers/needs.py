"""Needs: `/need` (report one), `/needs` (a secretary's list, or a member's own), Resolve / Cancel.

`/need` keeps its draft in `user_data` and writes nothing until Confirm; `/cancel` at any
step drops it, and Edit starts again from the category with a fresh draft. Confirm saves
the need in the reporter's branch (read from the database now) and queues the
secretaries' notifications through the outbox.

`/needs [BRANCH_ID] [category] [status] [urgency]` lists the open and assigned needs of a
secretary's subtree, critical first, then oldest first, five a page; for a member who leads
nothing it lists the needs they reported themself, newest first, with their status and
the secretary's note. The page buttons carry the filter, so they survive a restart.

Resolve and Cancel ask for a note (the reason), then change the status through
`bot.needs.change_status`, which tells the reporter. Each press and the note are checked
against the database: the presser must lead the need's branch, and a need already closed
answers so and changes nothing.

Callback data: `nd:cat:<category>`, `nd:urg:<urgency>`, `nd:who:me|other`, `nd:loc:skip`,
`nd:ok`, `nd:edit`, `nd:no` (the conversation); `nd:res:<id>`, `nd:can:<id>` (a need);
`nd:pg:<page>:<branch>:<category|->:<status|->:<urgency|->` (a page of `/needs`). The
Assign button is `asg:need:<id>`, answered by the tasks module.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
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

from bot import needs
from bot.access import may_lead
from bot.needs import NeedDraft, NeedFilter
from handlers.common import esc, refuse, reply, utf16_len
from handlers.context import Context
from handlers.leaders import scope
from storage.outbox import Buttons

logger = logging.getLogger(__name__)

CATEGORY, URGENCY, WHOM, FOR_WHOM, DETAILS, LOCATION, CONFIRM = range(7)  # /need states
NOTE = 10  # the Resolve / Cancel note
DRAFT_KEY = "need_draft"
PENDING_KEY = "need_pending"
PREFIX = "nd"
ACTIONS = {"res": "resolved", "can": "cancelled"}

_PAGE = re.compile(rf"^{PREFIX}:pg:(\d{{1,4}}):(\d{{1,12}}):(\w+|-):(\w+|-):(\w+|-)$")
_ACTION = re.compile(rf"^{PREFIX}:(res|can):(\d{{1,12}})$")


def page_data(spec: NeedFilter, page: int) -> str:
    """The button that shows page `page` of a `/needs` listing."""
    return (f"{PREFIX}:pg:{page}:{spec.branch_id}:{spec.category or '-'}:{spec.status or '-'}"
            f":{spec.urgency or '-'}")


def parse_page(data: str) -> tuple[NeedFilter, int] | None:
    """(filter, page) of a page button, or None if the data is not a valid one."""
    match = _PAGE.match(data)
    if not match:
        return None
    page, branch, category, status, urgency = match.groups()
    values = [None if v == "-" else v for v in (category, status, urgency)]
    for value, allowed in zip(values, (needs.CATEGORIES, needs.STATUSES, needs.URGENCIES),
                              strict=True):
        if value is not None and value not in allowed:
            return None
    return NeedFilter(int(branch), values[0], values[1], values[2]), int(page)


def parse_action(data: str) -> tuple[str, int] | None:
    """(new status, need id) of a Resolve or Cancel button, or None."""
    match = _ACTION.match(data)
    return (ACTIONS[match.group(1)], int(match.group(2))) if match else None


def need_buttons(translate: Callable[..., str], language: str, need_id: int) -> Buttons:
    """Assign / Resolve / Cancel under one need, in `language`."""
    return [[(translate(language, "need.button_assign", id=need_id), f"asg:need:{need_id}"),
             (translate(language, "need.button_resolve", id=need_id), f"{PREFIX}:res:{need_id}"),
             (translate(language, "need.button_cancel", id=need_id), f"{PREFIX}:can:{need_id}")]]


def _markup(rows: Buttons) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                  for label, data in row] for row in rows])


def _choices(context: Context, step: str, values: tuple[str, ...], key: str,
             per_row: int = 3) -> InlineKeyboardMarkup:
    buttons = [(context.t(f"need.{key}_{v}"), f"{PREFIX}:{step}:{v}") for v in values]
    return _markup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


def _draft(context: Context) -> NeedDraft | None:
    draft = context.user_data.get(DRAFT_KEY) if context.user_data is not None else None
    return draft if isinstance(draft, NeedDraft) else None


def _drop(context: Context) -> None:
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)


# --- /need -----------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> int:
    """`/need`: a member starts reporting a need; ask for the category."""
    _drop(context)
    actor = context.actor
    if actor is None or not actor.is_member:
        await reply(update, context.t("need.not_member"))
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[DRAFT_KEY] = NeedDraft()
    await reply(update, context.t("need.ask_category"),
                _choices(context, "cat", needs.CATEGORIES, "cat"))
    return CATEGORY


async def choose(update: Update, context: Context) -> int:
    """A button of the conversation: category, urgency, for whom, skip the location."""
    query = update.callback_query
    assert query is not None and query.data is not None
    draft = _draft(context)
    if draft is None:
        return await _lost(update, context)
    _, step, value = query.data.split(":", 2)
    await query.answer()
    if step == "cat":
        draft.category = value
        await query.edit_message_text(context.t("need.ask_urgency"),
                                      reply_markup=_choices(context, "urg", needs.URGENCIES,
                                                            "urg"))
        return URGENCY
    if step == "urg":
        draft.urgency = value
        await query.edit_message_text(context.t("need.ask_whom"), reply_markup=_markup([[
            (context.t("need.whom_me"), f"{PREFIX}:who:me"),
            (context.t("need.whom_other"), f"{PREFIX}:who:other")]]))
        return WHOM
    if step == "who" and value == "other":
        draft.for_self = False
        await query.edit_message_text(context.t("need.ask_for_whom", max=needs.FOR_WHOM_MAX))
        return FOR_WHOM
    if step == "who":
        draft.for_self, draft.for_whom = True, None
        await query.edit_message_text(context.t("need.ask_details", max=needs.DETAILS_MAX))
        return DETAILS
    # step == "loc": skip the location
    draft.location = draft.latitude = draft.longitude = None
    await query.edit_message_text(context.t("need.location_skipped"))
    return await _summary(update, context, draft)


async def _text(update: Update, context: Context, limit: int, empty: str,
                too_long: str) -> str | None:
    """The message's text, stripped; None after answering why it will not do."""
    message = update.effective_message
    assert message is not None
    text = (message.text or "").strip()
    if not text:
        await reply(update, context.t(empty))
        return None
    if utf16_len(text) > limit:
        await reply(update, context.t(too_long, length=utf16_len(text), max=limit))
        return None
    return text


async def got_for_whom(update: Update, context: Context) -> int:
    """Who the need is for, when it is not the reporter."""
    draft = _draft(context)
    if draft is None:
        return await _lost(update, context)
    text = await _text(update, context, needs.FOR_WHOM_MAX, "need.for_whom_empty",
                       "need.too_long")
    if text is None:
        return FOR_WHOM
    draft.for_whom = text
    await reply(update, context.t("need.ask_details", max=needs.DETAILS_MAX))
    return DETAILS


async def got_details(update: Update, context: Context) -> int:
    """The details of the need."""
    draft = _draft(context)
    if draft is None:
        return await _lost(update, context)
    text = await _text(update, context, needs.DETAILS_MAX, "need.details_empty",
                       "need.too_long")
    if text is None:
        return DETAILS
    draft.details = text
    await reply(update, context.t("need.ask_location", max=needs.LOCATION_MAX), _markup([[
        (context.t("need.skip_location"), f"{PREFIX}:loc:skip")]]))
    return LOCATION


async def got_location(update: Update, context: Context) -> int:
    """Where: a shared Telegram location, or a place in words."""
    draft = _draft(context)
    message = update.effective_message
    assert message is not None
    if draft is None:
        return await _lost(update, context)
    if message.location is not None:
        draft.location = None
        draft.latitude, draft.longitude = message.location.latitude, message.location.longitude
    else:
        text = await _text(update, context, needs.LOCATION_MAX, "need.location_empty",
                           "need.too_long")
        if text is None:
            return LOCATION
        draft.location, draft.latitude, draft.longitude = text, None, None
    return await _summary(update, context, draft)


async def _summary(update: Update, context: Context, draft: NeedDraft) -> int:
    await reply(update, needs.draft_summary(context.translate, context.language, draft),
                _markup([[(context.t("need.confirm"), f"{PREFIX}:ok"),
                          (context.t("need.edit"), f"{PREFIX}:edit"),
                          (context.t("need.cancel"), f"{PREFIX}:no")]]))
    return CONFIRM


async def confirm(update: Update, context: Context) -> int:
    """Confirm: save the need in the reporter's branch and tell its secretaries."""
    query = update.callback_query
    assert query is not None
    draft = _draft(context)
    actor = context.actor
    if draft is None or actor is None:
        return await _lost(update, context)
    _drop(context)
    if actor.person is None or actor.person.branch_id is None:
        await query.answer(context.t("need.not_member"), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    translate = context.translate
    need_id, told = await needs.report(
        context.store, translate, actor.person, draft, now=context.clock.now(),
        buttons=lambda language, nid: need_buttons(translate, language, nid))
    if context.services.outbox is not None:
        context.services.outbox.wake()
    key = "need.saved" if told else "need.saved_nobody"
    await query.edit_message_text(
        needs.draft_summary(translate, context.language, draft) + "\n\n"
        + context.t(key, id=need_id, branch=esc(actor.person.branch_name or "")))
    return ConversationHandler.END


async def edit(update: Update, context: Context) -> int:
    """Edit: start again from the category, with a fresh draft."""
    query = update.callback_query
    assert query is not None
    if _draft(context) is None:
        return await _lost(update, context)
    assert context.user_data is not None
    context.user_data[DRAFT_KEY] = NeedDraft()
    await query.answer()
    await query.edit_message_text(context.t("need.ask_category"),
                                  reply_markup=_choices(context, "cat", needs.CATEGORIES, "cat"))
    return CATEGORY


async def cancel_button(update: Update, context: Context) -> int:
    """The Cancel button of the summary: nothing is saved."""
    query = update.callback_query
    assert query is not None
    _drop(context)
    await query.answer()
    await query.edit_message_text(context.t("need.cancelled"))
    return ConversationHandler.END


async def cancel(update: Update, context: Context) -> int:
    """`/cancel` at any step: nothing is saved."""
    _drop(context)
    await reply(update, context.t("need.cancelled"))
    return ConversationHandler.END


def _answer(key: str, state: int) -> Callable[[Update, Context], Coroutine[Any, Any, int]]:
    """Something else than the step expects: say what it expects, and stay at the step."""

    async def answer(update: Update, context: Context) -> int:
        await reply(update, context.t(key))
        return state

    return answer


async def _lost(update: Update, context: Context) -> int:
    """The draft is gone (a restart, an old button): start again."""
    _drop(context)
    if update.callback_query is not None:
        await update.callback_query.answer(context.t("button.stale"), show_alert=True)
    else:
        await reply(update, context.t("button.stale"))
    return ConversationHandler.END


# --- /needs ----------------------------------------------------------------------------------


async def list_needs(update: Update, context: Context) -> None:
    """`/needs [BRANCH_ID] [category] [status] [urgency]`: a secretary's list, or one's own."""
    actor = context.actor
    assert actor is not None
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
    actor = context.actor
    assert actor is not None
    if not actor.is_member:
        await reply(update, context.t("need.not_member"))
        return
    rows = await context.store.needs_of_reporter(actor.user_id)
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
    assert spec.branch_id is not None
    rows, total = await context.store.needs_in_subtree(
        spec.branch_id, statuses=spec.statuses, category=spec.category, urgency=spec.urgency,
        limit=needs.PAGE, offset=page * needs.PAGE)
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
    return header + "\n\n" + "\n\n".join(blocks), _markup([*buttons, nav])


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
    branch = await context.store.branch(spec.branch_id)
    if branch is None or not await may_lead(context.store, actor, branch.id):
        await refuse(update, context, "deny.outside_scope", action="needs",
                     branch_id=spec.branch_id, branch=esc(branch.name if branch else "?"))
        return
    await query.answer()
    text, markup = await _page(context, spec, page, branch.name)
    message = query.message
    await _edit(context, (message.chat.id, message.message_id) if message else None, text,
                markup)


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
    store = context.store
    need = await store.need(need_id)
    if need is None:
        await query.answer(context.t("needs.not_found", id=need_id), show_alert=True)
        return ConversationHandler.END
    if not await may_lead(store, actor, need.branch_id):
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
        return await _lost(update, context)
    status, need_id, where, listing = pending
    note = await _text(update, context, needs.NOTE_MAX, "needs.note_empty", "need.too_long")
    if note is None:
        assert context.user_data is not None
        context.user_data[PENDING_KEY] = pending
        return NOTE
    store, now = context.store, context.clock.now()
    need = await store.need(need_id)
    if need is None or not await may_lead(store, actor, need.branch_id):
        await refuse(update, context, "deny.outside_scope", action=f"need_{status}",
                     branch_id=need.branch_id if need else None,
                     branch=esc(need.branch_name if need else "?"))
        return ConversationHandler.END
    if not await needs.change_status(store, context.translate, need_id, status, note=note,
                                     by=actor.user_id, now=now):
        current = await store.need(need_id)
        await reply(update, context.t("needs.already_closed", id=need_id, status=context.t(
            f"need.status_{current.status if current else need.status}")))
        return ConversationHandler.END
    await store.audit(actor.user_id, f"need_{status}", branch_id=need.branch_id, allowed=True,
                      detail={"need": need_id}, at=now)
    if context.services.outbox is not None:
        context.services.outbox.wake()
    await reply(update, context.t("needs.changed", id=need_id,
                                  status=context.t(f"need.status_{status}")))
    parsed = parse_page(listing) if listing else None
    if parsed is not None:
        spec, page = parsed
        text, markup = await _page(context, spec, page, await _branch_name(context, spec))
        await _edit(context, where, text, markup)
    else:
        changed = await store.need(need_id)
        assert changed is not None
        await _edit(context, where, context.t("need.new_header", id=need_id) + "\n" + needs.block(
            context.translate, context.language, changed, now, excerpt=False), None)
    return ConversationHandler.END


async def _branch_name(context: Context, spec: NeedFilter) -> str:
    branch = await context.store.branch(spec.branch_id or 0)
    return branch.name if branch else "?"


async def cancel_note(update: Update, context: Context) -> int:
    """`/cancel` while a note is expected: the need is left as it was."""
    if context.user_data is not None:
        context.user_data.pop(PENDING_KEY, None)
    await reply(update, context.t("needs.note_cancelled"))
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module: the `/need` and note conversations, `/needs` and its pages."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    other = private & ~filters.COMMAND

    def buttons(state: int, pattern: str, callback: Any = choose) -> list[BaseHandler[
            Update, Context, Any]]:
        return [CallbackQueryHandler(callback, pattern=rf"^{PREFIX}:{pattern}$"),
                MessageHandler(other, _answer("need.use_buttons", state))]

    def typed(state: int, callback: Any, *, location: bool = False) -> list[BaseHandler[
            Update, Context, Any]]:
        accepted = text | (private & filters.LOCATION) if location else text
        key = "need.text_or_location" if location else "need.text_only"
        return [MessageHandler(accepted, callback), MessageHandler(other, _answer(key, state))]

    with warnings.catch_warnings():
        # Both conversations mix messages and buttons in one private chat, so they are
        # tracked per chat and user, not per message; PTB warns about exactly that.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        report = ConversationHandler(
            entry_points=[CommandHandler("need", start, filters=private)],
            states={
                CATEGORY: buttons(CATEGORY, f"cat:({'|'.join(needs.CATEGORIES)})"),
                URGENCY: buttons(URGENCY, f"urg:({'|'.join(needs.URGENCIES)})"),
                WHOM: buttons(WHOM, "who:(me|other)"),
                FOR_WHOM: typed(FOR_WHOM, got_for_whom),
                DETAILS: typed(DETAILS, got_details),
                LOCATION: [CallbackQueryHandler(choose, pattern=rf"^{PREFIX}:loc:skip$"),
                           *typed(LOCATION, got_location, location=True)],
                CONFIRM: [CallbackQueryHandler(confirm, pattern=rf"^{PREFIX}:ok$"),
                          CallbackQueryHandler(edit, pattern=rf"^{PREFIX}:edit$"),
                          *buttons(CONFIRM, "no", cancel_button)],
            },
            fallbacks=[CommandHandler("cancel", cancel, filters=private)],
            allow_reentry=True,
            conversation_timeout=1800,
            name="need",
        )
        note = ConversationHandler(
            entry_points=[CallbackQueryHandler(ask_note, pattern=rf"^{PREFIX}:(res|can):")],
            states={NOTE: typed(NOTE, got_note)},
            fallbacks=[CommandHandler("cancel", cancel_note, filters=private)],
            allow_reentry=True,
            conversation_timeout=600,
            name="need_note",
        )
    return [
        report,
        note,
        CommandHandler("needs", list_needs, filters=private),
        CallbackQueryHandler(turn_page, pattern=rf"^{PREFIX}:pg:"),
    ]
