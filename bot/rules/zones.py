"""Zones of a branch and the households in them: `/zone` as use cases, and the reads of
`/zone list`, `/households` and the coverage buttons.

A zone's name is unique in its branch ignoring case (the storage enforces it); a zone is
removed only while it has no households.
"""

from __future__ import annotations

from bot.rules.deps import Deps
from storage.households import Household
from storage.store import Store
from storage.zones import Zone


async def of_branch(store: Store, branch_id: int) -> list[Zone]:
    """The branch's zones by name, with their household counts."""
    return await store.zones.of_branch(branch_id)


async def named(store: Store, branch_id: int, name: str) -> Zone | None:
    """The branch's zone of that name (case-insensitive)."""
    return await store.zones.named(branch_id, name)


async def get(store: Store, zone_id: int) -> Zone | None:
    """The zone with that id."""
    return await store.zones.get(zone_id)


async def households(store: Store, zone_id: int) -> list[tuple[Household, str | None]]:
    """The zone's households, each with its responsible member's name (None if nobody)."""
    return await store.households.of_zone(zone_id)


async def held_by(store: Store, member_id: int) -> list[Household]:
    """The households a member holds (responsible, backup, or handed to them), by zone."""
    return await store.households.of_member(member_id)


async def add_zone(deps: Deps, actor_id: int, branch_id: int, name: str) -> bool:
    """Add a zone to the branch; False if one of that name exists. Audited as `zone_add`."""
    now = deps.clock.now()
    if await deps.store.zones.add(branch_id, name, at=now) is None:
        return False
    await deps.store.audit.record(actor_id, "zone_add", branch_id=branch_id, allowed=True,
                                  detail={"name": name}, at=now)
    return True


async def rename_zone(deps: Deps, actor_id: int, zone: Zone, new: str) -> bool:
    """Rename the zone; False if the branch has another of that name. Audited as
    `zone_rename`."""
    if not await deps.store.zones.rename(zone.id, new):
        return False
    await deps.store.audit.record(actor_id, "zone_rename", branch_id=zone.branch_id,
                                  allowed=True, detail={"old": zone.name, "new": new},
                                  at=deps.clock.now())
    return True


async def remove_zone(deps: Deps, actor_id: int, zone: Zone) -> int | None:
    """Remove the zone if it has no households: None when removed (audited as
    `zone_remove`), else how many households it has now."""
    store = deps.store
    if zone.households or not await store.zones.remove(zone.id):
        current = await store.zones.named(zone.branch_id, zone.name)
        return current.households if current else zone.households
    await store.audit.record(actor_id, "zone_remove", branch_id=zone.branch_id, allowed=True,
                             detail={"name": zone.name}, at=deps.clock.now())
    return None
