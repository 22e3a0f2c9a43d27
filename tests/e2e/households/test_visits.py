"""Visits end to end: /visit, its outcomes and notes, refusals, the need for a household, paging,
/households' latest contact; and the queries behind them on real SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.rules import callbacks as cb
from bot.rules import visits
from bot.sandbox import SandboxMessage
from bot.sandbox.harness import SandboxBot
from storage.households import HouseholdInput
from tests.helpers import MEM_A1, MEM_A2, OUTSIDER, SEC_A, Org

NOTICE = ("🆘 新需求", "🆘 New need")


def _home(zone: str, label: str, responsible: int, *, vulnerable: bool = False,
          address: str | None = None) -> HouseholdInput:
    return HouseholdInput(zone=zone, label=label,
                          address=f"<{label}> Main St" if address is None else address,
                          people=2, notes="", responsible_id=responsible, vulnerable=vulnerable)


async def _seed(bot: SandboxBot, branch: int, *homes: HouseholdInput) -> dict[str, int]:
    """Create the households; their ids by label (and by "zone/label")."""
    await bot.store.households.upsert(branch, list(homes), at=bot.clock.now())
    ids: dict[str, int] = {}
    for household in await bot.store.households.of_branch(branch):
        ids.setdefault(household.label, household.id)
        ids[f"{household.zone}/{household.label}"] = household.id
    return ids


def _forge(bot: SandboxBot, user: int, data: str) -> None:
    """Press a button with crafted data on the user's latest bot message."""
    bot.sandbox.user_presses(user, bot.sandbox.last(user).message_id, data, check=False)


def _alert(bot: SandboxBot) -> str:
    return str(bot.sandbox.calls_of("answerCallbackQuery")[-1].get("text", ""))


async def _logged(bot: SandboxBot, household_id: int) -> list[tuple[str, str | None, str | None]]:
    return [(outcome, note, who) for _, outcome, note, who
            in await bot.store.households.visits(household_id)]


async def _visit(bot: SandboxBot, user: int, household_id: int, outcome: str,
                 note: str | None = None) -> SandboxMessage:
    """Go through /visit for one household; returns the bot's last message."""
    await bot.send(user, "/visit")
    await bot.press(user, cb.VisitHousehold(household_id).pack())
    await bot.press(user, cb.VisitOutcome(household_id, outcome).pack())
    if note is None:
        return await bot.press(user, cb.VisitSkip(household_id).pack())
    return await bot.send(user, note)


# --- the outcomes ---------------------------------------------------------------------------


async def test_all_well_without_a_note(bot: SandboxBot, org: Org) -> None:
    ids = await _seed(bot, org.a, _home("East", "1-101", MEM_A1), _home("East", "1-102", MEM_A1),
                      _home("East", "1-103", MEM_A2))
    ask = await bot.send(MEM_A1, "/visit")
    assert "选择要登记走访的住户（共 2 户，今天还有 2 户待走访）" in ask.plain
    assert ask.button_list == [("⏳1-101 · East", f"vs:hh:{ids['1-101']}"),
                               ("⏳1-102 · East", f"vs:hh:{ids['1-102']}")]
    ask = await bot.press(MEM_A1, "⏳1-101 · East")
    assert "1-101 · East · 2 人" in ask.plain and "<1-101> Main St" in ask.plain
    assert "还没联系上过" in ask.plain and "这次走访的结果是？" in ask.plain
    assert [label for label, _ in ask.button_list] == ["✅ 都好", "🆘 需要帮助", "🚪 无人应答",
                                                       "🙅 拒绝", "✖️ 取消"]
    ask = await bot.press(MEM_A1, "✅ 都好")
    assert "结果：都好" in ask.plain and "或点“跳过”" in ask.plain
    done = await bot.press(MEM_A1, "⏭ 跳过")
    assert "📝 已登记走访" in done.plain and "1-101 · East" in done.plain
    assert "结果：都好" in done.plain and "备注" not in done.plain
    assert "时间：今天 08:30" in done.plain and "今天你还有 1 户待走访" in done.plain
    assert await _logged(bot, ids["1-101"]) == [("well", None, "Mia")]
    household = await bot.store.households.get(ids["1-101"])
    assert household is not None and household.last_outcome == "well"
    assert household.last_reached_at == bot.clock.now().replace(microsecond=0)
    assert await _logged(bot, ids["1-102"]) == []


