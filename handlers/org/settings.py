"""`/settings [branch] [setting value]`: a branch's daily rhythm, shown and changed.

Sub-branches inherit every setting they do not set themselves; `... inherit` clears a
branch's own value. Each change is audit-logged; the scheduler's next tick (within a
minute) goes by the new values, read from the database.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.rules import org, rhythm
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, reply
from storage.coverage import MAX_VISIT_EVERY
from storage.schedule import Setting

# The words of /settings and the branch column each one sets.
KEYS = {
    "checkin": "checkin_time", "reminder": "reminder_time", "digest": "digest_time",
    "timezone": "timezone", "tz": "timezone", "language": "locale", "lang": "locale",
    "daysoff": "days_off", "alert": "alert_below", "critical": "critical_within_minutes",
    "answer": "answer_within_minutes", "visit": "visit_every_days",
    "weeklyday": "weekly_day", "weekly": "weekly_time",
}
SHOWN = ("checkin", "reminder", "digest", "timezone", "language", "daysoff", "alert",
         "critical", "answer", "visit", "weeklyday", "weekly")
INHERIT = ("inherit", "继承", "default")


def _shown(context: Context, column: str, value: str | int) -> str:
    if column == "days_off":
        return esc(value) if value else context.t("settings.none")
    if column == "alert_below":
        return f"{value}%"
    if column in ("critical_within_minutes", "answer_within_minutes"):
        return rhythm.format_minutes(int(value))
    if column == "visit_every_days":
        return context.t("settings.visit_days", n=value)
    if column == "weekly_day":
        return context.t(f"weekly.day_{value}")
    return esc(value)


def _card(context: Context, name: str, branch_id: int, settings: list[Setting]) -> str:
    by_column = {s.column: s for s in settings}
    lines = [context.t("settings.title", branch=esc(name), id=branch_id)]
    for word in SHOWN:
        setting = by_column[KEYS[word]]
        value = _shown(context, setting.column, setting.effective)
        if setting.own is None:
            value += context.t("settings.inherited")
        lines.append(context.t("settings.line", label=context.t(
            f"settings.label_{setting.column}"), value=f"{value} · <code>{word}</code>"))
    lines += ["", context.t("settings.usage")]
    return "\n".join(lines)


def _order_reason(context: Context, branch_id: int, problem: rhythm.OrderProblem) -> str:
    """Why the change is refused: the rule it breaks, and the sub-branch it would break."""
    times = {"checkin": problem.checkin, "reminder": problem.reminder, "digest": problem.digest}
    why = context.t(problem.key, **times)
    if problem.branch_id != branch_id:
        why += context.t("settings.order_branch", branch=esc(problem.branch),
                         id=problem.branch_id, times=context.t("settings.order_times", **times))
    return why


async def settings_command(update: Update, context: Context) -> None:
    """`/settings [branch] [setting value]`: show or change a branch's rhythm."""
    args = list(context.args or [])
    branch_arg = None
    if args and args[0].lstrip("#").isdigit():
        branch_arg = args.pop(0)
    branch = await scope(update, context, "settings", branch_arg)
    if branch is None:
        return
    if not args:
        await reply(update, _card(context, branch.name, branch.id,
                                  await org.settings(context.store, branch.id)))
        return
    word = args[0].lower()
    column = KEYS.get(word)
    if column is None:
        await reply(update, context.t("settings.unknown", value=esc(word[:30]),
                                      keys=context.t("list.separator").join(SHOWN)))
        return
    text = " ".join(args[1:]).strip()
    if not text:
        await reply(update, context.t("settings.missing_value", value=esc(word)))
        return
    value: str | int | None = None
    if text.lower() not in INHERIT:
        try:
            value = rhythm.parse_value(column, text)
        except rhythm.BadValue as bad:
            await reply(update, context.t(bad.key, value=esc(text[:60]), max=MAX_VISIT_EVERY,
                                          **{k: esc(v) for k, v in bad.values.items()}))
            return
    actor = context.actor
    change = await org.change_setting(context.services, actor.user_id if actor else None,
                                      branch.id, column, value)
    if change.problem is not None:
        await reply(update, context.t("settings.bad_order", why=_order_reason(
            context, branch.id, change.problem)))
        return
    effective = change.effective
    assert effective is not None
    label = context.t(f"settings.label_{column}")
    key = "settings.cleared" if value is None else "settings.saved"
    await reply(update, context.t(key, label=label, branch=esc(branch.name),
                                  value=_shown(context, column, effective)))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [CommandHandler("settings", settings_command, filters=filters.ChatType.PRIVATE)]
