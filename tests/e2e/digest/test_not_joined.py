"""People on the roster who have not joined yet (issue 13) are told apart from members who have
not checked in: `/who`, `/roster` and the digest count them apart (⏳ 未加入), name them where a
branch's own people are listed, and leave every "not checked in" count and rate over the
members alone: the numbers add up with and without them."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.rules import digest
from bot.sandbox.harness import SandboxBot
from storage.times import iso
from tests.helpers import ADMIN, MEM_A1, SEC_A, SEC_A1, Org, all_pages, build_org, t

# In Alpha's subtree: Sa, Mia, Max (Alpha), Sb, Mo (Alpha-1).
ALPHA_MEMBERS = 5


async def _list(bot: SandboxBot, org: Org) -> None:
    """Three people on the roster, not joined: two in Alpha, one in Alpha-1, one in Beta."""
    now = bot.clock.now()
    for branch, name in ((org.a, "张三"), (org.a, "赵六"), (org.a1, "李四"), (org.b, "王五")):
        await bot.store.roster.add(branch, "member", name, at=now)


def _header(plain: str) -> tuple[int, int]:
    """(missing, total) of /who's first line."""
    found = re.search(r"(\d+)/(\d+)", plain.splitlines()[0])
    assert found is not None, plain
    return int(found.group(1)), int(found.group(2))


async def test_who_names_them_apart_and_counts_add_up(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/checkin on_duty")
    before = (await bot.send(SEC_A, "/who")).plain
    await _list(bot, org)
    after = await bot.send(SEC_A, "/who")
    assert _header(after.plain) == _header(before) == (ALPHA_MEMBERS - 1, ALPHA_MEMBERS)
    section = after.plain.split(t("who.waiting_header", n=3), 1)[1].strip().splitlines()
    assert section == [t("who.waiting_line", name="张三", branch="Alpha"),
                       t("who.waiting_line", name="赵六", branch="Alpha"),
                       t("who.waiting_line", name="李四", branch="Alpha-1"),
                       t("who.waiting_hint")]
    assert "王五" not in after.plain  # Beta's
    # "Not checked in" lists members only: the names before the section are the 4 silent.
    silent = [line for line in after.plain.split(t("who.waiting_header", n=3))[0].splitlines()
              if line.strip().startswith("• ")]
    assert len(silent) == ALPHA_MEMBERS - 1


async def test_roster_marks_them_after_each_branchs_members(bot: SandboxBot) -> None:
    org = await build_org(bot, english=(SEC_A,))
    await _list(bot, org)
    lines = (await bot.send(SEC_A, "/roster")).plain.splitlines()
    alpha_1 = next(i for i, line in enumerate(lines) if line.startswith("  Alpha-1"))
    own = lines[:alpha_1]
    mark = t("roster.member", "en", name="张三", status=t("roster.not_joined", "en"))
    assert mark in own and own.index(mark) > max(i for i, line in enumerate(own)
                                                  if "@m" in line or "@s" in line)
    assert "  " + t("roster.member", "en", name="李四",
                    status=t("roster.not_joined", "en")) in lines[alpha_1:]
    assert t("roster.header", "en", branch="Alpha", total=ALPHA_MEMBERS,
             day="2026-03-02") == lines[0]
    assert t("who.waiting", "en", n=3) in lines


async def test_a_large_list_is_the_rollup_with_them_counted_apart(bot: SandboxBot,
                                                                  org: Org) -> None:
    now = bot.clock.now()
    for n in range(101):  # names past NAMES_MAX: the rollup by sub-branch
        await bot.store.roster.add(org.a1 if n % 2 else org.a, "member", f"名{n:03}", at=now)
    who = await bot.send(SEC_A, "/who")
    assert _header(who.plain) == (ALPHA_MEMBERS, ALPHA_MEMBERS)
    assert t("who.waiting", n=101) in who.plain.splitlines()
    assert t("who.own", missing=3, total=3) + t("who.child_waiting", n=51) in who.plain
    child = t("who.child", branch="Alpha-1", id=org.a1, missing=2, total=2, rate=0)
    assert child + t("who.child_waiting", n=50) in who.plain
    own = await bot.press(SEC_A, t("who.button_own", missing=3))
    pages = "\n".join(await all_pages(bot, SEC_A))
    assert own.plain.startswith(t("who.own_header", branch="Alpha", day="2026-03-02",
                                  missing=3, total=3))
    assert t("who.waiting_header", n=51) in pages and "• 名000" in pages
    assert "名001" not in pages  # Alpha-1's, not Alpha's own
    roster = await bot.send(SEC_A, "/roster")
    assert t("who.waiting", n=101) in roster.plain
    assert t("roster.mark.waiting") + " 50" in roster.plain


async def test_the_digest_counts_them_apart_and_the_parts_add_up(bot: SandboxBot,
                                                                 org: Org) -> None:
    await bot.send(MEM_A1, "/checkin on_duty")
    branch = await bot.store.branches.get(org.root)
    assert branch is not None
    day, now = digest.today_of(branch, bot.clock.now()), bot.clock.now()
    before = await digest.build(bot.store, branch, day, now)
    await _list(bot, org)
    after = await digest.build(bot.store, branch, day, now)
    assert after.total == before.total and after.children == before.children
    assert after.waiting_total == 4 == sum(after.waiting.values())
    assert after.waiting == {org.a: 3, org.b: 1}
    plain = (await bot.send(ADMIN, "/digest")).plain
    assert "✅ 已报到：1/7（14%）" + t("digest.waiting", n=4) in plain
    assert "• Alpha：1/5（20%） · " + t("digest.problem_waiting", n=3) in plain
    alpha = (await bot.send(SEC_A1, "/digest")).plain  # Alpha-1's own line
    assert "✅ 已报到：0/2（0%）" + t("digest.waiting", n=1) in alpha
    # One of them joins tomorrow: yesterday's digest still counts them as not joined.
    bot.clock.advance(days=1)
    entry = (await bot.store.roster.waiting(org.a1))[0]
    await bot.store.db.execute("UPDATE roster SET member_id = ?, claimed_at = ? WHERE id = ?",
                               (MEM_A1, iso(bot.clock.now()), entry.id))
    today = await digest.build(bot.store, branch, day + timedelta(days=1), bot.clock.now())
    yesterday = await digest.build(bot.store, branch, day, bot.clock.now())
    assert today.waiting == {org.a: 2, org.b: 1} and yesterday.waiting == after.waiting
