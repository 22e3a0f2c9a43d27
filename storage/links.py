"""Personal join links: an invite bound to one person of the roster (`invites.roster_id`),
single use, made when a secretary asks and stored; and undoing a claim made by the wrong
person. See `bot.rules.roster.links` for the rules.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import sql
from storage.db import Database
from storage.invites import ACTIVE
from storage.moves import MoveOutcome, _let_go
from storage.rows import NewMessage
from storage.times import from_iso, iso

_WAITING = "r.member_id IS NULL AND r.removed_at IS NULL"
_MAKE = f"""INSERT INTO invites(code, branch_id, role, uses_left, expires_at, created_by,
                                created_at, roster_id)
            SELECT :code, r.branch_id, r.role, 1, :expires, :by, :now, r.id FROM roster r
             WHERE r.id = :roster AND {_WAITING} AND NOT EXISTS (
                   SELECT 1 FROM invites i WHERE i.roster_id = r.id AND {ACTIVE})"""
_PEOPLE = f"""SELECT r.id, r.branch_id, b.name, r.role, r.name, r.phone, i.code, i.expires_at
                FROM roster r JOIN branches b ON b.id = r.branch_id
                LEFT JOIN invites i ON i.roster_id = r.id AND {ACTIVE}"""


@dataclass(frozen=True, slots=True)
class PersonalLink:
    """A person waiting on the roster and their active personal link (None: none yet)."""

    roster_id: int
    branch_id: int
    branch_name: str
    role: str
    name: str
    phone: str | None
    code: str | None
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Unclaimed:
    """What undoing a claim did: the roster row (waiting again) and, if the claimer was
    still a member by that link, their membership taken away with what they let go."""

    roster_id: int
    name: str
    branch_id: int
    left: MoveOutcome | None


def _people(rows: Sequence[Any]) -> list[PersonalLink]:
    found: dict[int, PersonalLink] = {}
    for r in rows:
        link = PersonalLink(r[0], r[1], r[2], r[3], r[4], r[5], r[6], from_iso(r[7]))
        known = found.get(link.roster_id)
        if known is None or (link.expires_at and known.expires_at
                             and link.expires_at > known.expires_at):
            found[link.roster_id] = link
    return list(found.values())


class Links:
    """Personal links: made, renewed, read with the people they are for; claims undone."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def without_link(self, branch_ids: Sequence[int], now: datetime) -> list[int]:
        """The waiting people of these branches (not the branches below) who have no
        active link."""
        rows = await self.db.fetchall(
            f"""SELECT r.id FROM roster r WHERE r.branch_id IN (SELECT value FROM json_each(:b))
                  AND {_WAITING} AND NOT EXISTS (
                      SELECT 1 FROM invites i WHERE i.roster_id = r.id AND {ACTIVE})
                ORDER BY r.id""", {"b": json.dumps(list(branch_ids)), "now": iso(now)})
        return [int(r[0]) for r in rows]

    async def make(self, codes: Sequence[tuple[int, str]], *, expires_at: datetime,
                   created_by: int | None, at: datetime, audit_branch: int | None) -> int:
        """Store a link (roster id, code) for each person still waiting without an active
        one, in one transaction with its audit entry; how many were made."""
        stamp = iso(at)
        rows = [{"code": code, "roster": roster_id, "expires": iso(expires_at),
                 "by": created_by, "now": stamp} for roster_id, code in codes]
        async with self.db.transaction() as tx:
            made = await tx.executemany(_MAKE, rows)  # type: ignore[arg-type]
            if made:
                await tx.execute(sql.AUDIT, (stamp, created_by, "links", audit_branch, 1,
                                             json.dumps({"made": made})))
        return made

    async def renew(self, roster_id: int, code: str, *, expires_at: datetime,
                    created_by: int | None, at: datetime) -> bool:
        """Revoke the person's links and make a new one, audited; False (nothing changed)
        if they are not waiting."""
        stamp = iso(at)
        async with self.db.transaction() as tx:
            branch = await tx.fetchone(
                f"SELECT r.branch_id FROM roster r WHERE r.id = ? AND {_WAITING}", (roster_id,))
            if branch is None:
                return False
            await tx.execute("UPDATE invites SET revoked = 1 WHERE roster_id = ? AND revoked = 0",
                             (roster_id,))
            await tx.execute(_MAKE, {"code": code, "roster": roster_id, "by": created_by,
                                     "expires": iso(expires_at), "now": stamp})
            await tx.execute(sql.AUDIT, (stamp, created_by, "link_renew", branch[0], 1,
                                         json.dumps({"roster": roster_id})))
        return True

    async def of_branches(self, branch_ids: Sequence[int], now: datetime) -> list[PersonalLink]:
        """The waiting people of these branches (not the branches below), each with their
        active link, by branch then name."""
        rows = await self.db.fetchall(
            f"""{_PEOPLE} WHERE r.branch_id IN (SELECT value FROM json_each(:b)) AND {_WAITING}
                ORDER BY r.branch_id, r.name, r.id""",
            {"b": json.dumps(list(branch_ids)), "now": iso(now)})
        return _people(rows)

    async def of_person(self, roster_id: int, now: datetime) -> PersonalLink | None:
        """A waiting person with their active link; None if they are not waiting."""
        rows = await self.db.fetchall(f"{_PEOPLE} WHERE r.id = :id AND {_WAITING}",
                                      {"id": roster_id, "now": iso(now)})
        found = _people(rows)
        return found[0] if found else None

    async def find_waiting(self, root_id: int, query: str, now: datetime, *,
                           limit: int = 20) -> list[PersonalLink]:
        """Waiting people of the subtree whose name is `query` or, if nobody's is, contains
        it; at most `limit`, by name."""
        for condition in ("r.name = :q", "instr(r.name, :q) > 0"):
            rows = await self.db.fetchall(
                f"""WITH RECURSIVE {sql.subtree()}
                    {_PEOPLE} JOIN down ON down.id = r.branch_id
                    WHERE {condition} AND {_WAITING} ORDER BY r.name, r.branch_id, r.id
                    LIMIT :limit""", {"root": root_id, "q": query, "now": iso(now),
                                      "limit": limit})
            if rows:
                return _people(rows)
        return []

    async def unclaim(self, roster_id: int, member_id: int, *, by: int, at: datetime,
                      reason: str, messages: Sequence[NewMessage]) -> Unclaimed | None:
        """Undo a claim, in one transaction: the row is waiting again, its links revoked;
        if the member is still in by one of those links, they leave the branch (letting go
        of what they held, as a move does) and lose the row's name, phone and notes; the
        `messages` are queued; audited. None (nothing changed) if the row is not claimed by
        that member."""
        stamp = iso(at)
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                "UPDATE roster SET member_id = NULL, claimed_at = NULL, updated_at = ?"
                " WHERE id = ? AND member_id = ? RETURNING name, branch_id",
                (stamp, roster_id, member_id))
            if row is None:
                return None
            codes = [r[0] for r in await tx.fetchall(
                "UPDATE invites SET revoked = 1 WHERE roster_id = ? RETURNING code",
                (roster_id,))]
            held = await tx.fetchone(
                "SELECT branch_id, role FROM memberships WHERE member_id = ? AND invite_code"
                " IN (SELECT value FROM json_each(?))", (member_id, json.dumps(codes)))
            left = None
            if held is not None:
                left = await _let_go(tx, MoveOutcome(member_id, held[0], held[1], 0, held[1]),
                                     stamp, reason)
                await tx.execute("DELETE FROM memberships WHERE member_id = ?", (member_id,))
            # The name, phone and notes came from the row: back to another row they claimed,
            # else to none (Telegram's name shows).
            await tx.execute(
                "UPDATE members SET (name, phone, notes) = (SELECT r.name, r.phone, r.notes"
                " FROM roster r WHERE r.member_id = members.id ORDER BY r.claimed_at DESC"
                " LIMIT 1), updated_at = ? WHERE id = ?", (stamp, member_id))
            await tx.execute(sql.AUDIT, (stamp, by, "link_undo", row[1], 1, json.dumps(
                {"roster": roster_id, "member": member_id, "left": held is not None})))
            await sql.enqueue(tx, "link", messages, stamp)
        return Unclaimed(roster_id, str(row[0]), int(row[1]), left)
