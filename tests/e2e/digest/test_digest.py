"""The daily digest: contents field by field over three levels, /digest, buttons, recipients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.rules import digest
from bot.sandbox.harness import SandboxBot
from bot.text import utf16_len
from storage.rows import NewMessage
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
    all_pages,
    build_org,
    make_bot,
)

TODAY = date(2026, 3, 4)
YESTERDAY = date(2026, 3, 3)
# 2026-03-04 20:00 in Shanghai: digest time.
EVENING = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def local(day: date, hour: int) -> datetime:
    """An instant at `hour` o'clock of a Shanghai day."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


@pytest.fixture
async def en_bot() -> AsyncIterator[SandboxBot]:
    """A started bot whose admin and Alpha's secretary speak English."""
    async with make_bot() as running:
        yield running


@pytest.fixture
async def day_org(en_bot: SandboxBot) -> Org:
    """The test organization with a day of check-ins, needs, tasks and a broadcast."""
    bot = en_bot
    org = await build_org(bot, english=(ADMIN, SEC_A))
    store = bot.store
    for member, branch in ((SEC_A, org.a), (MEM_A1, org.a), (MEM_A2, org.a), (SEC_A1, org.a1)):
        await store.checkins.record(member, branch, YESTERDAY, "on_duty", at=local(YESTERDAY, 9))
    today = [(SEC_A, org.a, "on_duty"), (MEM_A1, org.a, "unwell"),
             (MEM_A2, org.a, "quarantined"), (SEC_A1, org.a1, "on_duty"),
             (MEM_A1X, org.a1, "available")]
    for member, branch, status in today:
        await store.checkins.record(member, branch, TODAY, status, at=local(TODAY, 9))

    async def need(branch: int, reporter: int, urgency: str, at: datetime, details: str) -> int:
        return await store.needs.create(
            branch_id=branch, reporter_id=reporter, category="medicine", urgency=urgency,
            for_self=True, for_whom=None, details=details, location=None, latitude=None,
            longitude=None, at=at)

    await need(org.a1, MEM_A1X, "critical", local(TODAY, 10), "insulin for neighbour")
    await need(org.b, MEM_B1, "normal", local(date(2026, 3, 2), 10), "rice")
    resolved = await need(org.a, MEM_A1, "urgent", local(YESTERDAY, 15), "fever pills")
    assert await store.needs.set_status(resolved, "resolved", note=None, by=SEC_A,
                                        at=local(TODAY, 11))
    task = await store.tasks.create(
        branch_id=org.a, created_by=SEC_A, title="Deliver rice", details=None,
        due_at=local(TODAY, 11), need_id=None, team_id=None, assignees=[MEM_A1, MEM_A2],
        messages=[], placeholder="#", at=local(TODAY, 9))
    assert await store.tasks.answer_assignment(task, MEM_A1, accept=True, reason=None,
                                               at=local(TODAY, 9))
    assert await store.tasks.answer_assignment(task, MEM_A2, accept=False, reason="in quarantine",
                                               at=local(TODAY, 10))
    members = [SEC_A, SEC_A1, SEC_B, MEM_A1, MEM_A2, MEM_A1X, MEM_B1]
    broadcast = await store.broadcasts.create(
        branch_id=org.root, author_id=ADMIN, scope="subtree", body="hello", media_kind=None,
        media_file_id=None, to_groups=False, ack_required=True,
        messages=[NewMessage(m, m, "hello") for m in members], status_chat_id=None,
        status_message_id=None, at=local(TODAY, 8))
    for member in (SEC_A, MEM_A1, MEM_B1):
        assert await store.broadcasts.acknowledge(broadcast, member, member, at=local(TODAY, 12))
    bot.clock.set(EVENING)
    return org


