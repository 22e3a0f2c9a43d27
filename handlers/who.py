"""`/who` (who has not checked in today) and `/roster` (everyone with today's status)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot import checkins
from handlers import pages
from handlers.common import esc, status_label
from handlers.context import Context
from handlers.leaders import scope
from storage.rows import RosterRow

SHOW_PER_BRANCH = 200  # names listed per branch before "and N more"


def _name(context: Context, row: RosterRow) -> str:
    name = esc(row.name)
    if row.username:
        name += f" @{esc(row.username)}"
    if not row.reachable:
        name += " " + context.t("who.unreachable")
    return name


def _counts(context: Context, status: checkins.SubtreeStatus) -> str:
    parts = [f"{status_label(context, s)} {n}" for s, n in status.counts.items()]
    return context.t("who.counts", counts=" · ".join(parts) if parts else context.t("who.none"))


@pages.view("who")
async def who_view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """Members of a branch's subtree without a check-in today, by branch."""
    branch = await scope(update, context, "who", argument or None)
    if branch is None:
        return None
    status = await checkins.subtree_status(context.store, branch.id, context.clock.now())
    root = status.branches[0]
    lines = [context.t("who.header", branch=esc(branch.name), day=root.day.isoformat(),
                       missing=status.missing, total=status.total)]
    if status.total == 0:
        lines.append(context.t("who.no_members"))
    elif status.missing == 0:
        lines.append(context.t("who.all_in", total=status.total))
    for part in status.branches:
        missing = part.missing
        if not missing:
            continue
        indent = "  " * part.node.depth
        lines.append(f"\n{indent}" + context.t("who.branch", branch=esc(part.node.name),
                                               missing=len(missing), total=len(part.members)))
        lines.extend(f"{indent}• {_name(context, row)}" for row in missing[:SHOW_PER_BRANCH])
        if len(missing) > SHOW_PER_BRANCH:
            lines.append(indent + context.t("who.more", n=len(missing) - SHOW_PER_BRANCH))
    lines.append("\n" + _counts(context, status))
    return pages.Page("\n".join(lines), str(branch.id))


async def who(update: Update, context: Context) -> None:
    """`/who [branch]`: members of the subtree without a check-in today, by branch."""
    args = context.args or []
    await pages.show(update, context, "who", args[0] if args else "")


@pages.view("roster")
async def roster_view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """Every member of a branch's subtree with role and today's status."""
    branch = await scope(update, context, "roster", argument or None)
    if branch is None:
        return None
    status = await checkins.subtree_status(context.store, branch.id, context.clock.now())
    lines = [context.t("roster.header", branch=esc(branch.name), total=status.total,
                       day=status.branches[0].day.isoformat())]
    for part in status.branches:
        indent = "  " * part.node.depth
        lines.append(f"\n{indent}" + context.t("roster.branch", branch=esc(part.node.name),
                                               id=part.node.id, total=len(part.members)))
        for row in part.members:
            role = " · " + context.t("role.secretary") if row.role == "secretary" else ""
            note = f" — {esc(row.note)}" if row.note else ""
            lines.append(f"{indent}• {_name(context, row)}{role}: "
                         f"{status_label(context, row.status)}{note}")
    lines.append("\n" + _counts(context, status))
    return pages.Page("\n".join(lines), str(branch.id))


async def roster(update: Update, context: Context) -> None:
    """`/roster [branch]`: every member of the subtree with role and today's status."""
    args = context.args or []
    await pages.show(update, context, "roster", args[0] if args else "")


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    private = filters.ChatType.PRIVATE
    return [CommandHandler("who", who, filters=private),
            CommandHandler("roster", roster, filters=private)]
