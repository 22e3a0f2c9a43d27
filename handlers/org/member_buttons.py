"""The buttons of a change to a member: the confirmation every change asks for (`ask`), the
card's buttons (`mb:`), the branch picker of a move (`mb:to:`), and the confirm (`mb:ok:`,
`mb:ph:`) and cancel (`mb:no:`) buttons.

Every press runs `members.check` again against the database: a member pressing a forged
button, a secretary of another branch, or a button made before the member moved (or pressed
twice) is refused with `refuse`, which records the attempt in the audit log.
"""

from __future__ import annotations

import zlib
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules import member_cases, members
from bot.rules.callbacks import MemberCancel, MemberCard, MemberChange, MemberMoveTo, MemberPhone
from bot.rules.members import Change, Refusal, Target
from bot.rules.vocab import Role
from bot.text import isolate
from handlers.core import menus
from handlers.core.context import Context
from handlers.core.keyboards import keyboard
from handlers.core.replies import edit, esc, pressed, refuse, reply

PAGE_SIZE = 8
NAMES = "member_names"  # user_data: names waiting for their confirmation, by key
NAMES_KEPT = 20


async def checked(update: Update, context: Context, member_id: int, change: Change, *,
                  asked_in: int | None = None, to: int | None = None) -> Target | None:
    """`members.check`, or None after refusing (audited as `member_<change>`)."""
    found = await members.check(context.store, context.me, member_id, change,
                                asked_in=asked_in, to=to)
    if isinstance(found, Refusal):
        await refuse(update, context, found.key, action=f"member_{change}",
                     branch_id=found.branch_id, **found.values)
        return None
    return found


def remember_name(context: Context, member_id: int, name: str) -> int:
    """Keep a new name until its confirmation is pressed (the latest `NAMES_KEPT` of them);
    the key its button carries."""
    key = zlib.crc32(f"{member_id}:{name}".encode()) % 10**9
    assert context.user_data is not None
    names: dict[int, tuple[int, str]] = context.user_data.setdefault(NAMES, {})
    names.pop(key, None)
    names[key] = (member_id, name)
    while len(names) > NAMES_KEPT:
        del names[next(iter(names))]
    return key


async def ask(update: Update, context: Context, target: Target, change: Change, *,
              name: str | None = None, phone: str | None = None, in_place: bool = False
              ) -> None:
    """The confirmation of a change: what it will do, its warnings, Confirm and Cancel."""
    t, person, branch = context.t, target.person, target.branch
    values: dict[str, object] = {"name": target.name, "branch": esc(branch.name),
                                 "title": t("role.secretary")}
    value = 0
    if change is Change.MOVE:
        assert target.to is not None
        text, value = t("member.confirm_move", **{**values, "old": esc(branch.name),
                                                  "branch": esc(target.to.name)}), target.to.id
    elif change is Change.MEMBER and person.id == context.me.user_id:
        text = t("member.confirm_step_down_self", **values)
    elif change is Change.NAME:
        assert name is not None
        text, value = t("member.confirm_rename", **values, new=esc(name)), remember_name(
            context, person.id, name)
    elif change is Change.PHONE:
        text = t("member.confirm_phone", **values, phone=esc(phone))
    else:
        text = t({Change.SECRETARY: "member.confirm_promote", Change.MEMBER:
                  "member.confirm_step_down", Change.REMOVE: "member.confirm_remove"}[change],
                 **values)
    text = "\n".join([text, *(t(key, **found) for key, found in target.warnings)])
    data = (MemberPhone(person.id, branch.id, phone).pack() if phone is not None
            else MemberChange(person.id, branch.id, change, value).pack())
    markup = keyboard([[(t("member.yes"), data),
                        (t("member.no"), MemberCancel(person.id).pack())]])
    if in_place:
        await edit(update, text, markup)
    else:
        await reply(update, text, markup)


