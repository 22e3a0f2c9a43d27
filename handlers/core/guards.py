"""Access checks shared by the secretaries' commands."""

from __future__ import annotations

from telegram import Update

from bot.rules.access import home_branch, may_lead
from handlers.core.context import Context
from handlers.core.replies import esc, refuse, reply, reply_lines, say
from storage.records import MemberMatch
from storage.rows import Branch


async def scope(update: Update, context: Context, command: str,
                branch_arg: str | None = None) -> Branch | None:
    """The branch a secretary's command acts on, or None after answering why not.

    Without an argument it is the secretary's own branch (the root for an admin); with
    one it must be a branch id within their subtree. Every check reads the database.
    Under a pressed button the reason is an alert.
    """
    actor = context.actor
    assert actor is not None
    store = context.store
    home = await home_branch(store, actor)
    if home is None:
        if actor.is_admin:
            await say(update, context.t("admin.no_branches"))
            return None
        branch_name = actor.person.branch_name if actor.person else None
        key = "deny.secretary_only" if branch_name else "deny.secretary_only_nobranch"
        await refuse(update, context, key, action=command, branch_id=actor.branch_id,
                     command=f"/{command}", branch=esc(branch_name or ""))
        return None
    target_id = home
    if branch_arg is not None:
        raw = branch_arg.lstrip("#")
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
            await say(update, context.t("branch.bad_id", value=esc(branch_arg[:20])))
            return None
        target_id = int(raw)
    branch = await store.branches.get(target_id)
    if branch is None:
        await say(update, context.t("branch.unknown", id=target_id))
        return None
    if not await may_lead(store, actor, branch.id):
        await refuse(update, context, "deny.outside_scope", action=command,
                     branch_id=branch.id, branch=esc(branch.name))
        return None
    return branch


async def named_member(update: Update, context: Context, command: str,
                  query: str) -> MemberMatch | None:
    """The member a secretary names, within the subtree they lead; None after answering."""
    branch = await scope(update, context, command)
    if branch is None:
        return None
    found = await context.store.records.find_members(branch.id, query)
    wanted = query.lstrip("@").lower()

    def is_exact(m: MemberMatch) -> bool:
        by_username = m.username is not None and wanted == m.username.lower()
        return by_username or str(m.member_id) == query or m.name.lower() == query.lower()

    exact = [m for m in found if is_exact(m)]
    if len(exact) == 1:
        return exact[0]
    if len(found) == 1:
        return found[0]
    if not found:
        await reply(update, context.t("record.no_member", query=esc(query[:40]),
                                      branch=esc(branch.name)))
        return None
    lines = [context.t("record.ambiguous", query=esc(query[:40]))]
    lines.extend(f"• {esc(m.name)}" + (f" @{esc(m.username)}" if m.username else "")
                 + f" (#{m.member_id}, {esc(m.branch_name)})" for m in found)
    await reply_lines(update, lines)
    return None
