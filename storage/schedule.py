"""Queries of the daily rhythm: the run ledger and branch schedules (mixed into `Store`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage.coverage import DEFAULT_VISIT_EVERY
from storage.db import Database, Transaction
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
class Recorded:
    """A daily run's ledger row: when it was done (or begun), and while it is under way the
    member id up to which its messages are queued (`upto`; None once done)."""

    at: datetime
    upto: int | None = None


@dataclass(frozen=True)
class Piece:
    """A piece of a big daily run (prompt, reminder): some of the branch's members' messages,
    written with the run's ledger row in one transaction.

    `after`: None for the run's first piece, which claims the ledger row (see
    `Run.stale_before`); else the member id the previous piece ended at, which the row must
    still say (with the run's `at`). `upto`: the last member id this piece covers, or None
    if it is the last piece (the run is then done, and its row says when).
    """

    branch_id: int
    kind: str
    day: str
    at: datetime
    messages: Sequence[NewMessage]
    after: int | None = None
    upto: int | None = None
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

    async def runs_since(self, day: date) -> dict[tuple[int, str, str], Recorded]:
        """The ledger rows of the daily runs of `day` or later, by (branch, kind, day).

        Through the (kind, day) index whatever the statistics say: the minute tick reads a
        day or two of rows, never the history (nor the "need:<id>" rows, which sort after
        every date)."""
        rows = await self.db.fetchall(
            "SELECT branch_id, kind, day, at, upto"
            " FROM schedule_runs INDEXED BY schedule_runs_kind_day"
            f" WHERE kind IN ({', '.join(repr(k) for k in DAILY_KINDS)}) AND day >= ?",
            (day.isoformat(),))
        return {(r[0], r[1], r[2]): Recorded(datetime.fromisoformat(r[3]), r[4]) for r in rows}

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

    async def branch_targets(self, branch_id: int, day: date, yesterday: date, *,
                             after: int = 0, limit: int = -1) -> list[Target]:
        """The branch's own members with their status on `day` and the day before, by id:
        those after member id `after`, at most `limit` of them (-1: all)."""
        rows = await self.db.fetchall(
            f"""SELECT m.id, {_NAME}, m.language, m.telegram_language, m.reachable,
                       t.status, y.status
                  FROM memberships ms JOIN members m ON m.id = ms.member_id
                  LEFT JOIN checkins t ON t.member_id = m.id AND t.day = :day
                  LEFT JOIN checkins y ON y.member_id = m.id AND y.day = :yesterday
                 WHERE ms.branch_id = :branch AND ms.member_id > :after
                 ORDER BY ms.member_id LIMIT :limit""",
            {"branch": branch_id, "day": day.isoformat(), "yesterday": yesterday.isoformat(),
             "after": after, "limit": limit})
        return [Target(Contact(r[0], r[1], r[2], r[3]), bool(r[4]), r[5], r[6]) for r in rows]

    async def branch_rate(self, branch_id: int, day: date, *, names: int
                          ) -> tuple[int, int, list[str]]:
        """(members, checked in on `day`, the first `names` names of those who did not) of
        the branch's own members, in id order."""
        counts = await self.db.fetchone(
            """SELECT count(*), count(t.member_id)
                 FROM memberships ms
                 LEFT JOIN checkins t ON t.member_id = ms.member_id AND t.day = :day
                WHERE ms.branch_id = :branch""",
            {"branch": branch_id, "day": day.isoformat()})
        rows = await self.db.fetchall(
            f"""SELECT {_NAME}
                  FROM memberships ms JOIN members m ON m.id = ms.member_id
                 WHERE ms.branch_id = :branch
                   AND NOT EXISTS (SELECT 1 FROM checkins t
                                    WHERE t.member_id = m.id AND t.day = :day)
                 ORDER BY ms.member_id LIMIT :names""",
            {"branch": branch_id, "day": day.isoformat(), "names": names})
        return int(counts[0]), int(counts[1]), [str(r[0]) for r in rows]

    async def secretaries_of(self, branch_id: int) -> list[Contact]:
        """The reachable secretaries of a branch."""
        rows = await self.db.fetchall(
            f"""SELECT m.id, {_NAME}, m.language, m.telegram_language
                  FROM memberships ms JOIN members m ON m.id = ms.member_id
                 WHERE ms.branch_id = ? AND ms.role = 'secretary' AND m.reachable = 1
                 ORDER BY m.id""", (branch_id,))
        return [Contact(r[0], r[1], r[2], r[3]) for r in rows]

    async def critical_needs_not_escalated(self) -> list[CriticalNeed]:
        """Open critical needs not yet escalated, oldest first.

        `escalated_at` is written with the escalation's ledger row, and an index holds only
        the open critical needs without it: the minute tick reads those few, not the history.
        """
        rows = await self.db.fetchall(
            f"""SELECT n.id, n.branch_id, n.category, n.details, {_NAME}, n.created_at
                  FROM needs n INDEXED BY needs_to_escalate
                  CROSS JOIN members m ON m.id = n.reporter_id
                 WHERE n.urgency = 'critical' AND n.status = 'open'
                   AND n.escalated_at IS NULL
                 ORDER BY n.created_at, n.id""")
        return [CriticalNeed(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]))
                for r in rows]

    async def record_runs(self, runs: Sequence[Run], *, at: datetime) -> int:
        """Record each run in the ledger and queue its messages, in one transaction.

        A run already in the ledger (and not stale: see `Run.stale_before`) queues nothing.
        An escalated need is marked escalated in the same transaction. Returns how many
        messages were queued.
        """
        stamp = iso(at)
        queued = 0
        async with self.db.transaction() as tx:
            for run in runs:
                stale = iso(run.stale_before) if run.stale_before is not None else None
                fresh = await tx.fetchone(
                    "INSERT INTO schedule_runs(branch_id, kind, day, at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(branch_id, kind, day) DO UPDATE SET at = excluded.at,"
                    " upto = NULL WHERE schedule_runs.at < ? RETURNING 1",
                    (run.branch_id, run.kind, run.day, stamp, stale))
                if run.kind == "escalate_need":
                    await tx.execute(
                        "UPDATE needs SET escalated_at = ? WHERE id = ? AND escalated_at IS NULL",
                        (stamp, int(run.day.removeprefix("need:"))))
                if fresh is None:
                    continue
                queued += await _queue_run(tx, run.kind, run.messages, stamp)
        return queued

    async def record_piece(self, piece: Piece, *, now: datetime) -> int | None:
        """Write one piece of a daily run: move its ledger row on and queue its messages, in
        one transaction. None (nothing written) if the ledger says the run is not this one's
        to continue: done already, or under way from another start."""
        at = iso(piece.at)
        async with self.db.transaction() as tx:
            if piece.after is None:
                stale = iso(piece.stale_before) if piece.stale_before is not None else None
                mine = await tx.fetchone(
                    "INSERT INTO schedule_runs(branch_id, kind, day, at, upto)"
                    " VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT(branch_id, kind, day) DO UPDATE SET at = excluded.at,"
                    " upto = excluded.upto WHERE schedule_runs.at < ? RETURNING 1",
                    (piece.branch_id, piece.kind, piece.day, at, piece.upto, stale))
            else:
                # The last piece of a run resumed later stamps the row with now: the run went
                # out then (the reminder keeps its spacing after it).
                mine = await tx.fetchone(
                    "UPDATE schedule_runs SET upto = ?, at = ?"
                    " WHERE branch_id = ? AND kind = ? AND day = ? AND at = ? AND upto = ?"
                    " RETURNING 1",
                    (piece.upto, at if piece.upto is not None else iso(now), piece.branch_id,
                     piece.kind, piece.day, at, piece.after))
            if mine is None:
                return None
            return await _queue_run(tx, piece.kind, piece.messages, iso(now))


async def _queue_run(tx: Transaction, kind: str, messages: Sequence[NewMessage],
                     stamp: str) -> int:
    """Queue a run's messages inside the caller's transaction; how many.

    Most carry one of a few keyboards (the status buttons in each language): each distinct
    keyboard is turned into JSON once.
    """
    if not messages:
        return 0
    keyboards: dict[int, str] = {}

    def keyboard(buttons: Any) -> str | None:
        if not buttons:
            return None
        text = keyboards.get(id(buttons))
        if text is None:
            text = keyboards[id(buttons)] = json.dumps(buttons, ensure_ascii=False)
        return text

    rows: list[tuple[Any, ...]] = [
        (f"rhythm_{kind}", m.chat_id, m.member_id, m.text, keyboard(m.buttons), stamp)
        for m in messages]
    await tx.executemany(
        "INSERT INTO outbox(kind, chat_id, member_id, text, buttons, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)", rows)
    return len(rows)