async def test_root_digest_field_by_field(en_bot: SandboxBot, day_org: Org) -> None:
    reply = await en_bot.send(ADMIN, "/digest")
    lines = reply.plain.splitlines()
    assert lines[0] == "📋 Daily digest · Root · 2026-03-04"
    assert lines[1] == "✅ Checked in: 5/7 (71%), +1 vs the day before (4, 57%)"
    assert lines[2] == ("🟢 On duty 2 · 🔵 Available 1 · 🤒 Unwell 1 · 🏠 Quarantined 1"
                        " · ❔ Not checked in 2")
    assert lines[3] == "🤒 Unwell (1), please check on them: Mia (Alpha)"
    assert lines[4] == "🏠 Quarantined (1), please check on them: Max (Alpha)"
    assert lines[5] == ("🔕 No check-in for 2+ days (2): Mel (Beta, last never),"
                        " Sc (Beta, last never)")
    assert lines[6] == ("🆘 Needs: 1 opened · 1 resolved · 2 open (1 critical)"
                        " · 1 open over a day")
    assert lines[7].startswith("  • #1 🔴 Critical · 💊 Medicine · Alpha-1 · 10 h ago")
    assert "insulin for neighbour" in lines[7]
    assert lines[8].startswith("  • #2 🟢 Normal · 💊 Medicine · Beta · 2 days ago: rice")
    assert lines[9] == ("📌 Tasks: 1 new task for 2 people · 1 accepted · 1 declined"
                        " · 0 done · 1 overdue")
    assert lines[10] == "  • Max declined #1 “Deliver rice”: in quarantine"
    assert lines[11] == "📣 Broadcasts: 3/7 acknowledged (43%) of 1 broadcast"
    assert lines[13] == "🌳 Sub-branches (2), worst first:"
    assert lines[14] == "• Beta: 0/2 (0%)"
    assert lines[15] == "• Alpha: 5/5 (100%) · 🤒 1 · 🏠 1 · 🔴 1 critical · ⏰ 1 person overdue"
    assert len(lines) == 16
    assert reply.button_list == [("🔍 Beta", f"dg:{day_org.b}:20260304"),
                                 ("🔍 Alpha", f"dg:{day_org.a}:20260304")]


async def test_drill_down_and_scope(en_bot: SandboxBot, day_org: Org) -> None:
    await en_bot.send(ADMIN, "/digest")
    reply = await en_bot.press(ADMIN, "🔍 Alpha")
    lines = reply.plain.splitlines()
    assert lines[0] == "📋 Daily digest · Alpha · 2026-03-04"
    assert lines[1] == "✅ Checked in: 5/5 (100%), +1 vs the day before (4, 80%)"
    assert "Mel" not in reply.plain and "rice ·" not in reply.plain
    assert "• Alpha-1: 2/2 (100%) · 🔴 1 critical" in lines
    assert reply.button_list == [("🔍 Alpha-1", f"dg:{day_org.a1}:20260304")]
    # Alpha's secretary may drill into Alpha-1, but a forged press on Beta is refused.
    reply = await en_bot.send(SEC_A, "/digest")
    assert reply.plain.startswith("📋 Daily digest · Alpha · 2026-03-04")
    reply = await en_bot.press(SEC_A, "🔍 Alpha-1")
    assert reply.plain.startswith("📋 Daily digest · Alpha-1 · 2026-03-04")
    sandbox = en_bot.sandbox
    before = len(sandbox.bot_messages(SEC_A))
    sandbox.user_presses(SEC_A, reply.message_id, f"dg:{day_org.b}:20260304", check=False)
    await en_bot.settle()
    assert len(sandbox.bot_messages(SEC_A)) == before
    alerts = [c for c in sandbox.calls_of("answerCallbackQuery") if c.get("show_alert")]
    assert "outside the branches you lead" in alerts[-1]["text"]


async def test_past_day_and_bad_dates(en_bot: SandboxBot, day_org: Org) -> None:
    reply = await en_bot.send(ADMIN, "/digest yesterday")
    lines = reply.plain.splitlines()
    assert lines[0] == "📋 Daily digest · Root · 2026-03-03"
    assert lines[1] == "✅ Checked in: 4/7 (57%), +4 vs the day before (0, 0%)"
    assert "Unwell" not in reply.plain  # nobody was unwell that day
    assert "1 opened · 0 resolved · 2 open (0 critical)" in reply.plain
    reply = await en_bot.send(ADMIN, f"/digest {day_org.b} 2026-03-02")
    assert reply.plain.splitlines()[:2] == ["📋 Daily digest · Beta · 2026-03-02",
                                            "✅ Checked in: 0/2 (0%)"]  # first day
    assert "1 opened" in reply.plain
    for bad in ("2026-02-30", "3/4"):
        reply = await en_bot.send(ADMIN, f"/digest {bad}")
        assert "I do not understand the date" in reply.plain or "is not a branch id" in reply.plain
    assert "There is no digest for 2026-03-05: ask for any day from 2000-01-01 to 2026-03-04" \
        in (await en_bot.send(ADMIN, "/digest 2026-03-05")).plain


