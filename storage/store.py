"""Frontline's queries: async functions named for what they answer, returning plain rows.

Effective branch settings are inherited: a NULL column takes the parent's value, and the
root's NULLs take the configured defaults. Subtrees are walked with recursive CTEs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from storage.coverage import CoverageQueries
from storage.db import Database
from storage.digest import DigestQueries
from storage.household_imports import HouseholdImportQueries
from storage.households import HouseholdQueries
from storage.moves import MoveQueries
from storage.needs import NeedQueries
from storage.outbox import OutboxQueries
from storage.records import RecordQueries
from storage.rollup import RollupQueries
from storage.rows import (
    Branch,
    BranchNode,
    Checkin,
    Invite,
    Person,
    RosterRow,
)
from storage.schedule import ScheduleQueries
from storage.tasks import TaskQueries
from storage.times import from_iso, iso

SETTING_KEYS = ("timezone", "locale", "checkin_time", "reminder_time", "digest_time")


@dataclass(frozen=True)
class Defaults:
    """Values a root branch inherits when it sets none (from `[defaults]`)."""

    timezone: str = "Asia/Shanghai"
    locale: str = "zh"
    checkin_time: str = "08:00"
    reminder_time: str = "10:00"
    digest_time: str = "20:00"


# The chain of a branch and its ancestors, nearest first; used to resolve inherited settings.
_UP = """
up(id, depth, timezone, locale, checkin_time, reminder_time, digest_time, parent_id) AS (
    SELECT id, 0, timezone, locale, checkin_time, reminder_time, digest_time, parent_id
      FROM branches WHERE id = :branch
    UNION ALL
    SELECT b.id, up.depth + 1, b.timezone, b.locale, b.checkin_time, b.reminder_time,
           b.digest_time, b.parent_id
      FROM branches b JOIN up ON b.id = up.parent_id
)"""


def _inherited(column: str) -> str:
    return (
        f"COALESCE((SELECT {column} FROM up WHERE {column} IS NOT NULL ORDER BY depth LIMIT 1),"
        f" :d_{column})"
    )


class Store(OutboxQueries, NeedQueries, TaskQueries, RecordQueries, ScheduleQueries,
            DigestQueries, HouseholdQueries, HouseholdImportQueries, CoverageQueries,
            MoveQueries, RollupQueries):
    """Frontline's storage: one database, queries named for what they answer."""

    def __init__(self, path: str | Path, defaults: Defaults | None = None) -> None:
        self.db = Database(path)
        self.defaults = defaults or Defaults()
        self._d = {f"d_{key}": getattr(self.defaults, key) for key in SETTING_KEYS}

    async def initialize(self, *, migrate: bool = True, create: bool = True) -> None:
        """Open the database and bring its schema up to date (see `Database.initialize`); with
        `migrate`, also finish a household import a dead process left decided (and drop one it
        left staging), see `storage.household_imports`."""
        await self.db.initialize(migrate=migrate, create=create)
        if migrate:
            # A household import that a dead process had decided is finished now.
            for done in await self.finish_household_imports():
                await self.audit(done.actor_id, "households_import", branch_id=done.branch_id,
                                 allowed=True, detail={
                                     "created": done.created, "updated": done.updated,
                                     "file": done.file, "recovered": True},
                                 at=datetime.fromisoformat(done.at))

    async def shutdown(self) -> None:
        """Close the database."""
        await self.db.shutdown()

    async def audit(
        self,
        actor_id: int | None,
        action: str,
        *,
        branch_id: int | None,
        allowed: bool,
        detail: Mapping[str, object] | None = None,
        at: datetime,
    ) -> None:
        """Record a privileged action (or a refused attempt) in the audit log."""
        await self.db.execute(
            "INSERT INTO audit_log(at, actor_id, action, branch_id, allowed, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (iso(at), actor_id, action, branch_id, int(allowed),
             json.dumps(detail, ensure_ascii=False) if detail else None),
        )

    async def audit_entries(self, limit: int = 50) -> list[tuple[str, int | None, str, int | None,
                                                               bool, str | None]]:
        """The latest audit entries, newest first: (at, actor, action, branch, allowed, detail)."""
        rows = await self.db.fetchall(
            "SELECT at, actor_id, action, branch_id, allowed, detail FROM audit_log"
            " ORDER BY id DESC LIMIT ?", (limit,))
        return [(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]

    # --- branches -------------------------------------------------------------------------

    async def create_branch(self, name: str, parent_id: int | None, *, at: datetime) -> int:
        """Add a branch (a root when parent_id is None); return its id."""
        return await self.db.execute(
            "INSERT INTO branches(name, parent_id, created_at) VALUES (?, ?, ?)",
            (name, parent_id, iso(at)),
        )

    async def branch(self, branch_id: int) -> Branch | None:
        """One branch with its effective (inherited) settings, or None."""
        cols = ", ".join(_inherited(key) for key in SETTING_KEYS)
        row = await self.db.fetchone(
            f"WITH RECURSIVE {_UP} SELECT b.id, b.parent_id, b.name, {cols}, b.group_chat_id"
            " FROM branches b WHERE b.id = :branch",
            {"branch": branch_id, **self._d},
        )
        return Branch(*row) if row else None

    async def root_branches(self) -> list[Branch]:
        """The branches without a parent (normally one: the organization)."""
        rows = await self.db.fetchall(
            "SELECT id FROM branches WHERE parent_id IS NULL ORDER BY id")
        found = [await self.branch(row[0]) for row in rows]
        return [b for b in found if b is not None]

    async def subtree(self, root_id: int) -> list[BranchNode]:
        """The branch and every branch below it, in tree order, with member counts."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {_UP},
            down(id, parent_id, name, depth, timezone, path) AS (
                SELECT b.id, b.parent_id, b.name, 0, {_inherited("timezone")},
                       printf('%012d', b.id)
                  FROM branches b WHERE b.id = :branch
                UNION ALL
                SELECT b.id, b.parent_id, b.name, down.depth + 1,
                       COALESCE(b.timezone, down.timezone),
                       down.path || '/' || printf('%012d', b.id)
                  FROM branches b JOIN down ON b.parent_id = down.id
            )
            SELECT d.id, d.parent_id, d.name, d.depth, d.timezone,
                   (SELECT count(*) FROM memberships m WHERE m.branch_id = d.id)
              FROM down d ORDER BY d.path""",
            {"branch": root_id, **self._d},
        )
        return [BranchNode(*row) for row in rows]

    async def whole_tree(self) -> list[BranchNode]:
        """Every branch, root by root, in tree order."""
        nodes: list[BranchNode] = []
        for root in await self.db.fetchall(
                "SELECT id FROM branches WHERE parent_id IS NULL ORDER BY id"):
            nodes.extend(await self.subtree(root[0]))
        return nodes

    async def is_within(self, ancestor_id: int, branch_id: int) -> bool:
        """True if `branch_id` is `ancestor_id` or lies below it."""
        row = await self.db.fetchone(
            """WITH RECURSIVE up(id, parent_id) AS (
                   SELECT id, parent_id FROM branches WHERE id = ?
                   UNION ALL
                   SELECT b.id, b.parent_id FROM branches b JOIN up ON b.id = up.parent_id
               ) SELECT 1 FROM up WHERE id = ? LIMIT 1""",
            (branch_id, ancestor_id),
        )
        return row is not None

    async def branch_count(self) -> int:
        """How many branches exist."""
        row = await self.db.fetchone("SELECT count(*) FROM branches")
        return int(row[0])

    # --- people ---------------------------------------------------------------------------

    async def person(self, user_id: int) -> Person | None:
        """A person with their membership and their branch's timezone and locale."""
        row = await self.db.fetchone(
            f"""WITH RECURSIVE up(id, depth, timezone, locale, parent_id) AS (
                    SELECT b.id, 0, b.timezone, b.locale, b.parent_id
                      FROM memberships ms JOIN branches b ON b.id = ms.branch_id
                     WHERE ms.member_id = :user
                    UNION ALL
                    SELECT b.id, up.depth + 1, b.timezone, b.locale, b.parent_id
                      FROM branches b JOIN up ON b.id = up.parent_id)
                SELECT m.id, m.first_name, m.last_name, m.username, m.language,
                       m.telegram_language, m.reachable, ms.branch_id, ms.role, b.name,
                       CASE WHEN ms.branch_id IS NULL THEN NULL ELSE {_inherited("timezone")} END,
                       CASE WHEN ms.branch_id IS NULL THEN NULL ELSE {_inherited("locale")} END,
                       c.day, c.status, m.away_since IS NOT NULL
                  FROM members m
                  LEFT JOIN memberships ms ON ms.member_id = m.id
                  LEFT JOIN branches b ON b.id = ms.branch_id
                  LEFT JOIN checkins c ON c.member_id = m.id AND c.day = (
                      SELECT max(day) FROM checkins WHERE member_id = m.id)
                 WHERE m.id = :user""",
            {"user": user_id, **self._d},
        )
        if row is None:
            return None
        return Person(
            id=row[0], first_name=row[1], last_name=row[2], username=row[3], language=row[4],
            telegram_language=row[5], reachable=bool(row[6]), branch_id=row[7], role=row[8],
            branch_name=row[9], timezone=row[10], locale=row[11],
            last_checkin_day=date.fromisoformat(row[12]) if row[12] else None,
            last_checkin_status=row[13], away=bool(row[14]))

    async def save_person(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        telegram_language: str | None,
        *,
        at: datetime,
    ) -> None:
        """Create or refresh a person as Telegram describes them; they are reachable again."""
        stamp = iso(at)
        await self.db.execute(
            """INSERT INTO members(id, first_name, last_name, username, telegram_language,
                                   reachable, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, 1, ?, ?)
               ON CONFLICT(id) DO UPDATE SET first_name = excluded.first_name,
                   last_name = excluded.last_name, username = excluded.username,
                   telegram_language = excluded.telegram_language, reachable = 1,
                   updated_at = excluded.updated_at""",
            (user_id, first_name, last_name, username, telegram_language, stamp, stamp),
        )

    async def set_language(self, user_id: int, language: str, *, at: datetime) -> None:
        """Remember the language a person chose."""
        await self.db.execute(
            "UPDATE members SET language = ?, updated_at = ? WHERE id = ?",
            (language, iso(at), user_id))

    async def set_reachable(self, user_id: int, reachable: bool, *, at: datetime) -> None:
        """Mark a person (un)reachable, e.g. after Telegram answered 403."""
        await self.db.execute(
            "UPDATE members SET reachable = ?, updated_at = ? WHERE id = ?",
            (int(reachable), iso(at), user_id))

    async def secretaries(self) -> list[tuple[int, str | None, str | None]]:
        """Every secretary as (user id, chosen language, Telegram language)."""
        rows = await self.db.fetchall(
            "SELECT m.id, m.language, m.telegram_language FROM memberships ms"
            " JOIN members m ON m.id = ms.member_id WHERE ms.role = 'secretary' ORDER BY m.id")
        return [(r[0], r[1], r[2]) for r in rows]

    # --- invites --------------------------------------------------------------------------

    async def create_invite(
        self,
        code: str,
        branch_id: int,
        role: str,
        *,
        uses: int | None,
        expires_at: datetime | None,
        created_by: int | None,
        at: datetime,
    ) -> None:
        """Store a new invite code."""
        await self.db.execute(
            "INSERT INTO invites(code, branch_id, role, uses_left, expires_at, created_by,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (code, branch_id, role, uses, iso(expires_at) if expires_at else None, created_by,
             iso(at)),
        )

    async def invite(self, code: str) -> Invite | None:
        """An invite by its code, or None."""
        row = await self.db.fetchone(
            "SELECT i.code, i.branch_id, b.name, i.role, i.uses_left, i.expires_at,"
            " i.created_by, i.revoked FROM invites i JOIN branches b ON b.id = i.branch_id"
            " WHERE i.code = ?", (code,))
        if row is None:
            return None
        return Invite(row[0], row[1], row[2], row[3], row[4], from_iso(row[5]), row[6],
                      bool(row[7]))

    async def join_with_invite(self, code: str, member_id: int, *, at: datetime) -> bool:
        """Spend one use of the invite and put the member in its branch with its role.

        Checked again inside the transaction, so two people racing for the last use
        cannot both get in. Returns False (and changes nothing) if the invite is no
        longer usable. A member leaving another branch lets go of what they held there
        (`move_member`), telling nobody: the chat joins through `bot.rules.moves`, which tells.
        """
        return await self.move_member(member_id, invite=code, by=member_id, at=at,
                                      decline_reason="", compose=lambda _: []) is not None

    async def set_membership(self, member_id: int, branch_id: int, role: str, *,
                             at: datetime) -> None:
        """Put a member in a branch with a role directly (admin tools, tests, demo)."""
        await self.db.execute(
            """INSERT INTO memberships(member_id, branch_id, role, joined_at) VALUES (?, ?, ?, ?)
               ON CONFLICT(member_id) DO UPDATE SET branch_id = excluded.branch_id,
                   role = excluded.role""",
            (member_id, branch_id, role, iso(at)))

    # --- check-ins ------------------------------------------------------------------------

    async def record_checkin(
        self,
        member_id: int,
        branch_id: int,
        day: date,
        status: str,
        *,
        note: str | None = None,
        at: datetime,
    ) -> None:
        """Record the member's status for the local day, replacing an earlier one that day.

        A changed status drops the old note (it described the old status); the same
        status keeps it unless a new note is given.
        """
        stamp = iso(at)
        await self.db.execute(
            """INSERT INTO checkins(member_id, day, branch_id, status, note, created_at,
                                    updated_at)
               VALUES (:m, :day, :branch, :status, :note, :at, :at)
               ON CONFLICT(member_id, day) DO UPDATE SET
                   branch_id = excluded.branch_id, status = excluded.status,
                   note = CASE WHEN excluded.note IS NOT NULL THEN excluded.note
                               WHEN checkins.status = excluded.status THEN checkins.note
                               ELSE NULL END,
                   updated_at = excluded.updated_at""",
            {"m": member_id, "day": day.isoformat(), "branch": branch_id, "status": status,
             "note": note, "at": stamp},
        )

    async def set_checkin_note(self, member_id: int, day: date, note: str | None, *,
                               at: datetime) -> bool:
        """Attach a note to the member's check-in of that day; False if there is none."""
        row = await self.db.write_one(
            "UPDATE checkins SET note = ?, updated_at = ? WHERE member_id = ? AND day = ?"
            " RETURNING 1", (note, iso(at), member_id, day.isoformat()))
        return row is not None

    async def checkin(self, member_id: int, day: date) -> Checkin | None:
        """The member's check-in of that day, or None."""
        row = await self.db.fetchone(
            "SELECT member_id, day, status, note, updated_at FROM checkins"
            " WHERE member_id = ? AND day = ?", (member_id, day.isoformat()))
        if row is None:
            return None
        return Checkin(row[0], date.fromisoformat(row[1]), row[2], row[3],
                       datetime.fromisoformat(row[4]))

    async def checkin_days(self, member_id: int, *, until: date, limit: int = 366) -> list[date]:
        """The days (newest first, up to `until`) on which the member checked in."""
        rows = await self.db.fetchall(
            "SELECT day FROM checkins WHERE member_id = ? AND day <= ? ORDER BY day DESC LIMIT ?",
            (member_id, until.isoformat(), limit))
        return [date.fromisoformat(r[0]) for r in rows]

    async def roster(self, root_id: int, days: Mapping[int, date], *,
                     missing_only: bool = False) -> list[RosterRow]:
        """Every member of the subtree with their status on their branch's day.

        Args:
            root_id: the subtree's top branch.
            days: the local day to look at for each branch id of the subtree.
            missing_only: only the members without a check-in that day.
        """
        rows = await self.db.fetchall(
            """WITH RECURSIVE down(id) AS (
                   SELECT :root UNION ALL
                   SELECT b.id FROM branches b JOIN down ON b.parent_id = down.id),
               days(branch_id, day) AS (
                   SELECT CAST(key AS INTEGER), value FROM json_each(:days)),
               -- Each branch's day first, once per branch: joined per member, the days
               -- (unindexed) were scanned once per member (3 s for 100,000 in 1,000 branches).
               branch_day AS MATERIALIZED (
                   SELECT down.id AS id, days.day AS day
                     FROM down LEFT JOIN days ON days.branch_id = down.id)
               SELECT m.id, m.first_name, m.last_name, m.username, ms.role, ms.branch_id,
                      m.reachable, c.status, c.note
                 FROM branch_day bd
                 JOIN memberships ms INDEXED BY memberships_branch ON ms.branch_id = bd.id
                 JOIN members m ON m.id = ms.member_id
                 LEFT JOIN checkins c ON c.member_id = m.id AND c.day = bd.day
                WHERE NOT :missing_only OR c.status IS NULL
                ORDER BY ms.branch_id, ms.role DESC, m.first_name, m.id""",
            {"root": root_id, "missing_only": missing_only,
             "days": json.dumps({str(k): v.isoformat() for k, v in days.items()})},
        )
        return [
            RosterRow(r[0], f"{r[1]} {r[2]}" if r[2] else r[1], r[3], r[4], r[5], bool(r[6]),
                      r[7], r[8])
            for r in rows
        ]