async def test_nobody_answered_does_not_reach_it(bot: SandboxBot, org: Org) -> None:
    ids = await _seed(bot, org.a, _home("East", "1-101", MEM_A1))
    done = await _visit(bot, MEM_A1, ids["1-101"], "no_answer")
    assert "结果：无人应答" in done.plain and "今天你还有 1 户待走访" in done.plain
    assert await _logged(bot, ids["1-101"]) == [("no_answer", None, "Mia")]
    household = await bot.store.households.get(ids["1-101"])
    assert household is not None and household.last_reached_at is None
    assert household.last_outcome == "no_answer"
    ask = await bot.send(MEM_A1, "/visit 1-101")
    assert "还没联系上过 · 最近一次：今天 08:30 无人应答" in ask.plain


async def test_refused_with_a_note_checked_for_length_and_text(bot: SandboxBot, org: Org) -> None:
    ids = await _seed(bot, org.a, _home("East", "1-101", MEM_A1))
    await bot.send(MEM_A1, "/visit")
    await bot.press(MEM_A1, cb.VisitHousehold(ids['1-101']).pack())
    await bot.press(MEM_A1, "🙅 拒绝")
    answer = await bot.send(MEM_A1, "长" * 501)
    assert "备注太长（501 字，最多 500 字）" in answer.plain
    bot.sandbox.user_sends_location(MEM_A1, 31.2, 121.4)
    await bot.settle()
    assert "请发送文字备注" in bot.sandbox.last(MEM_A1).plain
    assert await _logged(bot, ids["1-101"]) == []
    done = await bot.send(MEM_A1, "不愿开门 <b>说已有人照顾</b>")
    assert "结果：拒绝" in done.plain and "备注：不愿开门 <b>说已有人照顾</b>" in done.plain
    assert "&lt;b&gt;" in (done.text or "")
    assert "都已按时联系上" in done.plain  # refused still reaches it
    assert await _logged(bot, ids["1-101"]) == [("refused", "不愿开门 <b>说已有人照顾</b>", "Mia")]


# --- needs help → the need report -------------------------------------------------------------


async def test_needs_help_continues_into_a_need_for_the_household(bot: SandboxBot,
                                                                   org: Org) -> None:
    ids = await _seed(bot, org.a, _home("East", "1-101", MEM_A1))
    hid = ids["1-101"]
    await bot.send(MEM_A1, "/visit")
    await bot.press(MEM_A1, cb.VisitHousehold(hid).pack())
    await bot.press(MEM_A1, "🆘 需要帮助")
    await bot.send(MEM_A1, "老人发烧")
    receipt, ask = bot.sandbox.bot_messages(MEM_A1)[-2:]
    assert "📝 已登记走访" in receipt.plain and "结果：需要帮助" in receipt.plain
    assert "备注：老人发烧" in receipt.plain
    assert "“1-101”需要哪方面的帮助" in ask.plain
    assert [d for _, d in ask.button_list] == [f"nd:hh:{hid}:{c}" for c in
                                              ("food", "medicine", "medical", "transport",
                                               "childcare", "other")]
    assert await _logged(bot, hid) == [("needs_help", "老人发烧", "Mia")]
    urgency = await bot.press(MEM_A1, cb.NeedForHousehold(hid, "medicine").pack())
    assert "为住户报需求" in urgency.plain and "1-101 · East" in urgency.plain
    assert "有多紧急" in urgency.plain
    details = await bot.press(MEM_A1, cb.NeedUrgencyChoice("urgent").pack())
    assert "具体需要什么" in details.plain  # for whom: not asked
    summary = await bot.send(MEM_A1, "退烧药两盒")
    assert "请确认需求" in summary.plain  # where: not asked
    assert "🏠 1-101 · East" in summary.plain and "<1-101> Main St" in summary.plain
    done = await bot.press(MEM_A1, cb.NeedStep("ok").pack())
    assert "编号 #1" in done.plain
    need = await bot.store.needs.get(1)
    assert need is not None
    assert (need.household_id, need.category, need.urgency, need.for_self, need.for_whom,
            need.details, need.location, need.reporter_id) == (
        hid, "medicine", "urgent", False, "🏠 1-101 · East", "退烧药两盒", "<1-101> Main St",
        MEM_A1)
    await bot.drain()
    [notice] = [m for m in bot.sandbox.bot_messages(SEC_A) if m.plain.startswith(NOTICE)]
    assert "🏠 1-101 · East" in notice.plain and "退烧药两盒" in notice.plain
    assert "<1-101> Main St" in notice.plain


