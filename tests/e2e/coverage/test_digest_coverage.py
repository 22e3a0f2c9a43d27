"""The digest's coverage section: rates rolled up over three levels, unheld households, groups."""

from __future__ import annotations

from datetime import timedelta

from bot.rules import digest
from bot.sandbox.harness import SandboxBot
from storage.households import HouseholdInput
from tests.helpers import ADMIN, MEM_A1, MEM_A1X, MEM_B1, SEC_A, SEC_B, Org


def _homes(zone: str, responsible: int, n: int, *, vulnerable: int = 0) -> list[HouseholdInput]:
    return [HouseholdInput(zone, f"{zone}-{i}", f"{i} Lake Road", 2, "", responsible,
                           i < vulnerable) for i in range(n)]


async def _seed(bot: SandboxBot, org: Org) -> dict[str, list[int]]:
    """Alpha: 4 households of Mia; Alpha-1: 2 of Mo; Beta: 2 of Mel. Made a week ago."""
    store, week_ago = bot.store, bot.clock.now() - timedelta(days=7)
    ids: dict[str, list[int]] = {}
    for branch, zone, who, n in ((org.a, "A", MEM_A1, 4), (org.a1, "A1", MEM_A1X, 2),
                                 (org.b, "B", MEM_B1, 2)):
        await store.households.upsert(branch, _homes(zone, who, n), at=week_ago)
        ids[zone] = [h.id for h in await store.households.of_branch(branch)]
    return ids


async def test_no_households_no_section(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(SEC_A, "/digest")
    assert "住户覆盖" not in reply.plain


async def test_coverage_rolled_up_over_three_levels(bot: SandboxBot, org: Org) -> None:
    ids = await _seed(bot, org)
    now = bot.clock.now()
    for household in ids["A"][:3] + ids["A1"][:1]:
        await bot.store.households.record_visit(household, MEM_A1, "well", None, at=now)
    await bot.store.households.record_visit(ids["B"][0], MEM_B1, "no_answer", None, at=now)
    reply = await bot.send(ADMIN, "/digest")
    lines = reply.plain.splitlines()
    assert "🏘 住户覆盖：50%（4/8 户按时走访，今日已访 4）· 待访 0 · 逾期 4" in lines
    # Worst first: Beta (0%) before Alpha (4 of 6).
    assert lines.index("  • Beta：覆盖 0%（0/2）· 逾期 2") < \
        lines.index("  • Alpha：覆盖 67%（4/6）· 逾期 2")
    reply = await bot.send(SEC_A, "/digest")
    assert "🏘 住户覆盖：67%（4/6 户按时走访，今日已访 4）· 待访 0 · 逾期 2" in reply.plain
    assert "  • Alpha-1：覆盖 50%（1/2）· 逾期 1" in reply.plain.splitlines()
    reply = await bot.send(SEC_B, "/digest")
    assert "🏘 住户覆盖：0%（0/2 户按时走访，今日已访 0）· 待访 0 · 逾期 2" in reply.plain


async def test_unheld_households_named_with_a_hand_over_button(bot: SandboxBot, org: Org) -> None:
    await _seed(bot, org)
    await bot.send(MEM_A1, "/checkin quarantined")
    reply = await bot.send(SEC_A, "/digest")
    assert "🔁 4 户无人照看（责任人不在岗，尚未移交）：🏠 Mia 4 户" in reply.plain
    assert ("🔁 移交 Mia 的住户", f"cv:ho:{MEM_A1}") in reply.button_list
    await bot.send(SEC_A, "/lang en")
    reply = await bot.send(SEC_A, "/digest")
    assert "🔁 4 households unattended (their member is off duty, not handed over): " \
           "🏠 Mia (4)" in reply.plain
    assert "🏘 Households covered: 0% (0/6 reached in time, 0 today)" in reply.plain
    # Handed over: no longer unattended.
    await bot.store.duty.hand_over(MEM_A1, SEC_A, at=bot.clock.now())
    reply = await bot.send(SEC_A, "/digest")
    assert "unattended" not in reply.plain
    assert not [b for b in reply.button_list if b[1] and b[1].startswith("cv:ho:")]


async def test_group_copy_has_rates_but_no_names(bot: SandboxBot, org: Org) -> None:
    await _seed(bot, org)
    await bot.send(MEM_A1, "/checkin unwell")
    group = await bot.store.branches.get(org.a)
    assert group is not None
    await bot.store.branches.link_group(org.a, -5001)
    day = digest.today_of(group, bot.clock.now())
    messages = await digest.digest_messages(bot.store, bot.services.translate, org.a, day,
                                            bot.clock.now())
    (to_group,) = [m for m in messages if m.chat_id == -5001]
    assert "🏘 住户覆盖：<b>0%</b>（0/6 户" in to_group.text
    assert "🔁 4 户的责任人不在岗，尚未移交" in to_group.text and "Mia" not in to_group.text
    (to_secretary,) = [m for m in messages if m.chat_id == SEC_A]
    assert "Mia 4 户" in to_secretary.text
