"""The households' use cases called directly: a zone, a household, a visit; what each writes
and audits (the commands' answers are in test_zones, test_household_command, test_visits)."""

from __future__ import annotations

from bot.rules import visits, zones
from bot.rules.households.cases import add_household, remove_household
from bot.sandbox.harness import SandboxBot
from tests.e2e.counting import Counting, audited
from tests.helpers import MEM_A1, MEM_A2, SEC_A, Org


async def test_a_zone_with_households_is_not_removed_nor_audited(bot: SandboxBot,
                                                                 org: Org) -> None:
    deps = Counting(bot)
    assert await zones.add_zone(deps, SEC_A, org.a, "East")
    assert not await zones.add_zone(deps, SEC_A, org.a, "east")  # the same name, any case
    saved = await add_household(deps, SEC_A, org.a,
                                ["East", "1-101", "", "2", "", str(MEM_A1), ""])
    assert saved.household is not None and saved.created
    east = await zones.named(bot.store, org.a, "East")
    assert east is not None and east.households == 1
    assert await zones.remove_zone(deps, SEC_A, east) == 1
    assert await zones.rename_zone(deps, SEC_A, east, "West")
    assert await audited(bot, "zone_remove") == []
    assert await audited(bot, "zone_add") == [(SEC_A, {"name": "East"})]
    assert await audited(bot, "zone_rename") == [(SEC_A, {"old": "East", "new": "West"})]
    assert await audited(bot, "household_add") == [(SEC_A, {
        "zone": "East", "label": "1-101", "created": True, "responsible": MEM_A1,
        "backup": None})]
    assert deps.wakes == 0


async def test_a_bad_household_writes_and_audits_nothing(bot: SandboxBot, org: Org) -> None:
    deps = Counting(bot)
    saved = await add_household(deps, SEC_A, org.a, ["East", "1-101", "", "0", "", "x", ""])
    assert saved.household is None and saved.result.errors
    assert await remove_household(deps, SEC_A, org.a, "East", "1-101") is None
    assert await audited(bot, "household_add") == [] == await audited(bot, "household_remove")


async def test_a_visit_is_logged_only_by_who_holds_the_household_now(bot: SandboxBot,
                                                                     org: Org) -> None:
    deps = Counting(bot)
    saved = await add_household(deps, SEC_A, org.a,
                                ["East", "1-101", "", "2", "", str(MEM_A1), ""])
    assert saved.household is not None
    home = saved.household.id
    zone = "Asia/Shanghai"
    assert await visits.log_visit(deps, MEM_A2, zone, home, "well", None) is None
    assert await bot.store.households.visits(home) == []
    logged = await visits.log_visit(deps, MEM_A1, zone, home, "well", "ok")
    assert logged is not None and logged.left == 0 and logged.at == bot.clock.now()
    assert [v[1:3] for v in await bot.store.households.visits(home)] == [("well", "ok")]
    removed = await remove_household(deps, SEC_A, org.a, "east", "1-101")
    assert removed is not None and removed[1] == 1
    assert await audited(bot, "household_remove") == [(SEC_A, {
        "zone": "East", "label": "1-101", "visits": 1})]
    assert await visits.log_visit(deps, MEM_A1, zone, home, "well", None) is None
