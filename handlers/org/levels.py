"""`/branch levels [NAME1/NAME2/...]`, `/branch titles TITLE1/TITLE2/...` (the whole tree's
levels, from the root down: admins and the root's secretaries) and `/branch title ID LEVEL_NAME
LEADER_TITLE` (one branch's own: whoever leads it); the use cases are in
`bot.rules.branches`."""

from __future__ import annotations

from telegram import Update

from bot.rules import branches as naming
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, reply
from handlers.org.reshape import render


async def view(context: Context) -> str:
    """The named levels with their leaders' titles, and how to change them."""
    found = await naming.levels(context.store)
    level, title = naming.level_of(None, context.language), naming.title_of(None, context.language)
    if not found:
        lines = [context.t("branch.levels_none", level=level, title=title)]
    else:
        lines = [context.t("branch.levels_header")]
        lines.extend(context.t("branch.level_line", depth=found_level.depth + 1,
                               level=esc(found_level.name or level),
                               title=esc(found_level.leader_title or title))
                     for found_level in found)
    lines += ["", context.t("branch.levels_usage")]
    return "\n".join(lines)


async def _name_levels(update: Update, context: Context, what: str, args: list[str]) -> None:
    if not args and what == "levels":
        if await scope(update, context, "branch") is not None:
            await reply(update, await view(context))
        return
    if not args:
        await reply(update, context.t("branch.levels_usage"))
        return
    answer = await naming.name_levels(context.services, context.me, what, " ".join(args))
    text = render(context, answer)
    await reply(update, text + "\n\n" + await view(context) if answer.ok else text)


async def levels(update: Update, context: Context, args: list[str]) -> None:
    """`/branch levels`: the levels' names; with `NAME1/NAME2/...`, name them."""
    await _name_levels(update, context, "levels", args)


async def titles(update: Update, context: Context, args: list[str]) -> None:
    """`/branch titles TITLE1/TITLE2/...`: what each level's secretaries are called."""
    await _name_levels(update, context, "titles", args)


def _two_names(args: list[str]) -> tuple[str, str] | None:
    """`LEVEL TITLE`, or `LEVEL NAME/LEADER TITLE` when a name has spaces."""
    text = " ".join(args)
    for separator in naming.SEPARATORS:
        if separator in text:
            level, title = text.split(separator, 1)
            return level.strip(), title.strip()
    return (args[0], args[1]) if len(args) == 2 else None


async def title(update: Update, context: Context, args: list[str]) -> None:
    """`/branch title ID LEVEL_NAME LEADER_TITLE` ("-": the level's)."""
    names = _two_names(args[1:])
    if names is None or not all(names):
        await reply(update, context.t("branch.levels_usage"))
        return
    branch = await scope(update, context, "branch", args[0])
    if branch is None:
        return
    answer = await naming.name_branch(context.services, context.me, branch, *names,
                                      context.language)
    await reply(update, render(context, answer))
