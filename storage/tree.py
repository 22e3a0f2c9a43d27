"""The checks that reshaping the branch tree makes inside its own write transaction (see
`storage.branches`): two live siblings never share a name, a branch never moves under itself,
and a branch is archived only when nothing is left in its subtree.

Each check runs in the transaction that writes, so that two secretaries acting at the same
moment (two `/branch add` of one name, a member joining while the branch is archived) cannot
both pass it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from storage import sql
from storage.transaction import Transaction


class NameTaken(Exception):
    """A live branch under the same parent has the name already: nothing was written."""

    def __init__(self, branch_id: int, name: str) -> None:
        super().__init__(f"branch #{branch_id} has the name {name!r}")
        self.branch_id = branch_id
        self.name = name


@dataclass(frozen=True, slots=True)
class Occupants:
    """What a branch's live subtree holds: its branches (itself included), members, and
    people on the roster who have not joined yet."""

    branches: int
    members: int
    waiting: int

    @property
    def empty(self) -> bool:
        """True if no one is left in the subtree: it may be archived."""
        return not self.members and not self.waiting


def name_key(name: str) -> str:
    """A branch name as two names are compared: spaces trimmed and squeezed, case ignored
    (Unicode's case folding, not only ASCII's)."""
    return " ".join(name.split()).casefold()


def same_name(rows: Iterable[Sequence[Any]], name: str) -> tuple[int, str] | None:
    """The first of the (id, name) rows whose name is `name` as `name_key` compares."""
    key = name_key(name)
    return next(((int(r[0]), str(r[1])) for r in rows if name_key(r[1]) == key), None)


# The live branches under one parent (`IS`: the roots are the branches under NULL), except one.
SIBLINGS = (f"SELECT id, name FROM branches WHERE parent_id IS ? AND {sql.LIVE}"
            " AND id IS NOT ? ORDER BY id")


async def refuse_taken(tx: Transaction, parent_id: int | None, name: str, *,
                       other_than: int | None = None) -> None:
    """Raise `NameTaken` if a live branch under `parent_id` (other than `other_than`) has
    the name."""
    taken = same_name(await tx.fetchall(SIBLINGS, (parent_id, other_than)), name)
    if taken is not None:
        raise NameTaken(*taken)


async def may_move(tx: Transaction, branch_id: int, parent_id: int, was: int) -> bool:
    """True if the branch is live and still under `was`, and `parent_id` is a live branch
    outside the branch's subtree (walking up from the new parent never meets the branch)."""
    row = await tx.fetchone(f"SELECT parent_id, {sql.LIVE} FROM branches WHERE id = ?",
                            (branch_id,))
    if row is None or row[0] != was or not row[1]:
        return False
    inside = await tx.fetchone(
        f"""WITH RECURSIVE up(id, parent_id, live) AS (
                SELECT id, parent_id, {sql.LIVE} FROM branches WHERE id = :to
                UNION ALL
                SELECT b.id, b.parent_id, b.{sql.LIVE} FROM branches b
                  JOIN up ON b.id = up.parent_id)
            SELECT count(*), sum(id = :branch), (SELECT live FROM up WHERE id = :to) FROM up""",
        {"to": parent_id, "branch": branch_id})
    return bool(inside[0]) and not inside[1] and bool(inside[2])


OCCUPANTS = f"""WITH RECURSIVE {sql.subtree()}
    SELECT count(*),
           (SELECT count(*) FROM memberships ms WHERE ms.branch_id IN (SELECT id FROM down)),
           (SELECT count(*) FROM roster r WHERE r.branch_id IN (SELECT id FROM down)
               AND r.member_id IS NULL AND r.removed_at IS NULL)
      FROM down"""


async def archive(tx: Transaction, branch_id: int, stamp: str) -> Occupants | None:
    """Archive the live subtree of the branch if it is empty (see `Branches.archive`)."""
    row = await tx.fetchone(f"SELECT {sql.LIVE} FROM branches WHERE id = ?", (branch_id,))
    if row is None or not row[0]:
        return None
    found = Occupants(*await tx.fetchone(OCCUPANTS, {"root": branch_id}))
    if not found.empty:
        return found
    subtree = f"WITH RECURSIVE {sql.subtree()}"
    await tx.execute(
        f"{subtree} UPDATE invites SET revoked = 1"
        " WHERE branch_id IN (SELECT id FROM down) AND revoked = 0", {"root": branch_id})
    await tx.execute(
        f"{subtree} UPDATE branches SET archived_at = :at, group_chat_id = NULL"
        " WHERE id IN (SELECT id FROM down)", {"root": branch_id, "at": stamp})
    return found
