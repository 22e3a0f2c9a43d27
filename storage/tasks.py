"""Queries of teams, tasks, assignments and their follow-ups (mixed into `Store`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.db import Database, Transaction
from storage.outbox import NewMessage
from storage.times import from_iso, iso

DEFAULT_ANSWER_WITHIN = 120  # minutes, when no branch up the tree sets one

# Each branch's effective answer_within_minutes, inherited from the nearest ancestor.
_WITHIN = """
within(id, minutes) AS (
    SELECT id, COALESCE(answer_within_minutes, :default) FROM branches WHERE parent_id IS NULL
    UNION ALL
    SELECT b.id, COALESCE(b.answer_within_minutes, within.minutes)
      FROM branches b JOIN within ON b.parent_id = within.id
)"""

_DOWN = """
down(id) AS (
    SELECT :root UNION ALL
    SELECT b.id FROM branches b JOIN down ON b.parent_id = down.id
)"""

_NAME = "CASE WHEN {m}.last_name IS NULL THEN {m}.first_name" \
        " ELSE {m}.first_name || ' ' || {m}.last_name END"


@dataclass(frozen=True, slots=True)
class TeamMember:
    """A member of a team."""

    member_id: int
    name: str
    username: str | None


@dataclass(frozen=True, slots=True)
class Team:
    """A named group of members of a branch."""

    id: int
    branch_id: int
    branch_name: str
    name: str
    members: list[TeamMember] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Contact:
    """Whom to send to, and in which language."""

    member_id: int
    name: str
    language: str | None
    telegram_language: str | None


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
    assignee: Contact
    secretary: Contact
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

_ASSIGNMENT = f"""SELECT a.task_id, a.member_id, {_NAME.format(m="m")}, a.state, a.assigned_at,
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


def _encoded(message: NewMessage, placeholder: str | None, number: str) -> tuple[str, str | None]:
    text, buttons = message.text, message.buttons
    if placeholder:
        text = text.replace(placeholder, number)
        if buttons:
            buttons = [[(label, data.replace(placeholder, number)) for label, data in row]
                       for row in buttons]
    return text, json.dumps(buttons, ensure_ascii=False) if buttons else None


async def _queue(tx: Transaction, kind: str, messages: Sequence[NewMessage],
                 stamp: str, placeholder: str | None = None, number: str = "") -> None:
    rows = []
    for m in messages:
        text, buttons = _encoded(m, placeholder, number)
        rows.append((kind, m.chat_id, m.member_id, text, buttons, stamp))
    if rows:
        await tx.executemany(
            "INSERT INTO outbox(kind, chat_id, member_id, text, buttons, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)", rows)


