"""Members' records: conduct notes and the figures of a period."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from storage import sql
from storage.db import Database
from storage.times import from_iso, iso

_TELEGRAM_NAME = sql.telegram_name("m")

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
    """A member found by name, @username, phone or id within a subtree.

    `rank`: 0 the words are the member's id, phone or username; 1 their whole name (the
    organization's or Telegram's); 2 part of it (`bot.rules.naming` decides with it)."""

    member_id: int
    name: str
    username: str | None
    branch_id: int
    branch_name: str
    rank: int = 2


@dataclass(frozen=True, slots=True)
class NamedMember:
    """A member of a subtree with everything they may be named by (a file's cells are
    matched against it in Python: `bot.rules.naming.Directory`)."""

    member_id: int
    name: str  # as shown: the organization's, else Telegram's
    telegram_name: str
    username: str | None
    phone: str | None
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
        telegram = _TELEGRAM_NAME
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
        return [MemberMatch(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    async def member_in_subtree(self, root_id: int, member_id: int) -> MemberMatch | None:
        """The member, if they belong to the subtree (rank 0: named by id)."""
        row = await self.db.fetchone(
            f"""WITH RECURSIVE {sql.subtree()}
               SELECT m.id, {sql.display_name('m')}, m.username, ms.branch_id, b.name
                 FROM memberships ms JOIN members m ON m.id = ms.member_id
                 JOIN branches b ON b.id = ms.branch_id
                WHERE ms.member_id = :member AND ms.branch_id IN (SELECT id FROM down)""",
            {"root": root_id, "member": member_id})
        return MemberMatch(row[0], row[1], row[2], row[3], row[4], 0) if row else None

    async def members_named(self, root_id: int, *, ids: Iterable[int], usernames: Iterable[str],
                            phones: Iterable[str], names: Iterable[str]) -> list[NamedMember]:
        """Members of the subtree whose id, @username, phone or whole name (the
        organization's or Telegram's) is among those given, in one query (a file names
        thousands). `usernames` and `names` are compared ignoring ASCII case, as
        `COLLATE NOCASE` does: give them lowered that way."""
        name = sql.display_name("m")
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()}
               SELECT m.id, {name}, {_TELEGRAM_NAME}, m.username, m.phone, ms.branch_id, b.name
                 FROM down JOIN memberships ms ON ms.branch_id = down.id
                 JOIN members m ON m.id = ms.member_id JOIN branches b ON b.id = ms.branch_id
                WHERE m.id IN (SELECT value FROM json_each(:ids))
                   OR lower(m.username) IN (SELECT value FROM json_each(:usernames))
                   OR m.phone IN (SELECT value FROM json_each(:phones))
                   OR lower({name}) IN (SELECT value FROM json_each(:names))
                   OR lower({_TELEGRAM_NAME}) IN (SELECT value FROM json_each(:names))
                ORDER BY m.id""",
            {"root": root_id, "ids": json.dumps(sorted(set(ids))),
             "usernames": json.dumps(sorted(set(usernames)), ensure_ascii=False),
             "phones": json.dumps(sorted(set(phones))),
             "names": json.dumps(sorted(set(names)), ensure_ascii=False)})
        return [NamedMember(*r) for r in rows]

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
