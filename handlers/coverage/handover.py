"""Hand-over of an off-duty member's households: the `cv:h*` buttons.

`cv:ho:<member>` may be pressed under /coverage, a digest or an off-duty notice: it opens,
in the secretary's private chat, the roster of the member's branch to pick from
(`cv:hp:<member>:<page>`), then `cv:ht:<member>:<to>` asks to confirm, `cv:hy:...` hands
over and `cv:hn:<member>` cancels. Each step reads the rights, the member's state and the
chosen holder again from the database; forged or stale data changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules import coverage, duty, lookup
from bot.rules.access import may_lead
from bot.rules.callbacks import Handover, HandoverStep
from bot.text import isolate
from handlers.core.context import Context
from handlers.core.replies import esc, plain, refuse, reply, status_label
from storage.coverage import OffDuty
from storage.rows import Branch

logger = logging.getLogger(__name__)

PAGE_SIZE = 8


async def answer_privately(update: Update, context: Context, text: str,
                           markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer a button in the presser's private chat (addresses stay out of groups)."""
    query = update.callback_query
    chat = update.effective_chat
    actor = context.actor
    if query is None or chat is None or chat.type == ChatType.PRIVATE or actor is None:
        if query is not None:
            await query.answer()
        await reply(update, text, markup)
        return
    try:
        await context.bot.send_message(actor.user_id, text, reply_markup=markup)
    except (Forbidden, BadRequest):
        await query.answer(context.t("coverage.handover.no_private"), show_alert=True)
        return
    await query.answer(context.t("coverage.handover.sent_private"))


async def _alert(update: Update, context: Context, key: str, **values: object) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(plain(context.t(key, **values))[:200], show_alert=True)


async def _off_duty(update: Update, context: Context,
                    member_id: int) -> tuple[OffDuty, Branch] | None:
    """The off-duty member a button names and their branch, if the presser leads it;
    None after answering why not."""
    store, actor = context.store, context.me
    person = await lookup.person(store, member_id)
    branch = await lookup.branch(store, person.branch_id) if person and person.branch_id \
        else None
    if person is None or branch is None:
        await _alert(update, context, "coverage.handover.unknown")
        return None
    if not await may_lead(store, actor, branch.id):
        await refuse(update, context, "deny.outside_scope", action="handover",
                     branch_id=branch.id, branch=esc(branch.name))
        return None
    found = await duty.off_duty_member(store, member_id)
    if found is None:
        await _alert(update, context, "coverage.handover.not_off",
                     name=esc(person.display_name))
        return None
    return found, branch


async def _roster(context: Context, found: OffDuty, branch: Branch,
                  page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """A page of the members who could take the households, on duty first."""
    t = context.t
    people = await duty.candidates(context.store, branch, context.clock.now(),
                                   excluding=found.member_id)
    if not people:
        return t("coverage.handover.nobody", branch=esc(branch.name)), None
    pages = (len(people) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    text = t("coverage.handover.pick", name=esc(found.name), n=found.households,
             reason=coverage.reason_label(context.translate, context.language, found.reason),
             branch=esc(branch.name))
    if pages > 1:
        text += "\n" + t("coverage.handover.page", page=page + 1, pages=pages)
    rows = [[InlineKeyboardButton(
        f"{status_label(context, p.status)} · {isolate(p.name[:32])}",
        callback_data=HandoverStep("pick", found.member_id, p.member_id).pack())]
        for p in people[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(t("coverage.handover.prev"), callback_data=HandoverStep(
            "page", found.member_id, page - 1).pack()))
    if page < pages - 1:
        nav.append(InlineKeyboardButton(t("coverage.handover.next"), callback_data=HandoverStep(
            "page", found.member_id, page + 1).pack()))
    if nav:
        rows.append(nav)
    return text, InlineKeyboardMarkup(rows)


async def _holder(update: Update, context: Context, found: OffDuty, branch: Branch,
                  to_id: int) -> str | None:
    """The chosen holder's name if they may still take the households; None after saying no."""
    people = await duty.candidates(context.store, branch, context.clock.now(),
                                   excluding=found.member_id)
    chosen = next((p for p in people if p.member_id == to_id), None)
    if chosen is None:
        person = await lookup.person(context.store, to_id)
        await _alert(update, context, "coverage.handover.bad_target",
                     to=esc(person.display_name if person else f"#{to_id}"))
        return None
    return chosen.name


async def handover_button(update: Update, context: Context) -> None:
    """The hand-over buttons: open, page, pick, confirm, cancel."""
    query = update.callback_query
    assert query is not None and query.data is not None
    one, two = Handover.parse(query.data), HandoverStep.parse(query.data)
    if context.actor is None or (one is None and two is None):
        await query.answer(context.t("button.stale"), show_alert=True)
        return
    kind, member_id, second = (one.step, one.member, None) if one else (
        two.step, two.member, two.value) if two else ("", 0, None)
    t = context.t
    if kind == "cancel":
        await query.answer()
        await query.edit_message_text(t("coverage.handover.cancelled"))
        return
    target = await _off_duty(update, context, member_id)
    if target is None:
        return
    found, branch = target
    if kind in ("start", "page"):
        text, markup = await _roster(context, found, branch, second or 0)
        if kind == "start":
            await answer_privately(update, context, text, markup)
        else:
            await query.answer()
            await query.edit_message_text(text, reply_markup=markup)
        return
    assert second is not None
    to_name = await _holder(update, context, found, branch, second)
    if to_name is None:
        return
    names = {"name": esc(found.name), "to": esc(to_name), "n": found.households}
    if kind == "pick":
        text = t("coverage.handover.confirm", **names)
        if found.handed and found.handed_to and found.handed_to != to_name:
            text += "\n" + t("coverage.handover.moving", n=found.handed,
                             holder=esc(found.handed_to), to=esc(to_name))
        markup = InlineKeyboardMarkup([[
            InlineKeyboardButton(t("coverage.handover.yes"), callback_data=HandoverStep(
                "confirm", member_id, second).pack()),
            InlineKeyboardButton(t("coverage.handover.no"), callback_data=Handover(
                "cancel", member_id).pack())]])
        await query.answer()
        await query.edit_message_text(text, reply_markup=markup)
        return
    count = await duty.hand_over(context.services, context.me.user_id, found, branch.id, second)
    await query.answer()
    await query.edit_message_text(t("coverage.handover.done", **{**names, "n": count}))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module (registered through `handlers.coverage`)."""
    return [
        CallbackQueryHandler(handover_button, pattern=Handover.pattern()),
        CallbackQueryHandler(handover_button, pattern=HandoverStep.pattern()),
    ]
