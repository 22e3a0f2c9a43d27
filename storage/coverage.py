"""Coverage of households by zone and by sub-branch (hand-overs and members away: `storage.duty`).

A household's state on a local day D, for its interval k (days between contacts: 1 if
vulnerable, else its branch's `visit_every_days`, inherited down the tree):

- **covered**: last reached on or after the start of day D-k+1 (within its interval);
  `reached_today` (reached on D) is a part of covered;
- **due**: not covered, but not yet late: last reached on day D-k (today is its last day),
  or never reached and added within its first interval;
- **overdue**: neither: its last day has passed.

`starts[i]` is the instant day D-i begins (i = 0 .. the largest k), in the timezone of the
branch asked about (a subtree spanning timezones is read with its root's day, as the digest
does); `end` is when day D ends. A household added after `end` is not counted. Each
household carries its latest reaching contact (`last_reached_at`, written with the visit),
so a day that is not over reads one row per household; for a past day, only households
reached since then are looked up in `visits`.

A member is **off duty** when marked away or when their latest check-in says unwell or
quarantined; their households neither handed to someone else nor backed up by a member on
duty (their `backup_id`) are counted as `unheld`, and so are households left without a
responsible member (it moved to another branch: `unassigned`) that nobody holds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from storage import sql
from storage.db import Database
from storage.households import HOUSEHOLD_COLUMNS, INTERVALS, Household, household_row
from storage.times import from_iso, iso

DEFAULT_VISIT_EVERY = 1  # days, when no branch up the tree sets one
MAX_VISIT_EVERY = 30
OFF_DUTY_STATUSES = ("unwell", "quarantined")

_NAME = sql.display_name("m")

# The subtree with, for each branch, the direct sub-branch it lies under (`top`; the root
# itself for the root) and its effective interval `k`, inherited from the root's chain
# (`down(id, top, depth, k)`; `:deep` false keeps the root alone). `storage.charts` reads
# coverage day by day over the same tree.
TREE_INTERVALS = f"""
up(id, parent_id, v, depth) AS (
    SELECT id, parent_id, visit_every_days, 0 FROM branches WHERE id = :root
    UNION ALL
    SELECT b.id, b.parent_id, b.visit_every_days, up.depth + 1
      FROM branches b JOIN up ON b.id = up.parent_id),
down(id, top, depth, k) AS (
    SELECT :root, :root, 0,
           COALESCE((SELECT v FROM up WHERE v IS NOT NULL ORDER BY depth LIMIT 1),
                    {DEFAULT_VISIT_EVERY})
    UNION ALL
    SELECT b.id, CASE down.depth WHEN 0 THEN b.id ELSE down.top END, down.depth + 1,
           COALESCE(b.visit_every_days, down.k)
      FROM branches b JOIN down ON b.parent_id = down.id
     WHERE :deep AND b.archived_at IS NULL)"""
_TREE_TEMPLATE = TREE_INTERVALS + """,
th(k, cov, due) AS (SELECT key + 1, value ->> 0, value ->> 1 FROM json_each(:th)),
zs AS MATERIALIZED (
    SELECT down.top AS top, down.depth AS depth, z.id AS zone_id, z.name AS zone,
           th.cov AS cov, th.due AS due
      FROM down JOIN zones z ON z.branch_id = down.id JOIN th ON th.k = min(down.k, :maxk)),
hs AS (
    SELECT zs.top AS top, zs.zone_id AS zone_id, h.id AS id, h.responsible_id AS r,
           h.handed_to AS handed_to, h.backup_id AS backup, h.created_at AS created_at,
           CASE WHEN h.vulnerable THEN :cov1 ELSE zs.cov END AS cov,
           CASE WHEN h.vulnerable THEN :due1 ELSE zs.due END AS due,
           CASE WHEN h.last_reached_at IS NULL OR h.last_reached_at < :end
                THEN h.last_reached_at
                ELSE (SELECT max(v.at) FROM visits v
                       WHERE v.household_id = h.id AND v.at < :end
                         AND v.outcome != 'no_answer') END AS reached
      {households}),