async def test_edit_keeps_the_household_and_no_address_asks_where(bot: SandboxBot,
                                                                  org: Org) -> None:
    ids = await _seed(bot, org.a, _home("East", "1-101", MEM_A1, address=""))
    hid = ids["1-101"]
    await _visit(bot, MEM_A1, hid, "needs_help")
    await bot.press(MEM_A1, cb.NeedForHousehold(hid, "food").pack())
    await bot.press(MEM_A1, cb.NeedUrgencyChoice("normal").pack())
    where = await bot.send(MEM_A1, "大米")
    assert "发送定位" in where.plain
    await bot.send(MEM_A1, "3 号楼 402")
    await bot.press(MEM_A1, cb.NeedStep("edit").pack())
    await bot.press(MEM_A1, cb.NeedCategoryChoice("other").pack())
    await bot.press(MEM_A1, cb.NeedUrgencyChoice("critical").pack())
    await bot.send(MEM_A1, "买菜")
    await bot.press(MEM_A1, cb.NeedSkipLocation().pack())
    await bot.press(MEM_A1, cb.NeedStep("ok").pack())
    need = await bot.store.needs.get(1)
    assert need is not None
    assert (need.household_id, need.category, need.for_whom, need.location) == (
        hid, "other", "🏠 1-101 · East", None)


@pytest.mark.parametrize("how", ["command", "button"])
async def test_cancelling_the_need_keeps_the_visit(bot: SandboxBot, org: Org, how: str) -> None:
    ids = await _seed(bot, org.a, _home("East", "1-101", MEM_A1))
    hid = ids["1-101"]
    await _visit(bot, MEM_A1, hid, "needs_help")
    await bot.press(MEM_A1, cb.NeedForHousehold(hid, "food").pack())
    if how == "command":
        answer = await bot.send(MEM_A1, "/cancel")
    else:
        await bot.press(MEM_A1, cb.NeedUrgencyChoice("normal").pack())
        await bot.send(MEM_A1, "大米")
        answer = await bot.press(MEM_A1, cb.NeedStep("no").pack())
    assert "需求没有提交。走访记录已保存" in answer.plain
    assert await bot.store.needs.get(1) is None
    assert await _logged(bot, hid) == [("needs_help", None, "Mia")]
    # A plain /need cancelled still says only that.
    await bot.send(MEM_A1, "/need")
    answer = await bot.send(MEM_A1, "/cancel")
    assert "走访" not in answer.plain


# --- cancel, refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["household", "outcome", "note", "cancel button"])
async def test_cancel_at_each_step_saves_nothing(bot: SandboxBot, org: Org, step: str) -> None:
    ids = await _seed(bot, org.a, _home("East", "1-101", MEM_A1))
    hid = ids["1-101"]
    await bot.send(MEM_A1, "/visit")
    if step != "household":
        await bot.press(MEM_A1, cb.VisitHousehold(hid).pack())
    if step == "note":
        await bot.press(MEM_A1, cb.VisitOutcome(hid, "well").pack())
    if step == "cancel button":
        answer = await bot.press(MEM_A1, "✖️ 取消")
        assert answer.button_list == []
    else:
        answer = await bot.send(MEM_A1, "/cancel")
    assert "已取消，没有登记走访" in answer.plain
    assert await _logged(bot, hid) == []
    household = await bot.store.households.get(hid)
    assert household is not None and household.last_visit_at is None
    after = await bot.send(MEM_A1, "随便说点什么")  # the conversation is over
    assert "我只认识命令和按钮" in after.plain


