"""Needs end to end: /need, the secretaries' notifications, /needs, Resolve / Cancel, refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.i18n import Translator
from bot.rules import callbacks as cb
from bot.rules import needs
from bot.sandbox import SandboxMessage
from bot.sandbox.harness import SandboxBot
from storage.store import Store
from tests.helpers import (
    ADMIN,
    MEM_A1,
    MEM_A1X,
    MEM_A2,
    MEM_B1,
    OUTSIDER,
    SEC_A,
    SEC_A1,
    SEC_B,
    Org,
    build_org,
    make_bot,
)

EVERYONE = (ADMIN, SEC_A, SEC_A1, SEC_B, MEM_A1, MEM_A2, MEM_A1X, MEM_B1, OUTSIDER)


async def report(bot: SandboxBot, user: int, *, category: str = "food",
                 urgency: str = "normal", details: str = "需要大米和食用油",
                 for_whom: str | None = None, location: str | None = None) -> SandboxMessage:
    """Go through /need and confirm; returns the confirmation."""
    await bot.send(user, "/need")
    await bot.press(user, cb.NeedCategoryChoice(category).pack())
    await bot.press(user, cb.NeedUrgencyChoice(urgency).pack())
    if for_whom is None:
        await bot.press(user, cb.NeedWhom("me").pack())
    else:
        await bot.press(user, cb.NeedWhom("other").pack())
        await bot.send(user, for_whom)
    await bot.send(user, details)
    if location is None:
        await bot.press(user, cb.NeedSkipLocation().pack())
    else:
        await bot.send(user, location)
    return await bot.press(user, cb.NeedStep("ok").pack())


def notices(bot: SandboxBot, chat_id: int) -> list[SandboxMessage]:
    """The new-need notifications in a chat."""
    return [m for m in bot.sandbox.bot_messages(chat_id)
            if m.plain.startswith(("🆘 新需求", "🆘 New need"))]


def statuses(bot: SandboxBot, chat_id: int) -> list[SandboxMessage]:
    """The status-change messages in a chat."""
    return [m for m in bot.sandbox.bot_messages(chat_id) if m.plain.startswith("🔔")]


async def count(bot: SandboxBot) -> int:
    _, total = await bot.store.needs.in_subtree(1, statuses=needs.STATUSES)
    return total


def forge(bot: SandboxBot, user: int, data: str) -> None:
    """Press a button with crafted data on the user's latest bot message."""
    message = bot.sandbox.last(user)
    bot.sandbox.user_presses(user, message.message_id, data, check=False)


# --- /need -----------------------------------------------------------------------------------


async def test_full_conversation_for_someone_else_with_a_shared_location(
        bot: SandboxBot, org: Org) -> None:
    ask = await bot.send(MEM_A1, "/need")
    assert "需要哪方面的帮助" in ask.plain
    assert [d for _, d in ask.button_list] == [f"nd:cat:{c}" for c in needs.CATEGORIES]
    ask = await bot.press(MEM_A1, "🏥 就医")
    assert "有多紧急" in ask.plain
    assert [d for _, d in ask.button_list] == ["nd:urg:normal", "nd:urg:urgent",
                                               "nd:urg:critical"]
    ask = await bot.press(MEM_A1, cb.NeedUrgencyChoice("urgent").pack())
    assert [d for _, d in ask.button_list] == ["nd:who:me", "nd:who:other"]
    ask = await bot.press(MEM_A1, cb.NeedWhom("other").pack())
    assert "为谁" in ask.plain
    ask = await bot.send(MEM_A1, "王奶奶 <82岁> & 老伴")
    assert "具体需要什么" in ask.plain
    ask = await bot.send(MEM_A1, "需要去医院复查，<b>行动不便</b>")
    assert "发送定位" in ask.plain and ask.button_list == [("⏭ 跳过", "nd:loc:skip")]
    bot.sandbox.user_sends_location(MEM_A1, 31.2304, 121.4737)
    await bot.settle()
    summary = bot.sandbox.last(MEM_A1)
    assert "请确认需求" in summary.plain and "王奶奶 <82岁> & 老伴" in summary.plain
    assert "&lt;82岁&gt;" in (summary.text or "")
    assert "31.23040, 121.47370" in summary.plain
    assert [d for _, d in summary.button_list] == ["nd:ok", "nd:edit", "nd:no"]
    done = await bot.press(MEM_A1, cb.NeedStep("ok").pack())
    assert "编号 #1" in done.plain and done.button_list == []
    row = await bot.store.needs.get(1)
    assert row is not None
    assert (row.branch_id, row.reporter_id, row.category, row.urgency, row.for_self,
            row.for_whom, row.details, row.status) == (
        org.a, MEM_A1, "medical", "urgent", False, "王奶奶 <82岁> & 老伴",
        "需要去医院复查，<b>行动不便</b>", "open")
    assert (row.latitude, row.longitude, row.location) == (31.2304, 121.4737, None)
    assert row.created_at == bot.clock.now().replace(microsecond=0)
    await bot.drain()
    [notice] = notices(bot, SEC_A)
    assert notice.plain.startswith("🆘 新需求 #1")
    assert "需要去医院复查，<b>行动不便</b>" in notice.plain  # escaped, shown literally
    assert "报告人：Mia" in notice.plain and "📍 31.23040, 121.47370" in notice.plain
    assert notice.button_list == [("🙋 指派 #1", "asg:need:1"), ("✅ 解决 #1", "nd:res:1"),
                                  ("✖️ 取消 #1", "nd:can:1")]
    for user in EVERYONE:
        if user != SEC_A:
            assert notices(bot, user) == [], user


