"""Tasks and their assignees' parts (the follow-ups' rows too: see `storage.followups`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import sql
from storage.db import Database
from storage.rows import NewMessage, Recipient
from storage.times import from_iso, iso

DEFAULT_ANSWER_WITHIN = 120  # minutes, when no branch up the tree sets one


@dataclass(frozen=True, slots=True)
class TaskRow:
    """A task as stored."""

    id: int
    branch_id: int
    branch_name: str
    created_by: int
    title: str
    details: str | None
    due_at: datetime | None
    need_id: int | None
    team_id: int | None
    status: str
    created_at: datetime
    closed_at: datetime | None
    closed_by: int | None


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    """One assignee's part of a task."""

    task_id: int
    member_id: int
    name: str
    state: str
    assigned_at: datetime
    answered_at: datetime | None
    decline_reason: str | None
    done_at: datetime | None
    done_note: str | None
    proof_file_id: str | None


@dataclass(frozen=True, slots=True)
class Watched:
    """An assignee who may still get a follow-up: their task (open or not, due when), their
    state, the branch's answer window and which follow-ups the ledger already holds."""

    task_id: int
    title: str
    task_open: bool
    due_at: datetime | None
    state: str
    assigned_at: datetime
    assignee: Recipient
    secretary: Recipient
    within_minutes: int
    reminded: bool
    escalated: bool
    flagged: bool


@dataclass(frozen=True)
class Followup:
    """A follow-up to record in the ledger, with the messages it sends."""

    task_id: int
    member_id: int
    kind: str  # remind, escalate, overdue
    messages: Sequence[NewMessage]


_TASK = """SELECT t.id, t.branch_id, b.name, t.created_by, t.title, t.details,
                  t.due_at, t.need_id, t.team_id, t.status, t.created_at, t.closed_at, t.closed_by
             FROM tasks t JOIN branches b ON b.id = t.branch_id"""

_ASSIGNMENT = f"""SELECT a.task_id, a.member_id, {sql.display_name("m")}, a.state, a.assigned_at,
                        a.answered_at, a.decline_reason, a.done_at, a.done_note, a.proof_file_id
                   FROM assignments a JOIN members m ON m.id = a.member_id"""


def _task(row: Any) -> TaskRow:
    created = from_iso(row[10])
    assert created is not None
    return TaskRow(row[0], row[1], row[2], row[3], row[4], row[5], from_iso(row[6]), row[7],
                   row[8], row[9], created, from_iso(row[11]), row[12])


def _assignment(row: Any) -> AssignmentRow:
    assigned = from_iso(row[4])
    assert assigned is not None
    return AssignmentRow(row[0], row[1], row[2], row[3], assigned, from_iso(row[5]), row[6],
                         from_iso(row[7]), row[8], row[9])


