"""/coverage over three levels, drill-downs, refusals, hand-over on check-in, /away, /back."""

from __future__ import annotations

from datetime import timedelta

from bot.rules import callbacks as cb
from bot.sandbox import SandboxMessage
from bot.sandbox.harness import SandboxBot
from storage.households import HouseholdInput
from tests.helpers import (
    ADMIN,
    MEM_A1,
    MEM_A1X,
    MEM_A2,
    MEM_B1,
    SEC_A,
    SEC_A1,
    SEC_B,
    Org,
)
from tests.storage.test_coverage_storage import _away


def _home(zone: str, label: str, responsible: int) -> HouseholdInput:
    return HouseholdInput(zone=zone, label=label, address=f"{label} Lake <Rd>", people=2,
                          notes="", responsible_id=responsible, vulnerable=False)


async def _seed(bot: SandboxBot, org: Org) -> dict[str, int]:
    """Alpha: East (1-101 today, 1-102 yesterday, 1-103 never), West (2-201 three days ago,
    2-202 never); Alpha-1: North (3-301 today, 3-302 nobody answered); Beta: South (never).
    Households exist since three days; it is 08:30 in Shanghai."""
    store, now = bot.store, bot.clock.now()
    before = now - timedelta(days=3, hours=1)
    await store.households.upsert(org.a, [
        _home("East", "1-101", MEM_A1), _home("East", "1-102", MEM_A1),
        _home("East", "1-103", MEM_A2), _home("West", "2-201", MEM_A2),
        _home("West", "2-202", MEM_A2)], at=before)
    await store.households.upsert(org.a1, [_home("North", "3-301", MEM_A1X),
                                           _home("North", "3-302", MEM_A1X)], at=before)
    await store.households.upsert(org.b, [_home("South", "4-401", MEM_B1)], at=before)
    ids = {h.label: h.id for branch in (org.a, org.a1, org.b)
           for h in await store.households.of_branch(branch)}
    await store.households.record_visit(ids["1-101"], MEM_A1, "well", None,
                                        at=now - timedelta(hours=1))
    await store.households.record_visit(ids["1-102"], MEM_A1, "well", None,
                                        at=now - timedelta(days=1))
    await store.households.record_visit(ids["2-201"], MEM_A2, "needs_help", None,
                                        at=now - timedelta(days=3))
    await store.households.record_visit(ids["3-301"], MEM_A1X, "refused", None, at=now)
    await store.households.record_visit(ids["3-302"], MEM_A1X, "no_answer", None, at=now)
    return ids


def _received(bot: SandboxBot, user: int, start: str) -> list[SandboxMessage]:
    return [m for m in bot.sandbox.bot_messages(user) if m.plain.startswith(start)]


def _alerts(bot: SandboxBot) -> list[str]:
    return [c["text"] for c in bot.sandbox.calls_of("answerCallbackQuery") if c.get("show_alert")]


