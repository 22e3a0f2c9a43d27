"""Leaders on record: what each branch's secretaries did over a period, counted in SQL for a
whole subtree at once (one statement per figure, one row per branch), or for one branch.

Most methods take a `Span`: with `deep`, the figures of every live branch of the root's
subtree; without, of the root alone (the walks a figure needs below it, the secretaries'
tasks and broadcasts over their subtree, still go down; the check-ins and coverage are read
per branch for the whole subtree and rolled up by the rules). `start`/`end` bound the period
(ISO UTC text compares as instants), `now` is when "untouched" and "overdue" are judged,
`stop` is min(end, now). The SQL pieces are in `storage.leaders_sql`. The rules are in
`bot.rules.leaders`; this module only counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import leaders_sql as q
from storage import sql
from storage.coverage import _TREE as _COVERAGE_TREE  # the states of /coverage, as it judges
from storage.coverage import MAX_VISIT_EVERY, _windows
from storage.db import Database
from storage.times import iso


@dataclass(frozen=True, slots=True)
class Span:
    """What the figures are asked over: the root, whether every branch of its subtree
    (`deep`) or the root alone, the period's instants [start, end), and `now`."""

    root: int
    deep: bool
    start: datetime
    end: datetime
    now: datetime

    def params(self) -> dict[str, Any]:
        """The query parameters (`stop`: the period's end, or now if sooner)."""
        return {"root": self.root, "deep": int(self.deep), "start": iso(self.start),
                "end": iso(self.end), "now": iso(self.now),
                "stop": iso(min(self.end, self.now))}


@dataclass(frozen=True, slots=True)
class Timing:
    """How soon things waiting on a branch were acted on (minutes)."""

    branch_id: int
    acted: int  # acted on by `now`
    median: float | None  # of those acted on
    worst: float | None  # of those acted on
    untouched: int  # not acted on at `now`
    waiting: float | None  # the longest wait so far of the untouched


@dataclass(frozen=True, slots=True)
class TaskCounts:
    """Tasks given by a branch's secretaries."""

    branch_id: int
    given: int
    overdue: int  # ran past their due time unfinished
    unfollowed: int  # of which nothing was recorded after the due time


@dataclass(frozen=True, slots=True)
class BroadcastCounts:
    """Broadcasts sent by a branch's secretaries."""

    branch_id: int
    sent: int
    deliveries: int  # private deliveries sent of those asking for acknowledgement
    acks: int  # of which acknowledged


@dataclass(frozen=True, slots=True)
class OverdueHouseholds:
    """A branch's own households overdue (as /coverage judges them) over the period."""

    branch_id: int
    households: int  # the branch's households (added before the period's stop)
    overdue: int  # of which overdue at some time in the period
    hours: float  # household-hours overdue within the period
    longest: float  # hours: the longest stretch within the period


@dataclass(frozen=True, slots=True)
class Share:
    """A part and its whole for one branch's own members or households."""

    branch_id: int
    whole: int
    part: int


