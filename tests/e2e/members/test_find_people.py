"""Finding people and reaching them (issue 13): `/roster WORDS` searches the secretary's subtree
(names, phones, @usernames; people not yet joined too) and lists each with their branch and
today's status, in pages; digits that are a branch's id (or `#ID`) are that branch's roster.
In the lists a secretary reads, a member's name links to their Telegram profile."""

from __future__ import annotations

import re

from bot.sandbox.harness import SandboxBot
from bot.text import utf16_len
from handlers.core.pages import ENTITIES_MAX
from tests.helpers import (
    MEM_A1,
    MEM_A2,
    SEC_A,
    SEC_B,
    Org,
    build_org,
    t,
)

WEI, QIANG = 9301, 9302  # 张伟 in Alpha-1 (with a phone), 张强 in Beta


async def _people(bot: SandboxBot, org: Org) -> None:
    for user_id, name, branch in ((WEI, "张伟", org.a1), (QIANG, "张强", org.b)):
        bot.user(user_id, name, username=None)
        await bot.join(user_id, branch, "member")
    await bot.store.db.execute("UPDATE members SET phone = '13800138000' WHERE id = ?", (WEI,))
    await bot.store.roster.add(org.a, "member", "张三", phone="13900139000",
                               at=bot.clock.now())


def _link(member: int, name: str) -> str:
    return f'<a href="tg://user?id={member}">{name}</a>'


async def test_roster_finds_people_with_their_branch_and_status(bot: SandboxBot,
                                                                org: Org) -> None:
    await _people(bot, org)
    await bot.send(WEI, "/checkin on_duty")
    found = await bot.send(SEC_A, "/roster 张")
    assert found.plain.splitlines() == [
        t("roster.found_header", query="张", n=2, branch="Alpha"),
        t("roster.found_line", name="张伟", branch="Alpha-1", id=org.a1,
          status=t("status.on_duty")),
        t("roster.found_line", name="张三", branch="Alpha", id=org.a,
          status=t("roster.not_joined"))]
    assert _link(WEI, "张伟") in (found.text or "")  # 张三 has no Telegram account yet
    by_phone = await bot.send(SEC_A, "/roster 138-0013-8000")
    assert "张伟" in by_phone.plain and "张三" not in by_phone.plain
    assert "张三" in (await bot.send(SEC_A, "/roster 13900139000")).plain  # not a branch id
    assert (await bot.send(SEC_A, "/roster @mia")).plain.splitlines()[1] == t(
        "roster.found_line", name="Mia @mia", branch="Alpha", id=org.a,
        status=t("status.none"))
    assert (await bot.send(SEC_A, "/roster 99")).plain == t(
        "roster.found_none", query="99", branch="Alpha")
    # Beta's 张强 is not Alpha's to find; Beta's secretary finds only him.
    assert "张强" not in found.plain
    assert t("roster.found_header", query="张", n=1, branch="Beta") in (
        await bot.send(SEC_B, "/roster 张")).plain
    refused = await bot.send(MEM_A1, "/roster 张")
    assert "书记" in refused.plain and "张伟" not in refused.plain


async def test_digits_naming_a_branch_show_its_roster(bot: SandboxBot, org: Org) -> None:
    for argument, branch, total in ((str(org.a), "Alpha", 5), (f"#{org.a1}", "Alpha-1", 2)):
        shown = await bot.send(SEC_A, f"/roster {argument}")
        assert shown.plain.startswith(t("roster.header", branch=branch, total=total,
                                        day="2026-03-02"))


async def test_many_found_are_paged_and_each_page_keeps_its_links(bot: SandboxBot) -> None:
    org = await build_org(bot, english=(SEC_A,))
    now = bot.clock.now()
    for n in range(250):
        await bot.store.people.save(5000 + n, f"Lee {n:03}", None, None, "en", at=now)
        await bot.store.people.set_membership(5000 + n, org.a, "member", at=now)
    first = await bot.send(SEC_A, "/roster lee")
    assert first.plain.startswith(t("roster.found_header", "en", query="lee", n=200,
                                    branch="Alpha"))
    pages, message = [first.plain], first
    while any(label.endswith("▶") for label, _ in message.button_list):
        links = [e for e in message.entities or [] if e["type"] == "text_link"]
        assert 0 < len(links) <= ENTITIES_MAX  # Telegram formats only 100 a message
        message = await bot.press(SEC_A, "▶")
        pages.append(message.plain)
    assert len(pages) > 2
    names = re.findall(r"Lee \d{3}", "\n".join(pages))
    assert len(names) == len(set(names)) == 200
    assert t("roster.found_more", "en", n=200) in pages[-1]


async def test_names_link_to_profiles_only_where_a_secretary_reads(bot: SandboxBot,
                                                                   org: Org) -> None:
    await bot.store.db.execute("UPDATE members SET name = '<b>马 & 克</b>' WHERE id = ?",
                               (MEM_A2,))
    who = await bot.send(SEC_A, "/who")
    html = who.text or ""
    assert _link(MEM_A2, "&lt;b&gt;马 &amp; 克&lt;/b&gt;") in html  # escaped
    name_at = utf16_len(who.plain[:who.plain.index("<b>马 & 克</b>")])  # Telegram's units
    assert {"type": "text_link", "url": f"tg://user?id={MEM_A2}", "offset": name_at,
            "length": len("<b>马 & 克</b>")} in (who.entities or [])
    assert _link(MEM_A1, "Mia") in ((await bot.send(SEC_A, "/roster")).text or "")
    assert _link(MEM_A1, "Mia") in ((await bot.send(SEC_A, "/record @mia")).text or "")
    await bot.send(SEC_A, "/team add Shock")
    await bot.send(SEC_A, "/team Shock add @mia")
    assert _link(MEM_A1, "Mia") in ((await bot.send(SEC_A, "/team")).text or "")
    assert _link(MEM_A1, "Mia") in ((await bot.send(SEC_A, "/team Shock")).text or "")
    # What members read has none: their own record, a commendation of them.
    assert "tg://user" not in ((await bot.send(MEM_A1, "/record")).text or "")
    await bot.send(SEC_A, "/commend @mia 好")
    await bot.drain()
    assert "tg://user" not in (bot.sandbox.last(MEM_A1).text or "")
