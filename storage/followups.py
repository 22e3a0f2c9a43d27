"""Follow-ups of task assignees: the answer window, who may still get one, and their rows
in the one ledger of runs (`storage.runs`), keyed "task:<task>:<member>"."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage import sql
from storage.db import Database
from storage.rows import Recipient
from storage.runs import RunDone
from storage.tasks import DEFAULT_ANSWER_WITHIN, Followup, Watched
from storage.times import from_iso, iso

KINDS = ("remind", "escalate", "overdue")
# A follow-up's key in the ledger of runs (`storage/migrations/0010_one_ledger.sql`).
_KEY = "'task:' || t.id || ':' || a.member_id"


def key(task_id: int, member_id: int) -> str:
    """The ledger's key of a follow-up of one assignee of a task."""
    return f"task:{task_id}:{member_id}"


# Each branch's effective answer_within_minutes, inherited from the nearest ancestor.
_WITHIN = """
within(id, minutes) AS (
    SELECT id, COALESCE(answer_within_minutes, :default) FROM branches WHERE parent_id IS NULL
    UNION ALL
    SELECT b.id, COALESCE(b.answer_within_minutes, within.minutes)
      FROM branches b JOIN within ON b.parent_id = within.id
)"""


TURN = 1000  # rows made into values before the event loop is given a turn


def _watched(r: Any) -> Watched:
    return Watched(r[0], r[1], bool(r[2]), from_iso(r[3]), r[4], datetime.fromisoformat(r[5]),
                   Recipient(r[6], r[7], r[8], r[9]), Recipient(r[10], r[11], r[12], r[13]),
                   r[14], bool(r[15]), bool(r[16]), bool(r[17]))


class Followups:
    """The answer window of each branch and the ledger of follow-ups."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.on_done: RunDone | None = None  # told each follow-up recorded (see `Runs`)

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
                       m.id, {sql.display_name("m")}, m.language, m.telegram_language,
                       s.id, {sql.display_name("s")}, s.language, s.telegram_language,
                       w.minutes,
                       EXISTS (SELECT 1 FROM runs r WHERE r.branch_id = t.branch_id
                                  AND r.kind = 'remind' AND r.day = {_KEY}),
                       EXISTS (SELECT 1 FROM runs r WHERE r.branch_id = t.branch_id
                                  AND r.kind = 'escalate' AND r.day = {_KEY}),
                       EXISTS (SELECT 1 FROM runs r WHERE r.branch_id = t.branch_id
                                  AND r.kind = 'overdue' AND r.day = {_KEY})
                  FROM assignments a INDEXED BY assignments_to_follow
                  CROSS JOIN tasks t ON t.id = a.task_id
                  JOIN members m ON m.id = a.member_id
                  JOIN members s ON s.id = t.created_by
                  JOIN within w ON w.id = t.branch_id
                 WHERE a.followed_up = 0
                 ORDER BY t.id, m.id""",
            {"default": DEFAULT_ANSWER_WITHIN})
        watched: list[Watched] = []
        for start in range(0, len(rows), TURN):  # the bot answers between turns (a catch-up
            watched.extend(_watched(r) for r in rows[start:start + TURN])  # reads thousands)
            await asyncio.sleep(0)
        return watched

    async def record(self, followups: Sequence[Followup], *, at: datetime,
                     finished: Sequence[tuple[int, int]] = ()) -> int:
        """Record each follow-up in the ledger and queue its messages, in one transaction;
        mark the (task, member) assignees in `finished` as followed up (no more can come).

        A follow-up already in the ledger queues nothing. Returns how many messages were queued.
        """
        stamp = iso(at)
        queued = 0
        done: list[str] = []
        async with self.db.transaction() as tx:
            if finished:
                await tx.executemany(
                    "UPDATE assignments SET followed_up = 1 WHERE task_id = ? AND member_id = ?",
                    finished)
            for item in followups:
                fresh = await tx.fetchone(
                    "INSERT INTO runs(branch_id, kind, day, at)"
                    " SELECT branch_id, ?, ?, ? FROM tasks WHERE id = ?"
                    " ON CONFLICT DO NOTHING RETURNING 1",
                    (item.kind, key(item.task_id, item.member_id), stamp, item.task_id))
                if fresh is None:
                    continue
                done.append(item.kind)
                await sql.enqueue(tx, f"task_{item.kind}", item.messages, stamp)
                queued += len(item.messages)
        if self.on_done is not None:
            for kind in done:
                self.on_done(kind)
        return queued

    async def of(self, task_id: int) -> list[tuple[int, str]]:
        """(member, kind) of every follow-up recorded for a task."""
        rows = await self.db.fetchall(
            "SELECT r.day, r.kind FROM runs r"
            " JOIN tasks t ON t.id = ? AND r.branch_id = t.branch_id"
            f" WHERE r.kind IN ({', '.join(repr(k) for k in KINDS)}) AND r.day LIKE ?"
            " ORDER BY r.at, r.day, r.kind",
            (task_id, f"task:{task_id}:%"))
        return [(int(r[0].rpartition(":")[2]), r[1]) for r in rows]
