"""The ledger of daily runs (branch, kind, local day): each prompt, reminder, digest and
escalation is recorded with the messages it queues, in one transaction, so that it happens
once, catches up after downtime, and never twice after a restart."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from storage import sql
from storage.db import Database
from storage.rows import NewMessage
from storage.times import iso

DAILY_KINDS = ("prompt", "reminder", "escalate_rate", "digest", "digest_chart")
# The organization's own daily runs (keyed by the local day of [defaults] timezone, recorded
# on the first root branch): not any branch's runs, so `of` and `times` leave them out.
UPKEEP_KINDS = ("backup", "retention")
_BRANCH_KINDS = f"kind NOT IN ({', '.join(repr(k) for k in UPKEEP_KINDS)})"


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


RunDone = Callable[[str], None]  # told the kind of each run recorded as done, once committed


@dataclass(frozen=True, slots=True)
class Upkeep:
    """An organization-wide run of one day (backup, retention): when it was (last) written,
    whether it is done (a retention run under way over several ticks is not), and what it
    did (`detail`, as recorded)."""

    day: str
    at: datetime
    done: bool
    detail: Mapping[str, Any] = field(default_factory=dict)


class Runs:
    """Rows of the ledger of runs, read and written."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.on_done: RunDone | None = None  # the metrics' counter (set by the wiring)

    async def since(self, day: date) -> dict[tuple[int, str, str], Recorded]:
        """The ledger rows of the daily runs of `day` or later, by (branch, kind, day).

        Through the (kind, day) index whatever the statistics say: the minute tick reads a
        day or two of rows, never the history (nor the "need:<id>" rows, which sort after
        every date)."""
        rows = await self.db.fetchall(
            "SELECT branch_id, kind, day, at, upto"
            " FROM runs INDEXED BY runs_kind_day"
            f" WHERE kind IN ({', '.join(repr(k) for k in DAILY_KINDS)}) AND day >= ?",
            (day.isoformat(),))
        return {(r[0], r[1], r[2]): Recorded(datetime.fromisoformat(r[3]), r[4]) for r in rows}

    async def weeks_since(self, monday: date) -> dict[int, str]:
        """The latest weekly report in the ledger of each branch that has one keyed `monday`
        or later (the key of a weekly row is the Monday of the week it was due in, so the
        tick finds this week's row whatever the day of the week: see `bot.rules.weekly`)."""
        rows = await self.db.fetchall(
            "SELECT branch_id, max(day) FROM runs INDEXED BY runs_kind_day"
            " WHERE kind = 'weekly' AND day >= ? GROUP BY branch_id", (monday.isoformat(),))
        return {int(r[0]): str(r[1]) for r in rows}

    async def times(self, branch_id: int) -> dict[tuple[str, str], datetime]:
        """When each run recorded for a branch was (last) done, by (kind, day)."""
        rows = await self.db.fetchall(
            f"SELECT kind, day, at FROM runs WHERE branch_id = ? AND {_BRANCH_KINDS}",
            (branch_id,))
        return {(r[0], r[1]): datetime.fromisoformat(r[2]) for r in rows}

    async def of(self, branch_id: int) -> list[tuple[str, str]]:
        """(kind, day) of every run recorded for a branch, in order."""
        rows = await self.db.fetchall(
            f"SELECT kind, day FROM runs WHERE branch_id = ? AND {_BRANCH_KINDS}"
            " ORDER BY day, kind", (branch_id,))
        return [(r[0], r[1]) for r in rows]

    async def record(self, runs: Sequence[Run], *, at: datetime) -> int:
        """Record each run in the ledger and queue its messages, in one transaction.

        A run already in the ledger (and not stale: see `Run.stale_before`) queues nothing.
        An escalated need is marked escalated in the same transaction. Returns how many
        messages were queued.
        """
        stamp = iso(at)
        queued = 0
        done: list[str] = []
        async with self.db.transaction() as tx:
            for run in runs:
                stale = iso(run.stale_before) if run.stale_before is not None else None
                fresh = await tx.fetchone(
                    "INSERT INTO runs(branch_id, kind, day, at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(branch_id, kind, day) DO UPDATE SET at = excluded.at,"
                    " upto = NULL WHERE runs.at < ? RETURNING 1",
                    (run.branch_id, run.kind, run.day, stamp, stale))
                if run.kind == "escalate_need":
                    await tx.execute(
                        "UPDATE needs SET escalated_at = ? WHERE id = ? AND escalated_at IS NULL",
                        (stamp, int(run.day.removeprefix("need:"))))
                if fresh is None:
                    continue
                done.append(run.kind)
                queued += await sql.enqueue(tx, f"rhythm_{run.kind}", run.messages, stamp)
        _tell(self.on_done, done)
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
                    "INSERT INTO runs(branch_id, kind, day, at, upto)"
                    " VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT(branch_id, kind, day) DO UPDATE SET at = excluded.at,"
                    " upto = excluded.upto WHERE runs.at < ? RETURNING 1",
                    (piece.branch_id, piece.kind, piece.day, at, piece.upto, stale))
            else:
                # The last piece of a run resumed later stamps the row with now: the run went
                # out then (the reminder keeps its spacing after it).
                mine = await tx.fetchone(
                    "UPDATE runs SET upto = ?, at = ?"
                    " WHERE branch_id = ? AND kind = ? AND day = ? AND at = ? AND upto = ?"
                    " RETURNING 1",
                    (piece.upto, at if piece.upto is not None else iso(now), piece.branch_id,
                     piece.kind, piece.day, at, piece.after))
            if mine is None:
                return None
            queued = await sql.enqueue(tx, f"rhythm_{piece.kind}", piece.messages, iso(now))
        if piece.upto is None:  # the run's last piece: it is done
            _tell(self.on_done, [piece.kind])
        return queued

    # --- the organization's own runs: backup, retention ---------------------------------

    async def upkeep_root(self) -> int | None:
        """The branch the organization's own runs are recorded on (the first root branch);
        None while there is no branch."""
        row = await self.db.fetchone("SELECT min(id) FROM branches WHERE parent_id IS NULL")
        return int(row[0]) if row and row[0] is not None else None

    async def upkeep(self, kind: str, day: date) -> Upkeep | None:
        """The run of `kind` recorded for the local `day`, if any."""
        rows = await self.db.fetchall(
            "SELECT day, at, upto, detail FROM runs INDEXED BY runs_kind_day"
            " WHERE kind = ? AND day = ? ORDER BY at DESC LIMIT 1", (kind, day.isoformat()))
        return _upkeep(rows[0]) if rows else None

    async def latest_upkeep(self, kind: str) -> Upkeep | None:
        """The latest run of `kind` recorded (done or under way), if any."""
        rows = await self.db.fetchall(
            "SELECT day, at, upto, detail FROM runs INDEXED BY runs_kind_day"
            " WHERE kind = ? ORDER BY day DESC, at DESC LIMIT 1", (kind,))
        return _upkeep(rows[0]) if rows else None

    async def record_upkeep(self, root_id: int, kind: str, day: date, *, at: datetime,
                            detail: Mapping[str, Any], done: bool) -> None:
        """Write the run of `kind` for `day`: done, or under way (to be continued)."""
        await self.db.execute(
            "INSERT INTO runs(branch_id, kind, day, at, upto, detail) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(branch_id, kind, day) DO UPDATE SET at = excluded.at,"
            " upto = excluded.upto, detail = excluded.detail",
            (root_id, kind, day.isoformat(), iso(at), None if done else 1,
             json.dumps(dict(detail), ensure_ascii=False, sort_keys=True)))


def _tell(on_done: RunDone | None, kinds: Sequence[str]) -> None:
    """Tell `on_done` of each run recorded (after the commit: a rolled back one is not)."""
    if on_done is not None:
        for kind in kinds:
            on_done(kind)


def _upkeep(row: Sequence[Any]) -> Upkeep:
    return Upkeep(row[0], datetime.fromisoformat(row[1]), row[2] is None,
                  json.loads(row[3]) if row[3] else {})
