"""A household import written in short pieces, all or nothing even across a crash (the
mechanism, shared with the roster import, is `storage.staging`).

Applying a piece creates its zones and upserts its households by zone name and label, as
`Households.upsert` does; the households it created are counted by id (new rows get ids
above every existing one), the others were updated.
"""

from __future__ import annotations

from typing import Any

from storage.db import Transaction
from storage.staging import ImportRecord, StagedImports

__all__ = ["HouseholdImports", "ImportRecord"]

_UPSERT = """
INSERT INTO households(zone_id, label, address, people, notes, responsible_id, backup_id,
                       vulnerable, created_at, updated_at)
SELECT z.id, s.label, s.address, s.people, s.notes,
       (SELECT m.id FROM members m WHERE m.id = s.responsible_id),
       (SELECT m.id FROM members m WHERE m.id = s.backup_id),
       s.vulnerable, :at, :at
  FROM household_import_rows s JOIN zones z ON z.branch_id = :branch AND z.name = s.zone
 WHERE s.import_id = :id AND s.seq >= :lo AND s.seq < :hi
ON CONFLICT(zone_id, label) DO UPDATE SET
    address = excluded.address, people = excluded.people, notes = excluded.notes,
    responsible_id = excluded.responsible_id, backup_id = excluded.backup_id,
    vulnerable = excluded.vulnerable, updated_at = excluded.updated_at"""


class HouseholdImports(StagedImports):
    """Staging, applying and recovering household imports."""

    IMPORTS = "household_imports"
    ROWS = "household_import_rows"
    # The columns of storage.households.HouseholdInput, in its order.
    COLUMNS = ("zone", "label", "address", "people", "notes", "responsible_id", "vulnerable",
               "backup_id")
    NOUN = "household import"

    async def _apply_rows(self, tx: Transaction, names: dict[str, Any]) -> tuple[int, int]:
        await tx.execute(
            "INSERT INTO zones(branch_id, name, created_at)"
            " SELECT DISTINCT :branch, zone, :at FROM household_import_rows"
            " WHERE import_id = :id AND seq >= :lo AND seq < :hi"
            " ON CONFLICT(branch_id, name) DO NOTHING", names)
        # New households get ids above every existing one (SQLite's rowid rule), so those
        # above the largest id before the upsert are the ones it created.
        (before,) = await tx.fetchone("SELECT coalesce(max(id), 0) FROM households")
        await tx.execute(_UPSERT, names)
        (created,) = await tx.fetchone("SELECT count(*) FROM households WHERE id > ?",
                                       (before,))
        return created, names["hi"] - names["lo"] - created