@pytest.mark.parametrize("location", ["社区东门 3 号楼", None])
async def test_location_as_text_or_skipped(bot: SandboxBot, org: Org,
                                           location: str | None) -> None:
    done = await report(bot, MEM_A2, location=location)
    assert "#1" in done.plain
    row = await bot.store.needs.get(1)
    assert row is not None and row.for_self and row.for_whom is None
    assert (row.location, row.latitude, row.longitude) == (location, None, None)


async def test_a_normal_need_reaches_only_the_branch_secretaries(bot: SandboxBot,
                                                                 org: Org) -> None:
    await report(bot, MEM_A1X, urgency="urgent")
    await bot.drain()
    assert [len(notices(bot, u)) for u in EVERYONE] == [
        1 if u == SEC_A1 else 0 for u in EVERYONE]


async def test_a_critical_need_also_reaches_the_parent_branch(bot: SandboxBot,
                                                              org: Org) -> None:
    await report(bot, MEM_A1X, urgency="critical")
    await bot.drain()
    assert [len(notices(bot, u)) for u in EVERYONE] == [
        1 if u in (SEC_A1, SEC_A) else 0 for u in EVERYONE]
    assert "🔴 危急" in notices(bot, SEC_A)[0].plain


async def test_secretaries_get_the_notice_in_their_own_language() -> None:
    async with make_bot() as bot:
        await build_org(bot, english=(SEC_A,))
        await report(bot, MEM_A1, category="transport")
        await bot.drain()
        [notice] = notices(bot, SEC_A)
        assert notice.plain.startswith("🆘 New need #1") and "🚗 Transport" in notice.plain
        assert [label for label, _ in notice.button_list] == [
            "🙋 Assign #1", "✅ Resolve #1", "✖️ Cancel #1"]


STEPS = [("send", "/need"), ("press", "nd:cat:food"), ("press", "nd:urg:normal"),
         ("press", "nd:who:other"), ("send", "邻居"), ("send", "要米"), ("press", "nd:loc:skip")]


@pytest.mark.parametrize("upto", range(1, len(STEPS) + 1))
async def test_cancel_at_each_step_saves_nothing(bot: SandboxBot, org: Org, upto: int) -> None:
    for kind, value in STEPS[:upto]:
        if kind == "send":
            await bot.send(MEM_A1, value)
        else:
            await bot.press(MEM_A1, value)
    answer = await bot.send(MEM_A1, "/cancel")
    assert "已取消，需求没有提交" in answer.plain
    await bot.drain()
    assert await count(bot) == 0
    assert notices(bot, SEC_A) == []
    # The conversation is over: text is free text again.
    assert "只认识命令和按钮" in (await bot.send(MEM_A1, "hello")).plain


