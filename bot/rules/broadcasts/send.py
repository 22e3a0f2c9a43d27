"""Sending a broadcast: the sizes the `/broadcast` conversation shows, the Send use case, and
the author's status message that the outbox edits as it delivers.

Send checks the secretary's rights against the database again, then writes the broadcast,
one outbox row per recipient and the audit entry in one transaction (`queue`), before the
author is told it is queued. Only once the author's status message exists is it attached and
the outbox woken (`attach_status`), so that the worker's first progress edit cannot come
before the "queued" answer it replaces.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from bot.i18n import pick_language
from bot.rules.access import Actor, may_lead
from bot.rules.broadcasts.drafts import ID_PLACEHOLDER, Draft, audience, copies
from bot.rules.callbacks import Ack
from bot.rules.deps import Deps
from storage.rows import BroadcastCounts, BroadcastRow, Buttons, Person
from storage.store import Store

Problem = tuple[int | None, int, str, str]  # (member id, chat id, name, state)


async def scope_sizes(store: Store, branch_id: int, author_id: int) -> tuple[int, int]:
    """How many members, the author left out, a broadcast would reach in the branch itself
    and in its whole subtree."""
    own = await store.broadcasts.recipients(branch_id, subtree=False)
    everyone = await store.broadcasts.recipients(branch_id, subtree=True)
    return (sum(r.member_id != author_id for r in own),
            sum(r.member_id != author_id for r in everyone))


async def linked_groups(store: Store, branch_id: int, *, subtree: bool) -> int:
    """How many group chats are linked to the branch (or, with `subtree`, to it and below)."""
    return len(await store.branches.group_chats(branch_id, subtree=subtree))


class Sending(Enum):
    """What Send did."""

    OUTSIDE_SCOPE = "outside_scope"  # the secretary no longer leads the branch: nothing sent
    NOBODY = "nobody"  # no recipient left: nothing sent
    QUEUED = "queued"


@dataclass(frozen=True)
class Queued:
    """The outcome of Send: the new broadcast's id and how many copies were queued."""

    result: Sending
    broadcast_id: int = 0
    total: int = 0


async def queue(deps: Deps, actor: Actor, draft: Draft) -> Queued:
    """The Send use case: check the actor's rights over the draft's branch again, read the
    recipients now, and write the broadcast, its copies (each in its recipient's language,
    with the "received" button if asked) and the audit entry in one transaction. The outbox
    is woken by `attach_status`, once the author's status message is known."""
    store = deps.store
    branch = await store.branches.get(draft.branch_id)
    if branch is None or not await may_lead(store, actor, draft.branch_id):
        return Queued(Sending.OUTSIDE_SCOPE)
    people = await audience(store, draft, actor.user_id, with_groups=draft.to_groups)
    default = pick_language(None, None, branch.locale)

    def ack_button(language: str) -> Buttons:
        label = deps.translate(language, "broadcast.received")
        return [[(label, Ack.later(ID_PLACEHOLDER))]]

    messages = copies(deps.translate, draft, people, default_language=default,
                      ack_button=ack_button)
    if not messages:
        return Queued(Sending.NOBODY)
    broadcast_id = await store.broadcasts.create(
        placeholder=ID_PLACEHOLDER, branch_id=branch.id, author_id=actor.user_id,
        scope=draft.scope, body=draft.body, media_kind=draft.media_kind,
        media_file_id=draft.media_file_id, to_groups=draft.to_groups,
        ack_required=draft.ack_required, messages=messages, status_chat_id=None,
        status_message_id=None, at=deps.clock.now())
    return Queued(Sending.QUEUED, broadcast_id, len(messages))


async def attach_status(deps: Deps, broadcast_id: int, chat_id: int, message_id: int, *,
                        report_finished: Callable[[int, bool], Awaitable[None]]) -> None:
    """Remember the author's status message, so that the outbox edits it from now on, and
    wake the outbox. If the broadcast was through already (another wake delivered it before
    the message existed), `report_finished(broadcast_id, True)` gives the final report."""
    await deps.store.broadcasts.set_status_message(broadcast_id, chat_id, message_id)
    row = await deps.store.broadcasts.get(broadcast_id)
    if row is not None and row.finished_at is not None:
        await report_finished(broadcast_id, True)
    deps.wake_outbox()


async def pending_through(store: Store, broadcast_id: int, kinds: frozenset[str] | None) -> int:
    """Messages still to send up to this broadcast's last copy, of the outbox kinds given
    (those that share its lane), counting what was queued before it."""
    return await store.broadcasts.pending_through(broadcast_id, kinds)


@dataclass(frozen=True)
class Status:
    """What the author's status message shows: the broadcast, its author, its counts and,
    once finished, the recipients that were not reached."""

    row: BroadcastRow
    author: Person | None
    counts: BroadcastCounts
    problems: list[Problem] | None


async def status(store: Store, broadcast_id: int, *, finished: bool) -> Status | None:
    """The status of a broadcast for its author's message; None if it has no such message."""
    row = await store.broadcasts.get(broadcast_id)
    if row is None or row.status_chat_id is None or row.status_message_id is None:
        return None
    author = await store.people.get(row.author_id)
    counts = await store.broadcasts.counts(broadcast_id)
    problems = await store.broadcasts.problem_recipients(broadcast_id) if finished else None
    return Status(row, author, counts, problems)
