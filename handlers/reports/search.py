"""`/roster [BRANCH | WORDS]`: the roster of a branch's subtree (`handlers.reports.who`), or
the people the words find in the secretary's subtree.

How the argument is read: `#12` is branch 12; digits alone are a branch when a branch has
that id, else a search (a phone number, a Telegram id); anything else is a search, as every
command names a member (`bot.rules.naming`: part of a name, an @username, a phone, an id),
and people on the roster not yet joined are found by name or phone too. Each one found is
listed with their branch and today's status, linked to their profile, in pages.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.rules import lookup, naming
from bot.text import cut
from handlers.core import members, pages
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, say, status_label
from handlers.reports import listing

FOUND_MAX = 200  # people a search lists (in pages) before "say more"
VIEW = "rosfind"


def _is_branch(argument: str) -> bool:
    return argument.startswith("#") or (argument.isascii() and argument.isdigit()
                                         and len(argument) <= 12)


@pages.view(VIEW)
async def found_view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """The people a search found in the secretary's subtree (`argument`: the token of the
    words kept by `pages.keep`)."""
    words = pages.kept(context, argument)
    if words is None:
        await say(update, context.t("button.stale"))
        return None
    branch = await scope(update, context, "roster")
    if branch is None:
        return None
    found = await naming.find_people(context.store, branch.id, words, context.clock.now(),
                                     FOUND_MAX)
    query = esc(cut(words, 40))
    n = len(found.members) + len(found.waiting)
    if not n:
        return pages.Page(context.t("roster.found_none", query=query,
                                    branch=esc(branch.name)), argument)
    lines = [context.t("roster.found_header", query=query, n=n, branch=esc(branch.name))]
    lines.extend(context.t("roster.found_line", name=listing.name(context, row),
                           branch=esc(match.branch_name), id=match.branch_id,
                           status=status_label(context, row.status))
                 for match, row in found.members)
    lines.extend(context.t("roster.found_line", name=esc(entry.name),
                           branch=esc(entry.branch_name), id=entry.branch_id,
                           status=context.t("roster.not_joined"))
                 for entry in found.waiting)
    if found.more:
        lines.append(context.t("roster.found_more", n=FOUND_MAX))
    return pages.Page("\n".join(lines), argument)


async def roster(update: Update, context: Context) -> None:
    """`/roster [branch]`: every member of the subtree with role and today's status;
    `/roster WORDS`: the people those words find."""
    words = members.words(update, context)
    argument = " ".join(words)
    if not argument or (_is_branch(argument) and (
            argument.startswith("#")
            or await lookup.branch(context.store, int(argument)) is not None)):
        await pages.show(update, context, "roster", argument)
        return
    if await scope(update, context, "roster") is None:
        return
    await pages.show(update, context, VIEW, pages.keep(context, argument))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [CommandHandler("roster", roster, filters=filters.ChatType.PRIVATE)]