async def test_cancel_button_and_edit(bot: SandboxBot, org: Org) -> None:
    for kind, value in STEPS:
        await (bot.send if kind == "send" else bot.press)(MEM_A1, value)
    again = await bot.press(MEM_A1, cb.NeedStep("edit").pack())
    assert "需要哪方面的帮助" in again.plain
    await bot.press(MEM_A1, cb.NeedCategoryChoice("childcare").pack())
    await bot.press(MEM_A1, cb.NeedUrgencyChoice("urgent").pack())
    await bot.press(MEM_A1, cb.NeedWhom("me").pack())
    await bot.send(MEM_A1, "明天需要有人照看孩子")
    summary = await bot.press(MEM_A1, cb.NeedSkipLocation().pack())
    assert "照护儿童" in summary.plain and "邻居" not in summary.plain
    answer = await bot.press(MEM_A1, cb.NeedStep("no").pack())
    assert "已取消" in answer.plain
    await bot.drain()
    assert await count(bot) == 0 and notices(bot, SEC_A) == []


async def test_bad_inputs_are_answered_and_the_step_asked_again(bot: SandboxBot,
                                                                org: Org) -> None:
    await bot.send(MEM_A1, "/need")
    assert "请点上面的按钮" in (await bot.send(MEM_A1, "食物")).plain
    forge(bot, MEM_A1, "nd:cat:pizza")
    await bot.settle()
    assert bot.sandbox.calls_of("answerCallbackQuery")[-1].get("text") == (
        "这个按钮已失效，请重新发送命令。")
    await bot.press(MEM_A1, cb.NeedCategoryChoice("food").pack())
    await bot.press(MEM_A1, cb.NeedUrgencyChoice("normal").pack())
    await bot.press(MEM_A1, cb.NeedWhom("other").pack())
    assert "不能为空" in (await bot.send(MEM_A1, "   ")).plain
    await bot.send(MEM_A1, "邻居")
    assert "不能为空" in (await bot.send(MEM_A1, "  \n ")).plain
    assert "太长了（1001 字，最多 1000 字）" in (await bot.send(MEM_A1, "米" * 1001)).plain
    bot.sandbox.user_sends_location(MEM_A1, 1.0, 2.0)
    await bot.settle()
    assert "只能发文字" in bot.sandbox.last(MEM_A1).plain
    bot.sandbox.user_sends_document(MEM_A1, "a.pdf", b"%PDF")
    await bot.settle()
    assert "只能发文字" in bot.sandbox.last(MEM_A1).plain
    ask = await bot.send(MEM_A1, "米" * 1000)  # exactly the limit is fine
    assert "发送定位" in ask.plain
    bot.sandbox.user_sends_document(MEM_A1, "a.pdf", b"%PDF")
    await bot.settle()
    assert "发送定位或文字地址" in bot.sandbox.last(MEM_A1).plain
    summary = await bot.send(MEM_A1, "东门")
    assert "请确认需求" in summary.plain
    assert await count(bot) == 0


async def test_non_member_cannot_report(bot: SandboxBot, org: Org) -> None:
    answer = await bot.send(OUTSIDER, "/need")
    assert "还没有加入任何支部" in answer.plain and answer.button_list == []


# --- /needs ----------------------------------------------------------------------------------


async def _seed(bot: SandboxBot) -> None:
    """Needs of different ages and urgencies: #1 normal (oldest) ... #4 critical (newest)."""
    for user, urgency, category in [(MEM_A1, "normal", "food"), (MEM_A1X, "urgent", "medicine"),
                                    (MEM_A2, "critical", "food"), (MEM_B1, "critical", "other"),
                                    (MEM_A1X, "critical", "transport")]:
        await report(bot, user, urgency=urgency, category=category, details=f"{user} {urgency}")
        bot.clock.advance(minutes=30)


def ids(message: SandboxMessage) -> list[int]:
    return [int(d.split(":")[2]) for _, d in message.button_list
            if d is not None and d.startswith("nd:res:")]


async def test_needs_lists_the_subtree_critical_then_oldest(bot: SandboxBot, org: Org) -> None:
    await _seed(bot)
    listing = await bot.send(SEC_A, "/needs")
    assert ids(listing) == [3, 5, 2, 1]  # Beta's #4 is not in Alpha's subtree
    assert "共 4 条" in listing.plain
    assert "#4" not in listing.plain
    assert ("🙋 指派 #3", "asg:need:3") in listing.button_list
    assert ids(await bot.send(SEC_A1, "/needs")) == [5, 2]
    assert ids(await bot.send(SEC_B, "/needs")) == [4]
    assert ids(await bot.send(ADMIN, "/needs")) == [3, 4, 5, 2, 1]


