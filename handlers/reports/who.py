"""`/who` (who has not checked in today) and `/roster` (everyone with today's status).

Both answer in one message. While the names fit (`bot.rules.rollup.NAMES_MAX`, or a branch without
sub-branches) they are listed, in pages; past that the answer is the rollup by direct
sub-branch, worst first, a dozen a page, each with a 🔍 button that opens the same view for
that sub-branch in place (⬆ goes back up), and a 👤 button for the branch's own members.
Every press renders again from the database and checks the presser's rights again.

People on the roster who have not joined yet are no members: they are in no count of "not
checked in" and no rate, but counted apart (⏳ 未加入) in both, named in `/who`'s list and
the branch's own view with how to send them their link, and marked in `/roster` after the
members. Names link to the member's Telegram profile (`handlers.reports.listing`).
`/roster WORDS` finds people instead (`handlers.reports.search`).
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.rules import checkins, lookup, nudge
from bot.rules.access import may_lead
from bot.rules.callbacks import WhoRemind
from bot.rules.digest import rollup
from bot.text import cut, isolate, visible_len
from handlers.core import pages
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, pressed, reply, say
from handlers.reports import listing
from handlers.reports.listing import waiting_section
from storage.roster import RosterEntry
from storage.rows import Branch, Buttons

SHOW_PER_BRANCH = 200  # names listed per branch before "and N more"
BRANCHES_PER_PAGE = 12  # sub-branch lines (and 🔍 buttons) on one page of a rollup
NAME_MAX = 32  # characters of a branch's name in a rollup line
LABEL_MAX = 24  # characters of a branch's name on a button
OWN_VIEW = {"who": "whohere", "roster": "roshere"}  # the views of a branch's own members


async def _up(context: Context, branch: Branch, view: str) -> Buttons:
    """⬆ to the parent branch's view, if the presser leads it too."""
    actor = context.actor
    if branch.parent_id is None or actor is None:
        return []
    parent = await lookup.branch(context.store, branch.parent_id)
    if parent is None or not await may_lead(context.store, actor, parent.id):
        return []
    return [[(context.t("who.button_up", branch=isolate(cut(parent.name, LABEL_MAX))),
              pages.data(view, str(parent.id), 0))]]


def _waiting(context: Context, n: int) -> str:
    """` · ⏳ 未加入 N` after a line of /who's rollup, if N > 0."""
    return context.t("who.child_waiting", n=n) if n else ""


def _rollup_page(context: Context, command: str, branch: Branch, found: rollup.Rollup,
                 up: Buttons) -> pages.Page:
    """The rollup by direct sub-branch, cut into pages of BRANCHES_PER_PAGE lines."""
    own = found.own.tally
    waiting = found.own.waiting
    if command == "who":
        top = [context.t("who.header", branch=esc(branch.name), day=found.day.isoformat(),
                         missing=found.missing, total=found.members)]
        own_line = (context.t("who.own", missing=own.missing, total=own.members)
                    if own.members else context.t("who.own_empty")) + _waiting(context, waiting)
        own_button = (context.t("who.button_own", missing=own.missing)
                      if own.missing or waiting else None)
    else:
        top = [context.t("roster.header", branch=esc(branch.name), total=found.members,
                         day=found.day.isoformat())]
        own_line = (context.t("roster.own", total=own.members,
                              statuses=listing.marks(context, own, waiting))
                    if own.members or waiting else context.t("who.own_empty"))
        own_button = (context.t("roster.button_own", total=own.members)
                      if own.members or waiting else None)
    top.append(listing.counts(context, found.counts))
    if found.waiting:
        top.append(context.t("who.waiting", n=found.waiting))
    top += ["", own_line, context.t("who.children_header", n=len(found.children))]
    head = "\n".join(top)
    sheets: list[pages.Sheet] = []
    lines: list[str] = []
    drill: list[tuple[str, str]] = []

    def close() -> None:
        buttons = [drill[i:i + 2] for i in range(0, len(drill), 2)]
        sheets.append(pages.Sheet("\n".join([head, *lines]), buttons))
        lines.clear()
        drill.clear()

    for part in found.children:
        tally, node = part.tally, part.node
        name = esc(cut(node.name, NAME_MAX))
        if not tally.members and not part.waiting:
            line = context.t("who.child_empty", branch=name, id=node.id)
        elif command == "who":
            line = context.t("who.child", branch=name, id=node.id, missing=tally.missing,
                             total=tally.members, rate=part.rate) + _waiting(context,
                                                                             part.waiting)
        else:
            line = context.t("roster.child", branch=name, id=node.id, total=tally.members,
                             statuses=listing.marks(context, tally, part.waiting))
        if lines and (len(lines) == BRANCHES_PER_PAGE or visible_len(
                "\n".join([head, *lines, line])) > pages.PAGE_LIMIT):
            close()
        lines.append(line)
        label = isolate(cut(node.name, LABEL_MAX))
        drill.append((context.t(f"{command}.button_branch", branch=label,
                                missing=tally.missing, total=tally.members),
                      pages.data(command, str(node.id), 0)))
    close()
    common: Buttons = up
    if own_button is not None:
        common = [[(own_button, pages.data(OWN_VIEW[command], str(branch.id), 0))], *up]
    return pages.Page(sheets[0].text, str(branch.id), common, tuple(sheets))


