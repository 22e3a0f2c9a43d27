"""Access checks shared by the features: `member_only` hands a handler the member behind the
update (or answers why not), `scope` the branch a secretary's command acts on; every check
reads the database (the actor is loaded from it for each update)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import Update

from bot.rules import branches, lookup, naming
from bot.rules.access import Actor, home_branch, may_lead
from bot.runtime import logs
from handlers.core import members
from handlers.core.context import Context
from handlers.core.replies import esc, refuse, reply, say
from storage.records import MemberMatch
from storage.rows import Branch, Person

R = TypeVar("R")


@dataclass(frozen=True)
class Member:
    """The member behind an update: the actor, and their person with a branch and timezone."""

    actor: Actor
    person: Person
    branch_id: int
    timezone: str

    @property
    def user_id(self) -> int:
        """The member's Telegram user id (also their id in the database)."""
        return self.actor.user_id


def member_of(actor: Actor | None) -> Member | None:
    """The actor as a member, or None if they belong to no branch."""
    person = actor.person if actor is not None else None
    if actor is None or person is None or person.branch_id is None or not person.timezone:
        return None
    return Member(actor, person, person.branch_id, person.timezone)


async def not_a_member(update: Update, context: Context, refusal: str = "checkin.not_member",
                       short: str = "checkin.not_member_short") -> None:
    """Tell someone who belongs to no branch that this needs a member: `refusal`, or under a
    button `short` as an alert."""
    if update.callback_query is not None:
        await update.callback_query.answer(context.t(short), show_alert=True)
    else:
        await reply(update, context.t(refusal))


Handler = Callable[[Update, Context], Coroutine[Any, Any, R]]


def member_only(refusal: str = "checkin.not_member", *, short: str = "checkin.not_member_short",
                otherwise: Any = None
                ) -> Callable[[Callable[[Update, Context, Member], Coroutine[Any, Any, R]]],
                              Handler[R | None]]:
    """Decorate a handler that needs a member: it gets the `Member`; anyone else is told why
    not (`not_a_member`) and the update ends with `otherwise` (a conversation's END, or None)."""
    def decorate(handler: Callable[[Update, Context, Member], Coroutine[Any, Any, R]]
                 ) -> Handler[R | None]:
        @functools.wraps(handler)
        async def guarded(update: Update, context: Context) -> R | None:
            member = member_of(context.actor)
            if member is not None:
                return await handler(update, context, member)
            await not_a_member(update, context, refusal, short)
            return otherwise
        return guarded
    return decorate


async def scope(update: Update, context: Context, command: str,
                branch_arg: str | None = None) -> Branch | None:
    """The branch a secretary's command acts on, or None after answering why not.

    Without an argument it is the secretary's own branch (the root for an admin); with
    one it must be a branch id within their subtree, not archived. Every check reads the
    database.
    Under a pressed button the reason is an alert.
    """
    actor = context.me
    store = context.store
    home = await home_branch(store, actor)
    if home is None:
        if actor.is_admin:
            await say(update, context.t("admin.no_branches"))
            return None
        branch_name = actor.person.branch_name if actor.person else None
        key = "deny.secretary_only" if branch_name else "deny.secretary_only_nobranch"
        title = await branches.leader_title(store, actor.branch_id, context.language)
        await refuse(update, context, key, action=command, branch_id=actor.branch_id,
                     command=f"/{command}", branch=esc(branch_name or ""), title=esc(title))
        return None
    target_id = home
    if branch_arg is not None:
        raw = branch_arg.lstrip("#")
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
            await say(update, context.t("branch.bad_id", value=esc(branch_arg[:20])))
            return None
        target_id = int(raw)
    branch = await lookup.branch(store, target_id)
    if branch is None:
        await say(update, context.t("branch.unknown", id=target_id))
        return None
    if not await may_lead(store, actor, branch.id):
        await refuse(update, context, "deny.outside_scope", action=command,
                     branch_id=branch.id, branch=esc(branch.name))
        return None
    if branch.archived:
        await say(update, context.t("branch.archived_target", name=esc(branch.name),
                                    id=branch.id))
        return None
    logs.about_branch(branch.id)  # the command acts on it: the log's lines name it
    return branch


async def named_member(update: Update, context: Context, command: str, query: str, *,
                       within: Branch | None = None) -> MemberMatch | None:
    """The member a secretary names (a name, @username, phone or id: `bot.rules.naming`)
    within the subtree they lead, or `within` (a branch of it the caller checked); None
    after answering: nobody, or the candidates as buttons that continue `command` with the
    one pressed (`handlers.core.members`; the press is checked here again)."""
    branch = within or await scope(update, context, command)
    if branch is None:
        return None
    picked = members.chosen(command, query)
    if picked is not None:
        match = await naming.member_in(context.store, branch.id, picked)
        if match is None:
            await reply(update, context.t("list.gone", branch=esc(branch.name)))
        return match
    named = await naming.resolve(context.store, branch.id, query)
    if named.member is not None:
        return named.member
    if not named.candidates:
        await reply(update, context.t("list.nobody", query=esc(query[:40]),
                                      branch=esc(branch.name)))
        return None
    await members.offer(update, context, command, query, named)
    return None
