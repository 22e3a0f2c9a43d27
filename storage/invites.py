"""Invite codes, and joining a branch with one."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.moves import Moves
from storage.rows import Invite
from storage.times import from_iso, iso


class Invites:
    """Invite codes: made, looked up, spent."""

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
            " i.created_by, i.revoked FROM invites i JOIN branches b ON b.id = i.branch_id"
            " WHERE i.code = ?", (code,))
        if row is None:
            return None
        return Invite(row[0], row[1], row[2], row[3], row[4], from_iso(row[5]), row[6],
                      bool(row[7]))

    async def join(self, code: str, member_id: int, *, at: datetime) -> bool:
        """Spend one use of the invite and put the member in its branch with its role.

        Checked again inside the transaction, so two people racing for the last use
        cannot both get in. Returns False (and changes nothing) if the invite is no
        longer usable. A member leaving another branch lets go of what they held there
        (`Moves.move_member`), telling nobody: the chat joins through `bot.rules.moves`,
        which tells.
        """
        return await self.moves.move_member(member_id, invite=code, by=member_id, at=at,
                                            decline_reason="", compose=lambda _: []) is not None
