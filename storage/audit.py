"""The audit log: privileged actions, and refused attempts at them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from storage import sql
from storage.db import Database
from storage.times import iso


class Audit:
    """Entries of the audit log."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        actor_id: int | None,
        action: str,
        *,
        branch_id: int | None,
        allowed: bool,
        detail: Mapping[str, object] | None = None,
        at: datetime,
    ) -> None:
        """Record a privileged action (or a refused attempt) in the audit log."""
        await self.db.execute(
            sql.AUDIT,
            (iso(at), actor_id, action, branch_id, int(allowed),
             json.dumps(detail, ensure_ascii=False) if detail else None),
        )

    async def entries(self, limit: int = 50) -> list[tuple[str, int | None, str, int | None,
                                                         bool, str | None]]:
        """The latest audit entries, newest first: (at, actor, action, branch, allowed, detail)."""
        rows = await self.db.fetchall(
            "SELECT at, actor_id, action, branch_id, allowed, detail FROM audit_log"
            " ORDER BY id DESC LIMIT ?", (limit,))
        return [(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]
