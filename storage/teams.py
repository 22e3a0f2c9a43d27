"""Teams: named groups of members of a branch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from storage import sql
from storage.db import Database
from storage.times import iso


@dataclass(frozen=True, slots=True)
class TeamMember:
    """A member of a team."""

    member_id: int
    name: str
    username: str | None


@dataclass(frozen=True, slots=True)
class Team:
    """A named group of members of a branch."""

    id: int
    branch_id: int
    branch_name: str
    name: str
    members: list[TeamMember] = field(default_factory=list)


class Teams:
    """Teams and their members."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def in_subtree(self, root_id: int) -> list[Team]:
        """The teams of the branch and every branch below it, with their members."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()}
                SELECT t.id, t.branch_id, b.name, t.name, m.id, {sql.display_name("m")},
                       m.username
                  FROM down JOIN teams t ON t.branch_id = down.id
                  JOIN branches b ON b.id = t.branch_id
                  LEFT JOIN team_members tm ON tm.team_id = t.id
                  LEFT JOIN members m ON m.id = tm.member_id
                 ORDER BY t.branch_id, t.name, t.id, m.first_name, m.id""",
            {"root": root_id})
        teams: dict[int, Team] = {}
        for r in rows:
            team = teams.setdefault(r[0], Team(r[0], r[1], r[2], r[3], []))
            if r[4] is not None:
                team.members.append(TeamMember(r[4], r[5], r[6]))
        return list(teams.values())

    async def create(self, branch_id: int, name: str, *, created_by: int | None,
                     at: datetime) -> int | None:
        """Add a team to the branch; None if the branch has one of that name already."""
        row = await self.db.write_one(
            "INSERT INTO teams(branch_id, name, created_by, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(branch_id, name) DO NOTHING RETURNING id",
            (branch_id, name, created_by, iso(at)))
        return int(row[0]) if row else None

    async def add_member(self, team_id: int, member_id: int, *, at: datetime) -> bool:
        """Put a member in a team; False if they were in it already."""
        row = await self.db.write_one(
            "INSERT INTO team_members(team_id, member_id, added_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING 1", (team_id, member_id, iso(at)))
        return row is not None

    async def remove_member(self, team_id: int, member_id: int) -> bool:
        """Take a member out of a team; False if they were not in it."""
        row = await self.db.write_one(
            "DELETE FROM team_members WHERE team_id = ? AND member_id = ? RETURNING 1",
            (team_id, member_id))
        return row is not None

    async def delete(self, team_id: int) -> bool:
        """Delete a team (tasks given to it keep their assignees)."""
        async with self.db.transaction() as tx:
            await tx.execute("UPDATE tasks SET team_id = NULL WHERE team_id = ?", (team_id,))
            row = await tx.fetchone("DELETE FROM teams WHERE id = ? RETURNING 1", (team_id,))
        return row is not None