async def test_someone_elses_household_is_refused(bot: SandboxBot, org: Org) -> None:
    ids = await _seed(bot, org.a, _home("East", "1-101", MEM_A1), _home("East", "2-201", MEM_A2))
    mine, theirs = ids["2-201"], ids["1-101"]
    await bot.send(MEM_A2, "/help")
    _forge(bot, MEM_A2, f"vs:hh:{theirs}")
    await bot.settle()
    assert "这户不在你负责的住户中" in _alert(bot)
    # An outcome button for their household while logging one's own: stale, nothing saved.
    await bot.send(MEM_A2, "/visit")
    await bot.press(MEM_A2, cb.VisitHousehold(mine).pack())
    _forge(bot, MEM_A2, f"vs:out:{theirs}:well")
    await bot.settle()
    assert _alert(bot) == "这个按钮已失效，请重新发送命令。"
    _forge(bot, MEM_A2, f"nd:hh:{theirs}:food")
    await bot.settle()
    assert "这户不在你负责的住户中" in _alert(bot)
    _forge(bot, MEM_A2, f"vs:skip:{theirs}")
    await bot.settle()
    assert await _logged(bot, theirs) == [] and await _logged(bot, mine) == []
    assert await bot.store.needs.get(1) is None
    entries = await bot.store.audit.entries()
    assert any(e[1] == MEM_A2 and e[2] == "visit" and not e[4] for e in entries)


@pytest.mark.parametrize("step", ["outcome", "note"])
async def test_household_given_to_someone_else_meanwhile(bot: SandboxBot, org: Org,
                                                         step: str) -> None:
    ids = await _seed(bot, org.a, _home("East", "1-101", MEM_A1))
    hid = ids["1-101"]
    await bot.send(MEM_A1, "/visit")
    await bot.press(MEM_A1, cb.VisitHousehold(hid).pack())
    if step == "note":
        await bot.press(MEM_A1, cb.VisitOutcome(hid, "well").pack())
    await bot.store.households.upsert(org.a, [_home("East", "1-101", MEM_A2)],
                                      at=bot.clock.now())
    if step == "outcome":
        await bot.press(MEM_A1, cb.VisitOutcome(hid, "well").pack())
        assert "这户不在你负责的住户中" in _alert(bot)
    else:
        answer = await bot.send(MEM_A1, "都好")
        assert "这户不在你负责的住户中" in answer.plain
    assert await _logged(bot, hid) == []


async def test_no_households_and_non_members(bot: SandboxBot, org: Org) -> None:
    answer = await bot.send(MEM_A2, "/visit")
    assert "你目前没有负责的住户。住户由支部书记分配" in answer.plain
    answer = await bot.send(MEM_A2, "/visit 1-101")
    assert "你目前没有负责的住户" in answer.plain
    answer = await bot.send(OUTSIDER, "/visit")
    assert "你还没有加入任何支部" in answer.plain
    _forge(bot, OUTSIDER, "vs:hh:1")
    await bot.settle()
    assert "还没有加入任何支部" in _alert(bot)


# --- /visit LABEL, hand-over, secretaries, English, paging -----------------------------------


async def test_visit_label_directly_ambiguous_or_unknown(bot: SandboxBot, org: Org) -> None:
    ids = await _seed(bot, org.a, _home("East", "A-101", MEM_A1), _home("West", "a-101", MEM_A1),
                      _home("West", "B-7", MEM_A1))
    ask = await bot.send(MEM_A1, "/visit b-7")
    assert "B-7 · West" in ask.plain and "这次走访的结果是？" in ask.plain
    assert ask.button_list[0][1] == f"vs:out:{ids['B-7']}:well"
    done = await bot.press(MEM_A1, "🚪 无人应答")
    done = await bot.press(MEM_A1, "⏭ 跳过")
    assert "已登记走访" in done.plain
    assert await _logged(bot, ids["B-7"]) == [("no_answer", None, "Mia")]
    ask = await bot.send(MEM_A1, "/visit a-101")
    assert "有 2 户与“a-101”相符" in ask.plain
    assert sorted(str(d) for _, d in ask.button_list) == sorted(
        f"vs:hh:{ids[k]}" for k in ("East/A-101", "West/a-101"))
    ask = await bot.press(MEM_A1, cb.VisitHousehold(ids['West/a-101']).pack())
    assert "a-101 · West" in ask.plain
    ask = await bot.send(MEM_A1, "/visit 9-999")
    assert "你负责的住户中没有“9-999”" in ask.plain and len(ask.button_list) == 3