def _who_names(context: Context, branch: Branch, found: rollup.Rollup,
               status: checkins.SubtreeStatus, waiting: list[RosterEntry]) -> str:
    """The members not checked in, by branch (`status` holds only them), then the people
    not yet joined."""
    lines = [context.t("who.header", branch=esc(branch.name), day=found.day.isoformat(),
                       missing=found.missing, total=found.members)]
    if found.members == 0:
        lines.append(context.t("who.no_members"))
    elif found.missing == 0:
        lines.append(context.t("who.all_in", total=found.members))
    for part in status.branches:
        missing = part.missing
        if not missing:
            continue
        indent = "  " * part.node.depth
        lines.append(f"\n{indent}" + context.t("who.branch", branch=esc(part.node.name),
                                               missing=len(missing), total=part.node.members))
        lines.extend(f"{indent}• {listing.name(context, row)}"
                     for row in missing[:SHOW_PER_BRANCH])
        if len(missing) > SHOW_PER_BRANCH:
            lines.append(indent + context.t("who.more", n=len(missing) - SHOW_PER_BRANCH))
    lines.append("\n" + listing.counts(context, found.counts))
    lines.extend(waiting_section(context, waiting, branches=True))
    return "\n".join(lines)


def _roster_names(context: Context, branch: Branch, status: checkins.SubtreeStatus,
                  waiting: list[RosterEntry]) -> str:
    """Every member by branch, each branch's people not yet joined after its members."""
    lines = [context.t("roster.header", branch=esc(branch.name), total=status.total,
                       day=status.branches[0].day.isoformat())]
    by_branch: dict[int, list[RosterEntry]] = {}
    for entry in waiting:
        by_branch.setdefault(entry.branch_id, []).append(entry)
    for part in status.branches:
        indent = "  " * part.node.depth
        lines.append(f"\n{indent}" + context.t("roster.branch", branch=esc(part.node.name),
                                               id=part.node.id, total=len(part.members)))
        lines.extend(f"{indent}{listing.member(context, row, part.node.leader_title)}"
                     for row in part.members)
        lines.extend(f"{indent}{listing.not_joined(context, entry)}"
                     for entry in by_branch.get(part.node.id, ()))
    lines.append("\n" + listing.counts(context, status.counts))
    if waiting:
        lines.append(context.t("who.waiting", n=len(waiting)))
    return "\n".join(lines)


async def _subtree_view(update: Update, context: Context, command: str,
                        argument: str) -> pages.Page | None:
    branch = await scope(update, context, command, argument or None)
    if branch is None:
        return None
    now = context.clock.now()
    found = await rollup.subtree_rollup(context.store, branch.id, now)
    up = await _up(context, branch, command)
    if command == "who" and found.missing:
        up = [[(context.t("who.button_remind", n=found.missing),
                WhoRemind(branch.id).pack())], *up]
    if not found.lists_names(command):
        return _rollup_page(context, command, branch, found, up)
    waiting = await rollup.waiting(context.store, branch.id) if found.waiting else []
    if command == "who":
        status = await checkins.subtree_status(context.store, branch.id, now,
                                               missing_only=True)
        text = _who_names(context, branch, found, status, waiting)
    else:
        text = _roster_names(context, branch,
                             await checkins.subtree_status(context.store, branch.id, now),
                             waiting)
    return pages.Page(text, str(branch.id), up)


@pages.view("who")
async def who_view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """Members of a branch's subtree without a check-in today: by name, or by sub-branch."""
    return await _subtree_view(update, context, "who", argument)


@pages.view("roster")
async def roster_view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """Every member of a branch's subtree with role and today's status, or the rollup."""
    return await _subtree_view(update, context, "roster", argument)


async def remind_button(update: Update, context: Context) -> None:
    """"Remind them now" under `/who`: the daily reminder to the subtree's silent members, at
    most once an hour per branch (`bot.rules.nudge`)."""
    parsed = await pressed(update, context, WhoRemind, alert=True)
    if parsed is None:
        return
    query = update.callback_query
    assert query is not None
    branch = await scope(update, context, "who", str(parsed.branch))
    if branch is None:
        return
    done = await nudge.remind_silent(context.services, branch.id, by=context.me.user_id)
    if done.wait_minutes is not None:
        await say(update, context.t("who.remind_wait", branch=esc(branch.name),
                                    minutes=done.wait_minutes))
    elif not done.queued:
        await say(update, context.t("who.remind_nobody"))
    else:
        await query.answer()
        await reply(update, context.t("who.reminded", branch=esc(branch.name), n=done.queued))


async def who(update: Update, context: Context) -> None:
    """`/who [branch]`: members of the subtree without a check-in today."""
    args = context.args or []
    await pages.show(update, context, "who", args[0] if args else "")


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    private = filters.ChatType.PRIVATE
    return [CommandHandler("who", who, filters=private),
            CallbackQueryHandler(remind_button, pattern=WhoRemind.pattern())]