async def test_coverage_over_three_levels_worst_first(bot: SandboxBot, org: Org) -> None:
    await _seed(bot, org)
    reply = await bot.send(ADMIN, "/coverage")
    lines = reply.plain.splitlines()
    assert lines[0] == "📊 Root 住户覆盖 · 2026-03-02"
    assert lines[1] == "共 8 户 · 今日已访 2 · 覆盖率 25% · 待访 1 · 逾期 5 · 无人照看 0"
    assert "下级支部（由差到好）：" in lines
    alpha = lines.index("• Alpha：7 户 · 覆盖 29% · 今日已访 2 · 待访 1 · 逾期 4")
    assert lines[alpha + 1] == "• Beta：1 户 · 覆盖 0% · 今日已访 0 · 待访 0 · 逾期 1"
    assert "本支部责任区" not in reply.plain  # the root has no zones of its own
    assert "不在岗且有住户的成员：" in lines and "• 无" in lines
    assert [d for _, d in reply.button_list] == [f"cv:b:{org.a}", f"cv:b:{org.b}"]

    reply = await bot.press(ADMIN, "📊 Alpha")
    lines = reply.plain.splitlines()
    assert lines[0] == "📊 Alpha 住户覆盖 · 2026-03-02"
    assert lines[1] == "共 7 户 · 今日已访 2 · 覆盖率 29% · 待访 1 · 逾期 4 · 无人照看 0"
    assert "• Alpha-1：2 户 · 覆盖 50% · 今日已访 1 · 待访 0 · 逾期 1" in lines
    west = lines.index("• West：今日已访 0 / 待访 0 / 逾期 2（共 2 户）")
    assert lines[west + 1] == "• East：今日已访 1 / 待访 1 / 逾期 1（共 3 户）"
    zones = {z.name: z.id for z in await bot.store.zones.of_branch(org.a)}
    assert [d for _, d in reply.button_list] == [
        f"cv:b:{org.a1}", f"cv:z:{zones['West']}", f"cv:z:{zones['East']}"]

    reply = await bot.press(ADMIN, "📊 Alpha-1")
    assert reply.plain.splitlines()[1] == \
        "共 2 户 · 今日已访 1 · 覆盖率 50% · 待访 0 · 逾期 1 · 无人照看 0"
    assert "• North：今日已访 1 / 待访 0 / 逾期 1（共 2 户）" in reply.plain
    reply = await bot.press(ADMIN, "📍 North（1）")
    assert reply.plain.splitlines() == [
        "📍 North（Alpha-1）· 2026-03-02：待访、逾期共 1 户",
        "🔴 3-302 · Mo · 从未走访", "   3-302 Lake <Rd>"]


async def test_zone_list_overdue_first_for_the_secretary(bot: SandboxBot, org: Org) -> None:
    await _seed(bot, org)
    await bot.send(SEC_A, "/coverage")
    reply = await bot.press(SEC_A, "📍 West（2）")
    assert reply.plain.splitlines() == [
        "📍 West（Alpha）· 2026-03-02：待访、逾期共 2 户",
        "🔴 2-202 · Max · 从未走访", "   2-202 Lake <Rd>",
        "🔴 2-201 · Max · 3 天前走访", "   2-201 Lake <Rd>"]
    await bot.send(SEC_A, "/coverage")
    reply = await bot.press(SEC_A, "📍 East（2）")
    assert reply.plain.splitlines()[1:] == [
        "🔴 1-103 · Max · 从未走访", "   1-103 Lake <Rd>",
        "🟡 1-102 · Mia · 1 天前走访", "   1-102 Lake <Rd>"]


async def test_visit_every_two_days_changes_due_and_overdue(bot: SandboxBot, org: Org) -> None:
    await _seed(bot, org)
    await bot.store.schedules.set_setting(org.a, "visit_every_days", 2)
    reply = await bot.send(SEC_A, "/coverage")
    # 1-102 (yesterday) is covered now; 2-201 (three days ago) still overdue; never reached
    # households added three days ago are overdue; Alpha-1 inherits the interval.
    assert reply.plain.splitlines()[1] == \
        "共 7 户 · 今日已访 2 · 覆盖率 43% · 待访 0 · 逾期 4 · 无人照看 0"
    assert "• East：今日已访 1 / 待访 0 / 逾期 1（共 3 户）" in reply.plain
    bot.clock.advance(days=1)
    reply = await bot.send(SEC_A, "/coverage")
    # a day later: 1-101 and 3-301 (reached yesterday) are covered, 1-102 is due today
    assert reply.plain.splitlines()[1] == \
        "共 7 户 · 今日已访 0 · 覆盖率 29% · 待访 1 · 逾期 4 · 无人照看 0"


