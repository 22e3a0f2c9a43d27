"""A secretary changes members: `/member WHO` (the card, with its buttons), and the same changes
directly: `/move WHO BRANCH_ID`, `/role WHO secretary|member` (书记/成员), `/rename WHO NEW NAME`,
`/phone WHO NUMBER`, `/remove WHO`. Each asks to confirm by a button (`member_buttons`);
`/leave` is the member's own (`handlers.org.leave`).

WHO is what `guards.named_member` reads (a name, @username, phone or id, within the subtree the
secretary leads). Where a command takes more after WHO, WHO is its first word (`/rename`,
`/phone`) or all words but the last (`/move`, `/role`); a quoted name (`"Ann Lee"`) is one
word. When WHO fits several members, the candidates are buttons that continue the command
(`handlers.core.members.resumable`).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.rules import branches, members
from bot.rules.callbacks import MemberCard
from bot.rules.members import Change
from bot.rules.vocab import Role
from handlers.core import members as naming
from handlers.core.context import Context
from handlers.core.guards import named_member, scope
from handlers.core.keyboards import keyboard
from handlers.core.replies import esc, reply, status_label
from handlers.org import leave, member_buttons, member_values
from handlers.org.member_buttons import ask, checked
from storage.rows import full_name


async def _leads(update: Update, context: Context, command: str) -> bool:
    """True if the actor leads somewhere; else `scope` has answered why not (audited)."""
    if context.me.leads:
        return True
    await scope(update, context, command)
    return False


async def _who(update: Update, context: Context, command: str, words: list[str],
               least: int) -> int | None:
    """The member named by `words` (after checking the actor leads and the command has its
    arguments), or None after answering."""
    if not await _leads(update, context, command):
        return None
    if len(naming.words(update, context)) < least or not words:
        await reply(update, context.t(f"member.{command}_usage"))
        return None
    match = await named_member(update, context, command, " ".join(words))
    return match.member_id if match else None


@naming.resumable("member")
async def card(update: Update, context: Context) -> None:
    """`/member WHO`: the member's card, with buttons to change them."""
    args = naming.words(update, context)
    member_id = await _who(update, context, "member", args, 1)
    found = await members.card(context.store, member_id) if member_id is not None else None
    if found is None:
        return
    t, person = context.t, found.person
    zone = ZoneInfo(person.timezone or context.config.defaults.timezone)
    last = t("member.never") if person.last_checkin_day is None else t(
        "member.last_checkin", day=person.last_checkin_day.isoformat(),
        status=status_label(context, person.last_checkin_status))
    text = t("member.card", name=esc(person.display_name),
             telegram=esc(full_name(person.first_name, person.last_name)),
             username=f" @{esc(person.username)}" if person.username else "",
             phone=esc(person.phone) if person.phone else t("member.no_phone"),
             branch=esc(person.branch_name),
             role=await branches.role_title(context.store, person.branch_id, person.role,
                                            context.language),
             joined=found.joined_at.astimezone(zone).date().isoformat()
             if found.joined_at else "—", last=last)
    assert person.branch_id is not None

    def button(key: str, action: str) -> tuple[str, str]:
        return t(key), MemberCard(person.id, person.branch_id or 0, action).pack()

    mine = person.id == context.me.user_id
    role = (button("member.button_step_down", "member") if person.role == Role.SECRETARY
            else button("member.button_promote", "secretary"))
    rows = [[*([] if mine else [button("member.button_move", "move")]), role],
            [button("member.button_name", "name"), button("member.button_phone", "phone")],
            [] if mine else [button("member.button_remove", "remove")]]
    await reply(update, text, keyboard(rows))


@naming.resumable("remove")
async def remove(update: Update, context: Context) -> None:
    """`/remove WHO`: ask to confirm the member's removal."""
    member_id = await _who(update, context, "remove", naming.words(update, context), 1)
    target = await checked(update, context, member_id, Change.REMOVE) if member_id else None
    if target is not None:
        await ask(update, context, target, Change.REMOVE)


@naming.resumable("move")
async def move(update: Update, context: Context) -> None:
    """`/move WHO BRANCH_ID`: ask to confirm the move."""
    args = naming.words(update, context)
    if len(args) >= 2 and context.me.leads and members.branch_id_of(args[-1]) is None:
        await reply(update, context.t("branch.bad_id", value=esc(args[-1][:20])))
        return
    member_id = await _who(update, context, "move", args[:-1], 2)
    to = members.branch_id_of(args[-1]) if args else None
    target = await checked(update, context, member_id, Change.MOVE, to=to) \
        if member_id is not None and to is not None else None
    if target is not None:
        await ask(update, context, target, Change.MOVE)


@naming.resumable("role")
async def role(update: Update, context: Context) -> None:
    """`/role WHO secretary|member` (书记/成员): ask to confirm the new role."""
    args = naming.words(update, context)
    wanted = members.role_word(args[-1]) if args else None
    if len(args) >= 2 and context.me.leads and wanted is None:
        await reply(update, context.t("member.bad_role", value=esc(args[-1][:20])))
        return
    member_id = await _who(update, context, "role", args[:-1], 2)
    change = Change.SECRETARY if wanted is Role.SECRETARY else Change.MEMBER
    target = await checked(update, context, member_id, change) \
        if member_id is not None and wanted is not None else None
    if target is not None:
        await ask(update, context, target, change)


async def _value(update: Update, context: Context, command: str, change: Change) -> None:
    args = naming.words(update, context)
    member_id = await _who(update, context, command, args[:1], 2)
    if member_id is not None:
        await member_values.propose(update, context, member_id, change, " ".join(args[1:]))


@naming.resumable("rename")
async def rename(update: Update, context: Context) -> None:
    """`/rename WHO NEW NAME`: ask to confirm the organization's name for the member."""
    await _value(update, context, "rename", Change.NAME)


@naming.resumable("phone")
async def phone(update: Update, context: Context) -> None:
    """`/phone WHO NUMBER`: ask to confirm the member's phone number."""
    await _value(update, context, "phone", Change.PHONE)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of the member changes (this module, its buttons, and /leave)."""
    private = filters.ChatType.PRIVATE
    return [
        *member_values.handlers(),
        CommandHandler("member", card, filters=private),
        CommandHandler("remove", remove, filters=private),
        CommandHandler("move", move, filters=private),
        CommandHandler("role", role, filters=private),
        CommandHandler("rename", rename, filters=private),
        CommandHandler("phone", phone, filters=private),
        *member_buttons.handlers(),
        *leave.handlers(),
    ]