async def test_needs_filters(bot: SandboxBot, org: Org) -> None:
    await _seed(bot)
    assert ids(await bot.send(SEC_A, "/needs food")) == [3, 1]
    assert ids(await bot.send(SEC_A, "/needs 食物 危急")) == [3]
    assert ids(await bot.send(SEC_A, f"/needs {org.a1}")) == [5, 2]
    assert ids(await bot.send(SEC_A, f"/needs {org.a1} urgent")) == [2]
    empty = await bot.send(SEC_A, "/needs childcare")
    assert "没有符合条件的需求" in empty.plain and empty.button_list == []
    bad = await bot.send(SEC_A, "/needs pizza")
    assert "看不懂「pizza」" in bad.plain and "/needs [支部编号]" in bad.plain
    refused = await bot.send(SEC_A, f"/needs {org.b}")
    assert "不在你负责的范围内" in refused.plain
    await bot.store.needs.set_status(1, "resolved", note="ok", by=SEC_A, at=bot.clock.now())
    assert ids(await bot.send(SEC_A, "/needs food")) == [3]
    resolved = await bot.send(SEC_A, "/needs 已解决")
    assert "#1" in resolved.plain and ids(resolved) == []  # closed: no buttons


async def test_needs_pages(bot: SandboxBot, org: Org) -> None:
    for i in range(7):
        await report(bot, MEM_A2, details=f"第 {i + 1} 条")
        bot.clock.advance(minutes=5)
    first = await bot.send(SEC_A, "/needs")
    assert ids(first) == [1, 2, 3, 4, 5] and "第 1/2 页" in first.plain
    assert [label for label, _ in first.button_list[-2:]] == ["🔄", "▶"]
    second = await bot.press(SEC_A, "▶")
    assert second.message_id == first.message_id  # edited in place
    assert ids(second) == [6, 7] and "第 2/2 页" in second.plain
    assert [label for label, _ in second.button_list[-2:]] == ["◀", "🔄"]
    back = await bot.press(SEC_A, "◀")
    assert ids(back) == [1, 2, 3, 4, 5]


async def test_page_buttons_are_checked_against_the_database(bot: SandboxBot,
                                                             org: Org) -> None:
    await report(bot, MEM_B1)
    await bot.send(SEC_A, "/needs")
    forge(bot, SEC_A, f"nd:pg:0:{org.b}:-:-:-")
    await bot.settle()
    assert "不在你负责的范围内" in bot.sandbox.calls_of("answerCallbackQuery")[-1]["text"]
    assert "#1" not in bot.sandbox.last(SEC_A).plain


async def test_a_member_sees_their_own_needs(bot: SandboxBot, org: Org) -> None:
    assert "还没有报告过需求" in (await bot.send(MEM_A1, "/needs")).plain
    await report(bot, MEM_A1, details="要口罩")
    await report(bot, MEM_A2, details="要米")
    mine = await bot.send(MEM_A1, "/needs")
    assert "要口罩" in mine.plain and "要米" not in mine.plain
    assert "状态：待处理" in mine.plain and mine.button_list == []
    assert "还没有加入任何支部" in (await bot.send(OUTSIDER, "/needs")).plain


# --- Resolve / Cancel ------------------------------------------------------------------------


async def test_resolve_with_a_note_tells_the_reporter_in_their_language() -> None:
    async with make_bot() as bot:
        await build_org(bot, english=(MEM_A1,))
        await report(bot, MEM_A1, details="need rice")
        await bot.drain()
        ask = await bot.press(SEC_A, cb.NeedClose("resolved", 1).pack())
        assert "解决需求 #1" in ask.plain
        assert "说明不能为空" in (await bot.send(SEC_A, "  ")).plain
        done = await bot.send(SEC_A, "已送到 <家门口>")
        assert "需求 #1 已标记为「已解决」" in done.plain
        notice = notices(bot, SEC_A)[0]
        assert "状态：已解决" in notice.plain and notice.button_list == []  # edited
        row = await bot.store.needs.get(1)
        assert row is not None
        assert (row.status, row.status_note, row.status_by) == ("resolved", "已送到 <家门口>",
                                                                 SEC_A)
        assert row.closed_at == bot.clock.now().replace(microsecond=0)
        await bot.drain()
        [told] = statuses(bot, MEM_A1)
        assert told.plain == ("🔔 Your need #1 (🍚 Food) is now: resolved\n"
                              "📝 Note: 已送到 <家门口>")
        entries = await bot.store.audit.entries()
        assert any(e[2] == "need_resolved" and e[1] == SEC_A and e[4] for e in entries)


