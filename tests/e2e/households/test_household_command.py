"""`/household add|remove`: one household in chat, end to end through the sandbox."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from bot.rules.households import command_words, split_fields
from bot.sandbox.harness import SandboxBot
from tests.helpers import MEM_A1, MEM_A1X, MEM_A2, MEM_B1, SEC_A, SEC_B, Org

Row = tuple[str, str, str, int, str, int | None, int | None, bool]


async def _households(bot: SandboxBot, branch: int) -> list[Row]:
    return [(h.zone, h.label, h.address, h.people, h.notes, h.responsible_id, h.backup_id,
             h.vulnerable) for h in await bot.store.households.of_branch(branch)]


async def _audited(bot: SandboxBot, action: str) -> list[dict[str, object]]:
    return [json.loads(detail or "{}") for _, _, name, _, allowed, detail
            in await bot.store.audit.entries() if name == action and allowed]


async def test_add_creates_then_updates(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(SEC_A, "/household add 一号楼, 1-101, 东湖路1号, 2, 独居老人, @mia")
    text = reply.plain
    assert "🏠 已在“Alpha”新增住户：" in text
    assert "📍 一号楼 · 1-101 · 2 人" in text and "👤 责任人：Mia (@mia)" in text
    assert "东湖路1号" in text and "独居老人" in text and "重点关照：每天走访" in text
    assert "备岗" not in text
    assert await _households(bot, org.a) == [
        ("一号楼", "1-101", "东湖路1号", 2, "独居老人", MEM_A1, None, True)]

    reply = await bot.send(SEC_A, "/household add 一号楼, 1-101, 东湖路1号, 3, , 302")
    assert "🏠 已更新“Alpha”的住户：" in reply.plain
    assert "3 人" in reply.plain and "👤 责任人：Max (@max)" in reply.plain
    assert "重点关照" not in reply.plain
    assert await _households(bot, org.a) == [
        ("一号楼", "1-101", "东湖路1号", 3, "", MEM_A2, None, False)]
    assert [(a["label"], a["created"], a["responsible"])
            for a in await _audited(bot, "household_add")] == [
        ("1-101", False, MEM_A2), ("1-101", True, MEM_A1)]
    assert [(z.name, z.households) for z in await bot.store.zones.of_branch(org.a)] == [("一号楼",
                                                                                         1)]


async def test_add_with_a_backup_and_clear_it(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(SEC_A, "/household add East, 1-101, , 2, , @mia, @max")
    assert "👥 备岗：Max (@max)" in reply.plain
    assert await _households(bot, org.a) == [("East", "1-101", "", 2, "", MEM_A1, MEM_A2,
                                              False)]
    assert "1-101 · 2 人 · 备岗" in (await bot.send(MEM_A2, "/households")).plain
    # The zone is found again ignoring case; an empty backup clears it.
    reply = await bot.send(SEC_A, "/household add east, 1-101, , 2, , @mia,")
    assert "已更新" in reply.plain and "备岗" not in reply.plain
    assert await _households(bot, org.a) == [("East", "1-101", "", 2, "", MEM_A1, None,
                                              False)]


async def test_bad_rows_in_chinese_and_english(bot: SandboxBot, org: Org) -> None:
    cases = [
        ("/household add East, 1-101, addr, 1000, , @mia",
         "人数须为 0 到 999 的整数，这里是“1000”",
         "people must be a whole number from 0 to 999, got '1000'"),
        ("/household add East, 1-101, addr, 2, , @nobody",
         "责任人 @nobody 不是本支部或下级支部的成员",
         "responsible @nobody is not a member of this branch or a branch below it"),
        ("/household add East, 1-101, addr, 2, , @mel",
         "责任人 @mel 不是本支部或下级支部的成员", "responsible @mel is not a member"),
        ("/household add East, 1-101, addr",
         "缺少列：people, responsible", "missing from the row: people, responsible"),
        ("/household add East, , addr, 2, , @mia", "门牌为空", "empty label"),
        ("/household add East, 1-101, addr, 2, , @mia, @mia",
         "备岗 @mia 就是责任人", "backup @mia is the responsible member"),
        ("/household add East, 1-101, addr, 2, , @mia, @mel",
         "备岗 @mel 不是本支部或下级支部的成员", "backup @mel is not a member"),
        ("/household add East, 1-101, addr, 2, , @mia, @max, extra",
         "有 8 个字段，但表头只有 7 个", "8 fields but the header has 7"),
        ("/household add East, <b>, addr, x, , ",
         "人数须为 0 到 999 的整数，这里是“x”；责任人为空",
         "got 'x'; empty responsible"),
    ]
    for command, chinese, _ in cases:
        reply = await bot.send(SEC_A, command)
        assert reply.plain.startswith("❗ 未保存：") and chinese in reply.plain, command
    await bot.send(SEC_A, "/lang en")
    for command, _, english in cases:
        reply = await bot.send(SEC_A, command)
        assert reply.plain.startswith("❗ Not saved: ") and english in reply.plain, command
    assert await _households(bot, org.a) == []
    assert await bot.store.zones.of_branch(org.a) == []
    assert await _audited(bot, "household_add") == []


async def test_remove(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/household add Building 3, 3-301, 3 Lake Road, 2, , @mia, @max")
    await bot.send(SEC_A, "/household add Building 3, 3-302, 3 Lake Road, 1, , @max")
    found = await bot.store.households.named(org.a, "Building 3", "3-301")
    assert found is not None
    await bot.store.households.record_visit(found.id, MEM_A1, "well", None, at=bot.clock.now())
    reply = await bot.send(SEC_A, "/household remove building 3, 3-301")
    text = reply.plain
    assert "🗑 已从“Alpha”删除住户：" in text
    assert "📍 Building 3 · 3-301 · 2 人" in text and "Mia (@mia)" in text
    assert "连同 1 条走访记录" in text
    assert [h[1] for h in await _households(bot, org.a)] == ["3-302"]
    assert await bot.store.households.visits(found.id) == []
    assert await bot.store.households.get(found.id) is None
    assert [(a["zone"], a["label"], a["visits"])
            for a in await _audited(bot, "household_remove")] == [("Building 3", "3-301", 1)]

    reply = await bot.send(SEC_A, "/household remove Building 3, 3-301")
    assert "“Alpha”的责任区“Building 3”中没有门牌为“3-301”的住户" in reply.plain
    reply = await bot.send(SEC_A, "/household remove Nowhere，9")
    assert "责任区“Nowhere”中没有门牌为“9”的住户" in reply.plain
    await bot.send(SEC_A, "/lang en")
    reply = await bot.send(SEC_A, "/household remove Building 3, 3-302,")
    assert "🗑 Household removed from “Alpha”:" in reply.plain
    assert "visit" not in reply.plain
    assert await _households(bot, org.a) == []
    assert [z.households for z in await bot.store.zones.of_branch(org.a)] == [0]  # the zone stays


async def test_member_and_other_branch_refused(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(MEM_A1, "/household add East, 1-101, , 2, , @mia")
    assert "/household" in reply.plain and "新增" not in reply.plain
    reply = await bot.send(SEC_B, f"/household add East, 1-101, , 2, , @mia #{org.a}")
    assert "Alpha" in reply.plain and "新增" not in reply.plain
    assert await _households(bot, org.a) == []
    await bot.send(SEC_A, "/household add East, 1-101, , 2, , @mia")
    reply = await bot.send(SEC_B, f"/household remove East, 1-101 #{org.a}")
    assert "删除" not in reply.plain
    reply = await bot.send(SEC_B, "/household remove East, 1-101")
    assert "“Beta”的责任区“East”中没有门牌为“1-101”的住户" in reply.plain
    reply = await bot.send(MEM_B1, "/household remove East, 1-101")
    assert len(await _households(bot, org.a)) == 1
    refused = [(actor, action) for _, actor, action, _, allowed, _
               in await bot.store.audit.entries() if not allowed]
    assert (MEM_A1, "household") in refused and (SEC_B, "household") in refused


async def test_sub_branch_chinese_comma_and_spaces(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(SEC_A, f"/household add 二号楼，2-201，东湖路2号，3，，@mo #{org.a1}")
    assert "已在“Alpha-1”新增住户" in reply.plain
    reply = await bot.send(
        SEC_A, '/household add  Building 3 , 3-301, "3 Lake Road, flat ""A""", 2, , 301 ')
    assert "已在“Alpha”新增住户" in reply.plain and "📍 Building 3 · 3-301" in reply.plain
    assert await _households(bot, org.a1) == [
        ("二号楼", "2-201", "东湖路2号", 3, "", MEM_A1X, None, False)]
    assert await _households(bot, org.a) == [
        ("Building 3", "3-301", '3 Lake Road, flat "A"', 2, "", MEM_A1, None, False)]
    assert [z.name for z in await bot.store.zones.of_branch(org.a)] == ["Building 3"]


