"""Joining: `/start <code>` from an invite link, and the confirmation to move branch."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.rules import branches, invites, moves, org
from bot.rules.callbacks import Move
from bot.rules.invites import JoinCheck
from bot.rules.roster import links
from handlers.core import menus
from handlers.core.context import Context
from handlers.core.replies import esc, pressed, reply
from storage.rows import Invite


async def _role(context: Context, branch_id: int | None, role: str | None) -> str:
    """The role as the branch calls it (a 党小组's secretary is its 组长), escaped."""
    return esc(await branches.role_title(context.store, branch_id, role, context.language))


async def _when(context: Context, invite: Invite) -> str:
    """The expiry in the invite's branch timezone."""
    if invite.expires_at is None:
        return ""
    branch = await org.branch(context.store, invite.branch_id)
    zone = ZoneInfo(branch.timezone if branch else context.config.defaults.timezone)
    return invite.expires_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


async def start(update: Update, context: Context) -> None:
    """`/start [code]`: join with an invite code, or explain how to join."""
    actor = context.me
    args = context.args or []
    if not args:
        if actor.person and actor.person.branch_id is not None:
            await reply(update, context.t(
                "start.welcome_back", name=esc(actor.person.display_name),
                branch=esc(actor.person.branch_name),
                role=await _role(context, actor.person.branch_id, actor.person.role)))
        else:
            await reply(update, context.t("start.how_to_join"))
        return
    now = context.clock.now()
    verdict = await invites.examine(context.store, args[0], actor.person, now)
    invite = verdict.invite
    if verdict.entry is not None and verdict.check not in (JoinCheck.OK,
                                                           JoinCheck.CONFIRM_MOVE):
        await reply(update, await _personal_refusal(context, verdict))
    elif verdict.check is JoinCheck.UNKNOWN or invite is None:
        await reply(update, context.t("join.unknown"))
    elif verdict.check is JoinCheck.REVOKED:
        await reply(update, context.t("join.revoked"))
    elif verdict.check is JoinCheck.EXPIRED:
        await reply(update, context.t("join.expired", when=await _when(context, invite)))
    elif verdict.check is JoinCheck.USED_UP:
        await reply(update, context.t("join.used_up"))
    elif verdict.check is JoinCheck.ALREADY:
        assert actor.person is not None
        await reply(update, context.t("join.already", branch=esc(invite.branch_name),
                                      role=await _role(context, actor.person.branch_id,
                                                       actor.person.role)))
    elif verdict.check is JoinCheck.CONFIRM_MOVE:
        assert actor.person is not None
        entry = verdict.entry
        target = entry.branch_name if entry else invite.branch_name
        new_role = entry.role if entry else invite.role
        markup = InlineKeyboardMarkup([[
            InlineKeyboardButton(context.t("join.move_yes"),
                                 callback_data=Move(invite.code, True).pack()),
            InlineKeyboardButton(context.t("join.move_no"),
                                 callback_data=Move(invite.code, False).pack()),
        ]])
        await reply(update, context.t(
            "join.confirm_move", current=esc(actor.person.branch_name),
            role=await _role(context, actor.person.branch_id, actor.person.role),
            target=esc(target),
            new_role=await _role(context, entry.branch_id if entry else invite.branch_id,
                                 new_role)), markup)
    else:
        await _join(update, context, invite.code)


_PERSONAL = {JoinCheck.CLAIMED: "join.personal_claimed",
             JoinCheck.REMOVED: "join.personal_removed",
             JoinCheck.REVOKED: "join.personal_revoked",
             JoinCheck.USED_UP: "join.personal_used_up"}


async def _personal_refusal(context: Context, verdict: invites.JoinVerdict) -> str:
    """Why a personal link cannot be used, and whom to ask (the secretaries of its person's
    branch, or of the nearest branch above with some)."""
    invite, entry = verdict.invite, verdict.entry
    assert invite is not None and entry is not None
    if verdict.check is JoinCheck.ALREADY:
        return context.t("join.personal_already", branch=esc(entry.branch_name),
                         role=await _role(context, entry.branch_id,
                                          context.me.person.role if context.me.person
                                          else entry.role))
    names = await links.secretary_names(context.store, entry.branch_id)
    who = (context.t("join.who", branch=esc(entry.branch_name),
                     names=esc(context.t("move.separator").join(names))) if names
           else context.t("join.who_branch", branch=esc(entry.branch_name)))
    if verdict.check is JoinCheck.EXPIRED:
        return context.t("join.personal_expired", when=await _when(context, invite), who=who)
    return context.t(_PERSONAL.get(verdict.check, "join.personal_used_up"), who=who)


async def _join(update: Update, context: Context, code: str) -> None:
    actor = context.me
    joined = await moves.join(context.services, code, actor.user_id)
    if joined is None:
        await reply(update, context.t("join.used_up"))
        return
    outcome, person = joined.outcome, joined.person
    text = context.t("join.welcome", name=esc(person.display_name),
                     branch=esc(person.branch_name),
                     role=await _role(context, person.branch_id, person.role))
    let_go = moves.mover_line(context.translate, context.language, outcome)
    if let_go is not None:
        text += "\n" + let_go
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(text)
    else:
        await reply(update, text)
    await menus.set_for_person(context.bot, context, person.id, person.role, actor.language)


async def move_answer(update: Update, context: Context) -> None:
    """The Move / Stay buttons after `/start <code>` of another branch."""
    query = update.callback_query
    parsed = await pressed(update, context, Move)
    if query is None or parsed is None:
        return
    code, confirmed = parsed.code, parsed.confirm
    actor = context.me
    if not confirmed:
        await query.answer()
        await query.edit_message_text(context.t(
            "join.stayed", branch=esc(actor.person.branch_name if actor.person else "")))
        return
    verdict = await invites.examine(context.store, code, actor.person, context.clock.now())
    if verdict.entry is not None and verdict.check not in (JoinCheck.CONFIRM_MOVE,
                                                           JoinCheck.OK):
        await query.answer()
        await query.edit_message_text(await _personal_refusal(context, verdict))
        return
    if verdict.check not in (JoinCheck.CONFIRM_MOVE, JoinCheck.OK):
        await query.answer()
        key = {JoinCheck.EXPIRED: "join.expired_short", JoinCheck.USED_UP: "join.used_up",
               JoinCheck.ALREADY: "join.already_short", JoinCheck.REVOKED: "join.revoked"}
        await query.edit_message_text(context.t(key.get(verdict.check, "join.unknown")))
        return
    await query.answer()
    await _join(update, context, code)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [
        CommandHandler("start", start, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(move_answer, pattern=Move.pattern()),
    ]
