"""The duty use cases called directly (`bot.rules.duty`): what each writes, audits, queues and
wakes, on the real application's services; the commands' answers are in test_coverage."""

from __future__ import annotations

from bot.rules import duty
from bot.sandbox.harness import SandboxBot
from storage.households import HouseholdInput
from tests.e2e.counting import Counting, audited
from tests.helpers import MEM_A1, MEM_A2, SEC_A, Org, t


async def _home(bot: SandboxBot, branch: int, member: int) -> None:
    await bot.store.households.upsert(branch, [HouseholdInput(
        zone="East", label="1-101", address="", people=2, notes="", responsible_id=member,
        vulnerable=False)], at=bot.clock.now())


async def test_away_twice_writes_and_audits_once(bot: SandboxBot, org: Org) -> None:
    await _home(bot, org.a, MEM_A1)
    deps = Counting(bot)
    first = await duty.mark_away(deps, SEC_A, MEM_A1, org.a, by_self=False)
    assert (first.since, first.households, first.unheld) == (None, 1, 1)
    again = await duty.mark_away(deps, SEC_A, MEM_A1, org.a, by_self=False)
    assert again.since is not None and again.households == 0
    assert await audited(bot, "away") == [(SEC_A, {"member": MEM_A1})]
    assert deps.wakes == 1
    await bot.drain()
    assert bot.sandbox.last(MEM_A1).plain == t("coverage.away.told_member")


async def test_back_when_not_away_does_nothing(bot: SandboxBot, org: Org) -> None:
    deps = Counting(bot)
    done = await duty.mark_back(deps, MEM_A1, MEM_A1, "Mia", org.a, by_self=True)
    assert not done.done
    assert await audited(bot, "back") == [] and deps.wakes == 0


async def test_hand_over_audits_and_tells_the_holder(bot: SandboxBot, org: Org) -> None:
    await _home(bot, org.a, MEM_A1)
    deps = Counting(bot)
    await duty.mark_away(deps, MEM_A1, MEM_A1, org.a, by_self=True)
    found = await duty.off_duty_member(bot.store, MEM_A1)
    assert found is not None
    count = await duty.hand_over(deps, SEC_A, found, org.a, MEM_A2)
    assert count == 1 and deps.wakes == 2  # the secretaries told, then the holder
    assert await audited(bot, "handover") == [
        (SEC_A, {"member": MEM_A1, "to": MEM_A2, "households": 1})]
    await bot.drain()
    assert bot.sandbox.last(MEM_A2).plain == t("coverage.notice.handed", name="Mia", n=1)
    back = await duty.mark_back(deps, MEM_A1, MEM_A1, "Mia", org.a, by_self=True)
    assert (back.changed, back.returned, back.still_off) == (True, 1, None)
