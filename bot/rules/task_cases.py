"""Tasks' use cases and the reads their screens need, as the task handlers call them.

Each use case takes `Deps` first, does its writes, audit entries and notices through
`bot.rules.tasks` (which holds the rules and messages), and wakes the outbox when it queued
something, so that a handler only parses, calls and renders. Rights are checked by the
handlers' guards before; what changes is re-read here (the roster at Assign, an assignee's part
by the conditional writes of `storage.tasks`).

A module of its own beside `bot.rules.tasks` because that one is near 300 lines of rules and
texts; these are the seams the handlers use.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.rules import tasks
from bot.rules.deps import Deps
from bot.rules.tasks import Draft
from storage.needs import NeedRow
from storage.rows import Branch, Recipient
from storage.store import Store
from storage.tasks import AssignmentRow, TaskRow

# --- reads ----------------------------------------------------------------------------------


async def get(store: Store, task_id: int) -> TaskRow | None:
    """A task, or None."""
    return await store.tasks.get(task_id)


async def open_parts(store: Store, member_id: int) -> list[tuple[TaskRow, str]]:
    """The member's open parts, each task with the part's state."""
    return await store.tasks.open_of(member_id)


async def part_of(store: Store, task_id: int, member_id: int) -> AssignmentRow | None:
    """The member's part of a task, or None if it is not theirs."""
    return await store.tasks.assignment(task_id, member_id)


async def author(store: Store, task: TaskRow) -> str:
    """The name of the secretary who gave the task ("?" if they are gone)."""
    found = await store.people.contacts([task.created_by])
    return found[0].name if found else "?"


async def still_on(store: Store, task: TaskRow) -> int:
    """How many assignees are still on the task (pending or accepted): those a cancel tells."""
    return sum(a.state in ("pending", "accepted") for a in await store.tasks.assignments(task.id))


@dataclass(frozen=True)
class Progress:
    """What `/task <id>` shows besides the task: its branch's timezone (None if the branch is
    gone) and every assignee's part."""

    timezone: str | None
    parts: list[AssignmentRow]


async def progress(store: Store, task: TaskRow) -> Progress:
    """The branch's timezone and each assignee's part of the task."""
    branch = await store.branches.get(task.branch_id)
    return Progress(branch.timezone if branch else None, await store.tasks.assignments(task.id))


async def need_to_assign(store: Store, need_id: int) -> tuple[NeedRow, Branch | None] | None:
    """A need to start `/assign` from, and its branch; None if there is no such need."""
    need = await store.needs.get(need_id)
    if need is None:
        return None
    return need, await store.branches.get(need.branch_id)


# --- use cases ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assigned:
    """What Assign did: the new task (None if none of the chosen is a member any more) and
    how many were given it."""

    task_id: int | None
    assignees: int


async def assign(deps: Deps, draft: Draft, *, by: int) -> Assigned:
    """Give the drafted task to those chosen who are still members of the branch's subtree:
    write it, audit it, queue each assignee's copy, move its need along, wake the outbox."""
    members = {r.member_id for r in await deps.store.rollup.roster(draft.branch_id, {})}
    assignees = [m for m in draft.selected if m in members]
    if not assignees:
        return Assigned(None, 0)
    task_id = await tasks.create(deps.store, deps.translate, draft, by=by, assignees=assignees,
                                 now=deps.clock.now())
    deps.wake_outbox()
    return Assigned(task_id, len(assignees))


async def accept(deps: Deps, task: TaskRow, member_id: int) -> bool:
    """Accept a pending part; False if it was not pending any more."""
    return await deps.store.tasks.answer_assignment(task.id, member_id, accept=True,
                                                    reason=None, at=deps.clock.now())


async def decline(deps: Deps, task: TaskRow, member: Recipient, reason: str) -> bool:
    """Decline a pending part with a reason and tell the assigning secretary; False if it was
    not pending any more."""
    if not await tasks.decline(deps.store, deps.translate, task, member, reason,
                               deps.clock.now()):
        return False
    deps.wake_outbox()
    return True


@dataclass(frozen=True)
class Finished:
    """What Done did: whether the part was recorded done, and whether that closed the task."""

    recorded: bool
    closed: bool


async def finish(deps: Deps, task: TaskRow, member_id: int, *, note: str | None,
                 proof_file_id: str | None) -> Finished:
    """Mark an accepted part done; a task it completes is closed, its secretary told and its
    need resolved."""
    recorded, closed = await tasks.finish(deps.store, deps.translate, task, member_id,
                                          note=note, proof_file_id=proof_file_id,
                                          now=deps.clock.now())
    if recorded:
        deps.wake_outbox()
    return Finished(recorded, closed)


async def close(deps: Deps, task: TaskRow, status: str, *, by: int) -> bool:
    """A secretary marks the task done or cancels it (audited; the need or the assignees are
    told); False if it was not open any more."""
    if not await tasks.close(deps.store, deps.translate, task, status, by=by,
                             now=deps.clock.now()):
        return False
    deps.wake_outbox()
    return True