async def test_refusals(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(MEM_A1, "/digest")
    assert "只有「Alpha」的书记才能使用" in reply.plain
    reply = await bot.send(SEC_A1, f"/digest {org.b}")
    assert "「Beta」不在你负责的范围内" in reply.plain
    assert "每日汇总" not in reply.plain
    reply = await bot.send(SEC_A1, "/digest 12 2026-03-01 more")
    assert reply.plain.startswith("用法：/digest")
    reply = await bot.send(SEC_B, "/digest 昨天")
    assert reply.plain.startswith("📋 每日汇总 · Beta · 2026-03-01")


async def test_chinese_digest(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_B1, "/checkin unwell")
    reply = await bot.send(SEC_B, "/digest")
    assert "✅ 已报到：1/2（50%）\n"  # the first day: nothing before it in reply.plain
    assert "🤒 身体不适（1），请关心问候：Mel（Beta）" in reply.plain


async def test_one_message_with_many_members(bot: SandboxBot, org: Org) -> None:
    store, now = bot.store, bot.clock.now()
    day = date(2026, 3, 2)
    earlier = now - timedelta(days=5)
    branches = [await store.branches.create(f"第{i}社区" + "很长的支部名称" * 8, org.root, at=now)
                for i in range(30)]
    for i in range(450):
        member, branch = 10_000 + i, branches[i % len(branches)]
        await store.people.save(member, "成员" * 10 + str(i), "很长的名字" * 4, None, "zh",
                                at=earlier)
        await store.people.set_membership(member, branch, "member", at=earlier)
        if i < 300:
            status = "unwell" if i < 150 else "quarantined"
            await store.checkins.record(member, branch, day, status, at=now)
        if i < 30:
            await store.needs.create(
                branch_id=branch, reporter_id=member, category="food", urgency="critical",
                for_self=True, for_whom=None, details="急需" * 100, location=None,
                latitude=None, longitude=None, at=now - timedelta(hours=1))
    reply = await bot.send(ADMIN, "/digest")
    text = reply.text
    assert 2500 < utf16_len(text) <= 4096
    assert "🤒 身体不适（150）" in reply.plain and "🏠 隔离中（150）" in reply.plain
    assert "……还有 144 人" in reply.plain and "……还有 25 项" in reply.plain
    assert "🌳 下级支部（32）" in reply.plain and "……还有" in reply.plain.split("下级支部")[1]
    labels = [label for label, _ in reply.button_list]
    assert "🤒 全部不适与隔离人员（300）" in labels
    assert any(label.startswith("🔕 全部未报到") for label in labels)
    before = len(bot.sandbox.bot_messages(ADMIN))
    await bot.press(ADMIN, "🤒 全部不适与隔离人员")
    assert len(bot.sandbox.bot_messages(ADMIN)) == before + 1  # one message, in pages
    full = await all_pages(bot, ADMIN)
    assert len(full) >= 2  # the whole list, over several pages
    assert full[0].startswith("🤒 身体不适与隔离 · Root · 2026-03-02（300）")
    total = sum(page.count("• ") for page in full)
    assert total == 300


async def test_digest_messages_recipients_and_languages() -> None:
    async with make_bot() as bot:
        org = await build_org(bot, english=(SEC_A,))
        store, now = bot.store, bot.clock.now()
        await store.people.save(SEC_A + 50, "Sz", None, None, "zh", at=now)
        await store.people.set_membership(SEC_A + 50, org.a, "secretary", at=now)
        await store.branches.link_group(org.a, -5001)
        await store.checkins.record(MEM_A1, org.a, TODAY - timedelta(days=2), "unwell", at=now)
        day = date(2026, 3, 2)
        messages = await digest.digest_messages(store, bot.services.translate, org.a, day, now)
        by_chat = {m.chat_id: m for m in messages}
        assert sorted(by_chat) == sorted([SEC_A, SEC_A + 50, -5001])
        assert by_chat[SEC_A].text.startswith("📋 <b>Daily digest · Alpha</b> · 2026-03-02")
        assert by_chat[SEC_A + 50].text.startswith("📋 <b>每日汇总 · Alpha</b> · 2026-03-02")
        assert by_chat[SEC_A].member_id == SEC_A
        group = by_chat[-5001]
        assert group.member_id is None and group.buttons is None
        assert group.text.startswith("📋 <b>每日汇总 · Alpha</b>")  # the branch's locale
        assert "Mia" in by_chat[SEC_A].text and "Mia" not in group.text
        assert by_chat[SEC_A].buttons == [[("🔍 Alpha-1", f"dg:{org.a1}:20260302")]]
        assert await digest.digest_messages(store, bot.services.translate, 987654, day,
                                            now) == []


def test_parse_day_and_buttons() -> None:
    assert digest.parse_day("yesterday", TODAY) == YESTERDAY
    assert digest.parse_day("昨天", TODAY) == YESTERDAY
    assert digest.parse_day("2026-3-1", TODAY) == date(2026, 3, 1)
    for bad in ("2026-03-05", "2026-02-30", "tomorrow", "2026/03/01"):
        with pytest.raises(ValueError):
            digest.parse_day(bad, TODAY)
    assert digest.button(12, TODAY) == "dg:12:20260304"
    assert digest.parse_button("dg:12:20260304:silent") == (12, TODAY, "silent")
    assert digest.parse_button("dg:12:20260304") == (12, TODAY, None)
    assert digest.parse_button("dg:12:20261304") is None
    assert digest.parse_button("dg:12:20260304:other") is None
