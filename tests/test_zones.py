"""Zones: /zone add, list, rename, remove and who may; /households for members, secretaries."""

from __future__ import annotations

from bot.harness import SandboxBot
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
    assert [z.name for z in await bot.store.zones(org.a)] == ["<b>", "二号楼"]
    reply = await bot.send(SEC_A, "/zone remove 一号楼")
    assert "没有名为“一号楼”的责任区" in reply.plain
    reply = await bot.send(SEC_A, "/zone remove <b>")
    assert "已删除责任区“<b>”" in reply.plain
    assert [z.name for z in await bot.store.zones(org.a)] == ["二号楼"]
    reply = await bot.send(SEC_A, "/zone rename 二号楼")
    assert "用法：/zone add" in reply.plain


async def test_remove_refused_while_zone_has_households(bot: SandboxBot, org: Org) -> None:
    await bot.store.upsert_households(org.a, [_home("East", "1-101", MEM_A1)],
                                      at=bot.clock.now())
    reply = await bot.send(SEC_A, "/zone remove east")
    assert "责任区“East”还有 1 户，未删除" in reply.plain
    assert [z.households for z in await bot.store.zones(org.a)] == [1]


async def test_zone_in_english(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/lang en")
    reply = await bot.send(SEC_A, "/zone add North")
    assert "Zone “North” added to “Alpha”." in reply.plain
    reply = await bot.send(SEC_A, "/zone frobnicate")
    assert "Usage: /zone add NAME" in reply.plain


async def test_member_cannot_manage_zones(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(MEM_A1, "/zone add Hack")
    assert "/zone" in reply.plain and "已在" not in reply.plain
    assert await bot.store.zones(org.a) == []


async def test_sibling_secretary_cannot_manage_zones(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/zone add East")
    reply = await bot.send(SEC_B, f"/zone remove East #{org.a}")
    assert "Alpha" in reply.plain and "已删除" not in reply.plain
    reply = await bot.send(SEC_B, f"/zone add West #{org.a}")
    assert "已在" not in reply.plain
    reply = await bot.send(SEC_B, "/zone remove East")
    assert "“Beta”没有名为“East”的责任区" in reply.plain
    assert [z.name for z in await bot.store.zones(org.a)] == ["East"]
    assert await bot.store.zones(org.b) == []


async def test_households_for_a_member(bot: SandboxBot, org: Org) -> None:
    store, now = bot.store, bot.clock.now()
    await store.upsert_households(org.a, [
        _home("East", "1-101", MEM_A1, "独居老人"), _home("East", "1-102", MEM_A2),
        _home("West", "2-201", MEM_A1), _home("West", "2-202", MEM_A2)], at=now)
    await store.db.execute("UPDATE households SET backup_id = ? WHERE label = '2-202'",
                           (MEM_A1,))
    await store.upsert_households(org.b, [_home("B-zone", "9-901", MEM_B1)], at=now)
    reply = await bot.send(MEM_A1, "/households")
    text = reply.plain
    assert "你负责的住户（3 户）" in text
    assert "📍 East（1 户）" in text and "📍 West（2 户）" in text
    assert "1-101 · 2 人 · 负责人" in text and "<1-101> Main St" in text and "独居老人" in text
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
    await store.upsert_households(org.a, [
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
