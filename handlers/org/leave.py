"""`/leave`: a member leaves their branch, after confirming by a button. It is a removal done by
themself (`bot.rules.member_cases.leave`): what they held is let go, their branch's
secretaries are told, their record is kept. A secretary may leave too; the last secretary of a
branch is warned that it will have none."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.rules import member_cases, members
from bot.rules.callbacks import Leave
from bot.rules.vocab import Role
from handlers.core import menus
from handlers.core.context import Context
from handlers.core.guards import Member, member_only
from handlers.core.keyboards import keyboard
from handlers.core.replies import edit, esc, pressed, refuse, reply


@member_only()
async def leave(update: Update, context: Context, member: Member) -> None:
    """`/leave`: ask to confirm leaving the branch."""
    t, person = context.t, member.person
    branch = esc(person.branch_name)
    lines = [t("member.leave_confirm", branch=branch)]
    if person.role == Role.SECRETARY and await members.last_secretary(context.store,
                                                                      member.branch_id):
        lines.append(t("member.last_secretary", name=esc(person.display_name), branch=branch))
    await reply(update, "\n".join(lines), keyboard([[
        (t("member.leave_yes"), Leave(member.branch_id, True).pack()),
        (t("member.leave_no"), Leave(member.branch_id, False).pack())]]))


async def answer(update: Update, context: Context) -> None:
    """Leave (if still in the branch /leave was asked in), or stay."""
    query = update.callback_query
    parsed = await pressed(update, context, Leave)
    if query is None or parsed is None:
        return
    actor = context.me
    person = actor.person
    if person is None or person.branch_id != parsed.branch:
        await refuse(update, context, "member.stale", action="leave", branch_id=parsed.branch)
        return
    if not parsed.confirm:
        await query.answer()
        await edit(update, context.t("member.stayed", branch=esc(person.branch_name)))
        return
    done = await member_cases.leave(context.services, person, parsed.branch, context.language)
    if done is None:
        await refuse(update, context, "member.stale", action="leave", branch_id=parsed.branch)
        return
    await query.answer()
    await edit(update, done)
    await menus.set_for_person(context.bot, context, actor.user_id, None, actor.language)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module (registered through `handlers.org.members`)."""
    return [
        CommandHandler("leave", leave, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(answer, pattern=Leave.pattern()),
    ]
