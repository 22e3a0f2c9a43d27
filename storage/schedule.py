"""Queries of the daily rhythm: the run ledger and branch schedules (mixed into `Store`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage.coverage import DEFAULT_VISIT_EVERY
from storage.db import Database
from storage.outbox import NewMessage
from storage.tasks import DEFAULT_ANSWER_WITHIN, Contact
from storage.times import from_iso, iso

DEFAULT_ALERT_BELOW = 60  # percent, when no branch up the tree sets one
DEFAULT_CRITICAL_WITHIN = 60  # minutes
DAILY_KINDS = ("prompt", "reminder", "escalate_rate", "digest")

# Settings a secretary may set with /settings: the column, and its default when no branch
# up the tree sets it (None: the configured default of the Store, `_d["d_<column>"]`).
SCHEDULE_COLUMNS: dict[str, int | None] = {
    "checkin_time": None, "reminder_time": None, "digest_time": None, "timezone": None,
    "locale": None, "days_off": None, "alert_below": DEFAULT_ALERT_BELOW,
    "critical_within_minutes": DEFAULT_CRITICAL_WITHIN,
    "answer_within_minutes": DEFAULT_ANSWER_WITHIN,
    "visit_every_days": DEFAULT_VISIT_EVERY,
}

_NAME = "CASE WHEN m.last_name IS NULL THEN m.first_name" \
        " ELSE m.first_name || ' ' || m.last_name END"


@dataclass(frozen=True, slots=True)
class Schedule:
    """A branch's effective daily rhythm (inherited values filled in)."""

    branch_id: int
    parent_id: int | None
    name: str
    created_at: datetime
    timezone: str
    locale: str
    checkin_time: str
    reminder_time: str
    digest_time: str
    days_off: str  # "sat,sun"; "" for none
    alert_below: int
    critical_within_minutes: int


@dataclass(frozen=True, slots=True)
class Setting:
    """One schedule setting of a branch: its own value (None: inherited) and the effective one."""

    column: str
    own: str | int | None
    effective: str | int


@dataclass(frozen=True, slots=True)
class Target:
    """A member of a branch with their status today and yesterday (None: no check-in)."""

    contact: Contact
    reachable: bool
    today: str | None
    yesterday: str | None


@dataclass(frozen=True, slots=True)
class CriticalNeed:
    """An open critical need not yet escalated."""

    id: int
    branch_id: int
    category: str
    details: str
    reporter: str
    created_at: datetime


@dataclass(frozen=True)
class Run:
    """A scheduled run to record in the ledger, with the messages it sends.

    `stale_before`: a row already in the ledger for (branch, kind, day) recorded before this
    instant no longer counts (it was done in another timezone's reckoning of that day, or
    before a run that comes earlier in the day): it is recorded anew and the run is done.
    None: any row counts.
    """

    branch_id: int
    kind: str
    day: str  # the local ISO day, or "need:<id>" for escalate_need
    messages: Sequence[NewMessage]
    stale_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class OwnTimes:
    """A branch's own clock times (None: inherited), for checking their order."""

    branch_id: int
    parent_id: int | None
    name: str
    checkin_time: str | None
    reminder_time: str | None
    digest_time: str | None


def _effective(column: str) -> str:
    default = SCHEDULE_COLUMNS[column]
    fallback = f":d_{column}" if default is None else str(default)
    if column == "days_off":
        fallback = "''"
    return (f"COALESCE((SELECT {column} FROM up WHERE {column} IS NOT NULL"
            f" ORDER BY depth LIMIT 1), {fallback})")


