"""A member moving to another branch, or leaving the organization, in one transaction.

What the member held for a branch whose subtree they leave is let go in the same
transaction as the membership change: what belongs to a branch above their new one (whose
subtree they stay in) is kept; a member removed (or leaving) keeps nothing. See
`bot.rules.moves` for the rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from storage import sql
from storage.db import Database, Transaction
from storage.roster import claim
from storage.rows import NewMessage
from storage.times import iso

# The new branch and every branch above it: what belongs to one of these is kept. A removal
# has no new branch: `:to` is then NO_BRANCH, which no branch has (ids start at 1).
NO_BRANCH = 0
_KEPT = """kept(id) AS (
    SELECT :to UNION ALL
    SELECT b.parent_id FROM branches b JOIN kept ON b.id = kept.id
     WHERE b.parent_id IS NOT NULL)"""


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """An open assignment of the member's withdrawn by the move."""

    task_id: int
    title: str
    branch_id: int
    created_by: int
    state: str  # what it was: 'pending' or 'accepted'


@dataclass(frozen=True, slots=True)
class MoveOutcome:
    """What a move changed (counts are of households)."""

    member_id: int
    from_branch: int | None  # None: a first join
    from_role: str | None
    to_branch: int | None  # None: removed from the organization (or left it)
    role: str  # in the new branch (a removal: the role they had)
    to_backup: dict[int, int] = field(default_factory=dict)  # backup -> households now theirs
    unattended: int = 0  # left without a responsible member
    backup_dropped: int = 0  # no longer backed up by the member
    released: int = 0  # handed to the member, given back to their responsible member
    still_handed: int = 0  # of the member's own, kept by whoever they were handed to
    teams: list[str] = field(default_factory=list)  # names of the teams left
    withdrawn: list[Withdrawn] = field(default_factory=list)

    @property
    def moved(self) -> bool:
        """True if the member was in another branch before."""
        return self.from_branch is not None and self.from_branch != self.to_branch

    @property
    def removed(self) -> bool:
        """True if the member left the organization (removed, or by /leave)."""
        return self.to_branch is None

    @property
    def households(self) -> int:
        """Households the member was responsible for and let go."""
        return sum(self.to_backup.values()) + self.unattended


Compose = Callable[[MoveOutcome], Sequence[NewMessage]]


