"""The needs, tasks and visits sheets: one row each (tasks: one per assignee), every instant
as a date-time cell in the row's branch's timezone, and the durations that matter as numbers.

- needs open at some moment of the period: minutes from the report to the first action (the
  first task given for it, or its closing if that came first), hours to its resolution;
- tasks open at some moment of the period, a row per assignee: minutes from the assignment to
  the answer (accept or decline), hours to done, and whether it ran overdue;
- visits of the period: hours since the household's contact before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from bot.rules.export.job import PIECE, Job, hours, minutes
from bot.rules.export.xlsx import Sheet


def _at(stamp: object) -> datetime | None:
    return datetime.fromisoformat(stamp) if isinstance(stamp, str) and stamp else None


async def _pages(job: Job, sheet: Sheet,
                 read: Callable[[int], Awaitable[list[tuple[Any, ...]]]],
                 row: Callable[[tuple[Any, ...]], list[object]]) -> None:
    """Read page after page (ids after the last one read), write each."""
    after = 0
    while True:
        found = await read(after)
        if not found:
            break

        def make(found: list[tuple[Any, ...]] = found) -> tuple[list[Sequence[Any]], None]:
            return [row(r) for r in found], None

        await job.write(sheet, make)
        after = int(found[-1][0])
    await job.close(sheet)


async def needs(job: Job) -> None:
    """Write the needs sheet."""
    cols = ("need_id", "branch", "reporter", "for_whom", "category", "urgency", "need_status",
            "details", "location", "household", "reported_at", "first_action_at",
            "minutes_to_action", "closed_at", "hours_to_resolution", "status_note")
    sheet = job.sheet("needs", [job.t(f"export.col.{c}") for c in cols])
    for_self = job.t("need.for_self")

    def row(r: tuple[Any, ...]) -> list[object]:
        (need_id, branch, reporter, for_whom, category, urgency, status, details, location,
         household, created, first_task, closed, note) = r
        opened, tasked, ended = _at(created), _at(first_task), _at(closed)
        action = min((x for x in (tasked, ended) if x is not None), default=None)
        resolved = ended if status == "resolved" else None
        return [need_id, job.branch_name(branch), reporter, for_whom or for_self,
                job.word(f"need.cat_{category}_word"),
                job.word(f"need.urg_{urgency}_word"),
                job.word(f"need.status_{status}_word"), details, location, household,
                job.local(created, branch),
                job.local(action.isoformat() if action else None, branch),
                minutes(action, opened), job.local(closed, branch), hours(resolved, opened),
                note]

    await _pages(job, sheet, lambda after: job.store.export.needs(
        job.root.id, start=job.start, end=job.end, after=after, limit=PIECE), row)


async def tasks(job: Job) -> None:
    """Write the tasks sheet (a row per assignee)."""
    cols = ("task_id", "branch", "title", "given_by", "team", "need_id", "given_at", "due_at",
            "task_status", "closed_at", "assignee", "assignment_state", "assigned_at",
            "answered_at", "minutes_to_answer", "done_at", "hours_to_done", "overdue",
            "decline_reason", "done_note")
    sheet = job.sheet("tasks", [job.t(f"export.col.{c}") for c in cols])
    yes, no = job.word("export.word.yes"), job.word("export.word.no")
    as_of = job.as_of

    def row(r: tuple[Any, ...]) -> list[object]:
        (task_id, branch, title, given_by, team, need_id, created, due, status, closed,
         assignee, state, assigned, answered, reason, done, done_note) = r
        due_at, done_at, closed_at = _at(due), _at(done), _at(closed)
        overdue = None
        if state is not None and state != "declined" and due_at is not None:
            late = done_at > due_at if done_at else (
                due_at < as_of and (closed_at is None or closed_at > due_at))
            overdue = yes if late else no
        return [task_id, job.branch_name(branch), title, given_by, team, need_id,
                job.local(created, branch), job.local(due, branch),
                job.word(f"export.word.task.{status}"), job.local(closed, branch), assignee,
                job.word(f"export.word.assignment.{state}") if state else None,
                job.local(assigned, branch), job.local(answered, branch),
                minutes(_at(answered), _at(assigned)), job.local(done, branch),
                hours(done_at, _at(assigned)), overdue, reason, done_note]

    await _pages(job, sheet, lambda after: job.store.export.tasks(
        job.root.id, start=job.start, end=job.end, after=after, limit=PIECE), row)


async def visits(job: Job) -> None:
    """Write the visits sheet."""
    cols = ("visit_id", "branch", "zone", "household", "visited_by", "outcome", "visited_at",
            "hours_since_contact", "note")
    sheet = job.sheet("visits", [job.t(f"export.col.{c}") for c in cols])

    def row(r: tuple[Any, ...]) -> list[object]:
        visit_id, branch, zone, household, member, outcome, at, before, note = r
        return [visit_id, job.branch_name(branch), zone, household, member,
                job.word(f"visit.outcome_{outcome}"), job.local(at, branch),
                hours(_at(at), _at(before)), note]

    await _pages(job, sheet, lambda after: job.store.export.visits(
        job.root.id, start=job.start, end=job.end, after=after, limit=PIECE), row)
