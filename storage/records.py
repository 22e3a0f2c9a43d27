"""Members' records: conduct notes and the figures of a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from storage import sql
from storage.db import Database
from storage.times import from_iso, iso


@dataclass(frozen=True, slots=True)
class RecordFigures:
    """What a member did over a period, as stored."""

    checkin_days: int
    statuses: dict[str, int]
    tasks: int
    accepted: int
    declined: int
    done: int
    overdue: int
    answer_seconds: list[float]
    needs_reported: int


@dataclass(frozen=True, slots=True)
class ConductEntry:
    """A commendation or a note."""

    kind: str
    text: str
    author_name: str
    at: datetime


@dataclass(frozen=True, slots=True)
class MemberMatch:
    """A member found by name, @username or id within a subtree."""

    member_id: int
    name: str
    username: str | None
    branch_id: int
    branch_name: str


class Records:
    """Commendations, notes, and a member's record over a period."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def find_members(self, root_id: int, query: str, limit: int = 10, *,
                           phone: str | None = None) -> list[MemberMatch]:
        """Members of the subtree matching `@username`, a Telegram id, the phone number `phone`
        (as `bot.rules.roster.phones.normal_phone` writes it), or part of a name (the
        organization's or Telegram's); exact matches first."""
        text = query.strip()
        by_id = int(text) if text.isascii() and text.isdigit() and len(text) < 19 else -1
        username = text[1:] if text.startswith("@") else text
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        name = sql.display_name("m")
        telegram = "(m.first_name || ' ' || COALESCE(m.last_name, ''))"
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()}
               SELECT m.id, {name}, m.username, ms.branch_id, b.name,
                      CASE WHEN m.id = :id OR m.username = :username COLLATE NOCASE
                                OR (m.phone IS NOT NULL AND m.phone = :phone) THEN 0
                           WHEN {name} = :text COLLATE NOCASE
                                OR {telegram} = :text COLLATE NOCASE THEN 1 ELSE 2 END AS rank
                 FROM down JOIN memberships ms ON ms.branch_id = down.id
                 JOIN members m ON m.id = ms.member_id JOIN branches b ON b.id = ms.branch_id
                WHERE m.id = :id OR m.username = :username COLLATE NOCASE
                   OR (m.phone IS NOT NULL AND m.phone = :phone)
                   OR {name} LIKE :pattern ESCAPE '\\'
                   OR {telegram} LIKE :pattern ESCAPE '\\'
                ORDER BY rank, 2, m.id LIMIT :limit""",
            {"root": root_id, "id": by_id, "username": username, "text": text,
             "phone": phone, "pattern": pattern, "limit": limit})
        return [MemberMatch(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def add_conduct(self, member_id: int, branch_id: int, kind: str, text: str, *,
                          author_id: int, at: datetime) -> int:
        """Record a commendation or a note."""
        return await self.db.execute(
            "INSERT INTO conduct(member_id, branch_id, kind, text, author_id, at)"
            " VALUES (?, ?, ?, ?, ?, ?)", (member_id, branch_id, kind, text, author_id, iso(at)))

    async def conduct_entries(self, member_id: int, start: datetime, end: datetime,
                              kinds: tuple[str, ...] = ("commendation", "note"),
                              ) -> list[ConductEntry]:
        """The member's entries of these kinds (commendations, notes) in [start, end),
        oldest first."""
        marks = ", ".join("?" for _ in kinds) or "NULL"
        rows = await self.db.fetchall(
            f"""SELECT c.kind, c.text, COALESCE({sql.display_name('a')}, ''), c.at FROM conduct c
                  LEFT JOIN members a ON a.id = c.author_id
                 WHERE c.member_id = ? AND c.at >= ? AND c.at < ? AND c.kind IN ({marks})
                 ORDER BY c.at, c.id""",
            (member_id, iso(start), iso(end), *kinds))
        out = []
        for kind, text, author, at in rows:
            when = from_iso(at)
            assert when is not None
            out.append(ConductEntry(kind, text, author, when))
        return out

    async def figures(self, member_id: int, first_day: date, last_day: date,
                      start: datetime, end: datetime, now: datetime) -> RecordFigures:
        """The member's check-ins over the local days, and tasks and needs in [start, end)."""
        status_rows = await self.db.fetchall(
            "SELECT status, count(*) FROM checkins WHERE member_id = ? AND day BETWEEN ? AND ?"
            " GROUP BY status", (member_id, first_day.isoformat(), last_day.isoformat()))
        statuses = {status: count for status, count in status_rows}
        task = await self.db.fetchone(
            """SELECT count(*),
                      count(*) FILTER (WHERE a.state IN ('accepted', 'done')),
                      count(*) FILTER (WHERE a.state = 'declined'),
                      count(*) FILTER (WHERE a.state = 'done'),
                      count(*) FILTER (WHERE t.due_at IS NOT NULL AND a.state != 'declined'
                                       AND ((a.state != 'done' AND t.due_at < :now
                                             AND t.status = 'open')
                                            OR a.done_at > t.due_at))
                 FROM assignments a JOIN tasks t ON t.id = a.task_id
                WHERE a.member_id = :m AND a.assigned_at >= :start AND a.assigned_at < :end""",
            {"m": member_id, "start": iso(start), "end": iso(end), "now": iso(now)})
        answers = await self.db.fetchall(
            """SELECT (julianday(answered_at) - julianday(assigned_at)) * 86400.0
                 FROM assignments WHERE member_id = ? AND answered_at IS NOT NULL
                  AND assigned_at >= ? AND assigned_at < ?""",
            (member_id, iso(start), iso(end)))
        needs = await self.db.fetchone(
            "SELECT count(*) FROM needs WHERE reporter_id = ? AND created_at >= ?"
            " AND created_at < ?", (member_id, iso(start), iso(end)))
        return RecordFigures(
            checkin_days=sum(statuses.values()), statuses=statuses, tasks=task[0],
            accepted=task[1], declined=task[2], done=task[3], overdue=task[4],
            answer_seconds=[float(r[0]) for r in answers], needs_reported=needs[0])
