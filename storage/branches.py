"""The branch tree: branches, their inherited settings, subtrees, linked group chats.

Effective branch settings are inherited: a NULL column takes the parent's value, and the
root's NULLs take the configured defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage import sql
from storage.db import Database
from storage.rows import Branch, BranchNode
from storage.times import iso

SETTING_KEYS = ("timezone", "locale", "checkin_time", "reminder_time", "digest_time")


@dataclass(frozen=True)
class Defaults:
    """Values a root branch inherits when it sets none (from `[defaults]`)."""

    timezone: str = "Asia/Shanghai"
    locale: str = "zh"
    checkin_time: str = "08:00"
    reminder_time: str = "10:00"
    digest_time: str = "20:00"

    def params(self) -> dict[str, str]:
        """The defaults as query parameters `:d_<key>`."""
        return {f"d_{key}": getattr(self, key) for key in SETTING_KEYS}


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


def inherited(column: str) -> str:
    """The nearest value of `column` up the CTE `up(id, depth, ...)`, else `:d_<column>`."""
    return (
        f"COALESCE((SELECT {column} FROM up WHERE {column} IS NOT NULL ORDER BY depth LIMIT 1),"
        f" :d_{column})"
    )


class Branches:
    """Branches, the tree they form, and the group chat linked to each."""

    def __init__(self, db: Database, defaults: Defaults) -> None:
        self.db = db
        self._d = defaults.params()

    async def create(self, name: str, parent_id: int | None, *, at: datetime) -> int:
        """Add a branch (a root when parent_id is None); return its id."""
        return await self.db.execute(
            "INSERT INTO branches(name, parent_id, created_at) VALUES (?, ?, ?)",
            (name, parent_id, iso(at)),
        )

    async def get(self, branch_id: int) -> Branch | None:
        """One branch with its effective (inherited) settings, or None."""
        cols = ", ".join(inherited(key) for key in SETTING_KEYS)
        row = await self.db.fetchone(
            f"WITH RECURSIVE {_UP} SELECT b.id, b.parent_id, b.name, {cols}, b.group_chat_id"
            " FROM branches b WHERE b.id = :branch",
            {"branch": branch_id, **self._d},
        )
        return Branch(*row) if row else None

    async def roots(self) -> list[Branch]:
        """The branches without a parent (normally one: the organization)."""
        rows = await self.db.fetchall(
            "SELECT id FROM branches WHERE parent_id IS NULL ORDER BY id")
        found = [await self.get(row[0]) for row in rows]
        return [b for b in found if b is not None]

    async def subtree(self, root_id: int) -> list[BranchNode]:
        """The branch and every branch below it, in tree order, with member counts."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {_UP},
            down(id, parent_id, name, depth, timezone, path) AS (
                SELECT b.id, b.parent_id, b.name, 0, {inherited("timezone")},
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

    async def count(self) -> int:
        """How many branches exist."""
        row = await self.db.fetchone("SELECT count(*) FROM branches")
        return int(row[0])

    # --- group chats ------------------------------------------------------------------------

    async def link_group(self, branch_id: int, chat_id: int) -> int | None:
        """Tie a group chat to a branch; returns the branch it was tied to before, if any.

        A group belongs to at most one branch and a branch has at most one group: linking
        moves the group away from its previous branch.
        """
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT id FROM branches WHERE group_chat_id = ?", (chat_id,))
            await tx.execute("UPDATE branches SET group_chat_id = NULL WHERE group_chat_id = ?",
                             (chat_id,))
            await tx.execute("UPDATE branches SET group_chat_id = ? WHERE id = ?",
                             (chat_id, branch_id))
        return int(row[0]) if row else None

    async def unlink_group(self, chat_id: int) -> int | None:
        """Untie a group chat; returns the branch it was tied to, if any."""
        row = await self.db.write_one(
            "UPDATE branches SET group_chat_id = NULL WHERE group_chat_id = ? RETURNING id",
            (chat_id,))
        return int(row[0]) if row else None

    async def of_group(self, chat_id: int) -> int | None:
        """The branch a group chat is linked to, if any."""
        row = await self.db.fetchone("SELECT id FROM branches WHERE group_chat_id = ?",
                                     (chat_id,))
        return int(row[0]) if row else None

    async def group_chats(self, branch_id: int, *, subtree: bool) -> list[tuple[int, int]]:
        """(branch id, group chat id) of the linked groups of the branch (and below)."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree(only_if=":sub")}
               SELECT b.id, b.group_chat_id FROM down JOIN branches b ON b.id = down.id
                WHERE b.group_chat_id IS NOT NULL ORDER BY b.id""",
            {"root": branch_id, "sub": int(subtree)})
        return [(r[0], r[1]) for r in rows]

