"""`/assign`: title, details, due time, assignees (roster pages, search, or a team), confirm.

Also entered from a need's Assign button (`asg:need:<id>`), with the need linked and the
title prefilled. The draft lives in `user_data`; nothing is written until Assign, which
checks the secretary's rights and the assignees against the database again.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.clock import OutOfRange
from bot.rules import checkins, task_cases, tasks
from bot.rules.access import may_lead
from bot.rules.callbacks import AssignNeed, AssignPick, AssignStep
from bot.rules.tasks import Draft
from bot.rules.vocab import CARE
from bot.text import cut
from handlers.core.context import Context
from handlers.core.drafts import stay
from handlers.core.guards import scope
from handlers.core.replies import esc, refuse, reply, utf16_len
from handlers.tasks.keyboards import (
    CONFIRM,
    DETAILS,
    DRAFTS,
    DUE,
    PEOPLE,
    TITLE,
    step,
)
from handlers.tasks.picker import people_button, search, show_people
from storage.rows import Branch


async def _begin(update: Update, context: Context, branch: Branch) -> Draft:
    DRAFTS.drop(context)
    actor = context.me
    assert context.user_data is not None
    name = actor.person.display_name if actor.person else str(actor.user_id)
    draft = Draft(branch.id, branch.name, branch.timezone, name)
    DRAFTS.put(context, draft)
    return draft


async def start(update: Update, context: Context) -> int:
    """`/assign [BRANCH_ID]`: a secretary starts a task; ask for its title."""
    args = context.args or []
    branch = await scope(update, context, "assign", args[0] if args else None)
    if branch is None:
        return ConversationHandler.END
    await _begin(update, context, branch)
    await reply(update, context.t("assign.ask_title", branch=esc(branch.name),
                                  max=tasks.TITLE_MAX))
    return TITLE


async def from_need(update: Update, context: Context) -> int:
    """A need's Assign button: start with the need linked and the title prefilled."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = AssignNeed.parse(query.data)
    found = await task_cases.need_to_assign(context.store, parsed.need) if parsed else None
    if found is None:
        await query.answer(context.t("button.stale"), show_alert=True)
        return ConversationHandler.END
    actor = context.me
    need, branch = found
    if branch is None or not await may_lead(context.store, actor, need.branch_id):
        await refuse(update, context, "deny.outside_scope", action="assign",
                     branch_id=need.branch_id, branch=esc(branch.name if branch else ""))
        return ConversationHandler.END
    if need.status in ("resolved", "cancelled"):
        await query.answer(context.t("assign.need_closed", id=need.id), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    draft = await _begin(update, context, branch)
    draft.need_id = need.id
    draft.title = tasks.title_from_need(context.t(f"assign.category_{need.category}"),
                                        need.details,
                                        separator=context.t("assign.title_separator"))
    await reply(update, context.t("assign.ask_title_need", id=need.id, title=esc(draft.title),
                                  max=tasks.TITLE_MAX),
                InlineKeyboardMarkup([[step(context, "assign.button_keep", "keep")]]))
    return TITLE


async def got_title(update: Update, context: Context) -> int:
    """The title: 1 to 100 characters."""
    message, draft = update.effective_message, DRAFTS.get(context)
    assert message is not None and message.text is not None
    if draft is None:
        return await DRAFTS.lost(update, context)
    title = " ".join(message.text.split())
    if not title or utf16_len(title) > tasks.TITLE_MAX:
        await reply(update, context.t("assign.title_bad", length=utf16_len(title),
                                      max=tasks.TITLE_MAX))
        return TITLE
    draft.title = title
    return await _ask_details(update, context)


async def keep_title(update: Update, context: Context) -> int:
    """Keep the title prefilled from the need."""
    query, draft = update.callback_query, DRAFTS.get(context)
    assert query is not None
    if draft is None or draft.title is None:
        return await DRAFTS.lost(update, context)
    await query.answer()
    return await _ask_details(update, context)


async def _ask_details(update: Update, context: Context) -> int:
    await reply(update, context.t("assign.ask_details", max=tasks.DETAILS_MAX),
                InlineKeyboardMarkup([[step(context, "assign.button_skip", "skip")]]))
    return DETAILS


async def got_details(update: Update, context: Context) -> int:
    """The details (or Skip)."""
    message, draft = update.effective_message, DRAFTS.get(context)
    assert message is not None
    if draft is None:
        return await DRAFTS.lost(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
        draft.details = None
    else:
        text = (message.text or "").strip()
        if not text or utf16_len(text) > tasks.DETAILS_MAX:
            await reply(update, context.t("assign.details_bad", length=utf16_len(text),
                                          max=tasks.DETAILS_MAX))
            return DETAILS
        draft.details = text
    await reply(update, context.t("assign.ask_due", timezone=esc(draft.timezone)),
                InlineKeyboardMarkup([[step(context, "assign.button_skip", "skip")]]))
    return DUE


async def got_due(update: Update, context: Context) -> int:
    """The due time in the branch's timezone (or Skip)."""
    message, draft = update.effective_message, DRAFTS.get(context)
    assert message is not None
    if draft is None:
        return await DRAFTS.lost(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
        draft.due_at = None
    else:
        try:
            draft.due_at = tasks.parse_due(message.text or "", context.clock.now(),
                                           draft.timezone)
        except OutOfRange as wrong:
            await reply(update, context.t(
                "assign.due_out_of_range", value=esc(cut(wrong.text, 40)),
                first=wrong.first.isoformat(), last=wrong.last.isoformat(),
                timezone=esc(draft.timezone)))
            return DUE
        except ValueError:
            await reply(update, context.t("assign.due_bad", value=esc((message.text or "")[:40]),
                                          timezone=esc(draft.timezone)))
            return DUE
    now = context.clock.now()
    status = await checkins.subtree_status(context.store, draft.branch_id, now)
    draft.names = {m.member_id: m.name for b in status.branches for m in b.members}
    draft.marks = {m.member_id: m.status for b in status.branches for m in b.members
                   if m.status in CARE}
    draft.selected, draft.page, draft.search = [], 0, None
    await show_people(update, context, draft, edit=False)
    return PEOPLE


async def send(update: Update, context: Context) -> int:
    """Assign: check rights and assignees again, write the task, queue the copies."""
    query, draft = update.callback_query, DRAFTS.get(context)
    assert query is not None
    if draft is None:
        return await DRAFTS.lost(update, context)
    DRAFTS.drop(context)
    actor = context.me
    if not await may_lead(context.store, actor, draft.branch_id):
        await refuse(update, context, "deny.outside_scope", action="assign",
                     branch_id=draft.branch_id, branch=esc(draft.branch_name))
        return ConversationHandler.END
    assigned = await task_cases.assign(context.services, draft, by=actor.user_id)
    await query.answer()
    if assigned.task_id is None:
        await query.edit_message_text(context.t("assign.nobody_left"))
        return ConversationHandler.END
    await query.edit_message_text(context.t("assign.done", id=assigned.task_id,
                                            n=assigned.assignees, title=esc(draft.title or "")))
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module: the `/assign` conversation."""
    private = filters.ChatType.PRIVATE
    cancel_button = DRAFTS.cancel_button
    text = private & filters.TEXT & ~filters.COMMAND
    other = private & ~filters.COMMAND

    def on(*names: str) -> str:
        return AssignStep.pattern(step=names)

    with warnings.catch_warnings():
        # The conversation mixes messages and buttons in one private chat, so it is tracked
        # per chat and user, not per message; PTB warns about exactly that.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        conversation = ConversationHandler(
            entry_points=[CommandHandler("assign", start, filters=private),
                          CallbackQueryHandler(from_need, pattern=AssignNeed.pattern())],
            states={
                TITLE: [MessageHandler(text, got_title),
                        CallbackQueryHandler(keep_title, pattern=on("keep")),
                        MessageHandler(other, stay("assign.text_only", TITLE))],
                DETAILS: [MessageHandler(text, got_details),
                          CallbackQueryHandler(got_details, pattern=on("skip")),
                          MessageHandler(other, stay("assign.text_only", DETAILS))],
                DUE: [MessageHandler(text, got_due),
                      CallbackQueryHandler(got_due, pattern=on("skip")),
                      MessageHandler(other, stay("assign.text_only", DUE))],
                PEOPLE: [CallbackQueryHandler(cancel_button, pattern=on("cancel")),
                         CallbackQueryHandler(
                             people_button, pattern=AssignPick.pattern()),
                         CallbackQueryHandler(people_button, pattern=on("ok", "all")),
                         MessageHandler(text, search),
                         MessageHandler(other, stay("assign.use_buttons", PEOPLE))],
                CONFIRM: [CallbackQueryHandler(send, pattern=on("send")),
                          CallbackQueryHandler(cancel_button, pattern=on("cancel")),
                          MessageHandler(other, stay("assign.use_buttons", CONFIRM))],
            },
            fallbacks=[CommandHandler("cancel", DRAFTS.cancel, filters=private)],
            allow_reentry=True,
            conversation_timeout=1800,
            name="assign",
        )
    return [conversation]
