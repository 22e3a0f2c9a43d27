"""A roster import: what it is checked against (the branch tree, the people of the importer's
scope, phones held outside it), read in a few queries, and its changes written in short
pieces, all or nothing even across a crash (the mechanism, shared with the household
import, is `storage.staging`).

A change is a new person (added to the roster, waiting), a waiting person updated (name,
phone, role, branch, notes), or a member who joined, whose name, phone and notes are
updated (never their branch or role: moves go through /move). A waiting person who joined
or was taken off the roster between the check and the write is left alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from storage import sql
from storage.db import Transaction
from storage.rows import full_name
from storage.staging import ImportRecord, StagedImports

__all__ = ["Change", "ImportRecord", "Joined", "Node", "RosterImports", "Waiting"]


class Node(NamedTuple):
    """A branch as an import resolves names and titles against it."""

    id: int
    parent_id: int | None
    name: str
    archived: bool
    leader_title: str | None  # the branch's own title for its secretaries


class Waiting(NamedTuple):
    """A person on the roster who has not joined yet."""

    id: int
    branch_id: int
    role: str
    name: str
    phone: str | None
    notes: str | None  # JSON, as stored


class Joined(NamedTuple):
    """A member who joined, with the names they may be listed by."""

    id: int
    branch_id: int
    role: str
    name: str | None  # the organization's name, if set
    telegram_name: str
    phone: str | None
    notes: str | None


class Change(NamedTuple):
    """One change an import makes, in the order of `roster_import_rows`' columns."""

    roster_id: int | None  # a waiting person to update
    member_id: int | None  # a member to update (name, phone and notes only)
    branch_id: int
    role: str
    name: str
    phone: str | None
    notes: str | None


_NEW = """
INSERT INTO roster(branch_id, role, name, phone, notes, created_at, updated_at)
SELECT s.branch_id, s.role, s.name, s.phone, s.notes, :at, :at
  FROM roster_import_rows s JOIN branches b ON b.id = s.branch_id
 WHERE s.import_id = :id AND s.seq >= :lo AND s.seq < :hi
   AND s.roster_id IS NULL AND s.member_id IS NULL
 ORDER BY s.seq"""

_WAITING = """
UPDATE roster SET branch_id = s.branch_id, role = s.role, name = s.name, phone = s.phone,
                  notes = s.notes, updated_at = :at
  FROM roster_import_rows s
 WHERE s.import_id = :id AND s.seq >= :lo AND s.seq < :hi AND s.roster_id = roster.id
   AND roster.member_id IS NULL AND roster.removed_at IS NULL
   AND EXISTS (SELECT 1 FROM branches b WHERE b.id = s.branch_id)"""

_JOINED = """
UPDATE members SET name = s.name, phone = s.phone, notes = s.notes, updated_at = :at
  FROM roster_import_rows s
 WHERE s.import_id = :id AND s.seq >= :lo AND s.seq < :hi AND s.member_id = members.id"""


class RosterImports(StagedImports):
    """Reading what a roster import is checked against; staging, applying and recovering it."""

    IMPORTS = "roster_imports"
    ROWS = "roster_import_rows"
    COLUMNS = Change._fields
    NOUN = "roster import"

    async def tree(self) -> tuple[list[Node], dict[int, str]]:
        """Every branch, and the leaders' titles of the tree's levels by depth (0: a root)."""
        nodes = await self.db.fetchall(
            "SELECT id, parent_id, name, archived_at IS NOT NULL, leader_title FROM branches")
        levels = await self.db.fetchall(
            "SELECT depth, leader_title FROM levels WHERE leader_title IS NOT NULL")
        return [Node(r[0], r[1], r[2], bool(r[3]), r[4]) for r in nodes], dict(levels)

    async def people(self, root_id: int) -> tuple[list[Waiting], list[Joined]]:
        """The people of the branch's subtree: waiting on the roster, and members."""
        waiting = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()}
               SELECT r.id, r.branch_id, r.role, r.name, r.phone, r.notes
                 FROM down JOIN roster r INDEXED BY roster_waiting
                   ON r.branch_id = down.id AND r.member_id IS NULL AND r.removed_at IS NULL""",
            {"root": root_id})
        joined = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()}
               SELECT m.id, ms.branch_id, ms.role, m.name, m.first_name, m.last_name, m.phone,
                      m.notes
                 FROM down JOIN memberships ms ON ms.branch_id = down.id
                 JOIN members m ON m.id = ms.member_id""", {"root": root_id})
        return ([Waiting(*r) for r in waiting],
                [Joined(r[0], r[1], r[2], r[3], full_name(r[4], r[5]), r[6], r[7])
                 for r in joined])

    async def phones_elsewhere(self, root_id: int, phones: Sequence[str]) -> set[str]:
        """Which of `phones` a waiting person or a member outside the branch's subtree has."""
        if not phones:
            return set()
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()},
               wanted(phone) AS (SELECT value FROM json_each(:phones))
               SELECT r.phone FROM wanted JOIN roster r
                   ON r.phone = wanted.phone AND r.member_id IS NULL AND r.removed_at IS NULL
                WHERE r.branch_id NOT IN (SELECT id FROM down)
               UNION
               SELECT m.phone FROM wanted JOIN members m
                   ON m.phone = wanted.phone
                 JOIN memberships ms ON ms.member_id = m.id
                WHERE ms.branch_id NOT IN (SELECT id FROM down)""",
            {"root": root_id, "phones": json.dumps(list(phones))})
        return {r[0] for r in rows}

    async def write_changes(self, root_id: int, changes: Sequence[Change], *,
                            actor_id: int | None, file_name: str, at: datetime,
                            summary: Mapping[str, int]) -> ImportRecord | None:
        """Stage the changes with the check's counts, decide and apply them (see
        `storage.staging`); the import's final record, or None if its branch is gone."""
        import_id = await self.stage(root_id, changes, actor_id=actor_id,
                                     file_name=file_name, at=at)
        try:
            await self.db.execute("UPDATE roster_imports SET summary = ? WHERE id = ?",
                                  (json.dumps(dict(summary)), import_id))
            return await self.apply(import_id)
        finally:
            self._done(import_id)

    async def summary(self, import_id: int) -> dict[str, int]:
        """The counts the check made of an import (empty if none were kept)."""
        row = await self.db.fetchone("SELECT summary FROM roster_imports WHERE id = ?",
                                     (import_id,))
        found: dict[str, int] = json.loads(row[0]) if row and row[0] else {}
        return found

    async def _apply_rows(self, tx: Transaction, names: dict[str, Any]) -> tuple[int, int]:
        created = (await tx.execute(_NEW, names)).rowcount
        updated = (await tx.execute(_WAITING, names)).rowcount
        updated += (await tx.execute(_JOINED, names)).rowcount
        return created, updated
