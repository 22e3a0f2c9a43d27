"""Telegram's faults in the households flows: a file that cannot be fetched, receipts that fail,
notices to a member who blocked the bot. Nothing is lost or written twice."""

from __future__ import annotations

import logging

import pytest

from bot.rules import callbacks as cb
from bot.sandbox.harness import SandboxBot
from storage.households import HouseholdInput
from tests.helpers import MEM_A1, MEM_A2, SEC_A, Org

CSV = (b"zone,label,address,people,notes,responsible\n"
       b"East,1-101,1 Lake Road,2,,@mia\n"
       b"East,1-102,1 Lake Road,1,,@max\n")


async def _seed(bot: SandboxBot, org: Org) -> int:
    await bot.store.households.upsert(org.a, [
        HouseholdInput("East", "1-101", "1 Lake Road", 2, "", MEM_A1, False)],
        at=bot.clock.now())
    (home,) = await bot.store.households.of_member(MEM_A1)
    return home.id


async def test_a_file_that_cannot_be_fetched_is_answered_and_writes_nothing(
        bot: SandboxBot, org: Org) -> None:
    bot.sandbox.fail("getFile", "502", times=20)
    reply = await bot.send_document(SEC_A, CSV, "households.csv", "/import households")
    assert reply.plain == "没能下载这个文件，请重新发送。"
    assert await bot.store.households.of_branch(org.a) == []
    bot.sandbox.clear_faults()
    reply = await bot.send_document(SEC_A, CSV, "households.csv", "/import households")
    assert "新增 2 户" in reply.plain
    assert len(await bot.store.households.of_branch(org.a)) == 2


async def test_a_429_while_fetching_the_file_is_waited_out(bot: SandboxBot, org: Org) -> None:
    bot.sandbox.fail("getFile", "429", retry_after=1)
    reply = await bot.send_document(SEC_A, CSV, "households.csv", "/import households")
    assert "新增 2 户" in reply.plain
    assert bot.sandbox.count("getFile") == 2  # refused once, then fetched


async def test_a_timed_out_receipt_edit_is_retried_and_the_visit_logged_once(
        bot: SandboxBot, org: Org) -> None:
    home = await _seed(bot, org)
    await bot.send(MEM_A1, "/visit")
    await bot.press(MEM_A1, cb.VisitHousehold(home).pack())
    await bot.press(MEM_A1, cb.VisitOutcome(home, "well").pack())
    bot.sandbox.fail("editMessageText", "timeout", chat_id=MEM_A1, times=1)
    receipt = await bot.press(MEM_A1, cb.VisitSkip(home).pack())
    assert "已登记走访" in receipt.plain
    assert [v[1] for v in await bot.store.households.visits(home)] == ["well"]


async def test_persistent_5xx_on_the_receipt_keeps_the_visit(
        bot: SandboxBot, org: Org, caplog: pytest.LogCaptureFixture) -> None:
    home = await _seed(bot, org)
    await bot.send(MEM_A1, "/visit")
    await bot.press(MEM_A1, cb.VisitHousehold(home).pack())
    await bot.press(MEM_A1, cb.VisitOutcome(home, "refused").pack())
    bot.sandbox.fail("editMessageText", "502", chat_id=MEM_A1, times=10)
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        bot.sandbox.press(MEM_A1, cb.VisitSkip(home).pack())
        await bot.settle()
    assert [v[1] for v in await bot.store.households.visits(home)] == ["refused"]
    assert any(r.exc_info for r in caplog.records), "the fault is logged with its traceback"


async def test_hand_over_to_a_member_who_blocked_the_bot(bot: SandboxBot, org: Org) -> None:
    await _seed(bot, org)
    await bot.send(MEM_A2, "/checkin on_duty")
    await bot.send(MEM_A1, "/checkin unwell")
    await bot.drain()
    bot.sandbox.block(MEM_A2)
    await bot.press(SEC_A, cb.Handover("start", MEM_A1).pack())
    await bot.press(SEC_A, cb.HandoverStep("pick", MEM_A1, MEM_A2).pack())
    done = await bot.press(SEC_A, cb.HandoverStep("confirm", MEM_A1, MEM_A2).pack())
    assert done.plain.startswith("✅ 已把 Mia 的 1 户移交给 Max 代管")
    await bot.drain()
    # The hand-over stands; the holder who blocked the bot is marked unreachable.
    assert [h.handed_to for h in await bot.store.households.of_member(MEM_A1)] == [MEM_A2]
    person = await bot.store.people.get(MEM_A2)
    assert person is not None and not person.reachable
    assert "Max @max ⚠️无法送达" in (await bot.send(SEC_A, "/roster")).plain
