"""Importing a households file as one job: fast, never holding the writer long, all or nothing.

One function, `import_households`, for the chat upload and the command line:

1. **Off the event loop**: the file is decoded, parsed and checked (`bot.rules.households.parse`)
   in a worker thread; so is matching its rows to members. A 10 MB file takes a second or
   two of CPU, during which the bot keeps answering everyone else.
2. **One query for the members**: every responsible and backup named in the file (a name,
   @username, phone or id: `bot.rules.naming`) is looked up in the branch's subtree at
   once (`storage.records.members_named`), not one query per row.
3. **Written in pieces** (`storage.household_imports`): the checked rows are staged, then
   the import is decided in one tiny transaction, then applied in pieces of about 50 ms of
   the writer's lock each, so a check-in pressed meanwhile waits for one piece at most.
   A crash while staging leaves nothing; a crash once decided is finished when the
   database is next opened. The caller is told the counts only once every row is applied.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.rules.households.matching import match_members, member_keys
from bot.rules.households.results import ImportResult, RowError
from bot.rules.households.rows import ParsedRow, parse
from bot.rules.tables import quickly as _quickly
from storage.households import HouseholdInput
from storage.records import NamedMember
from storage.store import Store


async def import_households(store: Store, branch_id: int, data: bytes, *, now: datetime,
                            only_good: bool = False, file_name: str | None = None,
                            actor_id: int | None = None) -> ImportResult:
    """Check the file's rows and write them all, or nothing (unless `only_good`).

    Responsible members must belong to `branch_id` or a branch below it. `file_name`
    helps tell an XLSX from a CSV; `actor_id` (who asked) is kept with the import.
    """
    rows, errors = await asyncio.to_thread(_quickly, parse, data, file_name)
    wanted = await asyncio.to_thread(member_keys, rows)
    found = await store.records.members_named(branch_id, ids=wanted.ids,
                                              usernames=wanted.usernames,
                                              phones=wanted.phones, names=wanted.names)
    good, zones = await asyncio.to_thread(_quickly, _match, rows, found, errors)
    result = ImportResult(errors=errors, good_rows=len(good))
    if not good or (errors and not only_good):
        return result
    record = await store.household_imports.write(branch_id, good, actor_id=actor_id,
                                                 file_name=file_name or "", at=now)
    if record is not None:  # None: the branch was deleted meanwhile
        result.created, result.updated = record.created, record.updated
        result.zones, result.households = zones, good
    return result


def _match(rows: list[ParsedRow], found: list[NamedMember],
           errors: list[RowError]) -> tuple[list[HouseholdInput], list[str]]:
    """The households to write and their zones in file order (run in a worker thread)."""
    good = match_members(rows, found, errors)
    return good, list(dict.fromkeys(household.zone for household in good))
