"""The weekly report's own count over a subtree (the rest of it is the daily digest's counting,
`storage.digest`, summed day by day)."""

from __future__ import annotations

from datetime import date

from storage import sql
from storage.db import Database


class Weekly:
    """What a week of a subtree counts beyond its days' digests."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def cared_for(self, root_id: int, first: date, last: date) -> tuple[int, int]:
        """(unwell, quarantined): members of the subtree who checked in so at least once on
        the days `first`..`last`, each counted once. One lookup by primary key per member, as
        `storage.digest.Digest.rollup` does, rather than a join over the check-ins."""
        row = await self.db.fetchone(
            f"""WITH RECURSIVE {sql.subtree_tops()},
            p AS MATERIALIZED (
                SELECT ms.member_id AS id FROM down JOIN memberships ms ON ms.branch_id = down.id)
            SELECT count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM checkins c WHERE c.member_id = p.id
                          AND c.day BETWEEN :first AND :last AND c.status = 'unwell')),
                   count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM checkins c WHERE c.member_id = p.id
                          AND c.day BETWEEN :first AND :last AND c.status = 'quarantined'))
              FROM p""",
            {"root": root_id, "first": first.isoformat(), "last": last.isoformat()})
        return int(row[0]), int(row[1])
