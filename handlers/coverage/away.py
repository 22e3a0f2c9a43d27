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

from bot.rules import coverage
from bot.rules.callbacks import Handover
from handlers.core.context import Context
from handlers.core.guards import named_member
from handlers.core.replies import allowed, command_args, esc, reply, status_label
from storage.coverage import OFF_DUTY_STATUSES


async def _target(update: Update, context: Context,
                  command: str) -> tuple[int, str, int, str, bool] | None:
    """(member id, name, branch id, timezone, by themself) the command acts on."""
    actor = context.me
    args = command_args(context)
    if not args:
        person = actor.person
        if person is None or person.branch_id is None or not person.timezone:
            await reply(update, context.t("checkin.not_member"))
            return None
        return person.id, person.display_name, person.branch_id, person.timezone, True
    match = await named_member(update, context, command, " ".join(args))
    if match is None:
        return None
    branch = await context.store.branches.get(match.branch_id)
    timezone = branch.timezone if branch else context.config.defaults.timezone
    return (match.member_id, match.name, match.branch_id, timezone,
            match.member_id == actor.user_id)


async def _tell_member(context: Context, member_id: int, lines: list[tuple[str, dict[str, Any]]]
                       ) -> None:
    """Queue a message to a member marked away or back by a secretary."""
    store, translate = context.store, context.translate
    language = coverage.language_of(translate, await store.people.get(member_id))
    text = "\n".join(translate(language, key, **values) for key, values in lines)
    await coverage.tell(store, member_id, text, now=context.clock.now())


async def away(update: Update, context: Context) -> None:
    """`/away`: mark yourself away; `/away MEMBER`: a secretary marks a member away."""
    target = await _target(update, context, "away")
    if target is None:
        return
    member_id, name, branch_id, timezone, self_ = target
    store, t, now = context.store, context.t, context.clock.now()
    state = await store.duty.state(member_id)
    since = state.away_since if state else None
    if since is not None:
        when = since.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
        await reply(update, t("coverage.away.already_self", since=when) if self_ else
                    t("coverage.away.already_member", name=esc(name), since=when))
        return
    was_off = await store.checkins.latest_status(member_id) in OFF_DUTY_STATUSES
    await store.duty.set_away(member_id, now)
    await allowed(context, "away", branch_id=branch_id, member=member_id)
    households = state.households if state else 0
    unheld = households - (state.handed if state else 0)
    if self_:
        if households and not was_off:
            await coverage.tell_off_duty(store, context.translate, member_id, now=now)
            context.services.wake_outbox()
        await reply(update, t("coverage.away.set_self_households", n=households) if households
                    else t("coverage.away.set_self"))
        return
    await _tell_member(context, member_id, [("coverage.away.told_member", {})])
    context.services.wake_outbox()
    if not unheld:
        await reply(update, t("coverage.away.set_member", name=esc(name)))
        return
    label = coverage.handover_label(context.translate, context.language, name)
    await reply(update, t("coverage.away.set_member_households", name=esc(name), n=households),
                InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=Handover(
                    "start", member_id).pack())]]))


async def back(update: Update, context: Context) -> None:
    """`/back`: you are back (handed households return); `/back MEMBER` for a secretary."""
    target = await _target(update, context, "back")
    if target is None:
        return
    member_id, name, branch_id, _timezone, self_ = target
    store, t, now = context.store, context.t, context.clock.now()
    changed, returned = await coverage.come_back(store, member_id, at=now)
    count = sum(n for _, n in returned)
    if not changed and not count:
        await reply(update, t("coverage.away.back_not_away") if self_ else
                    t("coverage.away.back_member_not_away", name=esc(name)))
        return
    await allowed(context, "back", branch_id=branch_id, member=member_id, returned=count)
    await coverage.tell_returned(store, context.translate, name, returned, now=now)
    lines: list[str] = []
    if self_:
        if changed:
            lines.append(t("coverage.away.back_self"))
        if count:
            lines.append(t("coverage.away.back_returned", n=count))
        status = await store.checkins.latest_status(member_id)
        if status in OFF_DUTY_STATUSES:
            lines.append(t("coverage.away.back_still_off", status=status_label(context, status)))
    else:
        lines.append(t("coverage.away.back_member", name=esc(name)) if changed else
                     t("coverage.away.back_member_returned", n=count, name=esc(name)))
        if changed and count:
            lines.append(t("coverage.away.back_member_returned", n=count, name=esc(name)))
        told: list[tuple[str, dict[str, Any]]] = [("coverage.away.told_back", {})]
        if count:
            told.append(("coverage.away.back_returned", {"n": count}))
        await _tell_member(context, member_id, told)
    context.services.wake_outbox()
    await reply(update, "\n".join(lines))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module (registered through `handlers.coverage`)."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("away", away, filters=private),
        CommandHandler("back", back, filters=private),
    ]
