"""Invite codes, and joining a branch with one; the active invites of a subtree, revoked.

A general invite (`roster_id` NULL) lets anyone in with its role; a personal link is bound
to one roster row (see `storage.links`). An invite is active while it is not revoked, has a
use left and has not expired (`ACTIVE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage import sql
from storage.db import Database
from storage.moves import Moves
from storage.rows import Invite
from storage.times import from_iso, iso

# An invite `i` that can still be used at `:now`.
ACTIVE = ("i.revoked = 0 AND (i.uses_left IS NULL OR i.uses_left > 0)"
          " AND (i.expires_at IS NULL OR i.expires_at > :now)")


@dataclass(frozen=True, slots=True)
class ActiveInvite:
    """A general invite in a listing: who made it (None: the command line), for which
    branch and role, uses left (None: unlimited) and until when."""

    code: str
    branch_id: int
    branch_name: str
    role: str
    uses_left: int | None
    expires_at: datetime | None
    created_by: int | None
    creator: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LinkCount:
    """How many active personal links a branch has."""

    branch_id: int
    branch_name: str
    links: int


class Invites:
    """Invite codes: made, looked up, spent, listed, revoked."""

    def __init__(self, db: Database, moves: Moves) -> None:
        self.db = db
        self.moves = moves

    async def create(
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

    async def get(self, code: str) -> Invite | None:
        """An invite by its code, or None."""
        row = await self.db.fetchone(
            "SELECT i.code, i.branch_id, b.name, i.role, i.uses_left, i.expires_at,"
            " i.created_by, i.revoked, i.roster_id FROM invites i"
            " JOIN branches b ON b.id = i.branch_id WHERE i.code = ?", (code,))
        if row is None:
            return None
        return Invite(row[0], row[1], row[2], row[3], row[4], from_iso(row[5]), row[6],
                      bool(row[7]), row[8])

    async def join(self, code: str, member_id: int, *, at: datetime) -> bool:
        """Spend one use of the invite and put the member in its branch with its role.

        Checked again inside the transaction, so two people racing for the last use
        cannot both get in. Returns False (and changes nothing) if the invite is no
        longer usable. A member leaving another branch lets go of what they held there
        (`Moves.move_member`), telling nobody: the chat joins through `bot.rules.moves`,
        which tells. A personal link claims its roster row in the same transaction.
        """
        return await self.moves.move_member(member_id, invite=code, by=member_id, at=at,
                                            decline_reason="", compose=lambda _: []) is not None

    async def active(self, root_id: int, now: datetime, *,
                     subtree: bool = True) -> list[ActiveInvite]:
        """The active general invites of the branch (and, with `subtree`, of the branches
        below), by branch then newest first."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree(only_if=":sub")}
               SELECT i.code, i.branch_id, b.name, i.role, i.uses_left, i.expires_at,
                      i.created_by, {sql.display_name("m")}, i.created_at
                 FROM down JOIN invites i ON i.branch_id = down.id
                 JOIN branches b ON b.id = i.branch_id
                 LEFT JOIN members m ON m.id = i.created_by
                WHERE i.roster_id IS NULL AND {ACTIVE}
                ORDER BY i.branch_id, i.created_at DESC, i.code""",
            {"root": root_id, "sub": int(subtree), "now": iso(now)})
        return [ActiveInvite(r[0], r[1], r[2], r[3], r[4], from_iso(r[5]), r[6], r[7],
                             from_iso(r[8]) or now) for r in rows]

    async def link_counts(self, root_id: int, now: datetime) -> list[LinkCount]:
        """Per branch of the subtree with some, how many active personal links it has."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()}
               SELECT i.branch_id, b.name, count(*)
                 FROM down JOIN invites i ON i.branch_id = down.id
                 JOIN branches b ON b.id = i.branch_id
                WHERE i.roster_id IS NOT NULL AND {ACTIVE}
                GROUP BY i.branch_id ORDER BY i.branch_id""",
            {"root": root_id, "now": iso(now)})
        return [LinkCount(r[0], r[1], r[2]) for r in rows]

    async def revoke(self, code: str) -> bool:
        """Revoke one invite; False if there is none by that code or it was revoked."""
        written = await self.db.execute_counted(
            "UPDATE invites SET revoked = 1 WHERE code = ? AND revoked = 0", (code,))
        return written.rowcount == 1

    async def revoke_links(self, branch_id: int, now: datetime) -> int:
        """Revoke every active personal link of the branch (not of the branches below);
        how many."""
        written = await self.db.execute_counted(
            f"UPDATE invites AS i SET revoked = 1 WHERE i.branch_id = :branch"
            f" AND i.roster_id IS NOT NULL AND {ACTIVE}", {"branch": branch_id, "now": iso(now)})
        return written.rowcount