class ScheduleQueries:
    """The ledger of daily runs (branch, kind, local day) and what each run needs."""

    db: Database
    _d: dict[str, str]  # the configured defaults, set by Store

    async def schedules(self) -> list[Schedule]:
        """Every branch with its effective rhythm, walked down from the roots."""
        rows = await self.db.fetchall(
            """WITH RECURSIVE eff(id, parent_id, name, created_at, timezone, locale, checkin,
                                  reminder, digest, days_off, alert, critical) AS (
                   SELECT id, parent_id, name, created_at, COALESCE(timezone, :d_timezone),
                          COALESCE(locale, :d_locale), COALESCE(checkin_time, :d_checkin_time),
                          COALESCE(reminder_time, :d_reminder_time),
                          COALESCE(digest_time, :d_digest_time), COALESCE(days_off, ''),
                          COALESCE(alert_below, :alert),
                          COALESCE(critical_within_minutes, :critical)
                     FROM branches WHERE parent_id IS NULL
                   UNION ALL
                   SELECT b.id, b.parent_id, b.name, b.created_at,
                          COALESCE(b.timezone, e.timezone), COALESCE(b.locale, e.locale),
                          COALESCE(b.checkin_time, e.checkin),
                          COALESCE(b.reminder_time, e.reminder),
                          COALESCE(b.digest_time, e.digest), COALESCE(b.days_off, e.days_off),
                          COALESCE(b.alert_below, e.alert),
                          COALESCE(b.critical_within_minutes, e.critical)
                     FROM branches b JOIN eff e ON b.parent_id = e.id)
               SELECT * FROM eff ORDER BY id""",
            {**self._d, "alert": DEFAULT_ALERT_BELOW, "critical": DEFAULT_CRITICAL_WITHIN})
        out = []
        for r in rows:
            created = from_iso(r[3])
            assert created is not None
            out.append(Schedule(r[0], r[1], r[2], created, *r[4:]))
        return out

    async def schedule_settings(self, branch_id: int) -> list[Setting]:
        """The branch's own and effective value of every setting /settings shows."""
        columns = list(SCHEDULE_COLUMNS)
        own = ", ".join(f"b.{c}" for c in columns)
        effective = ", ".join(_effective(c) for c in columns)
        row = await self.db.fetchone(
            f"""WITH RECURSIVE up(id, depth, parent_id, {", ".join(columns)}) AS (
                    SELECT id, 0, parent_id, {", ".join(columns)} FROM branches
                     WHERE id = :branch
                    UNION ALL
                    SELECT b.id, up.depth + 1, b.parent_id, {own}
                      FROM branches b JOIN up ON b.id = up.parent_id)
                SELECT {own}, {effective} FROM branches b WHERE b.id = :branch""",
            {"branch": branch_id, **self._d})
        if row is None:
            return []
        n = len(columns)
        return [Setting(c, row[i], row[n + i]) for i, c in enumerate(columns)]

    async def set_schedule_setting(self, branch_id: int, column: str,
                                   value: str | int | None) -> None:
        """Set one of the branch's own settings (None: inherit from the parent)."""
        if column not in SCHEDULE_COLUMNS:
            raise ValueError(f"not a schedule setting: {column}")
        await self.db.execute(f"UPDATE branches SET {column} = ? WHERE id = ?",
                              (value, branch_id))

    async def runs_since(self, day: date) -> dict[tuple[int, str, str], datetime]:
        """When each daily run recorded for `day` or later was done, by (branch, kind, day)."""
        rows = await self.db.fetchall(
            "SELECT branch_id, kind, day, at FROM schedule_runs"
            " WHERE kind IN (SELECT value FROM json_each(?)) AND day >= ?",
            (json.dumps(DAILY_KINDS), day.isoformat()))
        return {(r[0], r[1], r[2]): datetime.fromisoformat(r[3]) for r in rows}

    async def run_times(self, branch_id: int) -> dict[tuple[str, str], datetime]:
        """When each run recorded for a branch was (last) done, by (kind, day)."""
        rows = await self.db.fetchall(
            "SELECT kind, day, at FROM schedule_runs WHERE branch_id = ?", (branch_id,))
        return {(r[0], r[1]): datetime.fromisoformat(r[2]) for r in rows}

    async def own_times(self, root_id: int) -> list[OwnTimes]:
        """The branch and every branch below it with their own clock times, parents first."""
        rows = await self.db.fetchall(
            """WITH RECURSIVE down(id, path) AS (
                   SELECT :root, printf('%012d', :root)
                   UNION ALL
                   SELECT b.id, down.path || '/' || printf('%012d', b.id)
                     FROM branches b JOIN down ON b.parent_id = down.id)
               SELECT b.id, b.parent_id, b.name, b.checkin_time, b.reminder_time,
                      b.digest_time
                 FROM down JOIN branches b ON b.id = down.id ORDER BY down.path""",
            {"root": root_id})
        return [OwnTimes(*r) for r in rows]

    async def runs_of(self, branch_id: int) -> list[tuple[str, str]]:
        """(kind, day) of every run recorded for a branch, in order."""
        rows = await self.db.fetchall(
            "SELECT kind, day FROM schedule_runs WHERE branch_id = ? ORDER BY day, kind",
            (branch_id,))
        return [(r[0], r[1]) for r in rows]

    async def branch_targets(self, branch_id: int, day: date, yesterday: date) -> list[Target]:
        """The branch's own members with their status on `day` and the day before."""
        rows = await self.db.fetchall(
            f"""SELECT m.id, {_NAME}, m.language, m.telegram_language, m.reachable,
                       t.status, y.status
                  FROM memberships ms JOIN members m ON m.id = ms.member_id
                  LEFT JOIN checkins t ON t.member_id = m.id AND t.day = :day
                  LEFT JOIN checkins y ON y.member_id = m.id AND y.day = :yesterday
                 WHERE ms.branch_id = :branch ORDER BY m.id""",
            {"branch": branch_id, "day": day.isoformat(), "yesterday": yesterday.isoformat()})
        return [Target(Contact(r[0], r[1], r[2], r[3]), bool(r[4]), r[5], r[6]) for r in rows]

    async def secretaries_of(self, branch_id: int) -> list[Contact]:
        """The reachable secretaries of a branch."""
        rows = await self.db.fetchall(
            f"""SELECT m.id, {_NAME}, m.language, m.telegram_language
                  FROM memberships ms JOIN members m ON m.id = ms.member_id
                 WHERE ms.branch_id = ? AND ms.role = 'secretary' AND m.reachable = 1
                 ORDER BY m.id""", (branch_id,))
        return [Contact(r[0], r[1], r[2], r[3]) for r in rows]

    async def critical_needs_not_escalated(self) -> list[CriticalNeed]:
        """Open critical needs whose escalation is not yet in the ledger, oldest first."""
        rows = await self.db.fetchall(
            f"""SELECT n.id, n.branch_id, n.category, n.details, {_NAME}, n.created_at
                  FROM needs n JOIN members m ON m.id = n.reporter_id
                 WHERE n.urgency = 'critical' AND n.status = 'open'
                   AND NOT EXISTS (SELECT 1 FROM schedule_runs r
                                    WHERE r.kind = 'escalate_need'
                                      AND r.day = 'need:' || n.id)
                 ORDER BY n.created_at, n.id""")
        return [CriticalNeed(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]))
                for r in rows]

    async def record_runs(self, runs: Sequence[Run], *, at: datetime) -> int:
        """Record each run in the ledger and queue its messages, in one transaction.

        A run already in the ledger (and not stale: see `Run.stale_before`) queues nothing.
        Returns how many messages were queued.
        """
        stamp = iso(at)
        queued = 0
        async with self.db.transaction() as tx:
            for run in runs:
                stale = iso(run.stale_before) if run.stale_before is not None else None
                fresh = await tx.fetchone(
                    "INSERT INTO schedule_runs(branch_id, kind, day, at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(branch_id, kind, day) DO UPDATE SET at = excluded.at"
                    " WHERE schedule_runs.at < ? RETURNING 1",
                    (run.branch_id, run.kind, run.day, stamp, stale))
                if fresh is None or not run.messages:
                    continue
                rows: list[tuple[Any, ...]] = [
                    (f"rhythm_{run.kind}", m.chat_id, m.member_id, m.text,
                     json.dumps(m.buttons, ensure_ascii=False) if m.buttons else None, stamp)
                    for m in run.messages]
                await tx.executemany(
                    "INSERT INTO outbox(kind, chat_id, member_id, text, buttons, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)", rows)
                queued += len(rows)
        return queued