async def test_a_handed_over_household_can_be_visited(bot: SandboxBot, org: Org) -> None:
    ids = await _seed(bot, org.a, _home("East", "1-101", MEM_A1))
    hid = ids["1-101"]
    before = await bot.send(MEM_A2, "/visit")
    assert "没有负责的住户" in before.plain
    assert await bot.store.duty.hand_over(MEM_A1, MEM_A2, at=bot.clock.now()) == 1
    ask = await bot.send(MEM_A2, "/visit")
    assert [d for _, d in ask.button_list] == [f"vs:hh:{hid}"]
    done = await _visit(bot, MEM_A2, hid, "well", "替 Mia 走访")
    assert "已登记走访" in done.plain
    assert await _logged(bot, hid) == [("well", "替 Mia 走访", "Max")]


async def test_a_secretary_visits_their_own_households_only(bot: SandboxBot, org: Org) -> None:
    ids = await _seed(bot, org.a, _home("East", "1-101", SEC_A), _home("East", "1-102", MEM_A1))
    ask = await bot.send(SEC_A, "/visit")
    assert [d for _, d in ask.button_list] == [f"vs:hh:{ids['1-101']}"]
    done = await _visit(bot, SEC_A, ids["1-101"], "well")
    assert "已登记走访" in done.plain
    _forge(bot, SEC_A, f"vs:hh:{ids['1-102']}")
    await bot.settle()
    assert "这户不在你负责的住户中" in _alert(bot)
    assert await _logged(bot, ids["1-102"]) == []


async def test_visit_in_english(bot: SandboxBot, org: Org) -> None:
    ids = await _seed(bot, org.a, _home("East", "1-101", MEM_A1, vulnerable=True))
    hid = ids["1-101"]
    await bot.send(MEM_A1, "/lang en")
    ask = await bot.send(MEM_A1, "/visit")
    assert "Pick the household you visited (1 in all, 1 still to visit today)" in ask.plain
    assert ask.button_list == [("⏳❗1-101 · East", f"vs:hh:{hid}")]
    ask = await bot.press(MEM_A1, cb.VisitHousehold(hid).pack())
    assert "never reached" in ask.plain and "How did the visit go?" in ask.plain
    ask = await bot.press(MEM_A1, "🆘 Needs help")
    assert "Send a note (up to 500 characters), or press Skip." in ask.plain
    done = await bot.send(MEM_A1, "fever")
    receipt, need = bot.sandbox.bot_messages(MEM_A1)[-2:]
    assert "Visit logged" in receipt.plain and "Outcome: needs help" in receipt.plain
    assert "Note: fever" in receipt.plain and "Time: today 08:30" in receipt.plain
    assert "All your households have been reached in time" in receipt.plain
    assert done is need and "What help does “1-101” need?" in need.plain
    await bot.press(MEM_A1, cb.NeedForHousehold(hid, "medicine").pack())
    answer = await bot.send(MEM_A1, "/cancel")
    assert "The visit stays logged." in answer.plain
    await bot.send(MEM_A1, "/visit")
    answer = await bot.send(MEM_A1, "/cancel")
    assert "Cancelled: no visit logged." in answer.plain


async def test_paging_lists_households_to_visit_first(bot: SandboxBot, org: Org) -> None:
    homes = [_home("East", f"H-{n:02}", MEM_A1, vulnerable=n == 5) for n in range(1, 11)]
    ids = await _seed(bot, org.a, *homes)
    await bot.store.households.record_visit(ids["H-01"], MEM_A1, "well", None, at=bot.clock.now())
    ask = await bot.send(MEM_A1, "/visit")
    assert "共 10 户，今天还有 9 户待走访" in ask.plain and "第 1/2 页" in ask.plain
    labels = [label for label, _ in ask.button_list]
    assert labels[:8] == [f"⏳{'❗' if n == 5 else ''}H-{n:02} · East" for n in range(2, 10)]
    assert labels[8:] == ["下一页 ▶️"]
    ask = await bot.press(MEM_A1, "下一页 ▶️")
    assert "第 2/2 页" in ask.plain
    assert [label for label, _ in ask.button_list] == ["⏳H-10 · East", "✅H-01 · East",
                                                        "◀️ 上一页"]
    ask = await bot.press(MEM_A1, "◀️ 上一页")
    assert "第 1/2 页" in ask.plain
    _forge(bot, MEM_A1, "vs:pg:99")  # out of range: the last page
    await bot.settle()
    assert "第 2/2 页" in bot.sandbox.last(MEM_A1).plain
    done = await _visit(bot, MEM_A1, ids["H-02"], "well")
    assert "今天你还有 8 户待走访" in done.plain


