"""`/away` and `/back`: a member marks themself away or back; a secretary, a member.

Marking away a member with households tells the secretaries of their branch (with the
hand-over button) when the member does it, and carries the button in the answer when a
secretary does. Back clears away and returns the handed households, telling each holder.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.rules import coverage, duty, lookup
from bot.rules.callbacks import Handover
from handlers.core import members
from handlers.core.context import Context
from handlers.core.guards import named_member
from handlers.core.replies import esc, reply, status_label


async def _target(update: Update, context: Context,
                  command: str) -> tuple[int, str, int, str, bool] | None:
    """(member id, name, branch id, timezone, by themself) the command acts on."""
    actor = context.me
    args = members.words(update, context)
    if not args:
        person = actor.person
        if person is None or person.branch_id is None or not person.timezone:
            await reply(update, context.t("checkin.not_member"))
            return None
        return person.id, person.display_name, person.branch_id, person.timezone, True
    match = await named_member(update, context, command, " ".join(args))
    if match is None:
        return None
    branch = await lookup.branch(context.store, match.branch_id)
    timezone = branch.timezone if branch else context.config.defaults.timezone
    return (match.member_id, match.name, match.branch_id, timezone,
            match.member_id == actor.user_id)


@members.resumable("away")
async def away(update: Update, context: Context) -> None:
    """`/away`: mark yourself away; `/away MEMBER`: a secretary marks a member away."""
    target = await _target(update, context, "away")
    if target is None:
        return
    member_id, name, branch_id, timezone, self_ = target
    t = context.t
    done = await duty.mark_away(context.services, context.me.user_id, member_id, branch_id,
                                by_self=self_)
    if done.since is not None:
        when = done.since.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
        await reply(update, t("coverage.away.already_self", since=when) if self_ else
                    t("coverage.away.already_member", name=esc(name), since=when))
        return
    households = done.households
    if self_:
        await reply(update, t("coverage.away.set_self_households", n=households) if households
                    else t("coverage.away.set_self"))
        return
    if not done.unheld:
        await reply(update, t("coverage.away.set_member", name=esc(name)))
        return
    label = coverage.handover_label(context.translate, context.language, name)
    await reply(update, t("coverage.away.set_member_households", name=esc(name), n=households),
                InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=Handover(
                    "start", member_id).pack())]]))


@members.resumable("back")
async def back(update: Update, context: Context) -> None:
    """`/back`: you are back (handed households return); `/back MEMBER` for a secretary."""
    target = await _target(update, context, "back")
    if target is None:
        return
    member_id, name, branch_id, _timezone, self_ = target
    t = context.t
    done = await duty.mark_back(context.services, context.me.user_id, member_id, name,
                                branch_id, by_self=self_)
    count, changed = done.returned, done.changed
    if not done.done:
        await reply(update, t("coverage.away.back_not_away") if self_ else
                    t("coverage.away.back_member_not_away", name=esc(name)))
        return
    lines: list[str] = []
    if self_:
        if changed:
            lines.append(t("coverage.away.back_self"))
        if count:
            lines.append(t("coverage.away.back_returned", n=count))
        if done.still_off is not None:
            lines.append(t("coverage.away.back_still_off",
                           status=status_label(context, done.still_off)))
    else:
        lines.append(t("coverage.away.back_member", name=esc(name)) if changed else
                     t("coverage.away.back_member_returned", n=count, name=esc(name)))
        if changed and count:
            lines.append(t("coverage.away.back_member_returned", n=count, name=esc(name)))
    await reply(update, "\n".join(lines))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module (registered through `handlers.coverage`)."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("away", away, filters=private),
        CommandHandler("back", back, filters=private),
    ]
