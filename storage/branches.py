"""The branch tree: branches, their inherited settings, subtrees, linked group chats; adding,
renaming, moving and archiving a branch (`storage.tree` holds those writes' checks).

Effective branch settings are inherited: a NULL column takes the parent's value, and the
root's NULLs take the configured defaults. An archived branch keeps its row and leaves the
tree (see `storage.sql.LIVE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage import sql, tree
from storage.db import Database
from storage.rows import Branch, BranchNode
from storage.times import iso
from storage.tree import NameTaken, Occupants

__all__ = ["Branches", "Defaults", "NameTaken", "Occupants", "inherited"]

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
        """Add a branch (a root when parent_id is None); return its id.

        Raises `NameTaken` if a live sibling has the name already (`tree.same_name`),
        checked in the transaction that inserts it, so two adds racing cannot both pass.
        """
        async with self.db.transaction() as tx:
            await tree.refuse_taken(tx, parent_id, name)
            written = await tx.execute(
                "INSERT INTO branches(name, parent_id, created_at) VALUES (?, ?, ?)",
                (name, parent_id, iso(at)))
            return written.lastrowid

    async def rename(self, branch_id: int, name: str) -> None:
        """Give the branch a new name; `NameTaken` (nothing changed) if a live sibling has it."""
        async with self.db.transaction() as tx:
            row = await tx.fetchone("SELECT parent_id FROM branches WHERE id = ?",
                                    (branch_id,))
            if row is None:
                return
            await tree.refuse_taken(tx, row[0], name, other_than=branch_id)
            await tx.execute("UPDATE branches SET name = ? WHERE id = ?", (name, branch_id))

    async def named(self, parent_id: int | None, name: str, *,
                    other_than: int | None = None) -> tuple[int, str] | None:
        """The live branch under `parent_id` that has `name` already (id, name), if any."""
        rows = await self.db.fetchall(tree.SIBLINGS, (parent_id, other_than))
        return tree.same_name(rows, name)

    async def move(self, branch_id: int, parent_id: int, *, was: int) -> bool:
        """Put the branch (with its subtree) under `parent_id`, if the tree is still as it
        was asked about: the branch live and under `was`, the new parent live and not in the
        branch's subtree. False if not (nothing changed); `NameTaken` if a live branch under
        the new parent has its name. Checked in the transaction that moves it."""
        async with self.db.transaction() as tx:
            if not await tree.may_move(tx, branch_id, parent_id, was):
                return False
            row = await tx.fetchone("SELECT name FROM branches WHERE id = ?", (branch_id,))
            await tree.refuse_taken(tx, parent_id, row[0], other_than=branch_id)
            await tx.execute("UPDATE branches SET parent_id = ? WHERE id = ?",
                             (parent_id, branch_id))
        return True

    async def occupants(self, branch_id: int) -> Occupants:
        """What the branch's live subtree holds that archiving would leave behind."""
        return Occupants(*await self.db.fetchone(tree.OCCUPANTS, {"root": branch_id}))

    async def archive(self, branch_id: int, *, at: datetime) -> Occupants | None:
        """Archive the branch and every live branch below it, if none of them has a member
        or anyone waiting on the roster (checked in the same transaction): their group chats
        are unlinked and their invites revoked; every row stays. Returns what the subtree
        holds (nothing was archived unless it is `empty`), or None if the branch is gone or
        archived already."""
        async with self.db.transaction() as tx:
            return await tree.archive(tx, branch_id, iso(at))

    async def get(self, branch_id: int) -> Branch | None:
        """One branch with its effective (inherited) settings, or None."""
        cols = ", ".join(inherited(key) for key in SETTING_KEYS)
        row = await self.db.fetchone(
            f"WITH RECURSIVE {_UP} SELECT b.id, b.parent_id, b.name, {cols}, b.group_chat_id,"
            " b.archived_at IS NOT NULL FROM branches b WHERE b.id = :branch",
            {"branch": branch_id, **self._d},
        )
        return Branch(*row) if row else None

    async def roots(self) -> list[Branch]:
        """The live branches without a parent (normally one: the organization)."""
        rows = await self.db.fetchall(
            f"SELECT id FROM branches WHERE parent_id IS NULL AND {sql.LIVE} ORDER BY id")
        found = [await self.get(row[0]) for row in rows]
        return [b for b in found if b is not None]

    async def subtree(self, root_id: int) -> list[BranchNode]:
        """The branch and every live branch below it, in tree order, with member counts and
        what the organization calls each one's level and leaders (the branch's own names,
        else those of its depth in the whole tree, table `levels`)."""
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
                  FROM branches b JOIN down ON b.parent_id = down.id WHERE b.{sql.LIVE}
            )
            SELECT d.id, d.parent_id, d.name, d.depth, d.timezone,
                   (SELECT count(*) FROM memberships m WHERE m.branch_id = d.id),
                   COALESCE(b.level_name, l.name), COALESCE(b.leader_title, l.leader_title)
              FROM down d JOIN branches b ON b.id = d.id
              LEFT JOIN levels l ON l.depth = d.depth + (SELECT max(depth) FROM up)
             ORDER BY d.path""",
            {"branch": root_id, **self._d},
        )
        return [BranchNode(*row) for row in rows]

    async def whole_tree(self) -> list[BranchNode]:
        """Every live branch, root by root, in tree order."""
        nodes: list[BranchNode] = []
        for root in await self.roots():
            nodes.extend(await self.subtree(root.id))
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