class Leaders:
    """The figures of branches' leadership over a period."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _timings(self, query: str, params: dict[str, Any]) -> list[Timing]:
        rows = await self.db.fetchall(query + q.TIMING, params)
        return [Timing(*r) for r in rows]

    async def need_timings(self, span: Span) -> list[Timing]:
        """Needs reported to each branch in [start, end): from report to first action."""
        return await self._timings(
            f"""WITH RECURSIVE {sql.subtree(only_if=":deep")},
            w0 AS (SELECT n.branch_id AS branch_id, n.created_at AS since,
                          n.closed_at AS closed, {q.FIRST_TASK} AS ft
                     FROM needs n INDEXED BY needs_branch_status
                    WHERE n.branch_id IN (SELECT id FROM down)
                      AND n.created_at >= :start AND n.created_at < :end),
            w AS (SELECT branch_id, since, {q.FIRST_AT} AS first_at FROM w0)""",
            span.params())

    async def escalation_timings(self, span: Span) -> list[Timing]:
        """Critical needs of each branch's direct sub-branches escalated to it in
        [start, end): from the escalation to the first action."""
        return await self._timings(
            f"""WITH RECURSIVE {sql.subtree(only_if=":deep")},
            w0 AS (SELECT b.parent_id AS branch_id, n.escalated_at AS since,
                          n.closed_at AS closed, {q.FIRST_TASK} AS ft
                     FROM branches b JOIN needs n INDEXED BY needs_branch_status
                          ON n.branch_id = b.id
                    WHERE b.parent_id IN (SELECT id FROM down)
                      AND n.escalated_at >= :start AND n.escalated_at < :end),
            w AS (SELECT branch_id, since, {q.FIRST_AT} AS first_at FROM w0)""",
            span.params())

    async def tasks(self, span: Span) -> list[TaskCounts]:
        """Tasks the branches' present secretaries gave in [start, end), and how many ran
        overdue, with and without a follow-up."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()}, {q.SECRETARIES},
            tk AS (SELECT s.branch_id AS branch_id, {q.RAN_OVERDUE} AS late, t.id AS id,
                          t.need_id AS need_id, t.due_at AS due_at,
                          t.closed_by AS closed_by, t.closed_at AS closed_at
                     FROM tasks t INDEXED BY tasks_branch_status
                     JOIN secs s ON s.member_id = t.created_by
                    WHERE t.branch_id IN (SELECT id FROM down)
                      AND t.created_at >= :start AND t.created_at < :end)
            SELECT branch_id, count(*), count(*) FILTER (WHERE late),
                   count(*) FILTER (WHERE late AND NOT {q.FOLLOWED})
              FROM tk t GROUP BY branch_id""",
            span.params())
        return [TaskCounts(*r) for r in rows]

    async def broadcasts(self, span: Span) -> list[BroadcastCounts]:
        """Broadcasts the branches' present secretaries sent in [start, end); of those asking
        for acknowledgement, the private deliveries sent and how many were acknowledged."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()}, {q.SECRETARIES},
            bc AS MATERIALIZED (
                SELECT s.branch_id AS branch_id, br.id AS id, br.ack_required AS ack
                  FROM broadcasts br INDEXED BY broadcasts_branch
                  JOIN secs s ON s.member_id = br.author_id
                 WHERE br.branch_id IN (SELECT id FROM down)
                   AND br.created_at >= :start AND br.created_at < :end),
            rc AS (SELECT DISTINCT bc.branch_id AS branch_id, o.broadcast_id AS bid,
                          o.member_id AS mid
                     FROM bc JOIN outbox o INDEXED BY outbox_broadcast
                          ON o.broadcast_id = bc.id AND o.state = 'sent'
                    WHERE bc.ack AND o.member_id IS NOT NULL),
            ak AS (SELECT rc.branch_id AS branch_id, count(*) AS n, count(a.member_id) AS acked
                     FROM rc LEFT JOIN acks a ON a.broadcast_id = rc.bid
                                             AND a.member_id = rc.mid
                    GROUP BY rc.branch_id)
            SELECT s.branch_id, s.n, coalesce(ak.n, 0), coalesce(ak.acked, 0)
              FROM (SELECT branch_id, count(*) AS n FROM bc GROUP BY branch_id) s
              LEFT JOIN ak ON ak.branch_id = s.branch_id""",
            span.params())
        return [BroadcastCounts(*r) for r in rows]

    async def overdue_households(self, span: Span,
                                 offsets: Mapping[int, float]) -> list[OverdueHouseholds]:
        """Each branch's own households and their overdue stretches in [start, stop).

        A household is overdue from the start of the local day k + 1 days after it was last
        reached (k days after the day it was added, if never reached) until it is reached
        again, k its interval (1 if vulnerable): what /coverage says at each instant.
        `offsets` gives each branch's UTC offset in days (local days are the branch's).
        """
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {q.INTERVALS}, {q.OFFSETS},
            bk AS MATERIALIZED (
                SELECT kd.id AS id, min(kd.k, {MAX_VISIT_EVERY}) AS k, tz.o AS o
                  FROM kd JOIN tz ON tz.id = kd.id),
            hs AS MATERIALIZED (
                SELECT z.branch_id AS branch_id, h.id AS id, h.created_at AS created, bk.o AS o,
                       CASE WHEN h.vulnerable THEN 1 ELSE bk.k END AS k,
                       (SELECT max(v.at) FROM visits v WHERE v.household_id = h.id
                           AND v.at < :start AND v.outcome IN ({q.REACHED})) AS before
                  FROM bk CROSS JOIN zones z ON z.branch_id = bk.id
                  CROSS JOIN households h ON h.zone_id = z.id
                 WHERE h.created_at < :stop),
            -- As Julian days (numbers sort faster than text): each household's anchor
            -- (its last reach before the period, else when it was added), then its reaches.
            ev AS (
                SELECT id, branch_id, k, o, before IS NOT NULL AS reach,
                       julianday(coalesce(before, created)) AS t FROM hs
                UNION ALL
                SELECT hs.id, hs.branch_id, hs.k, hs.o, 1, julianday(v.at)
                  FROM hs JOIN visits v ON v.household_id = hs.id
                 WHERE v.at >= :start AND v.at < :stop AND v.outcome IN ({q.REACHED})),
            -- Overdue from `late` (local midnight k + reach days after the day of t) until
            -- the next reach, or the period's stop.
            st AS (
                SELECT branch_id, id, floor(t + o - 0.5) + 0.5 - o + k + reach AS late,
                       lead(t, 1, julianday(:stop)) OVER (PARTITION BY id ORDER BY t) AS next
                  FROM ev),
            cut AS (
                SELECT branch_id, id, next - max(late, julianday(:start)) AS days
                  FROM st WHERE max(late, julianday(:start)) < next),
            g AS (SELECT branch_id, count(DISTINCT id) AS n,
                         round(sum(days) * 86400) / 3600 AS hours,
                         round(max(days) * 86400) / 3600 AS longest FROM cut GROUP BY branch_id)
            SELECT hs.branch_id, count(*), coalesce(g.n, 0), coalesce(g.hours, 0),
                   coalesce(g.longest, 0)
              FROM hs LEFT JOIN g ON g.branch_id = hs.branch_id GROUP BY hs.branch_id""",
            {**span.params(),
             "offsets": _offsets(offsets)})
        return [OverdueHouseholds(*r) for r in rows]

    async def checkins(self, root: int, *, first_day: str, last_day: str,
                       offsets: Mapping[int, float]) -> list[Share]:
        """For each branch of the subtree, its own present members' member-days in the local
        days [first_day, last_day] (from the day each joined) and their check-ins then."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()}, {q.OFFSETS},
            bo AS MATERIALIZED (SELECT down.id AS id, tz.o AS o
                                  FROM down JOIN tz ON tz.id = down.id),
            p AS (SELECT ms.branch_id AS branch_id, ms.member_id AS member_id,
                         max(:first, date(julianday(ms.joined_at) + bo.o)) AS since
                    FROM bo CROSS JOIN memberships ms INDEXED BY memberships_branch_member
                      ON ms.branch_id = bo.id)
            SELECT branch_id, sum(julianday(:last) - julianday(since) + 1),
                   sum((SELECT count(*) FROM checkins c WHERE c.member_id = p.member_id
                           AND c.day BETWEEN p.since AND :last))
              FROM p WHERE since <= :last GROUP BY branch_id""",
            {"root": root, "first": first_day, "last": last_day,
             "offsets": _offsets(offsets)})
        return [Share(r[0], int(r[1]), int(r[2])) for r in rows]

    async def coverage(self, root: int, *, starts: Sequence[datetime],
                       end: datetime) -> list[Share]:
        """For each branch of the subtree, its own households and how many are covered on
        the day `starts[0]` begins (the states and windows of `storage.coverage`)."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {_COVERAGE_TREE}
            SELECT z.branch_id, count(*), sum(st.state = 'covered')
              FROM st JOIN zones z ON z.id = st.zone_id GROUP BY z.branch_id""",
            {"root": root, "th": _windows(tuple(starts)), "maxk": len(starts) - 1,
             "cov1": iso(starts[0]), "due1": iso(starts[1]), "end": iso(end), "deep": 1})
        return [Share(*r) for r in rows]


def _offsets(offsets: Mapping[int, float]) -> str:
    return "[" + ",".join(f"[{int(b)},{float(o)!r}]" for b, o in offsets.items()) + "]"