async def test_usage(bot: SandboxBot, org: Org) -> None:
    for text in ("/household", "/household add", "/household frob a, b", "/household remove x",
                 "/household remove a, b, c", '/household add "East, 1-101, , 2, , @mia',
                 "/household add , , ,"):
        reply = await bot.send(SEC_A, text)
        assert "用法（书记）" in reply.plain and "例：" in reply.plain, text
    await bot.send(SEC_A, "/lang en")
    reply = await bot.send(SEC_A, "/household")
    assert "Usage (secretaries)" in reply.plain and "Example: /household add" in reply.plain
    assert await _households(bot, org.a) == []


plain_field = st.text(alphabet=st.characters(codec="utf-8", exclude_characters=',，"\r\n'),
                      max_size=12)


@given(st.lists(plain_field, min_size=1, max_size=8), st.sampled_from([",", "，", " , "]))
def test_split_fields_round_trip(fields: list[str], separator: str) -> None:
    assert split_fields(separator.join(fields)) == [f.strip() for f in fields]


@given(st.text(max_size=60))
def test_no_text_crashes_the_splitters(text: str) -> None:
    parsed = split_fields(text)
    assert parsed is None or len(parsed) >= 1
    words = command_words(text)
    assert words is None or all(isinstance(word, str) for word in words)
    quoted = split_fields('"' + text.replace('"', '""') + '", x')
    assert quoted == [text.strip(), "x"]
