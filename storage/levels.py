"""What the organization calls the levels of its tree (街道党工委 / 社区党委 / 党支部 / 网格党小组)
and their leaders (书记, 组长): per depth (table `levels`, depth 0 a root) or per branch
(`branches.level_name`, `.leader_title`); a branch's own name wins over its level's. None
where neither is set: the catalogue's word is for the rules to choose, in the reader's
language (`bot.rules.branches`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True, slots=True)
class Naming:
    """A branch's level name and leader title as the organization set them (None: unset)."""

    level_name: str | None = None
    leader_title: str | None = None


@dataclass(frozen=True, slots=True)
class Level:
    """One depth of the tree (0: a root) and what it is called."""

    depth: int
    name: str | None
    leader_title: str | None


class Levels:
    """The names of the tree's levels and leaders, per depth and per branch."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def all(self) -> list[Level]:
        """Every depth that has a name or a title, from the root down."""
        rows = await self.db.fetchall(
            "SELECT depth, name, leader_title FROM levels"
            " WHERE name IS NOT NULL OR leader_title IS NOT NULL ORDER BY depth")
        return [Level(*r) for r in rows]

    async def set_all(self, column: str, values: Sequence[str | None]) -> None:
        """Name the levels from the root down (`column` "name" or "leader_title"): depth i
        gets values[i] (None: unnamed); the depths below the last named lose that name."""
        if column not in ("name", "leader_title"):
            raise ValueError(f"not a column of levels: {column}")
        async with self.db.transaction() as tx:
            await tx.execute(f"UPDATE levels SET {column} = NULL WHERE depth >= ?",
                             (len(values),))
            await tx.executemany(
                f"INSERT INTO levels(depth, {column}) VALUES (?, ?)"
                f" ON CONFLICT(depth) DO UPDATE SET {column} = excluded.{column}",
                list(enumerate(values)))
            await tx.execute("DELETE FROM levels WHERE name IS NULL AND leader_title IS NULL")

    async def set_branch(self, branch_id: int, level_name: str | None,
                         leader_title: str | None) -> None:
        """The branch's own level name and leader title (None: its level's)."""
        await self.db.execute(
            "UPDATE branches SET level_name = ?, leader_title = ? WHERE id = ?",
            (level_name, leader_title, branch_id))

    async def of_branches(self, branch_ids: Iterable[int]) -> dict[int, Naming]:
        """Each branch's effective names: its own, else those of its depth in the whole tree
        (unknown ids left out)."""
        rows = await self.db.fetchall(
            """WITH RECURSIVE up(start, id, depth) AS (
                   SELECT value, value, 0 FROM json_each(:ids)
                   UNION ALL
                   SELECT up.start, b.parent_id, up.depth + 1 FROM up
                     JOIN branches b ON b.id = up.id WHERE b.parent_id IS NOT NULL),
               deep(id, depth) AS (SELECT start, max(depth) FROM up GROUP BY start)
               SELECT b.id, COALESCE(b.level_name, l.name),
                      COALESCE(b.leader_title, l.leader_title)
                 FROM deep JOIN branches b ON b.id = deep.id
                 LEFT JOIN levels l ON l.depth = deep.depth""",
            {"ids": json.dumps(sorted(set(branch_ids)))})
        return {int(r[0]): Naming(r[1], r[2]) for r in rows}

    async def own(self, branch_id: int) -> Naming:
        """The branch's own names, without its level's (None for each that is unset)."""
        row = await self.db.fetchone(
            "SELECT level_name, leader_title FROM branches WHERE id = ?", (branch_id,))
        return Naming(*row) if row else Naming()