async def test_no_households_points_to_zone_and_import(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(SEC_B, "/coverage")
    assert reply.plain == ("“Beta”及其下级还没有住户。先用 /zone add 名称 建责任区，"
                           "再用 /import 导入住户名单。")
    assert reply.button_list == []


async def test_refusals_and_forged_buttons(bot: SandboxBot, org: Org) -> None:
    await _seed(bot, org)
    reply = await bot.send(MEM_A1, "/coverage")
    assert "只有「Alpha」的书记才能使用 /coverage" in reply.plain
    reply = await bot.send(SEC_B, f"/coverage {org.a}")
    assert "「Alpha」不在你负责的范围内" in reply.plain
    reply = await bot.send(SEC_B, "/coverage")
    assert reply.plain.startswith("📊 Beta 住户覆盖")
    zones = {z.name: z.id for z in await bot.store.zones.of_branch(org.a)}
    await bot.store.checkins.record(MEM_A1, org.a, bot.clock.now().date(), "quarantined",
                                    at=bot.clock.now())
    sent = len(bot.sandbox.bot_messages(SEC_B))
    for data in (f"cv:z:{zones['West']}", f"cv:b:{org.a}", f"cv:ho:{MEM_A1}",
                 f"cv:hy:{MEM_A1}:{MEM_A2}"):
        bot.sandbox.user_presses(SEC_B, reply.message_id, data, check=False)
        await bot.settle()
        assert "不在你负责的范围内" in _alerts(bot)[-1], data
    assert len(bot.sandbox.bot_messages(SEC_B)) == sent
    for data in ("cv:z:99999", "cv:b:99999", "cv:zz:1", "cv:ho:1:2"):
        bot.sandbox.user_presses(SEC_B, reply.message_id, data, check=False)
        await bot.settle()
        assert "按钮已失效" in _alerts(bot)[-1] or "找不到" in _alerts(bot)[-1], data
    assert len(bot.sandbox.bot_messages(SEC_B)) == sent
    households = await bot.store.households.of_member(MEM_A2)
    assert all(h.handed_to is None for h in households)  # nothing was handed
    refused = [e for e in await bot.store.audit.entries()
               if e[2] in ("coverage", "handover") and not e[4]]
    assert len(refused) >= 3
    # a member forging a hand-over is refused too
    forged = cb.HandoverStep("confirm", MEM_A1, MEM_A2).pack()
    bot.sandbox.user_presses(MEM_A2, 1, forged, check=False)
    await bot.settle()
    assert "不在你负责的范围内" in _alerts(bot)[-1]
    assert all(h.handed_to is None for h in await bot.store.households.of_member(MEM_A1))


async def test_hand_over_on_a_quarantined_check_in(bot: SandboxBot, org: Org) -> None:
    await _seed(bot, org)
    await bot.send(MEM_A2, "/checkin on_duty")
    reply = await bot.send(MEM_A1, "/checkin quarantined")
    assert "你负责的 2 户已告知书记" in reply.plain
    await bot.drain()
    [notice] = _received(bot, SEC_A, "🏠 隔离：")
    assert notice.plain == ("🏠 隔离：Mia 不在岗，负责 2 户（已移交 0 户）。"
                            "请把这些住户移交给在岗的成员代管：")
    assert notice.button_list == [("🔁 移交 Mia 的住户", f"cv:ho:{MEM_A1}")]
    assert _received(bot, SEC_A1, "🏠") == [] and _received(bot, SEC_B, "🏠") == []
    # a second off-duty check-in the same day says nothing new
    await bot.send(MEM_A1, "/checkin unwell")
    await bot.drain()
    assert len(_received(bot, SEC_A, "🏠 隔离：") + _received(bot, SEC_A, "🤒")) == 1

    report = await bot.send(SEC_A, "/coverage")
    assert "无人照看 2" in report.plain
    assert "• 🤒 不适 Mia：2 户 · 尚未移交" in report.plain
    roster = await bot.press(SEC_A, cb.Handover("start", MEM_A1).pack())
    assert roster.plain.startswith("🔁 把 Mia 的 2 户（🤒 不适）移交给谁？")
    # Max checked in on duty: first; Sa (no check-in) next; Mia herself is not offered
    assert [d for _, d in roster.button_list] == [f"cv:ht:{MEM_A1}:{MEM_A2}",
                                                  f"cv:ht:{MEM_A1}:{SEC_A}"]
    confirm = await bot.press(SEC_A, cb.HandoverStep("pick", MEM_A1, MEM_A2).pack())
    assert confirm.plain == "把 Mia 的 2 户移交给 Max 代管，直到 Mia 回岗？"
    done = await bot.press(SEC_A, "✅ 确认移交")
    assert done.plain.startswith("✅ 已把 Mia 的 2 户移交给 Max 代管")
    assert {h.label: h.handed_to for h in await bot.store.households.of_member(MEM_A1)} == {
        "1-101": MEM_A2, "1-102": MEM_A2}
    assert any(e[2] == "handover" and e[4] for e in await bot.store.audit.entries())
    await bot.drain()
    [handed] = _received(bot, MEM_A2, "🔁")
    assert handed.plain == ("🔁 你将代管 Mia 的 2 户，Mia 回岗后归还。"
                            "/households 和 /visit 现在都包含这些住户。")
    mine = await bot.send(MEM_A2, "/households")
    assert "1-101" in mine.plain and "1-102" in mine.plain and "2-201" in mine.plain
    report = await bot.send(SEC_A, "/coverage")
    assert "无人照看 0" in report.plain and "已移交 2 户（Max）" in report.plain

    reply = await bot.send(MEM_A1, "/checkin on_duty")
    assert "你的 2 户已从代管人处归还给你" in reply.plain
    assert all(h.handed_to is None for h in await bot.store.households.of_member(MEM_A1))
    await bot.drain()
    [back] = _received(bot, MEM_A2, "↩️")
    assert back.plain == "↩️ Mia 已回岗：你代管的 2 户已归还给 Mia。"
    mine = await bot.send(MEM_A2, "/households")
    assert "1-101" not in mine.plain
    # a stale hand-over button now changes nothing
    await bot.press(SEC_A, cb.Handover("start", MEM_A1).pack())
    assert "Mia 已回岗或没有负责的住户" in _alerts(bot)[-1]


async def test_re_handing_moves_them_on(bot: SandboxBot, org: Org) -> None:
    await _seed(bot, org)
    await bot.send(MEM_A1, "/checkin unwell")
    await bot.send(SEC_A, "/coverage")
    await bot.press(SEC_A, cb.Handover("start", MEM_A1).pack())
    await bot.press(SEC_A, cb.HandoverStep("pick", MEM_A1, MEM_A2).pack())
    await bot.press(SEC_A, cb.HandoverStep("confirm", MEM_A1, MEM_A2).pack())
    await bot.send(SEC_A, "/coverage")
    await bot.press(SEC_A, cb.Handover("start", MEM_A1).pack())
    confirm = await bot.press(SEC_A, cb.HandoverStep("pick", MEM_A1, SEC_A).pack())
    assert "其中 2 户目前由 Max 代管，将改由 Sa 代管。" in confirm.plain
    await bot.press(SEC_A, "✅ 确认移交")
    assert {h.handed_to for h in await bot.store.households.of_member(MEM_A1)} == {SEC_A}
    assert [h.label for h in await bot.store.households.of_member(MEM_A2)] == [
        "1-103", "2-201", "2-202"]
    # cancelling changes nothing
    await bot.send(SEC_A, "/coverage")
    await bot.press(SEC_A, cb.Handover("start", MEM_A1).pack())
    await bot.press(SEC_A, cb.HandoverStep("pick", MEM_A1, MEM_A2).pack())
    cancelled = await bot.press(SEC_A, "✖️ 取消")
    assert cancelled.plain == "已取消，未作任何改动。"
    assert {h.handed_to for h in await bot.store.households.of_member(MEM_A1)} == {SEC_A}
    # the chosen holder going off duty meanwhile is refused
    await bot.send(SEC_A, "/coverage")
    await bot.press(SEC_A, cb.Handover("start", MEM_A1).pack())
    await bot.press(SEC_A, cb.HandoverStep("pick", MEM_A1, MEM_A2).pack())
    await bot.send(MEM_A2, "/away")
    await bot.press(SEC_A, "✅ 确认移交")
    assert "Max 现在不能接手" in _alerts(bot)[-1]
    assert {h.handed_to for h in await bot.store.households.of_member(MEM_A1)} == {SEC_A}


async def test_away_and_back_by_the_member(bot: SandboxBot, org: Org) -> None:
    await _seed(bot, org)
    reply = await bot.send(MEM_A1, "/away")
    assert reply.plain.startswith("✈️ 已标记你外出。你负责的 2 户已告知书记")
    assert await _away(bot.store, MEM_A1) == bot.clock.now()
    reply = await bot.send(MEM_A1, "/away")
    assert reply.plain == "你自 2026-03-02 08:30 起已标记为外出。回来后发送 /back。"
    await bot.drain()
    [notice] = _received(bot, SEC_A, "✈️ 外出：")
    assert "Mia 不在岗，负责 2 户" in notice.plain
    roster = await bot.press(SEC_A, "🔁 移交 Mia 的住户")
    assert "（✈️ 外出）" in roster.plain
    await bot.press(SEC_A, cb.HandoverStep("pick", MEM_A1, MEM_A2).pack())
    await bot.press(SEC_A, "✅ 确认移交")
    reply = await bot.send(MEM_A1, "/back")
    assert reply.plain == "👋 欢迎回来，已取消你的外出标记。\n已有 2 户从代管人处归还给你。"
    assert await _away(bot.store, MEM_A1) is None
    assert all(h.handed_to is None for h in await bot.store.households.of_member(MEM_A1))
    await bot.drain()
    assert _received(bot, MEM_A2, "↩️ Mia 已回岗")
    reply = await bot.send(MEM_A1, "/back")
    assert reply.plain == "你没有被标记为外出。"
    actions = [e[2] for e in await bot.store.audit.entries()]
    assert "away" in actions and "back" in actions and "handover" in actions
    # a member without households is simply marked away; nobody is told
    reply = await bot.send(SEC_B, "/away")
    assert reply.plain == "✈️ 已标记你外出。回来后发送 /back。"


async def test_away_and_back_by_a_secretary(bot: SandboxBot, org: Org) -> None:
    await _seed(bot, org)
    reply = await bot.send(SEC_A, "/away @mo")  # Alpha-1 is below Alpha
    assert reply.plain == "✈️ 已标记 Mo 外出。其负责的 2 户可以移交："
    assert reply.button_list == [("🔁 移交 Mo 的住户", f"cv:ho:{MEM_A1X}")]
    assert await _away(bot.store, MEM_A1X) is not None
    roster = await bot.press(SEC_A, "🔁 移交 Mo 的住户")
    assert roster.plain.startswith("🔁 把 Mo 的 2 户（✈️ 外出）移交给谁？以下是“Alpha-1”的成员")
    assert [d for _, d in roster.button_list] == [f"cv:ht:{MEM_A1X}:{SEC_A1}"]
    await bot.press(SEC_A, cb.HandoverStep("pick", MEM_A1X, SEC_A1).pack())
    await bot.press(SEC_A, cb.HandoverStep("confirm", MEM_A1X, SEC_A1).pack())
    await bot.drain()
    assert _received(bot, MEM_A1X, "✈️ 书记已标记你外出")
    assert _received(bot, SEC_A1, "🔁 你将代管 Mo 的 2 户")
    reply = await bot.send(SEC_A, "/back Mo")
    assert reply.plain == "👋 已取消 Mo 的外出标记。\n其 2 户已归还给 Mo。"
    await bot.drain()
    [told] = _received(bot, MEM_A1X, "👋")
    assert told.plain == "👋 书记已取消你的外出标记。\n已有 2 户从代管人处归还给你。"
    assert _received(bot, SEC_A1, "↩️ Mo 已回岗")
    # outside the secretary's subtree, or a member naming someone: refused
    reply = await bot.send(SEC_A, "/away @mel")
    assert reply.plain.startswith("在「Alpha」及下级支部里找不到「@mel」。")
    reply = await bot.send(MEM_A1, "/away @max")
    assert "只有「Alpha」的书记才能使用 /away" in reply.plain
    assert await _away(bot.store, MEM_B1) is None
    assert await _away(bot.store, MEM_A2) is None


async def test_in_english(bot: SandboxBot, org: Org) -> None:
    await _seed(bot, org)
    await bot.send(SEC_A, "/lang en")
    await bot.send(MEM_A2, "/lang en")
    reply = await bot.send(SEC_A, "/coverage")
    lines = reply.plain.splitlines()
    assert lines[0] == "📊 Alpha household coverage · 2026-03-02"
    assert lines[1] == ("7 households · reached today 2 · covered 29% · due 1 · overdue 4"
                        " · unattended 0")
    assert "• West: reached today 0 / due 0 / overdue 2 (of 2)" in lines
    reply = await bot.press(SEC_A, "📍 West (2)")
    assert "🔴 2-201 · Max · reached 3 days ago" in reply.plain
    await bot.send(MEM_A1, "/checkin unwell")
    await bot.drain()
    [notice] = _received(bot, SEC_A, "🤒 unwell:")
    assert notice.plain == ("🤒 unwell: Mia is off duty and responsible for 2 households"
                            " (0 handed over). Hand them to a member on duty:")
    await bot.press(SEC_A, "🔁 Hand over Mia's households")
    confirm = await bot.press(SEC_A, cb.HandoverStep("pick", MEM_A1, MEM_A2).pack())
    assert confirm.plain == "Hand Mia's 2 households to Max until Mia is back?"
    done = await bot.press(SEC_A, "✅ Hand over")
    assert done.plain.startswith("✅ Handed to Max, who has been told: Mia's 2 households")
    await bot.drain()
    [handed] = _received(bot, MEM_A2, "🔁")
    assert handed.plain.startswith("🔁 You now cover for Mia: 2 households")
    reply = await bot.send(MEM_A2, "/away")
    assert reply.plain.startswith("✈️ You are marked away.")


async def test_roster_is_paged(bot: SandboxBot, org: Org) -> None:
    await _seed(bot, org)
    for n in range(10):
        bot.user(400 + n, f"Helper{n:02d}", username=f"helper{n}")
        await bot.join(400 + n, org.a)
    await bot.send(MEM_A1, "/checkin quarantined")
    await bot.send(SEC_A, "/coverage")
    first = await bot.press(SEC_A, cb.Handover("start", MEM_A1).pack())
    assert "第 1/2 页" in first.plain
    picks = [d for _, d in first.button_list if d and d.startswith("cv:ht:")]
    assert len(picks) == 8 and first.button_list[-1] == ("下一页 ▶", f"cv:hp:{MEM_A1}:1")
    second = await bot.press(SEC_A, "下一页 ▶")
    assert second.message_id == first.message_id  # edited in place
    assert "第 2/2 页" in second.plain
    # nobody checked in: by name, Helper00 .. Helper09, Max, Sa
    assert [d for _, d in second.button_list] == [
        f"cv:ht:{MEM_A1}:{u}" for u in (408, 409, MEM_A2, SEC_A)] + [f"cv:hp:{MEM_A1}:0"]
    confirm = await bot.press(SEC_A, "Helper09")
    assert confirm.plain == "把 Mia 的 2 户移交给 Helper09 代管，直到 Mia 回岗？"


async def test_long_reports_are_cut_to_one_message(bot: SandboxBot, org: Org) -> None:
    before = bot.clock.now() - timedelta(days=3)
    await bot.store.households.upsert(org.a, [
        _home(f"Zone-{n:03d}-{'x' * 30}", f"{n}", MEM_A2) for n in range(150)], at=before)
    await bot.store.households.upsert(org.a, [
        _home("Big", f"{n:03d}-{'y' * 20}", MEM_A1) for n in range(200)], at=before)
    reply = await bot.send(SEC_A, "/coverage")
    assert len(reply.text or "") <= 4096
    assert reply.plain.splitlines()[1].startswith("共 350 户")
    assert "……还有" in reply.plain
    assert len(reply.button_list) <= 100
    reply = await bot.press(SEC_A, "📍 Big（200）")
    assert len(reply.text or "") <= 4096
    assert reply.plain.splitlines()[-1].startswith("……还有 ")
    assert reply.plain.splitlines()[-1].endswith(" 户")


async def test_a_backup_on_duty_looks_after_the_households(bot: SandboxBot, org: Org) -> None:
    await bot.store.households.upsert(org.a, [
        HouseholdInput("East", "1-101", "1 Lake Rd", 2, "", MEM_A1, False, backup_id=MEM_A2),
        _home("East", "1-102", MEM_A1)], at=bot.clock.now())
    await bot.send(MEM_A1, "/checkin unwell")
    report = await bot.send(SEC_A, "/coverage")
    assert "• 🤒 不适 Mia：2 户 · 1 户由在岗的备岗人照看 · 1 户无人照看" in report.plain
    assert "无人照看 1" in report.plain
    await bot.send(MEM_A2, "/checkin quarantined")  # now the backup is off duty too
    report = await bot.send(SEC_A, "/coverage")
    assert "• 🤒 不适 Mia：2 户 · 尚未移交" in report.plain and "无人照看 2" in report.plain