async def test_cancel_with_a_reason_from_the_listing(bot: SandboxBot, org: Org) -> None:
    await report(bot, MEM_A1X)
    await report(bot, MEM_A1X, details="第二条")
    listing = await bot.send(SEC_A, "/needs")
    ask = await bot.press(SEC_A, cb.NeedClose("cancelled", 1).pack())
    assert "取消需求 #1" in ask.plain
    await bot.send(SEC_A, "重复报告")
    relisted = bot.sandbox.message(SEC_A, listing.message_id)
    assert ids(relisted) == [2] and "共 1 条" in relisted.plain
    row = await bot.store.needs.get(1)
    assert row is not None and (row.status, row.status_note) == ("cancelled", "重复报告")
    await bot.drain()
    [told] = statuses(bot, MEM_A1X)
    assert "已取消" in told.plain and "重复报告" in told.plain


async def test_already_closed_and_double_press_change_once(bot: SandboxBot, org: Org) -> None:
    await report(bot, MEM_A1)
    await bot.drain()
    await bot.press(SEC_A, cb.NeedClose("resolved", 1).pack())
    # pressed twice before answering: still one change
    await bot.press(SEC_A, cb.NeedClose("resolved", 1).pack())
    await bot.send(SEC_A, "办好了")
    # The notice was edited; press the same data again on the listing of closed needs.
    forge(bot, SEC_A, "nd:can:1")
    await bot.settle()
    assert bot.sandbox.calls_of("answerCallbackQuery")[-1]["text"] == (
        "需求 #1 已经是「已解决」，没有更改。")
    row = await bot.store.needs.get(1)
    assert row is not None and (row.status, row.status_note) == ("resolved", "办好了")
    await bot.drain()
    assert len(statuses(bot, MEM_A1)) == 1
    assert sum(e[2] == "need_resolved" for e in await bot.store.audit.entries()) == 1


async def test_a_note_for_a_need_closed_meanwhile_changes_nothing(bot: SandboxBot,
                                                                  org: Org) -> None:
    await report(bot, MEM_A1X, urgency="critical")
    await bot.drain()
    await bot.press(SEC_A, cb.NeedClose("resolved", 1).pack())
    await bot.press(SEC_A1, cb.NeedClose("cancelled", 1).pack())
    await bot.send(SEC_A1, "重复")
    answer = await bot.send(SEC_A, "已处理")
    assert "需求 #1 已经是「已取消」" in answer.plain
    row = await bot.store.needs.get(1)
    assert row is not None and (row.status, row.status_by) == ("cancelled", SEC_A1)
    await bot.drain()
    assert len(statuses(bot, MEM_A1X)) == 1


async def test_cancel_while_writing_the_note_leaves_the_need(bot: SandboxBot, org: Org) -> None:
    await report(bot, MEM_A1)
    await bot.drain()
    await bot.press(SEC_A, cb.NeedClose("resolved", 1).pack())
    assert "需求没有更改" in (await bot.send(SEC_A, "/cancel")).plain
    row = await bot.store.needs.get(1)
    assert row is not None and row.status == "open"


@pytest.mark.parametrize("data", ["nd:res:999", "nd:can:999"])
async def test_forged_unknown_need_is_refused(bot: SandboxBot, org: Org, data: str) -> None:
    await report(bot, MEM_A1)
    forge(bot, SEC_A, data)
    await bot.settle()
    assert bot.sandbox.calls_of("answerCallbackQuery")[-1]["text"] == "找不到需求 #999。"
    assert "请写" not in bot.sandbox.last(SEC_A).plain


