"""People: members as Telegram describes them, their membership, whom to send to."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from storage import sql
from storage.branches import Defaults, inherited
from storage.db import Database
from storage.rows import NewMessage, Person, Recipient
from storage.times import from_iso, iso

# The member is (still) in the branch the change was asked for.
_IN_BRANCH = ("EXISTS (SELECT 1 FROM memberships ms WHERE ms.member_id = :member"
              " AND ms.branch_id = :branch)")


class People:
    """Members, their language and reachability, their membership; secretaries."""

    def __init__(self, db: Database, defaults: Defaults) -> None:
        self.db = db
        self._d = defaults.params()

    async def get(self, user_id: int) -> Person | None:
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
                       CASE WHEN ms.branch_id IS NULL THEN NULL ELSE {inherited("timezone")} END,
                       CASE WHEN ms.branch_id IS NULL THEN NULL ELSE {inherited("locale")} END,
                       c.day, c.status, m.away_since IS NOT NULL, m.name, m.phone
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
            last_checkin_status=row[13], away=bool(row[14]), name=row[15], phone=row[16])

    async def save(
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

    async def set_membership(self, member_id: int, branch_id: int, role: str, *,
                             at: datetime) -> None:
        """Put a member in a branch with a role directly (admin tools, tests, demo)."""
        await self.db.execute(
            """INSERT INTO memberships(member_id, branch_id, role, joined_at) VALUES (?, ?, ?, ?)
               ON CONFLICT(member_id) DO UPDATE SET branch_id = excluded.branch_id,
                   role = excluded.role""",
            (member_id, branch_id, role, iso(at)))

    async def joined_at(self, member_id: int) -> datetime | None:
        """When the member joined their branch (or moved to it); None if in no branch."""
        row = await self.db.fetchone(
            "SELECT joined_at FROM memberships WHERE member_id = ?", (member_id,))
        return from_iso(row[0]) if row else None

    # --- changes a secretary makes (see bot.rules.members) ------------------------------------

    async def set_role(self, member_id: int, *, branch_id: int, role: str, by: int | None,
                       at: datetime, messages: Sequence[NewMessage]) -> bool:
        """Make the member of `branch_id` a secretary or a member there, with the audit entry
        (`role`) and `messages`, in one transaction. False (nothing changed) if they are no
        longer in that branch or already have that role."""
        return await self._change(
            "UPDATE memberships SET role = :value WHERE member_id = :member"
            " AND branch_id = :branch AND role <> :value",
            "role", {"member": member_id, "role": role}, member_id, branch_id, role, by, at,
            messages)

    async def set_name(self, member_id: int, *, branch_id: int, name: str, by: int | None,
                       at: datetime, messages: Sequence[NewMessage]) -> bool:
        """Set the organization's name for a member of `branch_id` (`members.name`; a roster
        row they claimed is history and stays), with the audit entry (`rename`) and
        `messages`, in one transaction. False if they are no longer in that branch or already
        have that name."""
        return await self._change(
            f"UPDATE members SET name = :value, updated_at = :at WHERE id = :member"
            f" AND name IS NOT :value AND {_IN_BRANCH}",
            "rename", {"member": member_id, "name": name}, member_id, branch_id, name, by, at,
            messages)

    async def set_phone(self, member_id: int, *, branch_id: int, phone: str, by: int | None,
                        at: datetime, messages: Sequence[NewMessage]) -> bool:
        """Set a member's phone number (as `normal_phone` writes it), as `set_name` does; the
        audit entry (`phone`) does not hold the number."""
        return await self._change(
            f"UPDATE members SET phone = :value, updated_at = :at WHERE id = :member"
            f" AND phone IS NOT :value AND {_IN_BRANCH}",
            "phone", {"member": member_id}, member_id, branch_id, phone, by, at, messages)

    async def _change(self, statement: str, action: str, detail: dict[str, object],
                      member_id: int, branch_id: int, value: str, by: int | None,
                      at: datetime, messages: Sequence[NewMessage]) -> bool:
        stamp = iso(at)
        async with self.db.transaction() as tx:
            done = await tx.execute(statement, {"value": value, "at": stamp,
                                                "member": member_id, "branch": branch_id})
            if not done.rowcount:
                return False
            await tx.execute(sql.AUDIT, (stamp, by, action, branch_id, 1,
                                         json.dumps(detail, ensure_ascii=False)))
            await sql.enqueue(tx, action, messages, stamp)
        return True

    async def contacts(self, member_ids: Sequence[int]) -> list[Recipient]:
        """Name and languages of each member, in the order asked (unknown ids left out)."""
        rows = await self.db.fetchall(
            f"SELECT m.id, {sql.display_name('m')}, m.language, m.telegram_language"
            " FROM members m WHERE m.id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(member_ids)),))
        found = {r[0]: Recipient(r[0], r[1], r[2], r[3]) for r in rows}
        return [found[i] for i in member_ids if i in found]

    # --- secretaries ------------------------------------------------------------------------

    async def secretaries(self) -> list[tuple[int, str | None, str | None]]:
        """Every secretary as (user id, chosen language, Telegram language)."""
        rows = await self.db.fetchall(
            "SELECT m.id, m.language, m.telegram_language FROM memberships ms"
            " JOIN members m ON m.id = ms.member_id WHERE ms.role = 'secretary' ORDER BY m.id")
        return [(r[0], r[1], r[2]) for r in rows]

    async def branch_secretaries(self, branch_id: int) -> list[Recipient]:
        """The secretaries of exactly this branch (not of the branches below), reachable or
        not, with their branch."""
        rows = await self.db.fetchall(
            f"""SELECT m.id, {sql.display_name('m')}, m.language, m.telegram_language,
                       m.reachable, ms.branch_id
                 FROM memberships ms JOIN members m ON m.id = ms.member_id
                WHERE ms.branch_id = ? AND ms.role = 'secretary' ORDER BY m.id""",
            (branch_id,))
        return [Recipient(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]

    async def secretaries_of(self, branch_id: int) -> list[Recipient]:
        """The reachable secretaries of a branch."""
        rows = await self.db.fetchall(
            f"""SELECT m.id, {sql.display_name('m')}, m.language, m.telegram_language
                  FROM memberships ms JOIN members m ON m.id = ms.member_id
                 WHERE ms.branch_id = ? AND ms.role = 'secretary' AND m.reachable = 1
                 ORDER BY m.id""", (branch_id,))
        return [Recipient(r[0], r[1], r[2], r[3]) for r in rows]
