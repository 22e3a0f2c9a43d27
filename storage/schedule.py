"""Branch schedules: each branch's effective daily rhythm and settings, and whom a daily run
reaches (the ledger of runs is `storage.runs`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from storage import sql
from storage.branches import Defaults
from storage.coverage import DEFAULT_VISIT_EVERY
from storage.db import Database
from storage.rows import Recipient
from storage.tasks import DEFAULT_ANSWER_WITHIN
from storage.times import from_iso

DEFAULT_ALERT_BELOW = 60  # percent, when no branch up the tree sets one
DEFAULT_CRITICAL_WITHIN = 60  # minutes

# Settings a secretary may set with /settings: the column, and its default when no branch
# up the tree sets it (None: the configured default, `Defaults`).
SCHEDULE_COLUMNS: dict[str, int | None] = {
    "checkin_time": None, "reminder_time": None, "digest_time": None, "timezone": None,
    "locale": None, "days_off": None, "alert_below": DEFAULT_ALERT_BELOW,
    "critical_within_minutes": DEFAULT_CRITICAL_WITHIN,
    "answer_within_minutes": DEFAULT_ANSWER_WITHIN,
    "visit_every_days": DEFAULT_VISIT_EVERY,
    "weekly_day": None, "weekly_time": None,
}
DEFAULT_WEEKLY_DAY = "mon"  # the weekly report's day when no branch up the tree sets one


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
    weekly_day: str = DEFAULT_WEEKLY_DAY  # "mon".."sun"
    weekly_time: str = ""  # "HH:MM"; the branch's digest time unless set up the tree


@dataclass(frozen=True, slots=True)
class Setting:
    """One schedule setting of a branch: its own value (None: inherited) and the effective one."""

    column: str
    own: str | int | None
    effective: str | int


@dataclass(frozen=True, slots=True)
class Target:
    """A member of a branch with their status today and yesterday (None: no check-in)."""

    contact: Recipient
    reachable: bool
    today: str | None
    yesterday: str | None


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
    if column == "weekly_day":
        fallback = f"'{DEFAULT_WEEKLY_DAY}'"
    if column == "weekly_time":  # no weekly time up the tree: the branch's digest time
        fallback = _effective("digest_time")
    return (f"COALESCE((SELECT {column} FROM up WHERE {column} IS NOT NULL"
            f" ORDER BY depth LIMIT 1), {fallback})")


class Schedules:
    """Each branch's effective rhythm and settings, and what a daily run needs."""

    def __init__(self, db: Database, defaults: Defaults) -> None:
        self.db = db
        self._d = defaults.params()

    async def all(self) -> list[Schedule]:
        """Every live branch with its effective rhythm, walked down from the roots (an
        archived branch has no due runs: see `storage.sql.LIVE`)."""
        rows = await self.db.fetchall(
            """WITH RECURSIVE eff(id, parent_id, name, created_at, timezone, locale, checkin,
                                  reminder, digest, days_off, alert, critical, weekly_day,
                                  weekly_time) AS (
                   SELECT id, parent_id, name, created_at, COALESCE(timezone, :d_timezone),
                          COALESCE(locale, :d_locale), COALESCE(checkin_time, :d_checkin_time),
                          COALESCE(reminder_time, :d_reminder_time),
                          COALESCE(digest_time, :d_digest_time), COALESCE(days_off, ''),
                          COALESCE(alert_below, :alert),
                          COALESCE(critical_within_minutes, :critical),
                          COALESCE(weekly_day, :weekly_day), weekly_time
                     FROM branches WHERE parent_id IS NULL AND archived_at IS NULL
                   UNION ALL
                   SELECT b.id, b.parent_id, b.name, b.created_at,
                          COALESCE(b.timezone, e.timezone), COALESCE(b.locale, e.locale),
                          COALESCE(b.checkin_time, e.checkin),
                          COALESCE(b.reminder_time, e.reminder),
                          COALESCE(b.digest_time, e.digest), COALESCE(b.days_off, e.days_off),
                          COALESCE(b.alert_below, e.alert),
                          COALESCE(b.critical_within_minutes, e.critical),
                          COALESCE(b.weekly_day, e.weekly_day),
                          COALESCE(b.weekly_time, e.weekly_time)
                     FROM branches b JOIN eff e ON b.parent_id = e.id
                    WHERE b.archived_at IS NULL)
               -- No weekly time up the tree: the branch's own (effective) digest time.
               SELECT id, parent_id, name, created_at, timezone, locale, checkin, reminder,
                      digest, days_off, alert, critical, weekly_day,
                      COALESCE(weekly_time, digest)
                 FROM eff ORDER BY id""",
            {**self._d, "alert": DEFAULT_ALERT_BELOW, "critical": DEFAULT_CRITICAL_WITHIN,
             "weekly_day": DEFAULT_WEEKLY_DAY})
        out = []
        for r in rows:
            created = from_iso(r[3])
            assert created is not None
            out.append(Schedule(r[0], r[1], r[2], created, *r[4:]))
        return out

    async def settings(self, branch_id: int) -> list[Setting]:
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

    async def set_setting(self, branch_id: int, column: str, value: str | int | None) -> None:
        """Set one of the branch's own settings (None: inherit from the parent)."""
        if column not in SCHEDULE_COLUMNS:
            raise ValueError(f"not a schedule setting: {column}")
        await self.db.execute(f"UPDATE branches SET {column} = ? WHERE id = ?",
                              (value, branch_id))

    async def own_times(self, root_id: int) -> list[OwnTimes]:
        """The branch and every live branch below it with their own clock times, parents
        first."""
        rows = await self.db.fetchall(
            """WITH RECURSIVE down(id, path) AS (
                   SELECT :root, printf('%012d', :root)
                   UNION ALL
                   SELECT b.id, down.path || '/' || printf('%012d', b.id)
                     FROM branches b JOIN down ON b.parent_id = down.id
                    WHERE b.archived_at IS NULL)
               SELECT b.id, b.parent_id, b.name, b.checkin_time, b.reminder_time,
                      b.digest_time
                 FROM down JOIN branches b ON b.id = down.id ORDER BY down.path""",
            {"root": root_id})
        return [OwnTimes(*r) for r in rows]

    async def branch_targets(self, branch_id: int, day: date, yesterday: date, *,
                             after: int = 0, limit: int = -1) -> list[Target]:
        """The branch's own members with their status on `day` and the day before, by id:
        those after member id `after`, at most `limit` of them (-1: all)."""
        rows = await self.db.fetchall(
            f"""SELECT m.id, {sql.display_name("m")}, m.language, m.telegram_language, m.reachable,
                       t.status, y.status
                  FROM memberships ms JOIN members m ON m.id = ms.member_id
                  LEFT JOIN checkins t ON t.member_id = m.id AND t.day = :day
                  LEFT JOIN checkins y ON y.member_id = m.id AND y.day = :yesterday
                 WHERE ms.branch_id = :branch AND ms.member_id > :after
                 ORDER BY ms.member_id LIMIT :limit""",
            {"branch": branch_id, "day": day.isoformat(), "yesterday": yesterday.isoformat(),
             "after": after, "limit": limit})
        return [Target(Recipient(r[0], r[1], r[2], r[3]), bool(r[4]), r[5], r[6]) for r in rows]

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
            f"""SELECT {sql.display_name("m")}
                  FROM memberships ms JOIN members m ON m.id = ms.member_id
                 WHERE ms.branch_id = :branch
                   AND NOT EXISTS (SELECT 1 FROM checkins t
                                    WHERE t.member_id = m.id AND t.day = :day)
                 ORDER BY ms.member_id LIMIT :names""",
            {"branch": branch_id, "day": day.isoformat(), "names": names})
        return int(counts[0]), int(counts[1]), [str(r[0]) for r in rows]
