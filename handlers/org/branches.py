"""`/branch` (the tree, adding a branch; `rename`, `move`, `archive` in `handlers.org.reshape`,
`levels`, `titles`, `title` in `handlers.org.levels`) and `/invite` (links for the branch and
below)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.rules import branch_changes, invites, org
from bot.rules import branches as naming
from bot.rules.access import may_lead
from bot.rules.callbacks import Invite
from handlers.core import pages
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, pressed, refuse, reply, reply_lines, say
from handlers.org import levels, reshape
from storage.rows import ROLES, Branch, BranchNode

NAME_MAX = 64
INVITE_BUTTON_BRANCHES = 24  # beyond this, /invite asks for a branch id instead of buttons


Action = Callable[[Update, Context, list[str]], Awaitable[None]]


async def branch(update: Update, context: Context) -> None:
    """`/branch`, `/branch <id>`, `/branch add [parent id] <name>`, and `/branch rename`,
    `move`, `archive`, `levels`, `titles`, `title`."""
    args = context.args or []
    actions: dict[str, Action] = {
        "add": _add, "rename": reshape.rename, "move": reshape.move,
        "archive": reshape.archive, "levels": levels.levels, "titles": levels.titles,
        "title": levels.title}
    action = actions.get(args[0].lower()) if args else None
    if action is not None:
        await action(update, context, args[1:])
        return
    if len(args) > 1:
        await reply(update, context.t("branch.usage"))
        return
    await pages.show(update, context, "branch", args[0] if args else "")


@pages.view("branch")
async def tree(update: Update, context: Context, argument: str) -> pages.Page | None:
    """A branch's subtree as a tree, with ids and members."""
    top = await scope(update, context, "branch", argument or None)
    if top is None:
        return None
    nodes = await org.subtree(context.store, top.id)
    lines = [context.t("branch.tree_header", branch=esc(top.name))]
    lines.extend("  " * node.depth + _node(context, node) for node in nodes)
    lines.append("")
    lines.append(context.t("branch.usage"))
    return pages.Page("\n".join(lines), str(top.id))


def _node(context: Context, node: BranchNode) -> str:
    """A line of the tree: the branch's level is named where the organization named it."""
    if node.level_name:
        return context.t("branch.node_level", name=esc(node.name), level=esc(node.level_name),
                         id=node.id, members=node.members)
    return context.t("branch.node", name=esc(node.name), id=node.id, members=node.members)


async def _add(update: Update, context: Context, args: list[str]) -> None:
    parent_arg = None
    if len(args) >= 2 and args[0].lstrip("#").isascii() and args[0].lstrip("#").isdigit():
        parent_arg, args = args[0], args[1:]
    name = " ".join(args).strip()
    if not name:
        await reply(update, context.t("branch.usage"))
        return
    if len(name) > NAME_MAX:
        await reply(update, context.t("branch.name_too_long", max=NAME_MAX))
        return
    parent = await scope(update, context, "branch", parent_arg)
    if parent is None:
        return
    answer = await branch_changes.add(context.services, context.me, parent, name)
    await reply(update, reshape.render(context, answer))


def _role_arg(word: str) -> str | None:
    word = word.lower()
    aliases = {"member": "member", "m": "member", "成员": "member", "secretary": "secretary",
               "s": "secretary", "sec": "secretary", "书记": "secretary"}
    return aliases.get(word)


async def invite(update: Update, context: Context) -> None:
    """`/invite`: buttons per branch and role; `/invite member|secretary [branch]`: a link."""
    args = context.args or []
    if args:
        role = _role_arg(args[0])
        if role is None or len(args) > 2:
            await reply(update, context.t("invite.usage"))
            return
        target = await scope(update, context, "invite", args[1] if len(args) > 1 else None)
        if target is not None:
            await _send_link(update, context, target, role)
        return
    top = await scope(update, context, "invite")
    if top is None:
        return
    nodes = await org.subtree(context.store, top.id)
    if len(nodes) > INVITE_BUTTON_BRANCHES:
        await reply(update, context.t("invite.too_many_branches", n=len(nodes)))
        nodes = nodes[:INVITE_BUTTON_BRANCHES]
    rows = []
    for node in nodes:
        label = "· " * node.depth + node.name
        title = node.leader_title or naming.title_of(None, context.language)
        rows.append([
            InlineKeyboardButton(context.t("invite.button_member", branch=label),
                                 callback_data=Invite(node.id, "member").pack()),
            InlineKeyboardButton(context.t("invite.button_secretary", title=title),
                                 callback_data=Invite(node.id, "secretary").pack()),
        ])
    await reply(update, context.t("invite.choose"), InlineKeyboardMarkup(rows))


async def invite_button(update: Update, context: Context) -> None:
    """A branch/role button of `/invite`: checked again, then a link."""
    query = update.callback_query
    parsed = await pressed(update, context, Invite)
    if query is None or parsed is None:
        return
    branch_id, role = parsed.branch, parsed.role
    actor = context.me
    target = await org.branch(context.store, branch_id)
    if target is None or not await may_lead(context.store, actor, branch_id):
        await refuse(update, context, "deny.outside_scope", action="invite",
                     branch_id=branch_id, branch=esc(target.name) if target else f"#{branch_id}")
        return
    if target.archived:
        await say(update, context.t("branch.archived_target", name=esc(target.name), id=target.id))
        return
    await query.answer()
    await _send_link(update, context, target, role)


async def _send_link(update: Update, context: Context, target: Branch, role: str) -> None:
    assert role in ROLES
    actor = context.me
    now = context.clock.now()
    made = await invites.create_invite(context.store, target.id, role, created_by=actor.user_id,
                                       now=now)
    username = context.config.telegram.username or context.bot.username
    uses = (context.t("invite.uses_unlimited") if made.uses_left is None
            else context.t("invite.uses_n", n=made.uses_left))
    expires = ""
    if made.expires_at is not None:
        expires = made.expires_at.astimezone(ZoneInfo(target.timezone)).strftime("%Y-%m-%d %H:%M")
    await reply_lines(update, [context.t(
        "invite.created", branch=esc(target.name),
        role=esc(await naming.role_title(context.store, target.id, role, context.language)),
        uses=uses,
        expires=expires, link=esc(invites.deep_link(username, made.code)), code=made.code)])


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("branch", branch, filters=private),
        CommandHandler("invite", invite, filters=private),
        CallbackQueryHandler(invite_button, pattern=Invite.pattern()),
    ]
