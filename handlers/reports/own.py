"""The 👤 views under `/who`'s and `/roster`'s rollups: a branch's own members (not its
sub-branches'), and its own people not yet joined."""

from __future__ import annotations

from collections import Counter

from telegram import Update

from bot.clock import local_day
from bot.rules import branches
from bot.rules.digest import rollup
from bot.text import cut, isolate
from handlers.core import pages
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc
from handlers.reports import listing
from handlers.reports.listing import waiting_section
from handlers.reports.who import LABEL_MAX, OWN_VIEW
from storage.rows import STATUSES


async def _own_view(update: Update, context: Context, command: str,
                    argument: str) -> pages.Page | None:
    """A branch's own members (not its sub-branches'), opened from its rollup."""
    branch = await scope(update, context, command, argument or None)
    if branch is None:
        return None
    day = local_day(context.clock.now(), branch.timezone)
    rows = await rollup.own_roster(context.store, branch.id, day)
    found = Counter(r.status for r in rows if r.status)
    counts = {s: found[s] for s in STATUSES if found[s]}
    waiting = await rollup.waiting(context.store, branch.id, subtree=False)
    if command == "who":
        missing = [r for r in rows if r.status is None]
        lines = [context.t("who.own_header", branch=esc(branch.name), day=day.isoformat(),
                           missing=len(missing), total=len(rows))]
        if not rows:
            lines.append(context.t("who.no_members"))
        elif not missing:
            lines.append(context.t("who.all_in", total=len(rows)))
        lines.extend(f"• {listing.name(context, row)}" for row in missing)
        lines.append("\n" + listing.counts(context, counts))
        lines.extend(waiting_section(context, waiting, branches=False))
    else:
        lines = [context.t("roster.own_header", branch=esc(branch.name), total=len(rows),
                           day=day.isoformat())]
        title = await branches.leader_title(context.store, branch.id, context.language)
        lines.extend(listing.member(context, row, title) for row in rows)
        lines.extend(listing.not_joined(context, entry) for entry in waiting)
        lines.append("\n" + listing.counts(context, counts))
        if waiting:
            lines.append(context.t("who.waiting", n=len(waiting)))
    back = [[(context.t("who.button_up", branch=isolate(cut(branch.name, LABEL_MAX))),
              pages.data(command, str(branch.id), 0))]]
    return pages.Page("\n".join(lines), str(branch.id), back)


@pages.view(OWN_VIEW["who"])
async def who_here_view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """A branch's own members without a check-in today."""
    return await _own_view(update, context, "who", argument)


@pages.view(OWN_VIEW["roster"])
async def roster_here_view(update: Update, context: Context,
                           argument: str) -> pages.Page | None:
    """A branch's own members with role and today's status."""
    return await _own_view(update, context, "roster", argument)