async def _picker(context: Context, target: Target,
                  page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """A page of the branches the member may be moved to."""
    t, person = context.t, target.person
    nodes = await members.destinations(context.store, context.me, target.branch.id)
    if not nodes:
        return t("member.nowhere"), None
    pages = (len(nodes) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    text = t("member.pick_branch", name=target.name, branch=esc(target.branch.name))
    if pages > 1:
        text += "\n" + t("member.page", page=page + 1, pages=pages)

    def to(kind: str, value: int) -> str:
        return MemberMoveTo(person.id, target.branch.id, kind, value).pack()

    rows = [[(f"{'· ' * node.depth}{isolate(node.name[:32])} #{node.id}", to("pick", node.id))]
            for node in nodes[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]]
    rows.append([*([(t("member.prev"), to("page", page - 1))] if page > 0 else []),
                 *([(t("member.next"), to("page", page + 1))] if page < pages - 1 else []),
                 (t("member.no"), MemberCancel(person.id).pack())])
    return text, keyboard(rows)


async def card_button(update: Update, context: Context) -> None:
    """The card's Move, Make secretary / Step down and Remove buttons: the branch picker or
    the confirmation, as a new message under the card."""
    query = update.callback_query
    parsed = await pressed(update, context, MemberCard)
    if query is None or parsed is None:
        return
    change = Change(parsed.action)
    target = await checked(update, context, parsed.member, change, asked_in=parsed.branch)
    if target is None:
        return
    await query.answer()
    if change is Change.MOVE:
        await reply(update, *await _picker(context, target, 0))
    else:
        await ask(update, context, target, change)


async def picker_button(update: Update, context: Context) -> None:
    """A page of the branch picker, or the branch picked: the move's confirmation."""
    query = update.callback_query
    parsed = await pressed(update, context, MemberMoveTo)
    if query is None or parsed is None:
        return
    to = parsed.value if parsed.kind == "pick" else None
    target = await checked(update, context, parsed.member, Change.MOVE, asked_in=parsed.branch,
                           to=to)
    if target is None:
        return
    await query.answer()
    if to is None:
        await edit(update, *await _picker(context, target, parsed.value))
    else:
        await ask(update, context, target, Change.MOVE, in_place=True)


async def confirm(update: Update, context: Context) -> None:
    """Confirm a move, a role, a removal or a name (`mb:ok:`)."""
    parsed = await pressed(update, context, MemberChange)
    if parsed is None:
        return
    change = Change(parsed.action)
    name = None
    if change is Change.NAME:
        name = _take_name(context, parsed.value, parsed.member)
        if name is None:  # no longer kept (a restart): stale
            await refuse(update, context, "member.stale", action=f"member_{change}",
                         branch_id=parsed.branch)
            return
    await _apply(update, context, parsed.member, parsed.branch, change,
                 to=parsed.value if change is Change.MOVE else None, value=name)


async def confirm_phone(update: Update, context: Context) -> None:
    """Confirm a phone number (`mb:ph:`)."""
    parsed = await pressed(update, context, MemberPhone)
    if parsed is not None:
        await _apply(update, context, parsed.member, parsed.branch, Change.PHONE,
                     value=parsed.phone)


async def _apply(update: Update, context: Context, member_id: int, branch_id: int,
                 change: Change, *, to: int | None = None, value: str | None = None) -> None:
    """Check again, make the change, answer in place; the member's menu follows their role."""
    query = update.callback_query
    assert query is not None
    target = await checked(update, context, member_id, change, asked_in=branch_id, to=to)
    if target is None:
        return
    deps, actor, language = context.services, context.me, context.language
    if change is Change.MOVE:
        done = await member_cases.move(deps, actor, target, language)
    elif change is Change.REMOVE:
        done = await member_cases.remove(deps, actor, target, language)
    elif change in (Change.SECRETARY, Change.MEMBER):
        done = await member_cases.set_role(deps, actor, target, Role(change), language)
    elif change is Change.NAME and value is not None:
        done = await member_cases.rename(deps, actor, target, value, language)
    else:
        assert value is not None
        done = await member_cases.set_phone(deps, actor, target, value, language)
    if done is None:  # the member changed meanwhile, or the change was made already
        await refuse(update, context, "member.stale", action=f"member_{change}",
                     branch_id=branch_id)
        return
    await query.answer()
    await edit(update, done.answer)
    if change in (Change.MOVE, Change.REMOVE, Change.SECRETARY, Change.MEMBER):
        await menus.set_for_person(context.bot, context, member_id, done.role, done.language)


def _take_name(context: Context, key: int, member_id: int) -> str | None:
    """The name kept under `key` for this member, no longer kept (one press uses it)."""
    names = (context.user_data or {}).get(NAMES, {})
    found = names.get(key)
    if found is None or found[0] != member_id:
        return None
    del names[key]
    return str(found[1])


async def cancel(update: Update, context: Context) -> None:
    """Cancel: nothing changes."""
    query = update.callback_query
    if query is None or await pressed(update, context, MemberCancel) is None:
        return
    await query.answer()
    await edit(update, context.t("member.cancelled"))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module (registered through `handlers.org.members`)."""
    return [
        CallbackQueryHandler(card_button, pattern=MemberCard.pattern(
            action=("move", "secretary", "member", "remove"))),
        CallbackQueryHandler(picker_button, pattern=MemberMoveTo.pattern()),
        CallbackQueryHandler(confirm, pattern=MemberChange.pattern()),
        CallbackQueryHandler(confirm_phone, pattern=MemberPhone.pattern()),
        CallbackQueryHandler(cancel, pattern=MemberCancel.pattern()),
    ]