st AS (
    SELECT hs.*,
           CASE WHEN reached >= cov THEN 'covered'
                WHEN reached >= due THEN 'due'
                WHEN reached IS NULL AND created_at >= cov THEN 'due'
                ELSE 'overdue' END AS state
      FROM hs)"""

# How `hs` finds the households of the zones `zs`. Over a big subtree, one pass over the
# table (zones first: SQLite filters households through a Bloom filter of the zones) is
# fastest; for one branch's zones, looking them up zone by zone is (no pass over all).
_SCAN = "FROM zs CROSS JOIN households h ON h.zone_id = zs.zone_id WHERE h.created_at < :end"
_LOOKUP = """FROM households h JOIN zs ON zs.zone_id = h.zone_id
     WHERE h.zone_id IN (SELECT zone_id FROM zs) AND h.created_at < :end"""
_TREE = _TREE_TEMPLATE.replace("{households}", _SCAN)
_OWN = _TREE_TEMPLATE.replace("{households}", _LOOKUP)

@dataclass(frozen=True, slots=True)
class CoverageCounts:
    """Coverage of a part of a subtree: a zone, a branch's own zones, or a sub-branch's subtree."""

    key: int  # the zone's id, or the branch's
    name: str
    households: int = 0
    reached_today: int = 0
    covered: int = 0  # reached within their interval (reached today included)
    due: int = 0  # not covered, not yet late
    overdue: int = 0
    unheld: int = 0  # nobody holds them: their responsible member is off duty or gone
    unassigned: int = 0  # of which without a responsible member (they moved away)

    @property
    def rate(self) -> int:
        """Covered households as a percentage (100 when there are none)."""
        return round(100 * self.covered / self.households) if self.households else 100


@dataclass(frozen=True, slots=True)
class Uncovered:
    """A household due or overdue, with who should reach it."""

    household: Household
    state: str  # 'due' or 'overdue'
    reached_at: datetime | None  # last reached before the day's end
    holder: str | None  # the name of whoever holds it now (hand-over first)


@dataclass(frozen=True, slots=True)
class OffDuty:
    """A member off duty who is responsible for households."""

    member_id: int
    name: str
    branch_id: int
    reason: str  # 'away', 'unwell' or 'quarantined'
    households: int
    handed: int  # of which handed to someone else
    handed_to: str | None  # the name of one they are handed to
    backed: int = 0  # of the others, how many have a backup member who is on duty

    @property
    def unheld(self) -> int:
        """Households neither handed over nor backed up by a member on duty."""
        return self.households - self.handed - self.backed


@dataclass(frozen=True, slots=True)
class DutyState:
    """What a check-in needs to know to hand back or to warn: one read per check-in."""

    away_since: datetime | None
    households: int  # the member is responsible for
    handed: int  # of which handed to someone else


@dataclass(frozen=True, slots=True)
class Candidate:
    """A member who could take an off-duty member's households, with today's check-in."""

    member_id: int
    name: str
    status: str | None


@lru_cache(maxsize=256)
def _windows(starts: tuple[datetime, ...]) -> str:
    """`[[cov, due], ...]` for k = 1, 2, ...: the start of day D-k+1 and of day D-k."""
    return json.dumps([[iso(starts[k - 1]), iso(starts[k])] for k in range(1, len(starts))])


class Coverage:
    """Coverage per zone and per sub-branch, and the households each member should reach."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _params(self, root: int, starts: Sequence[datetime], end: datetime, *,
                deep: bool) -> dict[str, Any]:
        if len(starts) < 2:
            raise ValueError("starts needs the day and at least the day before")
        return {"root": root, "th": _windows(tuple(starts)), "maxk": len(starts) - 1,
                "cov1": iso(starts[0]), "due1": iso(starts[1]), "end": iso(end),
                "deep": int(deep)}

    async def rollup(self, root_id: int, *, starts: Sequence[datetime],
                     end: datetime) -> list[CoverageCounts]:
        """Coverage of the branch's own zones (key = the branch) and of each direct
        sub-branch's subtree (key = the sub-branch), in one statement."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {_TREE},
                off AS MATERIALIZED (
                    SELECT m.id FROM down JOIN memberships ms ON ms.branch_id = down.id
                      JOIN members m ON m.id = ms.member_id WHERE {sql.off_duty("m")}),
                -- The states as two comparisons rather than CASE (each sum() re-evaluates
                -- what it reads): covered, and "not late" (covered or due).
                g AS (SELECT top, count(*) AS n, sum(reached >= :today) AS today,
                             sum(reached >= cov) AS covered,
                             coalesce(sum(reached >= due OR
                                          (reached IS NULL AND created_at >= cov)), 0)
                                 AS in_time,
                             sum(handed_to IS NULL AND (r IS NULL OR r IN off)
                                 AND (backup IS NULL OR backup IN off)) AS unheld,
                             sum(handed_to IS NULL AND r IS NULL
                                 AND (backup IS NULL OR backup IN off)) AS unassigned
                        FROM hs GROUP BY top)
                SELECT down.id, b.name, coalesce(g.n, 0), coalesce(g.today, 0),
                       coalesce(g.covered, 0), coalesce(g.in_time - coalesce(g.covered, 0), 0),
                       coalesce(g.n - g.in_time, 0), coalesce(g.unheld, 0),
                       coalesce(g.unassigned, 0)
                  FROM down JOIN branches b ON b.id = down.id LEFT JOIN g ON g.top = down.id
                 WHERE down.depth <= 1 ORDER BY down.depth, b.name, b.id""",
            {**self._params(root_id, starts, end, deep=True), "today": iso(starts[0])})
        return [CoverageCounts(*r) for r in rows]

    async def zones(self, branch_id: int, *, starts: Sequence[datetime],
                    end: datetime) -> list[CoverageCounts]:
        """Coverage of each of the branch's own zones (empty zones too), by name."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {_OWN},
                off AS MATERIALIZED (
                    SELECT m.id FROM members m
                     WHERE m.id IN (SELECT r FROM hs UNION SELECT backup FROM hs)
                       AND {sql.off_duty("m")}),
                gs AS (SELECT zone_id, count(*) AS n, sum(reached >= :today) AS today,
                              sum(state = 'covered') AS covered, sum(state = 'due') AS due,
                              sum(state = 'overdue') AS overdue,
                              sum(handed_to IS NULL AND (r IS NULL OR r IN off)
                                  AND (backup IS NULL OR backup IN off)) AS unheld,
                              sum(handed_to IS NULL AND r IS NULL
                                  AND (backup IS NULL OR backup IN off)) AS unassigned
                         FROM st GROUP BY zone_id)
                SELECT zs.zone_id, zs.zone, coalesce(sum(gs.n), 0), coalesce(sum(gs.today), 0),
                       coalesce(sum(gs.covered), 0), coalesce(sum(gs.due), 0),
                       coalesce(sum(gs.overdue), 0), coalesce(sum(gs.unheld), 0),
                       coalesce(sum(gs.unassigned), 0)
                  FROM zs LEFT JOIN gs ON gs.zone_id = zs.zone_id
                 GROUP BY zs.zone_id ORDER BY zs.zone, zs.zone_id""",
            {**self._params(branch_id, starts, end, deep=False), "today": iso(starts[0])})
        return [CoverageCounts(*r) for r in rows]

    async def uncovered_households(self, branch_id: int, zone_id: int, *,
                                   starts: Sequence[datetime], end: datetime,
                                   ) -> list[Uncovered]:
        """The zone's households due or overdue that day: overdue first, longest unreached
        first. `branch_id` is the zone's branch (its interval applies)."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {_OWN}
                SELECT {HOUSEHOLD_COLUMNS}, st.state, st.reached,
                       coalesce((SELECT {_NAME} FROM members m WHERE m.id = h.handed_to),
                                (SELECT {_NAME} FROM members m WHERE m.id = h.responsible_id))
                  FROM st JOIN households h ON h.id = st.id JOIN zones z ON z.id = h.zone_id
                 WHERE st.zone_id = :zone AND st.state != 'covered'
                 ORDER BY st.state = 'due', st.reached IS NOT NULL, st.reached, h.label, h.id""",
            {**self._params(branch_id, starts, end, deep=False), "zone": zone_id})
        return [Uncovered(household_row(r), r[15], from_iso(r[16]), r[17]) for r in rows]

    async def households_to_visit(self, branch_id: int, *, starts: Sequence[datetime],
                                  end: datetime) -> dict[int, int]:
        """For each member of exactly this branch who holds households (responsible and not
        handed away, or handed to them), how many are not covered that day."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE
                held(id, holder) AS (
                    SELECT h.id, ms.member_id FROM memberships ms
                      JOIN households h ON h.handed_to = ms.member_id
                     WHERE ms.branch_id = :branch
                    UNION ALL
                    SELECT h.id, ms.member_id FROM memberships ms
                      JOIN households h ON h.responsible_id = ms.member_id
                     WHERE ms.branch_id = :branch AND h.handed_to IS NULL),
                -- From the holders' few households (CROSS JOIN keeps that order: the
                -- planner may otherwise walk every zone's households to find them).
                zb(branch_id) AS (
                    SELECT DISTINCT z.branch_id FROM held CROSS JOIN households h
                        ON h.id = held.id
                      CROSS JOIN zones z ON z.id = h.zone_id),
                {INTERVALS},
                th(k, cov) AS MATERIALIZED (SELECT key + 1, value ->> 0 FROM json_each(:th))
                SELECT held.holder, count(*)
                  FROM held JOIN households h ON h.id = held.id
                  JOIN zones z ON z.id = h.zone_id JOIN bk ON bk.branch_id = z.branch_id
                  JOIN th ON th.k = CASE WHEN h.vulnerable THEN 1 ELSE bk.k END
                 WHERE h.created_at < :end
                   AND (h.last_reached_at IS NULL OR h.last_reached_at < th.cov)
                 GROUP BY held.holder""",
            {"branch": branch_id, "th": _windows(tuple(starts)), "most": len(starts) - 1,
             "default": DEFAULT_VISIT_EVERY, "end": iso(end)})
        return {int(r[0]): int(r[1]) for r in rows}
