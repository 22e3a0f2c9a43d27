"""`/linkgroup` and `/unlinkgroup`: tie a Telegram group to a branch, for its broadcasts.

Sent inside the group. One group per branch and one branch per group: linking a group to
another branch moves it, and linking a second group to a branch replaces the first; both
are said in the answer. Moving a group away from a branch needs rights over that branch
too, so that a secretary cannot take another branch's group by linking it to their own.
Answers go to the group, in the sender's language.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.rules import org
from bot.rules.org import Linked, Unlinked
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, refuse, reply


async def link(update: Update, context: Context) -> None:
    """`/linkgroup [BRANCH_ID]` in a group: link it to the secretary's branch (or that one)."""
    chat = update.effective_chat
    actor = context.actor
    if chat is None or actor is None:
        return
    args = context.args or []
    branch = await scope(update, context, "linkgroup", args[0] if args else None)
    if branch is None:
        return
    done = await org.link_group(context.services, actor, branch, chat.id)
    previous = done.previous
    if done.result is Linked.ALREADY:
        await reply(update, context.t("group.already", branch=esc(branch.name)))
        return
    if done.result is Linked.ELSEWHERE:
        assert previous is not None
        await refuse(update, context, "group.linked_elsewhere", action="linkgroup",
                     branch_id=previous.id, branch=esc(previous.name))
        return
    lines = [context.t("group.linked", branch=esc(branch.name))]
    if previous is not None:
        lines.append(context.t("group.moved", branch=esc(previous.name)))
    if done.replaced:
        lines.append(context.t("group.replaced"))
    await reply(update, "\n".join(lines))


async def unlink(update: Update, context: Context) -> None:
    """`/unlinkgroup` in a group: untie it from its branch (secretaries over that branch)."""
    chat = update.effective_chat
    actor = context.actor
    if chat is None or actor is None:
        return
    done = await org.unlink_group(context.services, actor, chat.id)
    branch = done.branch
    if branch is None:
        await reply(update, context.t("group.not_linked"))
        return
    if done.result is Unlinked.OUTSIDE:
        await refuse(update, context, "deny.outside_scope", action="unlinkgroup",
                     branch_id=branch.id, branch=esc(branch.name))
        return
    await reply(update, context.t("group.unlinked", branch=esc(branch.name)))


async def in_private(update: Update, context: Context) -> None:
    """`/linkgroup` or `/unlinkgroup` in a private chat: explain where it goes."""
    await reply(update, context.t("group.in_group_only"))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    groups = filters.ChatType.GROUPS
    return [
        CommandHandler("linkgroup", link, filters=groups),
        CommandHandler("unlinkgroup", unlink, filters=groups),
        CommandHandler(["linkgroup", "unlinkgroup"], in_private, filters=filters.ChatType.PRIVATE),
    ]
