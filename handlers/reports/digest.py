"""`/digest [branch] [date]`: the daily digest on demand, and its buttons.

A drill-down button (`dg:<branch>:<YYYYMMDD>`) answers with that sub-branch's digest; a
list button (`...:unwell`, `...:silent`) with the full list of names. Each press is checked
again against the presser's rights over that branch: the data is never proof of rights.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.clock import FIRST_DAY, OutOfRange
from bot.rules import digest, lookup
from bot.rules.access import may_lead
from bot.rules.callbacks import DigestButton
from bot.text import cut
from handlers.core import pages
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.keyboards import keyboard
from handlers.core.replies import esc, refuse, reply, say
from storage.rows import Branch

logger = logging.getLogger(__name__)


async def _send(update: Update, context: Context, branch: Branch, day: date) -> None:
    now = context.clock.now()
    found = await digest.build(context.store, branch, day, now)
    text, buttons = digest.render(context.translate, context.language, found, now)
    await reply(update, text, keyboard(buttons))


async def show_digest(update: Update, context: Context) -> None:
    """`/digest [branch] [date]`: the digest of a branch's subtree for a day (default today)."""
    args = list(context.args or [])
    day_arg = None
    if args and digest.looks_like_day(args[-1]):
        day_arg = args.pop()
    if len(args) > 1:
        await reply(update, context.t("digest.usage"))
        return
    branch = await scope(update, context, "digest", args[0] if args else None)
    if branch is None:
        return
    today = digest.today_of(branch, context.clock.now())
    try:
        day = digest.parse_day(day_arg, today) if day_arg else today
    except OutOfRange as wrong:
        await reply(update, context.t("digest.out_of_range", value=esc(cut(wrong.text, 20)),
                                      first=wrong.first.isoformat(), last=wrong.last.isoformat()))
        return
    except ValueError:
        await reply(update, context.t("digest.bad_date", value=esc((day_arg or "")[:20])))
        return
    await _send(update, context, branch, day)


async def digest_button(update: Update, context: Context) -> None:
    """A digest's button: a sub-branch's digest, or a full list; rights checked again."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = digest.parse_button(query.data)
    actor = context.actor
    if parsed is None or actor is None:
        await query.answer(context.t("button.stale"), show_alert=True)
        return
    branch_id, day, kind = parsed
    store = context.store
    branch = await lookup.branch(store, branch_id)
    if branch is None:
        await query.answer(context.t("button.stale"), show_alert=True)
        return
    if not await may_lead(store, actor, branch.id):
        await refuse(update, context, "deny.outside_scope", action="digest",
                     branch_id=branch.id, branch=esc(branch.name))
        return
    today = digest.today_of(branch, context.clock.now())
    if not digest.in_range(day, today):  # a forged (or far too old) button
        await say(update, context.t("digest.out_of_range", value=day.isoformat(),
                                    first=FIRST_DAY.isoformat(), last=today.isoformat()))
        return
    if kind is None:
        await query.answer()
        await _send(update, context, branch, day)
        return
    page = await list_view(update, context, f"{branch.id}.{day:%Y%m%d}.{kind}")
    if page is not None:
        await query.answer()
        await pages.send(update, context, "dglist", page)


@pages.view("dglist")
async def list_view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """A digest's full list of names (the unwell and quarantined, or the silent)."""
    parsed = digest.parse_button(":".join([DigestButton.prefix, *argument.split(".")]))
    actor = context.actor
    branch = await lookup.branch(context.store, parsed[0]) if parsed else None
    kind = parsed[2] if parsed else None
    if parsed is None or kind is None or branch is None or actor is None:
        await say(update, context.t("button.stale"))
        return None
    day = parsed[1]
    if not await may_lead(context.store, actor, branch.id):
        await refuse(update, context, "deny.outside_scope", action="digest",
                     branch_id=branch.id, branch=esc(branch.name))
        return None
    today = digest.today_of(branch, context.clock.now())
    if not digest.in_range(day, today):
        await say(update, context.t("digest.out_of_range", value=day.isoformat(),
                                    first=FIRST_DAY.isoformat(), last=today.isoformat()))
        return None
    people = await digest.full_list(context.store, branch, day, kind, context.clock.now())
    lines = digest.render_list(context.translate, context.language, branch, day, kind, people)
    return pages.Page("\n".join(lines), argument)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [
        CommandHandler("digest", show_digest, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(digest_button, pattern=DigestButton.pattern()),
    ]
