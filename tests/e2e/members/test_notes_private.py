"""Notes on a member's record are private: secretaries of the member's branch and above (and
admins) read them; the member, a sibling branch's secretary and any group never do."""

from __future__ import annotations

from datetime import date

from bot.rules import digest, records
from bot.sandbox.harness import SandboxBot
from tests.helpers import ADMIN, MEM_A1, MEM_A1X, SEC_A, SEC_A1, SEC_B, Org

NOTE = "发烧第二天，情绪低落"
PRAISE = "连续三天坚守卡口"


async def _conduct(bot: SandboxBot) -> None:
    assert "备注" in (await bot.send(SEC_A, f"/note @mia {NOTE}")).plain
    assert "表扬" in (await bot.send(SEC_A, f"/commend @mia {PRAISE}")).plain
    await bot.drain()


async def test_the_member_never_sees_notes_on_their_record(bot: SandboxBot, org: Org) -> None:
    await _conduct(bot)
    for text in ("/record", "/record 30d", "/record 2026-03", "/me"):
        reply = await bot.send(MEM_A1, text)
        assert NOTE not in reply.plain and "备注" not in reply.plain, text
    record = await bot.send(MEM_A1, "/record")
    assert "🏅 表扬（1）" in record.plain and PRAISE in record.plain  # commendations stay
    assert "表扬 1" in (await bot.send(MEM_A1, "/me")).plain
    # Every message the member ever got: the commendation, never the note.
    assert all(NOTE not in m.plain for m in bot.sandbox.bot_messages(MEM_A1))


async def test_secretaries_of_the_branch_and_above_read_notes(bot: SandboxBot, org: Org) -> None:
    await _conduct(bot)
    for reader in (SEC_A, ADMIN):
        reply = await bot.send(reader, "/record @mia")
        assert "📝 备注（1）" in reply.plain and NOTE in reply.plain, reader


async def test_no_one_reads_notes_on_their_own_record(bot: SandboxBot, org: Org) -> None:
    await bot.send(ADMIN, "/note @sa 交接不清")
    assert "交接不清" not in (await bot.send(SEC_A, "/record")).plain
    assert "交接不清" not in (await bot.send(SEC_A, f"/record {SEC_A}")).plain
    assert "交接不清" in (await bot.send(ADMIN, "/record @sa")).plain


async def test_a_sibling_or_lower_secretary_cannot_read_the_record(
        bot: SandboxBot, org: Org) -> None:
    await _conduct(bot)
    for reader in (SEC_B, SEC_A1):  # Beta is Alpha's sibling; Alpha-1 is below Alpha
        reply = await bot.send(reader, "/record @mia")
        assert "找不到" in reply.plain and NOTE not in reply.plain, reader
        reply = await bot.send(reader, f"/record {MEM_A1}")
        assert NOTE not in reply.plain
    # A secretary above reads the notes of a member below: Alpha's on Alpha-1's member.
    await bot.send(SEC_A1, f"/note {MEM_A1X} 需要关心")
    assert "需要关心" in (await bot.send(SEC_A, f"/record {MEM_A1X}")).plain


async def test_forged_record_pages_show_no_notes(bot: SandboxBot, org: Org) -> None:
    await _conduct(bot)
    data = f"pg:record:{MEM_A1}.20260224.20260302:0"
    own = await bot.send(MEM_A1, "/record")
    bot.sandbox.user_presses(MEM_A1, own.message_id, data, check=False)
    await bot.settle()
    assert NOTE not in bot.sandbox.last(MEM_A1).plain
    other = await bot.send(SEC_B, "/help")
    update = bot.sandbox.user_presses(SEC_B, other.message_id, data, check=False)
    await bot.settle()
    answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
    assert "不在你负责的范围内" in answer["text"]
    assert all(NOTE not in m.plain for m in bot.sandbox.bot_messages(SEC_B))


async def test_nothing_posted_to_a_group_contains_notes(bot: SandboxBot, org: Org) -> None:
    group = -5001
    bot.sandbox.add_group(group, "Alpha group", members=[MEM_A1], admins=[SEC_A])
    await bot.send(SEC_A, "/linkgroup", chat_id=group)
    await _conduct(bot)
    asked = ((SEC_A, "/record @mia"), (MEM_A1, "/record"), (SEC_A, f"/note @mia {NOTE}"))
    for who, text in asked:
        await bot.send(who, text, chat_id=group)
    day = bot.clock.now().date()
    messages = await digest.digest_messages(bot.store, bot.services.translate, org.a, day,
                                            bot.clock.now())
    assert any(m.chat_id == group for m in messages)
    assert all(NOTE not in m.text for m in messages)
    assert all(NOTE not in m.plain for m in bot.sandbox.bot_messages(group))


async def test_a_record_built_without_notes_holds_none(bot: SandboxBot, org: Org) -> None:
    await _conduct(bot)
    now = bot.clock.now()
    first, last = date(2026, 3, 1), date(2026, 3, 2)
    public = await records.member_record(bot.store, MEM_A1, "Asia/Shanghai", first, last, now,
                                         notes=False)
    full = await records.member_record(bot.store, MEM_A1, "Asia/Shanghai", first, last, now,
                                       notes=True)
    assert [e.kind for e in public.conduct] == ["commendation"]
    assert sorted(e.kind for e in full.conduct) == ["commendation", "note"]