@pytest.mark.parametrize("user", [MEM_A1, MEM_A2, SEC_B, SEC_A1, OUTSIDER])
async def test_others_pressing_a_secretary_button_are_refused(bot: SandboxBot, org: Org,
                                                              user: int) -> None:
    await report(bot, MEM_A1)  # in Alpha: only SEC_A (and the admin) lead it
    await bot.send(user, "/help")
    forge(bot, user, "nd:res:1")
    await bot.settle()
    assert bot.sandbox.calls_of("answerCallbackQuery")[-1].get("show_alert") is True
    answered = await bot.send(user, "我来解决")
    assert "已标记" not in answered.plain
    row = await bot.store.needs.get(1)
    assert row is not None and row.status == "open"
    entries = await bot.store.audit.entries()
    assert any(e[1] == user and e[2] == "need_resolved" and not e[4] for e in entries)


# --- change_status over real SQLite ----------------------------------------------------------

NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A migrated store with one branch, a member and one open need (#1)."""
    s = Store(tmp_path / "f.db")
    await s.initialize()
    branch = await s.branches.create("Alpha", None, at=NOW)
    await s.people.save(MEM_A1, "Mia", None, None, "en", at=NOW)
    await s.people.set_membership(MEM_A1, branch, "member", at=NOW)
    await s.needs.create(branch_id=branch, reporter_id=MEM_A1, category="food",
                         urgency="urgent", for_self=True, for_whom=None, details="rice",
                         location=None, latitude=None, longitude=None, at=NOW)
    yield s
    await s.shutdown()


async def _outbox(store: Store) -> list[tuple[str, int, str]]:
    return [(i.kind, i.chat_id, i.text) for i in await store.outbox.pending()]


async def test_change_status_moves_once_and_tells_the_reporter(store: Store) -> None:
    translate = Translator()
    later = NOW + timedelta(hours=1)
    assert await needs.change_status(store, translate, 1, "assigned", note="task #3", by=SEC_A,
                                     now=later)
    assert not await needs.change_status(store, translate, 1, "assigned", note="again",
                                         by=SEC_A, now=later)
    row = await store.needs.get(1)
    assert row is not None
    assert (row.status, row.status_note, row.status_by, row.closed_at) == (
        "assigned", "task #3", SEC_A, None)
    assert await needs.change_status(store, translate, 1, "resolved", note=None, by=None,
                                     now=later)
    row = await store.needs.get(1)
    assert row is not None and row.status == "resolved" and row.closed_at == later
    for status in needs.STATUSES:
        assert not await needs.change_status(store, translate, 1, status, note="x", by=1,
                                             now=later)
    assert await _outbox(store) == [
        ("need_status", MEM_A1,
         "🔔 Your need #1 (🍚 Food) is now: <b>assigned</b>\n📝 Note: task #3"),
        ("need_status", MEM_A1, "🔔 Your need #1 (🍚 Food) is now: <b>resolved</b>")]


async def test_change_status_of_an_unknown_need_or_status(store: Store) -> None:
    translate = Translator()
    assert not await needs.change_status(store, translate, 42, "resolved", note=None, by=None,
                                         now=NOW)
    with pytest.raises(ValueError, match="unknown need status"):
        await needs.change_status(store, translate, 1, "done", note=None, by=None, now=NOW)
    assert await _outbox(store) == []
    row = await store.needs.get(1)
    assert row is not None and row.status == "open"


async def test_cancelled_need_can_not_be_reopened(store: Store) -> None:
    translate = Translator()
    assert await needs.change_status(store, translate, 1, "cancelled", note="dup", by=SEC_A,
                                     now=NOW)
    assert not await needs.change_status(store, translate, 1, "open", note=None, by=SEC_A,
                                         now=NOW)
    row = await store.needs.get(1)
    assert row is not None and row.status == "cancelled" and row.closed_at == NOW


def test_parse_filter_words() -> None:
    translate = Translator()
    assert needs.parse_filter(translate, ["3", "食物", "critical"]) == needs.NeedFilter(
        3, "food", None, "critical")
    assert needs.parse_filter(translate, ["已解决"]) == needs.NeedFilter(status="resolved")
    assert needs.parse_filter(translate, ["food", "medicine"]) == "medicine"
    assert needs.parse_filter(translate, ["pizza"]) == "pizza"
