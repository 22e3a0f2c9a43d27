"""`/coverage [BRANCH_ID]` (secretaries): today's household coverage, and its buttons.

The report: the subtree's total, each direct sub-branch's subtree worst first (button
`cv:b:<branch>` opens its own report), the branch's own zones worst first (button
`cv:z:<zone>` lists a zone's due and overdue households), and the members off duty with
households (button `cv:ho:<member>`, see `handlers.handover`). Every press is checked again
against the presser's rights over the branch it names: the data is never proof of rights.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.clock import local_day
from bot.rules import coverage, lookup
from bot.rules import zones as zone_rules
from bot.rules.access import may_lead
from bot.rules.callbacks import CoverageView, Handover
from bot.text import utf16_len
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, refuse, reply
from handlers.coverage import handover
from storage.coverage import CoverageCounts
from storage.rows import Branch

logger = logging.getLogger(__name__)

BUDGET = 3900  # UTF-16 units of one report, under Telegram's 4096
# Lines shown per section (zones: as many as fit), and zone buttons: at most 75 buttons.
SHOW = {"branches": 20, "zones": 1000, "off": 15}
SHOW_ZONE_BUTTONS = 40
NAME_MAX = 32


def _cut(text: str, limit: int = NAME_MAX) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


class _Fit:
    """Lines that must fit in one message: each section stops with "and N more"."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.size = 0

    def add(self, line: str, reserve: int = 0) -> bool:
        """Add the line if it fits, keeping `reserve` units free; False if it does not."""
        length = utf16_len(line) + 1
        if self.size + length + reserve > BUDGET:
            return False
        self.lines.append(line)
        self.size += length
        return True

    def text(self) -> str:
        return "\n".join(self.lines)


def _counts(part: CoverageCounts) -> dict[str, Any]:
    return {"households": part.households, "reached": part.reached_today, "rate": part.rate,
            "due": part.due, "overdue": part.overdue}


async def _report(context: Context, branch: Branch
                  ) -> tuple[str, InlineKeyboardMarkup | None]:
    """The coverage report of a branch's subtree today, with its buttons."""
    t, store = context.t, context.store
    today = local_day(context.clock.now(), branch.timezone)
    win = coverage.window(today, branch.timezone)
    whole, _own, children = await coverage.branch_rollup(store, branch.id, win)
    if whole.households == 0:
        return t("coverage.empty", branch=esc(branch.name)), None
    zones = await coverage.zones(store, branch.id, win)
    away = await coverage.off_duty(store, branch.id)
    more = t("coverage.more", n=999)
    reserve = utf16_len(more) + 1
    out = _Fit()
    out.add(t("coverage.header", branch=esc(branch.name), day=today.isoformat()))
    out.add(t("coverage.total", unheld=whole.unheld, **_counts(whole)))
    if whole.unassigned:
        out.add(t("coverage.unassigned", n=whole.unassigned))
    rows: list[list[InlineKeyboardButton]] = []
    sections: list[tuple[str, list[Any]]] = [
        ("branches", children), ("zones", zones), ("off", away)]
    for kind, items in sections:
        if not items and kind != "off":
            continue
        out.add("")
        out.add(t(f"coverage.{kind}_header"))
        if not items:
            out.add(t("coverage.off_none"))
            continue
        buttons: list[InlineKeyboardButton] = []
        shown = 0
        for item in items:
            line, button = _line(context, kind, item)
            if shown >= SHOW[kind] or not out.add(line, reserve):
                break
            shown += 1
            if button is not None and (kind != "zones" or len(buttons) < SHOW_ZONE_BUTTONS):
                buttons.append(button)
        if shown < len(items):
            out.add(t("coverage.more", n=len(items) - shown))
        width = 1 if kind == "off" else 2
        rows.extend(buttons[i:i + width] for i in range(0, len(buttons), width))
    return out.text(), InlineKeyboardMarkup(rows) if rows else None


