"""Records: /record over periods, /commend and /note, the /me summary; period parsing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.rules.records import parse_period
from bot.sandbox.harness import SandboxBot
from tests.helpers import MEM_A1, MEM_A1X, MEM_A2, MEM_B1, SEC_A, SEC_A1, Org, t

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(("text", "first", "last"), [
    ("", date(2026, 2, 24), TODAY),
    ("30d", date(2026, 2, 1), TODAY),
    ("1d", TODAY, TODAY),
    ("7天", date(2026, 2, 24), TODAY),
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2026-3", date(2026, 3, 1), TODAY),
    ("2026-02-10..2026-02-20", date(2026, 2, 10), date(2026, 2, 20)),
    ("2026-2-10~2026-2-12", date(2026, 2, 10), date(2026, 2, 12)),
    ("2026-02-25..2026-12-31", date(2026, 2, 25), TODAY),
])
def test_periods(text: str, first: date, last: date) -> None:
    assert parse_period(text, TODAY) == (first, last)


@pytest.mark.parametrize("text", ["0d", "400d", "2026-13", "2027-01", "2026-02-20..2026-02-10",
                                  "soon", "2026-02-30..2026-03-01"])
def test_bad_periods(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text, TODAY)


async def test_record_counts_checkins_and_conduct(bot: SandboxBot, org: Org) -> None:
    for status in ("on_duty", "on_duty", "unwell"):
        await bot.send(MEM_A1, f"/checkin {status}")
        bot.clock.advance(days=1)
    bot.clock.advance(days=-1)
    reply = await bot.send(SEC_A, "/commend @mia 连续三天坚守卡口")
    assert "已记入 Mia 的表扬" in reply.plain
    await bot.drain()
    assert "表扬了你：连续三天坚守卡口" in bot.sandbox.last(MEM_A1).plain
    await bot.send(SEC_A, "/note mia <迟到> 一次")
    reply = await bot.send(SEC_A, "/record @mia 7d")
    text = reply.plain
    assert "Mia · Alpha" in text and "2026-02-26 至 2026-03-04（7 天）" in text
    assert "报到：3/7 天（43%）" in text and "在岗 2" in text and "身体不适 1" in text
    assert "🏅 表扬（1）" in text and "连续三天坚守卡口" in text
    assert "📝 备注（1）" in text and "<迟到> 一次" in text
    assert "上报需求：0 项" in text


async def test_record_tasks_and_median_answer(bot: SandboxBot, org: Org) -> None:
    store, now = bot.store, bot.clock.now()
    task = await store.db.execute(
        "INSERT INTO tasks(branch_id, created_by, title, due_at, created_at)"
        " VALUES (?, ?, 'T', ?, ?)", (org.a, SEC_A, (now + timedelta(hours=1)).isoformat(),
                                      now.isoformat()))
    rows = [(task, MEM_A1, "done", now, now + timedelta(minutes=30)),
            (task, MEM_A2, "declined", now, now + timedelta(minutes=90))]
    for task_id, member, state, assigned, answered in rows:
        await store.db.execute(
            "INSERT INTO assignments(task_id, member_id, state, assigned_at, answered_at,"
            " done_at) VALUES (?, ?, ?, ?, ?, ?)",
            (task_id, member, state, assigned.isoformat(), answered.isoformat(),
             (answered + timedelta(hours=2)).isoformat() if state == "done" else None))
    reply = await bot.send(SEC_A, f"/record {MEM_A1}")
    assert "任务：1 项 · 接受 1 · 拒绝 0 · 完成 1 · 逾期 1" in reply.plain  # done after due
    assert "响应时间中位数：30 分钟" in reply.plain
    reply = await bot.send(SEC_A, "/record max")
    assert "拒绝 1" in reply.plain and "逾期 0" in reply.plain


async def test_member_sees_own_record_only(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(MEM_A1, "/record")
    assert "Mia · Alpha" in reply.plain
    reply = await bot.send(MEM_A1, "/record 30d")
    assert "30 天" in reply.plain
    reply = await bot.send(MEM_A1, "/record @max")
    assert "只有「Alpha」的书记才能使用" in reply.plain and "Max" not in reply.plain


async def test_secretary_scope_for_records_and_conduct(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(SEC_A1, "/record @mel")
    assert "找不到" in reply.plain
    reply = await bot.send(SEC_A1, "/commend @mel good")
    assert "找不到" in reply.plain
    entries = await bot.store.records.conduct_entries(MEM_B1, bot.clock.now() - timedelta(days=1),
                                                      bot.clock.now() + timedelta(days=1))
    assert entries == []
    reply = await bot.send(SEC_A, f"/note {MEM_A1X} 表现稳定")
    assert "Mo" in reply.plain  # a sub-branch's member is in scope
    reply = await bot.send(MEM_A2, "/commend @mia nice")
    assert "只有「Alpha」的书记才能使用" in reply.plain


async def test_bad_arguments_are_answered(bot: SandboxBot, org: Org) -> None:
    assert "用法" in (await bot.send(SEC_A, "/commend @mia")).plain
    assert "太长" in (await bot.send(SEC_A, "/note @mia " + "长" * 501)).plain
    assert "看不懂时间段" in (await bot.send(SEC_A, "/record @mia someday")).plain
    await bot.store.people.save(777, "Mia", "Two", None, "zh", at=bot.clock.now())
    await bot.store.people.set_membership(777, org.a, "member", at=bot.clock.now())
    reply = await bot.send(SEC_A, "/record mi")
    assert t("list.choose", query="mi", n=2) in reply.plain and "• Mia Two · Alpha" in reply.plain
    assert "#777" not in reply.plain  # two names: no id needed to tell them apart


async def test_me_shows_the_week(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/checkin on_duty")
    card = await bot.send(MEM_A1, "/me")
    assert "最近 7 天：报到 1/7 天" in card.plain
