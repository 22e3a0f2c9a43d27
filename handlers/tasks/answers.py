"""Answering tasks: Accept, Decline (with a reason), Done (with an optional note or photo).

Every press reads the task and the presser's part from the database: the callback data
only names the task, it proves nothing.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.rules import task_cases, tasks
from bot.rules.callbacks import Task, TaskSkip
from handlers.core.context import Context
from handlers.core.keyboards import keyboard
from handlers.core.replies import esc, refuse, reply, utf16_len
from handlers.tasks.keyboards import card, timezone_of
from storage.rows import Recipient
from storage.tasks import AssignmentRow, TaskRow

REASON, PROOF = range(2)  # conversation states
TASK_KEY = "task_answering"


async def _my_part(update: Update, context: Context, action: str
                   ) -> tuple[TaskRow, AssignmentRow] | None:
    """The task of the pressed button and the presser's part of it, or None after answering."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = Task.parse(query.data)
    actor = context.me
    task = await task_cases.get(context.store, parsed.task) if parsed else None
    if task is None:
        await query.answer(context.t("task.unknown"), show_alert=True)
        return None
    part = await task_cases.part_of(context.store, task.id, actor.user_id)
    if part is None:
        await refuse(update, context, "task.not_yours", action=f"task_{action}",
                     branch_id=task.branch_id, id=task.id)
        return None
    if task.status != "open":
        await query.answer(context.t(f"task.closed_{task.status}", id=task.id), show_alert=True)
        return None
    return task, part


async def _already(update: Update, context: Context, part: AssignmentRow) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(context.t("task.already", id=part.task_id,
                                 state=context.t(f"task.state_{part.state}")), show_alert=True)


async def accept(update: Update, context: Context) -> None:
    """Accept: record the time; the message gets a Done button."""
    found = await _my_part(update, context, "accept")
    if found is None:
        return
    task, part = found
    query = update.callback_query
    assert query is not None
    if part.state != "pending" or not await task_cases.accept(context.services, task,
                                                              part.member_id):
        await _already(update, context, part)
        return
    await query.answer(context.t("task.accepted_toast"))
    text = await card(context, task, timezone_of(context, task))
    await query.edit_message_text(
        text + "\n" + context.t("task.accepted"),
        reply_markup=keyboard(tasks.done_buttons(context.translate, context.language, task.id)))


async def ask_reason(update: Update, context: Context) -> int:
    """Decline: ask for the reason."""
    found = await _my_part(update, context, "decline")
    if found is None:
        return ConversationHandler.END
    task, part = found
    if part.state != "pending":
        await _already(update, context, part)
        return ConversationHandler.END
    assert context.user_data is not None and update.callback_query is not None
    context.user_data[TASK_KEY] = task.id
    await update.callback_query.answer()
    await reply(update, context.t("task.ask_reason", id=task.id, title=esc(task.title),
                                  max=tasks.REASON_MAX))
    return REASON


async def got_reason(update: Update, context: Context) -> int:
    """The reason: record the decline and tell the secretary."""
    message, actor = update.effective_message, context.actor
    assert message is not None and message.text is not None and actor is not None
    reason = message.text.strip()
    if not reason or utf16_len(reason) > tasks.REASON_MAX:
        await reply(update, context.t("task.reason_bad", length=utf16_len(reason),
                                      max=tasks.REASON_MAX))
        return REASON
    task = await _pending_task(context)
    me = Recipient(actor.user_id, actor.person.display_name if actor.person else "?", None, None)
    if task is None or not await task_cases.decline(context.services, task, me, reason):
        await reply(update, context.t("task.not_pending"))
        return ConversationHandler.END
    await reply(update, context.t("task.declined", id=task.id, reason=esc(reason)))
    return ConversationHandler.END


async def reason_not_text(update: Update, context: Context) -> int:
    """Anything but text while the reason is expected."""
    await reply(update, context.t("task.reason_bad", length=0, max=tasks.REASON_MAX))
    return REASON


async def _pending_task(context: Context) -> TaskRow | None:
    task_id = context.user_data.pop(TASK_KEY, None) if context.user_data is not None else None
    return await task_cases.get(context.store, task_id) if isinstance(task_id, int) else None


async def ask_proof(update: Update, context: Context) -> int:
    """Done: ask for an optional note or photo."""
    found = await _my_part(update, context, "done")
    if found is None:
        return ConversationHandler.END
    task, part = found
    query = update.callback_query
    assert query is not None and context.user_data is not None
    if part.state == "pending":
        await query.answer(context.t("task.accept_first"), show_alert=True)
        return ConversationHandler.END
    if part.state != "accepted":
        await _already(update, context, part)
        return ConversationHandler.END
    context.user_data[TASK_KEY] = task.id
    await query.answer()
    await reply(update, context.t("task.ask_proof", id=task.id, max=tasks.NOTE_MAX),
                InlineKeyboardMarkup([[InlineKeyboardButton(context.t("assign.button_skip"),
                                                            callback_data=TaskSkip().pack())]]))
    return PROOF


async def got_proof(update: Update, context: Context) -> int:
    """The note, photo or Skip: mark the part done; the task may close with it."""
    message, actor = update.effective_message, context.actor
    assert message is not None and actor is not None
    note, photo = None, None
    if update.callback_query is not None:
        await update.callback_query.answer()
    else:
        photo = message.photo[-1].file_id if message.photo else None
        note = ((message.caption if photo else message.text) or "").strip() or None
        if note and utf16_len(note) > tasks.NOTE_MAX:
            await reply(update, context.t("task.note_too_long", length=utf16_len(note),
                                          max=tasks.NOTE_MAX))
            return PROOF
    task = await _pending_task(context)
    if task is None:
        await reply(update, context.t("task.not_pending"))
        return ConversationHandler.END
    done = await task_cases.finish(context.services, task, actor.user_id, note=note,
                                   proof_file_id=photo)
    if not done.recorded:
        await reply(update, context.t("task.not_pending"))
        return ConversationHandler.END
    await reply(update, context.t("task.done_closed" if done.closed else "task.done",
                                  id=task.id))
    return ConversationHandler.END


async def cancel_answer(update: Update, context: Context) -> int:
    """`/cancel` while a reason or proof is expected: the part stays as it was."""
    if context.user_data is not None:
        context.user_data.pop(TASK_KEY, None)
    await reply(update, context.t("task.answer_cancelled"))
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module: the assignees' answers."""
    with warnings.catch_warnings():
        # The conversation starts from a button but continues by text in the same chat,
        # so it is tracked per chat and user, not per message; PTB warns about exactly that.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        answer = ConversationHandler(
            entry_points=[CallbackQueryHandler(ask_reason, pattern=Task.pattern(action="dec")),
                          CallbackQueryHandler(ask_proof, pattern=Task.pattern(action="done"))],
            states={
                REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_reason),
                         MessageHandler(~filters.COMMAND, reason_not_text)],
                PROOF: [MessageHandler((filters.TEXT | filters.PHOTO) & ~filters.COMMAND,
                                       got_proof),
                        CallbackQueryHandler(got_proof, pattern=TaskSkip.pattern())],
            },
            fallbacks=[CommandHandler("cancel", cancel_answer)],
            allow_reentry=True,
            conversation_timeout=1800,
            name="task_answer",
        )
    return [answer, CallbackQueryHandler(accept, pattern=Task.pattern(action="acc"))]