class Tasks:
    """Tasks and their assignees' parts."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- tasks ----------------------------------------------------------------------------

    async def create(
        self,
        *,
        branch_id: int,
        created_by: int,
        title: str,
        details: str | None,
        due_at: datetime | None,
        need_id: int | None,
        team_id: int | None,
        assignees: Sequence[int],
        messages: Sequence[NewMessage],
        placeholder: str,
        at: datetime,
    ) -> int:
        """Write the task, one pending assignment per assignee and their messages, at once.

        `placeholder` in the messages' text and buttons becomes the new task's id.
        """
        stamp = iso(at)
        async with self.db.transaction() as tx:
            task_id = (await tx.execute(
                """INSERT INTO tasks(branch_id, created_by, title, details, due_at, need_id,
                                     team_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (branch_id, created_by, title, details, iso(due_at) if due_at else None,
                 need_id, team_id, stamp))).lastrowid
            assert task_id is not None
            await tx.executemany(
                "INSERT INTO assignments(task_id, member_id, assigned_at) VALUES (?, ?, ?)",
                [(task_id, member, stamp) for member in dict.fromkeys(assignees)])
            await sql.enqueue(tx, "task", messages, stamp, placeholder=placeholder,
                              number=str(task_id))
        return task_id

    async def get(self, task_id: int) -> TaskRow | None:
        """One task, or None."""
        row = await self.db.fetchone(f"{_TASK} WHERE t.id = ?", (task_id,))
        return _task(row) if row else None

    async def assignments(self, task_id: int) -> list[AssignmentRow]:
        """Every assignee's part of a task, by name."""
        rows = await self.db.fetchall(
            f"{_ASSIGNMENT} WHERE a.task_id = ? ORDER BY m.first_name, m.id", (task_id,))
        return [_assignment(r) for r in rows]

    async def assignment(self, task_id: int, member_id: int) -> AssignmentRow | None:
        """One assignee's part of a task, or None if they are not an assignee."""
        row = await self.db.fetchone(f"{_ASSIGNMENT} WHERE a.task_id = ? AND a.member_id = ?",
                                     (task_id, member_id))
        return _assignment(row) if row else None

    async def open_of(self, member_id: int) -> list[tuple[TaskRow, str]]:
        """The member's parts still to do (pending or accepted) of open tasks, soonest due."""
        rows = await self.db.fetchall(
            """SELECT t.id, t.branch_id, b.name, t.created_by, t.title, t.details, t.due_at,
                      t.need_id, t.team_id, t.status, t.created_at, t.closed_at, t.closed_by,
                      a.state
                 FROM tasks t JOIN branches b ON b.id = t.branch_id
                 JOIN assignments a ON a.task_id = t.id
                WHERE a.member_id = ? AND t.status = 'open'
                  AND a.state IN ('pending', 'accepted')
                ORDER BY t.due_at IS NULL, t.due_at, t.id""",
            (member_id,))
        return [(_task(r), r[13]) for r in rows]

    async def answer_assignment(
        self,
        task_id: int,
        member_id: int,
        *,
        accept: bool,
        reason: str | None,
        at: datetime,
        messages: Sequence[NewMessage] = (),
    ) -> bool:
        """Accept or decline a pending part of an open task, queueing `messages` with it.

        False (and nothing written) if the part is not pending or the task is closed, so
        that a double press never records twice.
        """
        stamp = iso(at)
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                """UPDATE assignments SET state = ?, answered_at = ?, decline_reason = ?
                    WHERE task_id = ? AND member_id = ? AND state = 'pending'
                      AND (SELECT status FROM tasks WHERE id = ?) = 'open'
                   RETURNING 1""",
                ("accepted" if accept else "declined", stamp, None if accept else reason,
                 task_id, member_id, task_id))
            if row is None:
                return False
            await sql.enqueue(tx, "task", messages, stamp)
        return True

    async def finish_assignment(self, task_id: int, member_id: int, *, note: str | None,
                                proof_file_id: str | None, at: datetime) -> tuple[bool, bool]:
        """Mark an accepted part done; (recorded, task closed by it).

        The task closes when at least one part is done and every part not declined is done.
        """
        stamp = iso(at)
        async with self.db.transaction() as tx:
            done = await tx.fetchone(
                """UPDATE assignments SET state = 'done', done_at = ?, done_note = ?,
                          proof_file_id = ?
                    WHERE task_id = ? AND member_id = ? AND state = 'accepted'
                      AND (SELECT status FROM tasks WHERE id = ?) = 'open'
                   RETURNING 1""",
                (stamp, note, proof_file_id, task_id, member_id, task_id))
            if done is None:
                return False, False
            closed = await tx.fetchone(
                """UPDATE tasks SET status = 'done', closed_at = ?
                    WHERE id = ? AND status = 'open'
                      AND NOT EXISTS (SELECT 1 FROM assignments WHERE task_id = ?
                                       AND state IN ('pending', 'accepted'))
                      AND EXISTS (SELECT 1 FROM assignments WHERE task_id = ? AND state = 'done')
                   RETURNING 1""",
                (stamp, task_id, task_id, task_id))
        return True, closed is not None

    async def close(self, task_id: int, status: str, *, by: int | None, at: datetime) -> bool:
        """Close an open task as done or cancelled; False if it was not open."""
        assert status in ("done", "cancelled")
        row = await self.db.write_one(
            "UPDATE tasks SET status = ?, closed_at = ?, closed_by = ?"
            " WHERE id = ? AND status = 'open' RETURNING 1",
            (status, iso(at), by, task_id))
        return row is not None
