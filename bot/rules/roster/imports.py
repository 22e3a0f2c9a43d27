"""Importing a roster file as one job (`import_roster`), for the chat upload (`/import roster`)
and the command line (`frontline roster import`): checked, previewed, written all or
nothing (unless only the good rows are wanted), audited.

1. **Off the event loop**: the file is read and checked (`bot.rules.roster.rows.parse`) in
   a worker thread, and so is the plan (`bot.rules.roster.plan.make_plan`).
2. **A few queries**: the branch tree, the people of the scope (waiting and joined) and the
   phones held outside it are read at once, not a query per row.
3. **Written in pieces** (`storage.roster_imports`, as a household import): staged, decided
   in one tiny transaction, applied in pieces that hold the writer's lock about 50 ms each;
   a crash while staging leaves nothing, a crash once decided is finished at the next start.
   The caller is told the counts only once every change is written.

Two imports into one database from this process are planned and written one after the
other, so that both cannot add the same new person.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.rules.roster.branches import Branches
from bot.rules.roster.plan import NotMoved, Plan, make_plan
from bot.rules.roster.rows import Parsed, parse
from bot.rules.tables import RowError, quickly
from storage.db import Database
from storage.store import Store

AUDIT = "roster_import"
_ONE_AT_A_TIME: weakref.WeakKeyDictionary[Database, asyncio.Lock] = weakref.WeakKeyDictionary()


@dataclass(slots=True)
class RosterResult:
    """What a roster import found and, if it wrote, did."""

    rows: int = 0  # the file's rows; 0 when the file itself was refused
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    not_moved: list[NotMoved] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    changes: int = 0  # what writing would change (new people, updated people)
    written: bool = False
    waiting: int = 0  # once written: the people of the scope not yet joined

    @property
    def good_rows(self) -> int:
        """The rows that are not refused."""
        return self.new + self.updated + self.unchanged + len(self.not_moved)

    def counts_text(self, say: Callable[..., str], *, errors: bool = True) -> str:
        """The counts in words (`rosterimport.count.*` through `say`, a translator bound to
        the reader's language): only those that are not zero, so that "0 updated, 0
        unchanged" never crowds the one that matters; "0 new" when all are zero."""
        counts = {"new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                  "not_moved": len(self.not_moved),
                  "errors": len(self.errors) if errors else 0}
        parts = [say(f"rosterimport.count.{key}", n=n) for key, n in counts.items() if n]
        return say("rosterimport.count.separator").join(parts or [
            say("rosterimport.count.new", n=0)])

    @property
    def refused(self) -> bool:
        """True if the file itself was refused (nothing to preview)."""
        return self.rows == 0

    def counts(self) -> dict[str, int]:
        """The counts as audited."""
        return {"rows": self.rows, "new": self.new, "updated": self.updated,
                "unchanged": self.unchanged, "not_moved": len(self.not_moved),
                "skipped": len(self.errors)}


async def import_roster(store: Store, root_id: int, data: bytes, *, now: datetime,
                        file_name: str, actor_id: int | None = None, only_good: bool = False,
                        write: bool = True) -> RosterResult:
    """Check the file against the scope of `root_id` (the branch and every branch below it)
    and, with `write`, write every change, or nothing if a row is refused (unless
    `only_good`). Audited as `roster_import` (who, the file, the counts) when written."""
    parsed = await asyncio.to_thread(quickly, parse, data, file_name)
    if not parsed.rows:
        return RosterResult(errors=parsed.errors)
    async with _ONE_AT_A_TIME.setdefault(store.db, asyncio.Lock()):
        plan = await _plan(store, root_id, parsed)
        result = RosterResult(parsed.rows, plan.new, plan.updated, plan.unchanged,
                              plan.not_moved, parsed.errors, len(plan.changes))
        if not write or not plan.changes or (result.errors and not only_good):
            return result
        record = await store.roster_imports.write_changes(
            root_id, plan.changes, actor_id=actor_id, file_name=file_name, at=now,
            summary=result.counts())
    if record is None:  # the branch was deleted meanwhile: nothing was written
        return result
    result.written = True
    await store.audit.record(actor_id, AUDIT, branch_id=root_id, allowed=True,
                             detail={**result.counts(), "file": file_name,
                                     "only_good": only_good}, at=now)
    result.waiting = sum((await store.roster.waiting_counts(root_id)).values())
    return result


async def _plan(store: Store, root_id: int, parsed: Parsed) -> Plan:
    """Read what the rows are checked against, and match them (in a worker thread); the
    refused rows join `parsed.errors`."""
    nodes, levels = await store.roster_imports.tree()
    waiting, joined = await store.roster_imports.people(root_id)
    phones = [person.phone for person in parsed.people if person.phone]
    elsewhere = await store.roster_imports.phones_elsewhere(root_id, phones)

    def work() -> Plan:
        tree = Branches(nodes, levels, root_id)
        return make_plan(parsed.people, tree, waiting, joined, elsewhere,
                         file_notes=parsed.notes, errors=parsed.errors)

    return await asyncio.to_thread(quickly, work)
