"""The series a chart draws, each read in one statement over a subtree, one row per day.

The definitions are those of the digest and of `/coverage`, day after day:

- **check-in rate** of a local day: members of the subtree who checked in that day, out of
  its members that day (joined by the day's end, or checked in that day: as
  `storage.digest`); today's rate per direct sub-branch likewise, over its subtree;
- **households covered in time** on day D (as `storage.coverage`): reached by a contact
  that reached it (not "nobody answered") on or after the start of day D-k+1 and before the
  end of D, k its interval (1 if vulnerable, else its branch's, inherited); counted among
  the households that existed by D's end;
- **needs** opened and resolved within a day's instants, and open at its end (or now).

Days are given by the caller as instants (the local days of the branch asked about, a
subtree spanning timezones read with its root's day, as the digest does).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from storage import sql
from storage.coverage import MAX_VISIT_EVERY, TREE_INTERVALS
from storage.db import Database
from storage.times import iso

BIG_SUBTREE = 5_000  # members: above, `checkin_rates` reads the days' check-ins in one pass


@dataclass(frozen=True, slots=True)
class Day:
    """A local day and the instants it spans; `as_of` is when "still open" is judged (its
    end, or now if it is not over)."""

    day: date
    start: datetime
    end: datetime
    as_of: datetime


@dataclass(frozen=True, slots=True)
class Counted:
    """Part of a whole on one day, or in one sub-branch: checked in of members, covered of
    households."""

    key: date | int  # the day, or the sub-branch's id
    name: str  # the sub-branch's name ("" for a day)
    part: int
    whole: int

    @property
    def rate(self) -> float | None:
        """The part as a percentage; None when the whole is empty."""
        return 100 * self.part / self.whole if self.whole else None


@dataclass(frozen=True, slots=True)
class NeedDay:
    """Needs on one day: opened and resolved within it, open at its end (or now)."""

    day: date
    opened: int
    resolved: int
    open: int


def _days(days: Sequence[Day]) -> str:
    return json.dumps([[d.day.isoformat(), iso(d.start), iso(d.end), iso(d.as_of)]
                       for d in days])


class Charts:
    """The series of a chart over a subtree, a row per day."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def checkin_rates(self, root_id: int, days: Sequence[Day]) -> list[Counted]:
        """Per day (in the order given): members who checked in, out of members that day."""
        if not days:
            return []
        ordered = sorted(days, key=lambda d: d.day)
        size = await self.db.fetchone(
            f"""WITH RECURSIVE {sql.subtree()}
            SELECT count(*) FROM down JOIN memberships ms INDEXED BY memberships_branch_member
                ON ms.branch_id = down.id""", {"root": root_id})
        # A big subtree: one pass over the days' part of checkins_day, each row kept if its
        # member is of the subtree (measured: 0.6 s for 100,000 members and 14 days, where
        # looking up each member's days takes 1.6 s); a small one: each member's days
        # (a few ms for a leaf, where the pass would read the whole organization's days).
        keep = "+c.member_id" if int(size[0]) > BIG_SUBTREE else "c.member_id"
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()},
            d(day, end_) AS (SELECT value ->> 0, value ->> 2 FROM json_each(:days)),
            p AS MATERIALIZED (
                SELECT ms.member_id AS id, ms.joined_at AS joined
                  FROM down JOIN memberships ms ON ms.branch_id = down.id),
            ck AS (
                SELECT c.day AS day, count(*) AS n FROM checkins c INDEXED BY checkins_day
                 WHERE c.day >= :first AND c.day <= :last AND {keep} IN (SELECT id FROM p)
                 GROUP BY c.day),
            -- Members count on a day they had joined by its end, or checked in that day
            -- (a member moved since: the move restamps joined_at): all of them, less the
            -- few who joined after the first day ended, looked at one by one.
            late AS MATERIALIZED (SELECT id, joined FROM p WHERE joined >= :first_end),
            lc AS (
                SELECT c.day AS day, count(*) AS n
                  FROM late CROSS JOIN checkins c ON c.member_id = late.id
                  JOIN d ON d.day = c.day
                 WHERE c.day >= :first AND c.day <= :last AND late.joined >= d.end_
                 GROUP BY c.day)
            SELECT d.day, coalesce(ck.n, 0),
                   (SELECT count(*) FROM p)
                   - (SELECT count(*) FROM late WHERE joined >= d.end_) + coalesce(lc.n, 0)
              FROM d LEFT JOIN ck ON ck.day = d.day LEFT JOIN lc ON lc.day = d.day""",
            {"root": root_id, "days": _days(ordered), "first": ordered[0].day.isoformat(),
             "last": ordered[-1].day.isoformat(), "first_end": iso(ordered[0].end)})
        found = {r[0]: Counted(date.fromisoformat(r[0]), "", int(r[1]), int(r[2]))
                 for r in rows}
        return [found[d.day.isoformat()] for d in days]

    async def part_rates(self, root_id: int, day: Day) -> list[Counted]:
        """For each direct sub-branch (its subtree), by id: members who checked in on `day`,
        out of its members that day (as `checkin_rates`)."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree_tops()},
            p AS (
                SELECT down.top AS top, ms.joined_at AS joined,
                       (SELECT 1 FROM checkins c INDEXED BY checkins_day
                         WHERE c.day = :day AND c.member_id = ms.member_id) AS today
                  FROM down JOIN memberships ms ON ms.branch_id = down.id
                 WHERE down.depth >= 1),
            g AS (SELECT top, count(today) AS checked,
                         count(*) FILTER (WHERE today IS NOT NULL OR joined < :end) AS members
                    FROM p GROUP BY top)
            SELECT down.id, b.name, coalesce(g.checked, 0), coalesce(g.members, 0)
              FROM down JOIN branches b ON b.id = down.id LEFT JOIN g ON g.top = down.id
             WHERE down.depth = 1 ORDER BY down.id""",
            {"root": root_id, "day": day.day.isoformat(), "end": iso(day.end)})
        return [Counted(int(r[0]), r[1], int(r[2]), int(r[3])) for r in rows]

    async def coverage(self, root_id: int, days: Sequence[Day],
                       starts: Sequence[datetime]) -> list[Counted]:
        """Per day (in the order given, consecutive, oldest first): households covered in
        time, out of the households of the subtree that day.

        `starts` are the starts of the `MAX_VISIT_EVERY` days before the first one, oldest
        first (a contact then may still cover it).
        """
        if not days:
            return []
        if len(starts) != MAX_VISIT_EVERY:
            raise ValueError(f"starts needs the {MAX_VISIT_EVERY} days before the first")
        # j: the index of a day from the first of `starts`; the chart's days come last.
        bounds = [iso(s) for s in starts] + [iso(d.start) for d in days] + [iso(days[-1].end)]
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {TREE_INTERVALS},
            b(j, start, end_) AS MATERIALIZED (
                SELECT key, value, json_extract(:bounds, '$[' || (key + 1) || ']')
                  FROM json_each(:bounds) WHERE key < json_array_length(:bounds) - 1),
            hs AS MATERIALIZED (
                SELECT h.id AS id, h.created_at AS created_at,
                       CASE WHEN h.vulnerable THEN 1 ELSE min(down.k, :maxk) END AS k
                  FROM down JOIN zones z ON z.branch_id = down.id
                  CROSS JOIN households h ON h.zone_id = z.id
                 WHERE h.created_at < :end),
            -- Each household's days with a contact that reached it (one row a day), read
            -- through visits_household_at: the history of the window only.
            rv AS MATERIALIZED (
                SELECT DISTINCT hs.id AS id, hs.k AS k,
                       (SELECT max(b.j) FROM b WHERE b.start <= v.at) AS j
                  FROM hs CROSS JOIN visits v ON v.household_id = hs.id
                 WHERE v.at >= :from AND v.at < :end AND v.outcome != 'no_answer'),
            cv AS (
                SELECT b.j AS j, count(DISTINCT rv.id) AS covered
                  FROM b JOIN rv ON rv.j <= b.j AND b.j < rv.j + rv.k
                 WHERE b.j >= :maxk GROUP BY b.j)
            SELECT b.j, coalesce(cv.covered, 0),
                   (SELECT count(*) FROM hs WHERE hs.created_at < b.end_)
              FROM b LEFT JOIN cv ON cv.j = b.j WHERE b.j >= :maxk ORDER BY b.j""",
            {"root": root_id, "deep": 1, "bounds": json.dumps(bounds),
             "maxk": MAX_VISIT_EVERY, "from": bounds[0], "end": bounds[-1]})
        return [Counted(d.day, "", int(r[1]), int(r[2])) for d, r in zip(days, rows, strict=True)]

    async def needs(self, root_id: int, days: Sequence[Day]) -> list[NeedDay]:
        """Per day (in the order given): needs of the subtree opened and resolved within it,
        and open at its `as_of`."""
        if not days:
            return []
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()},
            d(i, start, as_of) AS (
                SELECT key, value ->> 1, value ->> 3 FROM json_each(:days)),
            n AS MATERIALIZED (
                SELECT n.created_at AS created_at, n.closed_at AS closed_at, n.status AS status
                  FROM needs n INDEXED BY needs_branch_status
                 WHERE n.branch_id IN (SELECT id FROM down)
                   AND n.created_at < :end AND (n.closed_at IS NULL OR n.closed_at >= :start))
            SELECT d.i,
                   count(n.created_at) FILTER (WHERE n.created_at >= d.start),
                   count(n.created_at) FILTER (WHERE n.status = 'resolved'
                                                AND n.closed_at >= d.start
                                                AND n.closed_at < d.as_of),
                   count(n.created_at) FILTER (WHERE n.closed_at IS NULL
                                                OR n.closed_at > d.as_of)
              FROM d LEFT JOIN n ON n.created_at < d.as_of
                                AND (n.closed_at IS NULL OR n.closed_at >= d.start)
             GROUP BY d.i ORDER BY d.i""",
            {"root": root_id, "days": _days(days), "start": iso(min(d.start for d in days)),
             "end": iso(max(d.end for d in days))})
        return [NeedDay(d.day, int(r[1]), int(r[2]), int(r[3]))
                for d, r in zip(days, rows, strict=True)]