def _line(context: Context, kind: str, item: Any) -> tuple[str, InlineKeyboardButton | None]:
    """A report line and its button (None when there is nothing to open)."""
    t = context.t
    if kind == "branches":
        part: CoverageCounts = item
        name = _cut(part.name)
        if not part.households:
            return t("coverage.branch_empty", name=esc(name)), None
        return (t("coverage.branch_line", name=esc(name), **_counts(part)),
                InlineKeyboardButton(t("coverage.branch_button", name=name),
                                     callback_data=CoverageView("branch", part.key).pack()))
    if kind == "zones":
        zone: CoverageCounts = item
        name = _cut(zone.name)
        line = t("coverage.zone_line", name=esc(name), **_counts(zone))
        if not zone.due and not zone.overdue:
            return line, None
        return line, InlineKeyboardButton(
            t("coverage.zone_button", name=name, n=zone.due + zone.overdue),
            callback_data=CoverageView("zone", zone.key).pack())
    name = _cut(item.name)
    held = []
    if item.handed:
        held.append(t("coverage.off_handed", n=item.handed, name=esc(_cut(item.handed_to or ""))))
    if item.backed:
        held.append(t("coverage.off_backed", n=item.backed))
    if item.unheld > 0:
        held.append(t("coverage.off_not_handed") if not held
                    else t("coverage.off_unheld", n=item.unheld))
    handed = " · ".join(held)
    reason = coverage.reason_label(context.translate, context.language, item.reason)
    return (t("coverage.off_line", reason=reason, name=esc(name), n=item.households,
              handed=handed),
            InlineKeyboardButton(
                coverage.handover_label(context.translate, context.language, name),
                callback_data=Handover("start", item.member_id).pack()))


async def show_coverage(update: Update, context: Context) -> None:
    """`/coverage [BRANCH_ID]`: today's coverage of a branch's subtree."""
    args = list(context.args or [])
    if len(args) > 1:
        await reply(update, context.t("coverage.usage"))
        return
    branch = await scope(update, context, "coverage", args[0] if args else None)
    if branch is None:
        return
    text, markup = await _report(context, branch)
    await reply(update, text, markup)


def _since(context: Context, reached: datetime | None, today: Any, zone: ZoneInfo) -> str:
    if reached is None:
        return context.t("coverage.zone.never")
    days = (today - reached.astimezone(zone).date()).days
    return context.t("coverage.zone.today") if days <= 0 else context.t("coverage.zone.days",
                                                                        n=days)


async def _zone_list(context: Context, zone_id: int, branch: Branch, zone_name: str) -> str:
    """The zone's due and overdue households today, overdue first, cut to one message."""
    t = context.t
    today = local_day(context.clock.now(), branch.timezone)
    win = coverage.window(today, branch.timezone)
    found = await coverage.uncovered(context.store, branch.id, zone_id, win)
    if not found:
        return t("coverage.zone.none", zone=esc(zone_name))
    out = _Fit()
    out.add(t("coverage.zone.header", zone=esc(zone_name), branch=esc(branch.name),
              day=today.isoformat(), n=len(found)))
    reserve = utf16_len(t("coverage.zone.more", n=len(found))) + 1
    tz = ZoneInfo(branch.timezone)
    shown = 0
    for item in found:
        household = item.household
        key = "coverage.zone.overdue_line" if item.state == "overdue" else "coverage.zone.due_line"
        lines = [t(key, label=esc(household.label),
                   who=esc(item.holder) if item.holder else t("coverage.zone.nobody"),
                   since=_since(context, item.reached_at, today, tz))]
        if household.address:
            lines.append(t("coverage.zone.address", address=esc(household.address)))
        block = "\n".join(lines)
        if not out.add(block, reserve):
            break
        shown += 1
    if shown < len(found):
        out.add(t("coverage.zone.more", n=len(found) - shown))
    return out.text()


async def coverage_button(update: Update, context: Context) -> None:
    """`cv:b:<branch>` (a sub-branch's report) or `cv:z:<zone>` (a zone's list)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = CoverageView.parse(query.data)
    actor = context.actor
    if parsed is None or actor is None:
        await query.answer(context.t("button.stale"), show_alert=True)
        return
    kind, key = parsed.view, parsed.id
    store = context.store
    zone = await zone_rules.get(store, key) if kind == "zone" else None
    branch_id = zone.branch_id if zone is not None else key
    branch = await lookup.branch(store, branch_id) if kind == "branch" or zone else None
    if branch is None:
        await query.answer(context.t("button.stale"), show_alert=True)
        return
    if not await may_lead(store, actor, branch.id):
        await refuse(update, context, "deny.outside_scope", action="coverage",
                     branch_id=branch.id, branch=esc(branch.name))
        return
    if zone is not None:
        text, markup = await _zone_list(context, zone.id, branch, zone.name), None
    else:
        text, markup = await _report(context, branch)
    await handover.answer_privately(update, context, text, markup)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [
        CommandHandler("coverage", show_coverage, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(coverage_button, pattern=CoverageView.pattern()),
    ]