class Moves:
    """Joining and moving branch, with what the member held let go in the same transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def move_member(self, member_id: int, *, invite: str | None = None,
                          branch_id: int | None = None, role: str | None = None,
                          by: int | None, at: datetime, decline_reason: str,
                          compose: Compose, only_from: int | None = None
                          ) -> MoveOutcome | None:
        """Put the member in a branch (the invite's, spending one use, or `branch_id` with
        `role`) and, if they leave another branch, let go of what they held for a branch
        that is not above the new one, in one transaction with the messages `compose` makes
        of the outcome. None (nothing changed) if the invite is no longer usable, or (with
        `only_from`) if the member is no longer in that branch.

        Let go: the households they are responsible for go to their backup (a member of the
        zone's branch or below, not the mover) or are left without a responsible member; they
        stop backing up households; households handed to them go back to their responsible
        member; they leave the teams; their pending and accepted parts of open tasks are
        declined with `decline_reason`.
        """
        stamp = iso(at)
        async with self.db.transaction() as tx:
            if invite is not None:
                spent = await _spend(tx, invite, member_id, stamp)
                if spent is None:
                    return None
                branch_id, role = spent
            if branch_id is None or role is None:
                raise ValueError("a move needs an invite, or a branch and a role")
            old = await tx.fetchone(
                "SELECT branch_id, role FROM memberships WHERE member_id = ?", (member_id,))
            if only_from is not None and (old is None or old[0] != only_from):
                return None
            await tx.execute(
                """INSERT INTO memberships(member_id, branch_id, role, joined_at, invite_code)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(member_id) DO UPDATE SET branch_id = excluded.branch_id,
                       role = excluded.role, joined_at = excluded.joined_at,
                       invite_code = excluded.invite_code""",
                (member_id, branch_id, role, stamp, invite))
            outcome = MoveOutcome(member_id, old[0] if old else None, old[1] if old else None,
                                  branch_id, role)
            if outcome.moved:
                outcome = await _let_go(tx, outcome, stamp, decline_reason)
            if invite is not None:
                await tx.execute(sql.AUDIT, (stamp, member_id, "join", branch_id, 1, json.dumps(
                    {"role": role, "invite": invite[:4]})))
            if outcome.moved:
                detail = {"member": member_id, "to": branch_id, "role": role,
                          **_let_go_detail(outcome)}
                await tx.execute(sql.AUDIT, (stamp, by, "move", outcome.from_branch, 1,
                                             json.dumps(detail)))
            await sql.enqueue(tx, "move", compose(outcome), stamp)
        return outcome

    async def remove_member(self, member_id: int, *, branch_id: int, by: int | None,
                            at: datetime, action: str, decline_reason: str,
                            compose: Compose) -> MoveOutcome | None:
        """Take the member out of `branch_id` (removed by a secretary, or leaving by
        themself): the membership goes, what they held is let go as in a move that keeps
        nothing, and they are no longer away; in one transaction with the audit entry
        (`action`) and the messages `compose` makes. Their history (check-ins, tasks, records,
        conduct, visits) stays. None if they are no longer in that branch (nothing changed).
        """
        stamp = iso(at)
        async with self.db.transaction() as tx:
            old = await tx.fetchone(
                "DELETE FROM memberships WHERE member_id = ? AND branch_id = ? RETURNING role",
                (member_id, branch_id))
            if old is None:
                return None
            await tx.execute("UPDATE members SET away_since = NULL, updated_at = ? WHERE id = ?",
                             (stamp, member_id))
            role = str(old[0])
            outcome = await _let_go(tx, MoveOutcome(member_id, branch_id, role, None, role),
                                    stamp, decline_reason)
            await tx.execute(sql.AUDIT, (stamp, by, action, branch_id, 1, json.dumps(
                {"member": member_id, "role": role, **_let_go_detail(outcome)})))
            await sql.enqueue(tx, action, compose(outcome), stamp)
        return outcome


def _let_go_detail(outcome: MoveOutcome) -> dict[str, object]:
    """What was let go, for the audit log."""
    return {"to_backup": sum(outcome.to_backup.values()), "unattended": outcome.unattended,
            "backup_dropped": outcome.backup_dropped, "released": outcome.released,
            "teams": len(outcome.teams), "withdrawn": [w.task_id for w in outcome.withdrawn]}


async def _spend(tx: Transaction, code: str, member_id: int,
                 stamp: str) -> tuple[int, str] | None:
    """Spend one use of the invite: the branch and role it gives; None (nothing changed) if
    it cannot be used. A personal link claims its roster row (`storage.roster.claim`: the
    member takes the row's name, phone and notes) and gives the row's branch and role (a
    secretary of that branch stays one); if the row is no longer waiting, nothing is spent."""
    row = await tx.fetchone(
        "UPDATE invites SET uses_left = uses_left - 1 WHERE code = ? AND revoked = 0"
        " AND (uses_left IS NULL OR uses_left > 0)"
        " AND (expires_at IS NULL OR expires_at > ?) RETURNING branch_id, role, roster_id",
        (code, stamp))
    if row is None or row[2] is None:
        return None if row is None else (int(row[0]), str(row[1]))
    if not await claim(tx, int(row[2]), member_id, stamp):
        await tx.execute("UPDATE invites SET uses_left = uses_left + 1 WHERE code = ?", (code,))
        return None
    listed = await tx.fetchone(
        "SELECT r.branch_id, r.role, ms.role FROM roster r LEFT JOIN memberships ms"
        " ON ms.member_id = ? AND ms.branch_id = r.branch_id WHERE r.id = ?",
        (member_id, row[2]))
    return int(listed[0]), "secretary" if "secretary" in listed[1:] else str(listed[1])


async def _let_go(tx: Transaction, outcome: MoveOutcome, stamp: str,
                  reason: str) -> MoveOutcome:
    """Let go of what the member held for the branches they leave (see `move_member`)."""
    kept = NO_BRANCH if outcome.to_branch is None else outcome.to_branch
    member, params = outcome.member_id, {"to": kept, "m": outcome.member_id}
    mine = await tx.fetchall(
        f"""WITH RECURSIVE {_KEPT}
            SELECT h.id, z.branch_id, h.backup_id, h.handed_to
              FROM households h JOIN zones z ON z.id = h.zone_id
             WHERE h.responsible_id = :m AND z.branch_id NOT IN (SELECT id FROM kept)""",
        params)
    backups = {r[2] for r in mine if r[2] is not None and r[2] != member}
    # Each backup's branch and the branches above it: the zones they may hold households of.
    within: set[tuple[int, int]] = set()
    if backups:
        within = {(int(r[0]), int(r[1])) for r in await tx.fetchall(
            """WITH RECURSIVE anc(member, id) AS (
                   SELECT member_id, branch_id FROM memberships
                    WHERE member_id IN (SELECT value FROM json_each(?))
                   UNION ALL
                   SELECT anc.member, b.parent_id FROM anc JOIN branches b ON b.id = anc.id
                    WHERE b.parent_id IS NOT NULL)
               SELECT member, id FROM anc""", (json.dumps(sorted(backups)),))}
    to_backup: dict[int, int] = {}
    promote, orphan = [], []
    for household, zone_branch, backup, _ in mine:
        if backup is not None and (backup, zone_branch) in within:
            promote.append((stamp, household))
            to_backup[backup] = to_backup.get(backup, 0) + 1
        else:
            orphan.append((stamp, household))
    await tx.executemany("UPDATE households SET responsible_id = backup_id, backup_id = NULL,"
                         " updated_at = ? WHERE id = ?", promote)
    await tx.executemany("UPDATE households SET responsible_id = NULL, updated_at = ?"
                         " WHERE id = ?", orphan)
    dropped = await tx.fetchall(
        f"""WITH RECURSIVE {_KEPT}
            UPDATE households SET backup_id = NULL, updated_at = :at
             WHERE backup_id = :m AND zone_id IN (
                   SELECT id FROM zones WHERE branch_id NOT IN (SELECT id FROM kept))
            RETURNING id""", {**params, "at": stamp})
    released = await tx.fetchall(
        f"""WITH RECURSIVE {_KEPT}
            UPDATE households SET handed_to = NULL, updated_at = :at
             WHERE handed_to = :m AND zone_id IN (
                   SELECT id FROM zones WHERE branch_id NOT IN (SELECT id FROM kept))
            RETURNING id""", {**params, "at": stamp})
    if released:
        await tx.execute(
            "UPDATE handovers SET returned_at = ? WHERE returned_at IS NULL AND to_member = ?"
            " AND household_id IN (SELECT value FROM json_each(?))",
            (stamp, member, json.dumps([r[0] for r in released])))
    teams = await tx.fetchall(
        f"""WITH RECURSIVE {_KEPT}
            DELETE FROM team_members WHERE member_id = :m AND team_id IN (
                   SELECT id FROM teams WHERE branch_id NOT IN (SELECT id FROM kept))
            RETURNING team_id""", params)
    names = [str(r[0]) for r in await tx.fetchall(
        "SELECT name FROM teams WHERE id IN (SELECT value FROM json_each(?)) ORDER BY name, id",
        (json.dumps([r[0] for r in teams]),))] if teams else []
    before = {int(r[0]): str(r[1]) for r in await tx.fetchall(
        f"""WITH RECURSIVE {_KEPT}
            SELECT a.task_id, a.state FROM assignments a JOIN tasks t ON t.id = a.task_id
             WHERE a.member_id = :m AND a.state IN ('pending', 'accepted')
               AND t.status = 'open' AND t.branch_id NOT IN (SELECT id FROM kept)""", params)}
    withdrawn: list[Withdrawn] = []
    if before:
        await tx.execute(
            "UPDATE assignments SET state = 'declined', answered_at = ?, decline_reason = ?"
            " WHERE member_id = ? AND task_id IN (SELECT value FROM json_each(?))",
            (stamp, reason, member, json.dumps(sorted(before))))
        withdrawn = [Withdrawn(int(r[0]), str(r[1]), int(r[2]), int(r[3]), before[int(r[0])])
                     for r in await tx.fetchall(
                         "SELECT id, title, branch_id, created_by FROM tasks"
                         " WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
                         (json.dumps(sorted(before)),))]
    return MoveOutcome(
        member, outcome.from_branch, outcome.from_role, outcome.to_branch, outcome.role,
        to_backup, len(orphan), len(dropped), len(released),
        sum(1 for r in mine if r[3] is not None), names, withdrawn)
