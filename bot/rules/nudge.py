"""`/who`'s "remind them now": the daily reminder, sent at a secretary's press to the members of
a branch's subtree who have not checked in today.

The same message and status buttons as the scheduled reminder (`reminder_messages`: reachable
members without a check-in today, not those cared for since yesterday), each in their language
and their branch's local day. At most once per `INTERVAL` per branch pressed, decided inside the
write (two secretaries pressing at once send one reminder); the messages go through the outbox
and the audit entry (`ACTION`, with the branch and how many were reminded) is written with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.clock import local_day
from bot.rules.deps import Deps
from bot.rules.rhythm.messages import reminder_messages
from storage.rows import NewMessage

INTERVAL = timedelta(hours=1)
ACTION = "who_remind"  # the audit log's action of a reminder from /who


@dataclass(frozen=True)
class Nudged:
    """What the press did: how many were reminded (0: nobody is left to remind), or, if the
    branch was reminded less than `INTERVAL` ago, the minutes left to wait."""

    queued: int
    wait_minutes: int | None = None


async def remind_silent(deps: Deps, branch_id: int, *, by: int) -> Nudged:
    """Remind the reachable members of the branch's subtree without a check-in today."""
    store, now = deps.store, deps.clock.now()
    within = {node.id for node in await store.branches.subtree(branch_id)}
    messages: list[NewMessage] = []
    for schedule in await store.schedules.all():
        if schedule.branch_id not in within:
            continue
        day = local_day(now, schedule.timezone)
        targets = await store.schedules.branch_targets(schedule.branch_id, day,
                                                       day - timedelta(days=1))
        messages += reminder_messages(deps.translate, schedule, targets, day)
    if not messages:
        return Nudged(0)
    last = await store.outbox.enqueue_at_most_every(
        "reminder", messages, interval=INTERVAL, action=ACTION, subject=("branch", branch_id),
        actor_id=by, branch_id=branch_id, detail={"reminded": len(messages)}, at=now)
    if last is not None:
        wait = INTERVAL - (now - last)
        return Nudged(0, max(1, round(wait.total_seconds() / 60)))
    deps.wake_outbox()
    return Nudged(len(messages))
