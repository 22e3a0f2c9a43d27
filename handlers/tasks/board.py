"""`/tasks` (a member's open parts, each with its buttons) and `/task <id>` (a secretary's view
of one task, with Mark done / Cancel). Every press reads the task from the database."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.rules import task_cases, tasks
from bot.rules.access import may_lead
from bot.rules.callbacks import Task, TaskCancel
from handlers.core import pages
from handlers.core.context import Context
from handlers.core.keyboards import keyboard
from handlers.core.replies import edit, esc, pressed, refuse, reply, say
from handlers.tasks.keyboards import card, timezone_of
from storage.rows import Buttons
from storage.tasks import TaskRow


async def my_tasks(update: Update, context: Context) -> None:
    """`/tasks`: the member's open parts, each with its buttons."""
    actor = context.me
    rows = await task_cases.open_parts(context.store, actor.user_id)
    if not rows:
        await reply(update, context.t("task.none_open"))
        return
    await reply(update, context.t("task.open_header", n=len(rows)))
    for task, state in rows[:10]:
        text = await card(context, task, timezone_of(context, task))
        if state == "accepted":
            buttons = tasks.done_buttons(context.translate, context.language, task.id)
            text += "\n" + context.t("task.accepted")
        else:
            buttons = [[(context.t("task.button_accept"), tasks.button(task.id, "acc")),
                        (context.t("task.button_decline"), tasks.button(task.id, "dec"))]]
        await reply(update, text, keyboard(buttons))
    if len(rows) > 10:
        await reply(update, context.t("task.more", n=len(rows) - 10))


async def _led_task(update: Update, context: Context, task_id: int | None,
                    action: str) -> TaskRow | None:
    """The task, if the actor leads its branch; None after answering."""
    actor = context.me
    task = await task_cases.get(context.store, task_id) if task_id is not None else None
    if task is None:
        if update.callback_query is not None:
            await update.callback_query.answer(context.t("task.unknown"), show_alert=True)
        else:
            await reply(update, context.t("task.unknown"))
        return None
    if not await may_lead(context.store, actor, task.branch_id):
        await refuse(update, context, "deny.outside_scope", action=action,
                     branch_id=task.branch_id, branch=esc(task.branch_name))
        return None
    return task


async def show_task(update: Update, context: Context) -> None:
    """`/task <id>`: each assignee's progress, with Mark done / Cancel task."""
    args = context.args or []
    raw = args[0].lstrip("#") if args else ""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        await reply(update, context.t("task.usage"))
        return
    await pages.show(update, context, "task", raw)


@pages.view("task")
async def task_view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """A task's card, status and every assignee's progress; Mark done / Cancel if open."""
    if not (argument.isascii() and argument.isdigit() and len(argument) <= 12):
        await say(update, context.t("task.unknown"))
        return None
    task = await _led_task(update, context, int(argument), "task_view")
    if task is None:
        return None
    progress = await task_cases.progress(context.store, task)
    timezone = progress.timezone or timezone_of(context, task)
    lines = [await card(context, task, timezone),
             context.t(f"task.status_{task.status}")]
    for part in progress.parts:
        when = tasks.format_due(part.done_at or part.answered_at, timezone)
        line = context.t("task.progress_line", name=esc(part.name),
                         state=context.t(f"task.state_{part.state}"), at=when or "—")
        if part.decline_reason:
            line += "\n" + context.t("task.reason_line", reason=esc(part.decline_reason))
        if part.done_note or part.proof_file_id:
            line += "\n" + context.t("task.note_line", note=esc(part.done_note or "📷"))
        lines.append(line)
    buttons: Buttons = []
    if task.status == "open":
        buttons = [[(context.t("task.button_close"), tasks.button(task.id, "close")),
                    (context.t("task.button_cancel"), tasks.button(task.id, "cancel"))]]
    return pages.Page("\n".join(lines), str(task.id), buttons)


async def close_button(update: Update, context: Context) -> None:
    """Mark done under `/task`; Cancel task asks first (`cancel_answer`)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = Task.parse(query.data)
    action = parsed.action if parsed else "close"
    task = await _led_task(update, context, parsed.task if parsed else None, f"task_{action}")
    if task is None:
        return
    if task.status != "open":
        await query.answer(context.t(f"task.closed_{task.status}", id=task.id), show_alert=True)
        return
    if action == "cancel":
        await query.answer()
        told = await task_cases.still_on(context.store, task)
        ask = context.t("task.cancel_ask" if told else "task.cancel_ask_none", id=task.id,
                        title=esc(task.title), n=told)
        await reply(update, ask, keyboard([[
            (context.t("task.button_cancel_yes"), TaskCancel(task.id, True).pack()),
            (context.t("task.button_cancel_no"), TaskCancel(task.id, False).pack())]]))
        return
    actor = context.me
    if not await task_cases.close(context.services, task, "done", by=actor.user_id):
        await query.answer(context.t("task.closed_done", id=task.id), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(update, context.t("task.now_done", id=task.id))


async def cancel_answer(update: Update, context: Context) -> None:
    """The answer to "cancel this task?": cancel it and tell the assignees, or keep it."""
    parsed = await pressed(update, context, TaskCancel, alert=True)
    if parsed is None:
        return
    query = update.callback_query
    assert query is not None
    task = await _led_task(update, context, parsed.task, "task_cancelled")
    if task is None:
        return
    if not parsed.confirm:
        await query.answer()
        await edit(update, context.t("task.cancel_kept", id=task.id))
        return
    if not await task_cases.close(context.services, task, "cancelled", by=context.me.user_id):
        await query.answer(context.t(f"task.closed_{task.status}", id=task.id), show_alert=True)
        return
    await query.answer()
    told = await task_cases.still_on(context.store, task)
    await edit(update, context.t("task.now_cancelled" if told else "task.now_cancelled_none",
                                 id=task.id, n=told))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    private = filters.ChatType.PRIVATE
    return [
        CallbackQueryHandler(close_button, pattern=Task.pattern(action=("close", "cancel"))),
        CallbackQueryHandler(cancel_answer, pattern=TaskCancel.pattern()),
        CommandHandler("tasks", my_tasks, filters=private),
        CommandHandler("task", show_task, filters=private),
    ]