# --- /households ------------------------------------------------------------------------------


async def test_households_show_the_latest_contact(bot: SandboxBot, org: Org) -> None:
    ids = await _seed(bot, org.a, *(_home("East", f"1-10{n}", MEM_A1) for n in range(1, 5)))
    now = bot.clock.now()
    await _visit(bot, MEM_A1, ids["1-101"], "well")
    await bot.store.households.record_visit(ids["1-102"], MEM_A2, "well", None,
                                            at=now - timedelta(days=3))
    await bot.store.households.record_visit(ids["1-104"], MEM_A1, "no_answer", None, at=now)
    text = (await bot.send(MEM_A1, "/households")).plain
    assert "1-101 · 2 人 · 责任人\n   ✅ 今天 08:30 · 都好\n   <1-101> Main St" in text
    assert "1-102 · 2 人 · 责任人\n   ⚠️ 已 3 天没联系上 · 最近一次：02-27 08:30 都好" in text
    assert "1-103 · 2 人 · 责任人\n   ⚪ 还没联系上过\n" in text
    assert "1-104 · 2 人 · 责任人\n   ⚪ 还没联系上过 · 最近一次：今天 08:30 无人应答" in text
    await bot.send(MEM_A1, "/lang en")
    text = (await bot.send(MEM_A1, "/households")).plain
    assert "✅ today 08:30 · all well" in text and "⚠️ not reached for 3 days" in text
    assert "⚪ never reached · last try: today 08:30, nobody answered" in text


# --- the rules and the query on real SQLite --------------------------------------------------


async def test_intervals_are_inherited_and_vulnerable_daily(bot: SandboxBot, org: Org) -> None:
    ids = await _seed(bot, org.a1, _home("North", "N-1", MEM_A1),
                      _home("North", "N-2", MEM_A1, vulnerable=True))
    await _seed(bot, org.a, _home("East", "E-1", MEM_A1), _home("East", "E-2", MEM_A2))
    store, now = bot.store, bot.clock.now()
    found = await store.households.of_member_with_intervals(MEM_A1, default=1, most=30)
    assert [(h.label, k) for h, k in found] == [("E-1", 1), ("N-1", 1), ("N-2", 1)]
    await store.db.execute("UPDATE branches SET visit_every_days = 3 WHERE id = ?", (org.root,))
    await store.db.execute("UPDATE branches SET visit_every_days = 40 WHERE id = ?", (org.a,))
    found = await store.households.of_member_with_intervals(MEM_A1, default=1, most=30)
    assert [(h.label, k) for h, k in found] == [("E-1", 30), ("N-1", 30), ("N-2", 1)]
    await store.db.execute("UPDATE branches SET visit_every_days = 2 WHERE id = ?", (org.a1,))
    found = await store.households.of_member_with_intervals(MEM_A1, default=1, most=30)
    assert [(h.label, k) for h, k in found] == [("E-1", 30), ("N-1", 2), ("N-2", 1)]
    assert await store.households.of_member_with_intervals(MEM_A2, default=1, most=30) == [
        (h, 30) for h in await store.households.of_member(MEM_A2)]
    # Reached yesterday: N-1 (every 2 days) is covered, N-2 (vulnerable) wants a visit.
    for label in ("N-1", "N-2"):
        await store.households.record_visit(ids[label], MEM_A1, "well", None,
                                            at=now - timedelta(days=1))
    plan = await visits.plan(store, MEM_A1, "Asia/Shanghai", now)
    assert [(e.household.label, e.wanted, e.reached_today) for e in plan] == [
        ("E-1", True, False), ("N-2", True, False), ("N-1", False, False)]
    assert [e.household.label for e in visits.matching(plan, " n-")] == ["N-2", "N-1"]
    assert [e.household.label for e in visits.matching(plan, "E-1")] == ["E-1"]
    assert visits.matching(plan, "  ") == []
