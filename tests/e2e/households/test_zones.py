"""Zones: /zone add, list, rename, remove and who may; /households for members, secretaries."""

from __future__ import annotations

from bot.sandbox.harness import SandboxBot
from storage.households import HouseholdInput
from tests.helpers import MEM_A1, MEM_A2, MEM_B1, SEC_A, SEC_B, Org


def _home(zone: str, label: str, responsible: int, notes: str = "") -> HouseholdInput:
    return HouseholdInput(zone=zone, label=label, address=f"<{label}> Main St", people=2,
                          notes=notes, responsible_id=responsible, vulnerable=False)


async def test_zone_add_list_rename_remove(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(SEC_A, "/zone list")
    assert "还没有责任区" in reply.plain
    reply = await bot.send(SEC_A, "/zone add 一号楼")
    assert "已在“Alpha”添加责任区“一号楼”" in reply.plain
    await bot.send(SEC_A, "/zone add <b>")
    reply = await bot.send(SEC_A, "/zone add 一号楼")
    assert "已有名为“一号楼”的责任区" in reply.plain
    reply = await bot.send(SEC_A, "/zone list")
    assert "“Alpha”的责任区（2 个）" in reply.plain
    assert "• 一号楼 · 0 户" in reply.plain and "• <b> · 0 户" in reply.plain
    reply = await bot.send(SEC_A, "/zone rename 一号楼 <b>")
    assert "已有名为“<b>”的责任区" in reply.plain
    reply = await bot.send(SEC_A, "/zone rename 一号楼 二号楼")
    assert "责任区“一号楼”已改名为“二号楼”" in reply.plain
    assert [z.name for z in await bot.store.zones.of_branch(org.a)] == ["<b>", "二号楼"]
    reply = await bot.send(SEC_A, "/zone remove 一号楼")
    assert "没有名为“一号楼”的责任区" in reply.plain
    reply = await bot.send(SEC_A, "/zone remove <b>")
    assert "已删除责任区“<b>”" in reply.plain
    assert [z.name for z in await bot.store.zones.of_branch(org.a)] == ["二号楼"]
    reply = await bot.send(SEC_A, "/zone rename 二号楼")
    assert "用法：/zone add" in reply.plain


async def test_remove_refused_while_zone_has_households(bot: SandboxBot, org: Org) -> None:
    await bot.store.households.upsert(org.a, [_home("East", "1-101", MEM_A1)],
                                      at=bot.clock.now())
    reply = await bot.send(SEC_A, "/zone remove east")
    assert "责任区“East”还有 1 户，未删除" in reply.plain
    assert [z.households for z in await bot.store.zones.of_branch(org.a)] == [1]


async def test_zone_in_english(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/lang en")
    reply = await bot.send(SEC_A, "/zone add North")
    assert "Zone “North” added to “Alpha”." in reply.plain
    reply = await bot.send(SEC_A, "/zone frobnicate")
    assert "Usage: /zone add NAME" in reply.plain


async def test_member_cannot_manage_zones(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(MEM_A1, "/zone add Hack")
    assert "/zone" in reply.plain and "已在" not in reply.plain
    assert await bot.store.zones.of_branch(org.a) == []


async def test_sibling_secretary_cannot_manage_zones(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/zone add East")
    reply = await bot.send(SEC_B, f"/zone remove East #{org.a}")
    assert "Alpha" in reply.plain and "已删除" not in reply.plain
    reply = await bot.send(SEC_B, f"/zone add West #{org.a}")
    assert "已在" not in reply.plain
    reply = await bot.send(SEC_B, "/zone remove East")
    assert "“Beta”没有名为“East”的责任区" in reply.plain
    assert [z.name for z in await bot.store.zones.of_branch(org.a)] == ["East"]
    assert await bot.store.zones.of_branch(org.b) == []


async def test_households_for_a_member(bot: SandboxBot, org: Org) -> None:
    store, now = bot.store, bot.clock.now()
    await store.households.upsert(org.a, [
        _home("East", "1-101", MEM_A1, "独居老人"), _home("East", "1-102", MEM_A2),
        _home("West", "2-201", MEM_A1), _home("West", "2-202", MEM_A2)], at=now)
    await store.db.execute("UPDATE households SET backup_id = ? WHERE label = '2-202'",
                           (MEM_A1,))
    await store.households.upsert(org.b, [_home("B-zone", "9-901", MEM_B1)], at=now)
    reply = await bot.send(MEM_A1, "/households")
    text = reply.plain
    assert "你负责的住户（3 户）" in text
    assert "📍 East（1 户）" in text and "📍 West（2 户）" in text
    assert "1-101 · 2 人 · 责任人" in text and "<1-101> Main St" in text and "独居老人" in text
    assert "2-202 · 2 人 · 备岗" in text
    assert "1-102" not in text and "9-901" not in text
    assert text.index("East") < text.index("West")
    reply = await bot.send(MEM_B1, "/households East")
    assert "1-101" not in reply.plain
    await bot.send(MEM_A2, "/lang en")
    reply = await bot.send(MEM_A2, "/households")
    assert "Your households (2)" in reply.plain and "2-202 · 2 people · responsible" in reply.plain


async def test_member_without_households(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(MEM_A2, "/households")
    assert "还没有负责的住户" in reply.plain


async def test_households_of_a_zone_for_a_secretary(bot: SandboxBot, org: Org) -> None:
    store, now = bot.store, bot.clock.now()
    await store.households.upsert(org.a, [
        _home("East", "1-102", MEM_A2), _home("East", "1-101", MEM_A1),
        _home("West", "2-201", MEM_A1)], at=now)
    reply = await bot.send(SEC_A, "/households")
    assert "• East · 2 户" in reply.plain and "/households 责任区名称" in reply.plain
    reply = await bot.send(SEC_A, "/households east")
    text = reply.plain
    assert "📍 East（2 户）" in text
    assert "1-101 · 2 人 · 👤 Mia" in text and "1-102 · 2 人 · 👤 Max" in text
    assert text.index("1-101") < text.index("1-102") and "2-201" not in text
    reply = await bot.send(SEC_A, "/households Nowhere")
    assert "没有名为“Nowhere”的责任区" in reply.plain
    reply = await bot.send(SEC_B, f"/households East #{org.a}")
    assert "1-101" not in reply.plain and "Alpha" in reply.plain


async def test_zone_names_with_spaces(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(SEC_A, "/zone add Building 3")
    assert "已在“Alpha”添加责任区“Building 3”" in reply.plain
    reply = await bot.send(SEC_A, '/zone add "East  Gate"')
    assert "添加责任区“East  Gate”" in reply.plain
    reply = await bot.send(SEC_A, "/zone add 「三号 楼」")
    assert "添加责任区“三号 楼”" in reply.plain
    reply = await bot.send(SEC_A, '/zone rename "Building 3" “Block C”')
    assert "责任区“Building 3”已改名为“Block C”" in reply.plain
    reply = await bot.send(SEC_A, "/zone rename block c -> Block D 2")
    assert "责任区“Block C”已改名为“Block D 2”" in reply.plain
    reply = await bot.send(SEC_A, "/zone rename Block D 2 → Block->E")
    assert "责任区“Block D 2”已改名为“Block->E”" in reply.plain
    assert [z.name for z in await bot.store.zones.of_branch(org.a)] == [
        "Block->E", "East  Gate", "三号 楼"]
    for bad in ("/zone rename Block->E", "/zone rename a b c", "/zone rename a -> b -> c",
                "/zone rename -> x", '/zone add "Building 4', "/zone add 「x", "/zone add",
                '/zone add ""', "/zone list now", "/zone remove"):
        reply = await bot.send(SEC_A, bad)
        assert "用法：/zone add" in reply.plain, bad
    reply = await bot.send(SEC_A, "/zone remove 三号 楼")
    assert "已删除责任区“三号 楼”" in reply.plain
    reply = await bot.send(SEC_A, f'/zone add "Building 9" #{org.a1}')
    assert "已在“Alpha-1”添加责任区“Building 9”" in reply.plain
    reply = await bot.send(SEC_A, f"/zone remove Building 9 #{org.a1}")
    assert "已删除责任区“Building 9”" in reply.plain
    assert await bot.store.zones.of_branch(org.a1) == []
    reply = await bot.send(SEC_B, f'/zone add "Building 9" #{org.a}')
    assert "已在" not in reply.plain
    assert [z.name for z in await bot.store.zones.of_branch(org.a)] == ["Block->E", "East  Gate"]


async def test_households_of_a_zone_with_spaces(bot: SandboxBot, org: Org) -> None:
    await bot.store.households.upsert(org.a, [_home("Building 3", "3-301", MEM_A1)],
                                      at=bot.clock.now())
    for text in ("/households Building 3", '/households "building 3"'):
        reply = await bot.send(SEC_A, text)
        assert "📍 Building 3（1 户）" in reply.plain and "3-301" in reply.plain, text


def test_command_words() -> None:
    from bot.rules.households import command_words

    assert command_words(' add  "a b"  c ') == ["add", "a b", "c"]
    assert command_words("“一 号” 「二 号」x O'Brien 东“湖”") == ["一 号", "二 号x", "O'Brien",
                                                                "东“湖”"]
    assert command_words('"a b"c d') == ["a bc", "d"]
    assert command_words('x "open') is None
    assert command_words("") == []
