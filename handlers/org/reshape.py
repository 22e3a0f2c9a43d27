"""`/branch rename ID NAME` (done at once), `/branch move ID NEW_PARENT_ID` and `/branch
archive ID` (each asks first, with a button); the use cases are in `bot.rules.branch_changes`,
which checks everything again when the button is pressed."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules import branch_changes
from bot.rules.branches import Answer
from bot.rules.callbacks import Reshape
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.keyboards import keyboard
from handlers.core.replies import edit, esc, pressed, reply, say

NAME_MAX = 64  # characters of a branch's name (as /branch add)


def render(context: Context, answer: Answer) -> str:
    """An answer of the tree's use cases, in the user's language, names escaped."""
    return context.t(answer.key, **{key: esc(value) if isinstance(value, str) else value
                                    for key, value in answer.values.items()})


async def rename(update: Update, context: Context, args: list[str]) -> None:
    """`/branch rename ID NAME`."""
    name = " ".join(args[1:]).strip()
    if not name:
        await reply(update, context.t("branch.usage"))
        return
    if len(name) > NAME_MAX:
        await reply(update, context.t("branch.name_too_long", max=NAME_MAX))
        return
    branch = await scope(update, context, "branch", args[0])
    if branch is None:
        return
    answer = await branch_changes.rename(context.services, context.me, branch.id, name)
    await reply(update, render(context, answer))


async def move(update: Update, context: Context, args: list[str]) -> None:
    """`/branch move ID NEW_PARENT_ID`: what it would do, and a button to confirm."""
    if len(args) != 2:
        await reply(update, context.t("branch.usage"))
        return
    branch = await scope(update, context, "branch", args[0])
    if branch is None:
        return
    parent = await scope(update, context, "branch", args[1])
    if parent is None:
        return
    answer = await branch_changes.ask_move(context.services, context.me, branch.id, parent.id)
    if not answer.ok or answer.branch is None or answer.branch.parent_id is None:
        await reply(update, render(context, answer))
        return
    was = answer.branch.parent_id
    await reply(update, render(context, answer), keyboard([[
        (context.t("branch.button_move"), Reshape(branch.id, parent.id, was, True).pack()),
        (context.t("branch.button_keep"), Reshape(branch.id, parent.id, was, False).pack())]]))


async def archive(update: Update, context: Context, args: list[str]) -> None:
    """`/branch archive ID`: what it would do (or who must be moved first), and a button."""
    if len(args) != 1:
        await reply(update, context.t("branch.usage"))
        return
    branch = await scope(update, context, "branch", args[0])
    if branch is None:
        return
    answer = await branch_changes.ask_archive(context.services, context.me, branch.id)
    if not answer.ok:
        await reply(update, render(context, answer))
        return
    await reply(update, render(context, answer), keyboard([[
        (context.t("branch.button_archive"), Reshape(branch.id, 0, 0, True).pack()),
        (context.t("branch.button_keep"), Reshape(branch.id, 0, 0, False).pack())]]))


async def confirmed(update: Update, context: Context) -> None:
    """The buttons under a move or an archive: everything is checked again by the use case;
    a refusal (no rights, a forged or stale button) is an alert and changes nothing."""
    parsed = await pressed(update, context, Reshape, alert=True)
    query = update.callback_query
    if parsed is None or query is None:
        return
    archiving = parsed.to == 0
    if not parsed.confirm:
        await query.answer()
        await edit(update, context.t("branch.archive_kept" if archiving else "branch.move_kept"))
        return
    if archiving:
        answer = await branch_changes.archive(context.services, context.me, parsed.branch)
    else:
        answer = await branch_changes.move(context.services, context.me, parsed.branch,
                                           parsed.to, was=parsed.was)
    if not answer.ok:
        await say(update, render(context, answer))
        return
    await query.answer()
    await edit(update, render(context, answer))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module (the commands come through `/branch`)."""
    return [CallbackQueryHandler(confirmed, pattern=Reshape.pattern())]