class TaskQueries:
    """Teams, tasks, assignees, follow-up ledger."""

    db: Database

    # --- teams ----------------------------------------------------------------------------

    async def teams(self, root_id: int) -> list[Team]:
        """The teams of the branch and every branch below it, with their members."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {_DOWN}
                SELECT t.id, t.branch_id, b.name, t.name, m.id, {_NAME.format(m="m")},
                       m.username
                  FROM down JOIN teams t ON t.branch_id = down.id
                  JOIN branches b ON b.id = t.branch_id
                  LEFT JOIN team_members tm ON tm.team_id = t.id
                  LEFT JOIN members m ON m.id = tm.member_id
                 ORDER BY t.branch_id, t.name, t.id, m.first_name, m.id""",
            {"root": root_id})
        teams: dict[int, Team] = {}
        for r in rows:
            team = teams.setdefault(r[0], Team(r[0], r[1], r[2], r[3], []))
            if r[4] is not None:
                team.members.append(TeamMember(r[4], r[5], r[6]))
        return list(teams.values())

    async def create_team(self, branch_id: int, name: str, *, created_by: int | None,
                          at: datetime) -> int | None:
        """Add a team to the branch; None if the branch has one of that name already."""
        row = await self.db.write_one(
            "INSERT INTO teams(branch_id, name, created_by, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(branch_id, name) DO NOTHING RETURNING id",
            (branch_id, name, created_by, iso(at)))
        return int(row[0]) if row else None

    async def add_team_member(self, team_id: int, member_id: int, *, at: datetime) -> bool:
        """Put a member in a team; False if they were in it already."""
        row = await self.db.write_one(
            "INSERT INTO team_members(team_id, member_id, added_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING 1", (team_id, member_id, iso(at)))
        return row is not None

    async def remove_team_member(self, team_id: int, member_id: int) -> bool:
        """Take a member out of a team; False if they were not in it."""
        row = await self.db.write_one(
            "DELETE FROM team_members WHERE team_id = ? AND member_id = ? RETURNING 1",
            (team_id, member_id))
        return row is not None

    async def delete_team(self, team_id: int) -> bool:
        """Delete a team (tasks given to it keep their assignees)."""
        async with self.db.transaction() as tx:
            await tx.execute("UPDATE tasks SET team_id = NULL WHERE team_id = ?", (team_id,))
            row = await tx.fetchone("DELETE FROM teams WHERE id = ? RETURNING 1", (team_id,))
        return row is not None

    # --- people ---------------------------------------------------------------------------

    async def contacts(self, member_ids: Sequence[int]) -> list[Contact]:
        """Name and languages of each member, in the order asked (unknown ids left out)."""
        rows = await self.db.fetchall(
            f"SELECT m.id, {_NAME.format(m='m')}, m.language, m.telegram_language"
            " FROM members m WHERE m.id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(member_ids)),))
        found = {r[0]: Contact(r[0], r[1], r[2], r[3]) for r in rows}
        return [found[i] for i in member_ids if i in found]

    # --- tasks ----------------------------------------------------------------------------

    async def create_task(
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
            await _queue(tx, "task", messages, stamp, placeholder, str(task_id))
        return task_id

    async def task(self, task_id: int) -> TaskRow | None:
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

    async def open_tasks_of(self, member_id: int) -> list[tuple[TaskRow, str]]:
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
            await _queue(tx, "task", messages, stamp)
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

    async def close_task(self, task_id: int, status: str, *, by: int | None,
                         at: datetime) -> bool:
        """Close an open task as done or cancelled; False if it was not open."""
        assert status in ("done", "cancelled")
        row = await self.db.write_one(
            "UPDATE tasks SET status = ?, closed_at = ?, closed_by = ?"
            " WHERE id = ? AND status = 'open' RETURNING 1",
            (status, iso(at), by, task_id))
        return row is not None


    # --- follow-up ------------------------------------------------------------------------

    async def set_answer_within(self, branch_id: int, minutes: int | None) -> None:
        """Set how long the branch's assignees have to answer (None: inherit)."""
        await self.db.execute("UPDATE branches SET answer_within_minutes = ? WHERE id = ?",
                              (minutes, branch_id))

    async def assignees_to_follow(self) -> list[Watched]:
        """Every assignee who may still get a follow-up (`followed_up` = 0), with their task,
        its branch's answer window and what the ledger holds. A partial index holds only
        these rows, so the minute tick reads them and not the history of tasks."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {_WITHIN}
                SELECT t.id, t.title, t.status = 'open', t.due_at, a.state, a.assigned_at,
                       m.id, {_NAME.format(m="m")}, m.language, m.telegram_language,
                       s.id, {_NAME.format(m="s")}, s.language, s.telegram_language,
                       w.minutes,
                       EXISTS (SELECT 1 FROM followups f WHERE f.task_id = t.id
                                  AND f.member_id = a.member_id AND f.kind = 'remind'),
                       EXISTS (SELECT 1 FROM followups f WHERE f.task_id = t.id
                                  AND f.member_id = a.member_id AND f.kind = 'escalate'),
                       EXISTS (SELECT 1 FROM followups f WHERE f.task_id = t.id
                                  AND f.member_id = a.member_id AND f.kind = 'overdue')
                  FROM assignments a INDEXED BY assignments_to_follow
                  CROSS JOIN tasks t ON t.id = a.task_id
                  JOIN members m ON m.id = a.member_id
                  JOIN members s ON s.id = t.created_by
                  JOIN within w ON w.id = t.branch_id
                 WHERE a.followed_up = 0
                 ORDER BY t.id, m.id""",
            {"default": DEFAULT_ANSWER_WITHIN})
        return [Watched(r[0], r[1], bool(r[2]), from_iso(r[3]), r[4],
                        datetime.fromisoformat(r[5]), Contact(r[6], r[7], r[8], r[9]),
                        Contact(r[10], r[11], r[12], r[13]), r[14], bool(r[15]), bool(r[16]),
                        bool(r[17]))
                for r in rows]

    async def record_followups(self, followups: Sequence[Followup], *, at: datetime,
                               finished: Sequence[tuple[int, int]] = ()) -> int:
        """Record each follow-up in the ledger and queue its messages, in one transaction;
        mark the (task, member) assignees in `finished` as followed up (no more can come).

        A follow-up already in the ledger queues nothing. Returns how many messages were queued.
        """
        stamp = iso(at)
        queued = 0
        async with self.db.transaction() as tx:
            if finished:
                await tx.executemany(
                    "UPDATE assignments SET followed_up = 1 WHERE task_id = ? AND member_id = ?",
                    finished)
            for item in followups:
                fresh = await tx.fetchone(
                    "INSERT INTO followups(task_id, member_id, kind, at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING RETURNING 1",
                    (item.task_id, item.member_id, item.kind, stamp))
                if fresh is None:
                    continue
                await _queue(tx, f"task_{item.kind}", item.messages, stamp)
                queued += len(item.messages)
        return queued

    async def followups_of(self, task_id: int) -> list[tuple[int, str]]:
        """(member, kind) of every follow-up recorded for a task."""
        rows = await self.db.fetchall(
            "SELECT member_id, kind FROM followups WHERE task_id = ? ORDER BY at, member_id, kind",
            (task_id,))
        return [(r[0], r[1]) for r in rows]
