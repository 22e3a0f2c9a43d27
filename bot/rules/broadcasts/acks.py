"""Acknowledgements: a recipient's "received" button, the secretaries' `/broadcasts` list, and
reminders to those who have not acknowledged.

A reminder is one text message to each reachable member who has not acknowledged, through
the outbox, with the same button; a broadcast's reminders are at most one per
`REMIND_INTERVAL` (10 minutes), counted from the audit log inside the write, so that a double
tap or two secretaries pressing at once send one reminder, not two.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.i18n import pick_language
from bot.rules.broadcasts.drafts import REMIND_INTERVAL, Draft, reminder
from bot.rules.callbacks import Ack
from bot.rules.deps import Deps
from storage.rows import BroadcastCounts, BroadcastRow, NewMessage, Recipient
from storage.store import Store

REMIND_ACTION = "broadcast_remind"  # the audit log's action of a reminder (and its refusal)


class Acknowledged(Enum):
    """What pressing "received" did."""

    NOT_FOR_YOU = "not_for_you"  # no such broadcast, none asked for, or not a recipient
    ALREADY = "already"
    THANKS = "thanks"  # counted now


async def acknowledge(deps: Deps, broadcast_id: int, member_id: int,
                      chat_id: int) -> Acknowledged:
    """The member acknowledges the broadcast for themself (in `chat_id`: their private chat
    or a linked group), if it asked for acknowledgement and was for them; once."""
    store = deps.store
    row = await store.broadcasts.get(broadcast_id)
    if row is None or not row.ack_required \
            or not await store.broadcasts.is_recipient(broadcast_id, member_id):
        return Acknowledged.NOT_FOR_YOU
    if not await store.broadcasts.acknowledge(broadcast_id, member_id, chat_id,
                                              at=deps.clock.now()):
        return Acknowledged.ALREADY
    return Acknowledged.THANKS


async def get(store: Store, broadcast_id: int) -> BroadcastRow | None:
    """One broadcast, or None."""
    return await store.broadcasts.get(broadcast_id)


@dataclass(frozen=True)
class Listed:
    """A broadcast of `/broadcasts` with where it stands."""

    row: BroadcastRow
    counts: BroadcastCounts


async def recent(store: Store, branch_id: int, limit: int = 10) -> list[Listed]:
    """The latest broadcasts of the branch's subtree, newest first, with their counts."""
    return [Listed(row, await store.broadcasts.counts(row.id))
            for row in await store.broadcasts.recent(branch_id, limit=limit)]


async def unacknowledged(store: Store, broadcast_id: int) -> list[Recipient]:
    """The recipients who have not acknowledged, reachable or not."""
    return await store.broadcasts.unacknowledged(broadcast_id)


@dataclass(frozen=True)
class Reminded:
    """The outcome of a reminder: how many were queued (0: every reachable recipient has
    acknowledged), or, if the last reminder was too recent, the minutes left to wait."""

    queued: int
    wait_minutes: int | None = None


async def remind(deps: Deps, row: BroadcastRow, actor_id: int, *,
                 default_locale: str) -> Reminded:
    """Remind the reachable members who have not acknowledged `row`, each in their language
    (else the branch's, else `default_locale`), unless a reminder of it went out less than
    `REMIND_INTERVAL` ago. The messages and the audit entry are written together; the outbox
    is woken when something was queued."""
    store, now = deps.store, deps.clock.now()
    targets = [p for p in await store.broadcasts.unacknowledged(row.id) if p.reachable]
    if not targets:
        return Reminded(0)
    author = await store.people.get(row.author_id)
    branch = await store.branches.get(row.branch_id)
    draft = Draft(row.branch_id, row.branch_name, author.display_name if author else "",
                  body=row.body)
    default = branch.locale if branch else default_locale
    messages = []
    for person in targets:
        language = pick_language(person.language, person.telegram_language, default)
        label = deps.translate(language, "broadcast.received")
        messages.append(NewMessage(
            person.member_id, person.member_id,
            reminder(deps.translate, language, draft, row.id),
            [[(label, Ack(row.id).pack())]]))
    # Once per REMIND_INTERVAL, decided inside the write: two secretaries pressing at the
    # same moment send one reminder, not two.
    last = await store.outbox.enqueue_at_most_every(
        "reminder", messages, interval=REMIND_INTERVAL, action=REMIND_ACTION,
        subject=("broadcast", row.id), actor_id=actor_id, branch_id=row.branch_id,
        detail={"reminded": len(messages)}, at=now)
    if last is not None:
        wait = REMIND_INTERVAL - (now - last)
        return Reminded(0, max(1, round(wait.total_seconds() / 60)))
    deps.wake_outbox()
    return Reminded(len(messages))
