"""The households' use cases in chat: add or update one (`/household add`), remove one
(`/household remove`), import a file (`/import households`); each writes and audits in one
place (the checks are the import's, in `rows`; the writing in `chat` and `imports`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.rules.deps import Deps
from bot.rules.households.chat import save_household
from bot.rules.households.imports import import_households
from bot.rules.households.results import ImportResult
from storage.households import Household


@dataclass(frozen=True, slots=True)
class Saved:
    """What `/household add` did: the check's result and, if written, the household as
    stored now (`created` when it is new)."""

    result: ImportResult
    household: Household | None = None
    created: bool = False


async def add_household(deps: Deps, actor_id: int, branch_id: int, fields: list[str]) -> Saved:
    """Check one household typed in chat and create or update it; audited as
    `household_add` when written."""
    store, now = deps.store, deps.clock.now()
    result = await save_household(store, branch_id, fields, now=now)
    if result.errors or not result.households:
        return Saved(result)
    item = result.households[0]
    found = await store.households.named(branch_id, item.zone, item.label)
    assert found is not None  # just written, and households are removed only by a secretary
    created = result.created > 0
    await store.audit.record(actor_id, "household_add", branch_id=branch_id, allowed=True,
                             detail={"zone": found.zone, "label": found.label,
                                     "created": created, "responsible": found.responsible_id,
                                     "backup": found.backup_id}, at=deps.clock.now())
    return Saved(result, found, created)


async def remove_household(deps: Deps, actor_id: int, branch_id: int, zone: str,
                           label: str) -> tuple[Household, int] | None:
    """Remove the branch's household (zone, label) with its visits: the household and how
    many visits went with it, or None if there is none. Audited as `household_remove`."""
    removed = await deps.store.households.remove(branch_id, zone, label)
    if removed is None:
        return None
    household, visits = removed
    await deps.store.audit.record(actor_id, "household_remove", branch_id=branch_id,
                                  allowed=True, detail={"zone": household.zone,
                                                        "label": household.label,
                                                        "visits": visits},
                                  at=deps.clock.now())
    return removed


async def import_file(deps: Deps, actor_id: int, branch_id: int, data: bytes, file_name: str,
                      *, confirmed: bool) -> ImportResult:
    """Import a households file sent in chat: every row or nothing, or (`confirmed`, after
    the secretary chose to) the good rows. Audited as `households_import` when written."""
    result = await import_households(deps.store, branch_id, data, now=deps.clock.now(),
                                     only_good=confirmed, file_name=file_name,
                                     actor_id=actor_id)
    if result.written:
        await deps.store.audit.record(
            actor_id, "households_import", branch_id=branch_id, allowed=True,
            detail={"created": result.created, "updated": result.updated,
                    "skipped": len(result.errors), "file": file_name, "confirmed": confirmed},
            at=deps.clock.now())
    return result
