"""`/who` and `/roster` over a large subtree: one message with the rollup by sub-branch.

Under Alpha, 30 branches "Crowd 00" .. "Crowd 29" of 100 members each (Crowd k has 10 + 3k
checked in today, its first member unwell, the others on duty) and a branch "Empty", built
with raw executemany; with Alpha's own 3 and Alpha-1's 2 (nobody checked in), Alpha's
subtree has 3,005 members of whom 1,400 have not checked in.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clock import local_day
from bot.rules import callbacks as cb
from bot.rules import checkins
from bot.rules.digest import rollup
from bot.sandbox import SandboxMessage, html_to_plain
from bot.sandbox.harness import SandboxBot
from handlers.reports import who
from storage.rows import STATUSES
from storage.store import Store
from tests.helpers import ADMIN, MEM_A1, SEC_A, SEC_A1, Org, all_pages, build_org, make_bot

FIRST = 50_000  # the crowd's member ids
CROWD = 30
PER_BRANCH = 100
MISSING = 3 + 2 + sum(PER_BRANCH - (10 + 3 * k) for k in range(CROWD))  # 1,400
TOTAL = 3 + 2 + CROWD * PER_BRANCH  # 3,005


@dataclass
class Crowd:
    """The branches built under Alpha: the crowd's ids in order, and the empty one."""

    ids: list[int]
    empty: int


async def crowd(bot: SandboxBot, parent: int) -> Crowd:
    """30 branches of 100 members under `parent`, and an empty one (see the module)."""
    store, now = bot.store, bot.clock.now()
    stamp, day = now.isoformat(), local_day(now, "Asia/Shanghai").isoformat()
    ids = [await store.branches.create(f"Crowd {k:02d}", parent, at=now) for k in range(CROWD)]
    empty = await store.branches.create("Empty", parent, at=now)
    people = [(FIRST + k * PER_BRANCH + i, branch, i, 10 + 3 * k)
              for k, branch in enumerate(ids) for i in range(PER_BRANCH)]
    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO members(id, first_name, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [(m, f"C{m}", stamp, stamp) for m, _, _, _ in people])
        await tx.executemany(
            "INSERT INTO memberships(member_id, branch_id, role, joined_at)"
            " VALUES (?, ?, 'member', ?)", [(m, b, stamp) for m, b, _, _ in people])
        await tx.executemany(
            "INSERT INTO checkins(member_id, day, branch_id, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(m, day, b, "unwell" if i == 0 else "on_duty", stamp, stamp)
             for m, b, i, checked in people if i < checked])
    return Crowd(ids, empty)


@pytest.fixture
async def big(bot: SandboxBot, org: Org) -> Crowd:
    """The crowd under Alpha, in the Chinese-speaking organization."""
    return await crowd(bot, org.a)


@pytest.fixture
async def en_bot() -> AsyncIterator[SandboxBot]:
    """A started bot in which Alpha's secretary and the admin speak English."""
    async with make_bot() as running:
        yield running


def t(bot: SandboxBot, lang: str, key: str, **values: object) -> str:
    """A catalogue text as the sandbox shows it (tags removed)."""
    return html_to_plain(bot.services.translate(lang, key, **values))


def child_lines(message: SandboxMessage) -> list[str]:
    """The rollup's sub-branch lines of a page."""
    return [line for line in message.plain.splitlines() if line.startswith("• ")]


def drill_buttons(message: SandboxMessage) -> list[tuple[str, str | None]]:
    return [(label, data) for label, data in message.button_list if label.startswith("🔍")]


async def sent_for(bot: SandboxBot, user: int, text: str) -> list[SandboxMessage]:
    """The messages the bot sent to `user` for one command."""
    before = len(bot.sandbox.bot_messages(user))
    await bot.send(user, text)
    return bot.sandbox.bot_messages(user)[before:]


# --- small subtrees: names, as before -----------------------------------------------------


async def test_a_small_subtree_still_lists_names_and_goes_back_up(
        bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/checkin on_duty")
    (answer,) = await sent_for(bot, SEC_A, "/who")
    assert "• Max @max" in answer.plain and "• Mo @mo" in answer.plain
    assert drill_buttons(answer) == []  # no ⬆: Root is not Sa's; only "remind them now"
    remind = t(bot, "zh", "who.button_remind", n=4)
    assert answer.button_list == [(remind, cb.WhoRemind(org.a).pack())]
    (sub,) = await sent_for(bot, SEC_A, f"/who {org.a1}")
    assert "• Mo @mo" in sub.plain and "Max" not in sub.plain
    assert sub.button_list == [(t(bot, "zh", "who.button_remind", n=2),
                                cb.WhoRemind(org.a1).pack()), ("⬆ Alpha", f"pg:who:{org.a}:0")]
    back = await bot.press(SEC_A, "⬆ Alpha")
    assert back.message_id == sub.message_id and "• Max @max" in back.plain
    assert bot.sandbox.refused == []


async def test_a_small_subtree_in_english(en_bot: SandboxBot) -> None:
    bot = en_bot
    org = await build_org(bot, english=(SEC_A,))
    answer = await bot.send(SEC_A, "/roster")
    assert "• Max @max: ❔ Not checked in" in answer.plain
    assert t(bot, "en", "roster.branch", branch="Alpha-1", id=org.a1, total=2) in answer.plain
    sub = await bot.send(SEC_A, f"/roster {org.a1}")
    assert "• Mo @mo: ❔ Not checked in" in sub.plain and "Max" not in sub.plain
    assert sub.button_list == [("⬆ Alpha", f"pg:roster:{org.a}:0")]


async def test_names_while_at_most_names_max_are_missing(bot: SandboxBot, org: Org) -> None:
    await crowd(bot, org.a)
    store, day = bot.store, local_day(bot.clock.now(), "Asia/Shanghai")
    # Check everyone in but NAMES_MAX of the 1,400 (Alpha's and Alpha-1's five among them).
    stamp = bot.clock.now().isoformat()
    missing = [m for m in range(FIRST, FIRST + CROWD * PER_BRANCH)
               if (m - FIRST) % PER_BRANCH >= 10 + 3 * ((m - FIRST) // PER_BRANCH)]
    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO checkins(member_id, day, branch_id, status, created_at, updated_at)"
            " SELECT member_id, ?, branch_id, 'off', ?, ? FROM memberships WHERE member_id = ?",
            [(day.isoformat(), stamp, stamp, m) for m in missing[rollup.NAMES_MAX - 5:]])
    (answer,) = await sent_for(bot, SEC_A, "/who")
    text = "\n".join(await all_pages(bot, SEC_A))
    assert sum(line.lstrip().startswith("• ") for line in text.splitlines()) == rollup.NAMES_MAX
    assert f"• C{missing[0]}" in text and drill_buttons(answer) == []
    # One more missing: the rollup.
    await store.db.execute("DELETE FROM checkins WHERE member_id = ?", (missing[-1],))
    (answer,) = await sent_for(bot, SEC_A, "/who")
    assert drill_buttons(answer) and f"• C{missing[0]}" not in answer.plain


async def test_a_roster_of_few_members_in_many_branches_is_the_rollup(
        bot: SandboxBot, org: Org) -> None:
    for n in range(rollup.NAMES_MAX):
        await bot.store.branches.create(f"Hollow {n:03d}", org.a, at=bot.clock.now())
    roster = await bot.send(SEC_A, "/roster")  # 5 members, but 102 branches to head
    assert drill_buttons(roster) and "• Max" not in roster.plain
    assert len(child_lines(roster)) == who.BRANCHES_PER_PAGE
    assert child_lines(roster)[0].startswith("• Alpha-1（")  # empty branches last
    names = await bot.send(SEC_A, "/who")  # the five names, in a few lines
    assert "• Max @max" in names.plain and drill_buttons(names) == []


# --- large subtrees: the rollup ------------------------------------------------------------


async def test_a_large_who_is_one_message_with_the_rollup_worst_first(
        bot: SandboxBot, org: Org, big: Crowd) -> None:
    answers = await sent_for(bot, SEC_A, "/who")
    assert len(answers) == 1  # one message to the secretary, whatever the size
    (answer,) = answers
    lines = answer.plain.splitlines()
    assert lines[0] == t(bot, "zh", "who.header", branch="Alpha", day="2026-03-02",
                         missing=MISSING, total=TOTAL)
    assert lines[1] == "今日状态：🟢 在岗 1575 · 🤒 身体不适 30"  # the whole subtree, on top
    assert t(bot, "zh", "who.own", missing=3, total=3) in lines
    assert t(bot, "zh", "who.children_header", n=CROWD + 2) in lines
    assert child_lines(answer) == [
        t(bot, "zh", "who.child", branch="Alpha-1", id=org.a1, missing=2, total=2, rate=0),
        *(t(bot, "zh", "who.child", branch=f"Crowd {k:02d}", id=big.ids[k],
            missing=90 - 3 * k, total=100, rate=10 + 3 * k) for k in range(11))]
    assert "C5" not in answer.plain  # no names
    assert drill_buttons(answer) == [
        ("🔍 Alpha-1（2）", f"pg:who:{org.a1}:0"),
        *((f"🔍 Crowd {k:02d}（{90 - 3 * k}）", f"pg:who:{big.ids[k]}:0") for k in range(11))]
    assert ("👤 本支部未报到名单（3）", f"pg:whohere:{org.a}:0") in answer.button_list
    assert not any(label.startswith("⬆") for label, _ in answer.button_list)  # Root: not Sa's
    assert bot.sandbox.refused == []


async def test_the_rollup_pages_keep_the_totals_and_end_with_the_empty_branch(
        bot: SandboxBot, org: Org, big: Crowd) -> None:
    first = await bot.send(SEC_A, "/who")
    assert "第 1/3 页" in first.plain
    second = await bot.press(SEC_A, "2/3 ▶")
    assert second.message_id == first.message_id  # in place
    assert second.plain.splitlines()[:2] == first.plain.splitlines()[:2]
    assert [line.split("（")[0] for line in child_lines(second)] == [
        f"• Crowd {k:02d}" for k in range(11, 23)]
    assert drill_buttons(second)[0][0] == "🔍 Crowd 11（57）"
    third = await bot.press(SEC_A, "3/3 ▶")
    assert "第 3/3 页" in third.plain
    assert child_lines(third)[-1] == t(bot, "zh", "who.child_empty", branch="Empty",
                                       id=big.empty)
    assert len(child_lines(third)) == 8 and ("◀ 2/3", f"pg:who:{org.a}:1") in third.button_list
    for page in (first, second, third):
        assert len(page.text or "") <= 4096 and len(page.button_list) <= 100
    assert bot.sandbox.refused == []


async def test_a_drill_down_opens_the_sub_branch_and_goes_back_up(
        bot: SandboxBot, org: Org, big: Crowd) -> None:
    (answer,) = await sent_for(bot, SEC_A, "/who")
    messages = len(bot.sandbox.bot_messages(SEC_A))
    sub = await bot.press(SEC_A, "🔍 Crowd 00（90）")
    assert sub.message_id == answer.message_id  # the same message: one per /who
    assert sub.plain.splitlines()[0] == t(bot, "zh", "who.header", branch="Crowd 00",
                                          day="2026-03-02", missing=90, total=100)
    assert f"• C{FIRST + 10}" in sub.plain  # 90 missing: names
    assert sub.button_list[-1] == ("⬆ Alpha", f"pg:who:{org.a}:0")
    back = await bot.press(SEC_A, "⬆ Alpha")
    assert back.plain == answer.plain
    assert len(bot.sandbox.bot_messages(SEC_A)) == messages  # presses edit, never send
    assert bot.sandbox.refused == []


async def test_a_drill_down_into_a_large_branch_is_its_rollup(
        bot: SandboxBot, org: Org, big: Crowd) -> None:
    root = await bot.send(ADMIN, "/who")
    assert [label for label, _ in drill_buttons(root)] == ["🔍 Beta（2）", "🔍 Alpha（1400）"]
    assert t(bot, "zh", "who.own_empty") in root.plain.splitlines()  # the admin is no member
    alpha = await bot.press(ADMIN, "🔍 Alpha（1400）")
    assert child_lines(alpha)[0].startswith("• Alpha-1（")
    assert ("⬆ Root", f"pg:who:{org.root}:0") in alpha.button_list
    own = await bot.press(ADMIN, "👤 本支部未报到名单（3）")
    assert own.plain.splitlines()[0] == t(bot, "zh", "who.own_header", branch="Alpha",
                                          day="2026-03-02", missing=3, total=3)
    assert [line for line in own.plain.splitlines() if line.startswith("• ")] == [
        "• Sa @sa", "• Max @max", "• Mia @mia"]  # secretary first, then by name
    assert own.button_list == [("⬆ Alpha", f"pg:who:{org.a}:0")]
    assert bot.sandbox.refused == []


async def test_a_forged_drill_down_outside_the_scope_is_refused(
        bot: SandboxBot, org: Org, big: Crowd) -> None:
    answer = await bot.send(SEC_A1, "/who")  # Alpha-1: names, nothing to drill into
    for data in (f"pg:who:{big.ids[0]}:0", f"pg:roster:{org.a}:0", f"pg:whohere:{org.b}:0"):
        update = bot.sandbox.user_presses(SEC_A1, answer.message_id, data, check=False)
        await bot.settle()
        alert = bot.sandbox.callback_answers[update["callback_query"]["id"]]
        assert alert["show_alert"] and "不在你负责的范围内" in alert["text"]
    assert bot.sandbox.last(SEC_A1).plain == answer.plain  # unchanged
    refused = [e for e in await bot.store.audit.entries() if e[1] == SEC_A1 and not e[4]]
    assert len(refused) == 3


async def test_a_large_roster_is_the_rollup_with_statuses(
        bot: SandboxBot, org: Org, big: Crowd) -> None:
    answers = await sent_for(bot, SEC_A, "/roster")
    assert len(answers) == 1
    (answer,) = answers
    messages = len(bot.sandbox.bot_messages(SEC_A))
    lines = answer.plain.splitlines()
    assert lines[0] == t(bot, "zh", "roster.header", branch="Alpha", total=TOTAL,
                         day="2026-03-02")
    assert lines[1] == "今日状态：🟢 在岗 1575 · 🤒 身体不适 30"
    assert t(bot, "zh", "roster.own", total=3, statuses="❔ 3") in lines
    assert child_lines(answer)[:2] == [
        t(bot, "zh", "roster.child", branch="Alpha-1", id=org.a1, total=2, statuses="❔ 2"),
        t(bot, "zh", "roster.child", branch="Crowd 00", id=big.ids[0], total=100,
          statuses="🟢 9 · 🤒 1 · ❔ 90")]
    sub = await bot.press(SEC_A, "🔍 Crowd 00（100）")
    assert f"• C{FIRST}：🤒 身体不适" in sub.plain  # 100 members: names
    own = await bot.press(SEC_A, "⬆ Alpha")
    own = await bot.press(SEC_A, t(bot, "zh", "roster.button_own", total=3))
    assert "• Sa @sa · 书记：❔ 未报到" in own.plain and "C5" not in own.plain
    assert len(bot.sandbox.bot_messages(SEC_A)) == messages
    assert bot.sandbox.refused == []


async def test_the_rollup_in_english(en_bot: SandboxBot) -> None:
    bot = en_bot
    org = await build_org(bot, english=(SEC_A,))
    big = await crowd(bot, org.a)
    answer = await bot.send(SEC_A, "/who")
    assert t(bot, "en", "who.own", missing=3, total=3) in answer.plain.splitlines()
    assert child_lines(answer)[1] == t(bot, "en", "who.child", branch="Crowd 00",
                                       id=big.ids[0], missing=90, total=100, rate=10)
    assert child_lines(answer)[1] == (f"• Crowd 00 (#{big.ids[0]}): 90/100 not checked in"
                                      " · 10% checked in")
    assert ("👤 Own members not checked in (3)", f"pg:whohere:{org.a}:0") in answer.button_list
    roster = await bot.send(SEC_A, "/roster")
    assert child_lines(roster)[0] == f"• Alpha-1 (#{org.a1}): 2 members · ❔ 2"
    assert "(page 1 of 3)" in roster.plain
    last = (await all_pages(bot, SEC_A))[-1]
    assert f"• Empty (#{big.empty}): no members yet" in last
    assert bot.sandbox.refused == []


def test_worst_first_puts_empty_branches_last_and_ties_by_care() -> None:
    from storage.rollup import BranchTally
    from storage.rows import BranchNode

    def part(branch_id: int, members: int, **statuses: int) -> rollup.Part:
        node = BranchNode(branch_id, 1, f"B{branch_id}", 1, "Asia/Shanghai", members)
        return rollup.Part(node, BranchTally(branch_id, members, statuses))

    parts = [part(1, 0), part(2, 10, on_duty=5), part(3, 10, on_duty=4, unwell=1),
             part(4, 4, on_duty=1), part(5, 10, off=9)]
    assert [p.node.id for p in rollup.worst_first(parts)] == [4, 3, 2, 5, 1]


def test_a_rollup_page_stays_within_telegram_limits() -> None:
    assert who.BRANCHES_PER_PAGE * 2 + 6 <= 100  # drill-downs, ◀ ▶, own, ⬆
    assert len(f"pg:whohere:{10**12 - 1}:99999".encode()) <= 64


# --- the arithmetic: the parts add up to the whole, each branch on its own day -------------

ZONES = ("Asia/Shanghai", "America/New_York")  # at NOW, 2026-03-02 and 2026-03-01
NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
trees = st.lists(st.tuples(st.integers(0, 10), st.sampled_from([None, *ZONES]),
                           st.lists(st.sampled_from([None, *STATUSES, "yesterday"]),
                                    max_size=5)), max_size=8)


async def _compare(folder: Path, tree: list[tuple[int, str | None, list[str | None]]]) -> None:
    store = Store(folder / "r.db")
    await store.initialize()
    try:
        ids = [await store.branches.create("Root", None, at=NOW)]
        member = 1
        for parent, zone, answers in tree:
            branch = await store.branches.create(f"B{len(ids)}", ids[parent % len(ids)], at=NOW)
            await store.db.execute("UPDATE branches SET timezone = ? WHERE id = ?", (zone, branch))
            ids.append(branch)
            node = (await store.branches.subtree(branch))[0]
            for answer in answers:
                await store.people.save(member, f"M{member}", None, None, "zh", at=NOW)
                await store.people.set_membership(member, branch, "member", at=NOW)
                today = local_day(NOW, node.timezone)
                if answer == "yesterday":  # another day's answer never counts
                    await store.checkins.record(member, branch, today - timedelta(days=1),
                                                "off", at=NOW)
                elif answer is not None:
                    await store.checkins.record(member, branch, today, answer, at=NOW)
                member += 1
        found = await rollup.subtree_rollup(store, ids[0], NOW)
        names = await checkins.subtree_status(store, ids[0], NOW)
        assert (found.members, found.missing, found.counts) == (
            names.total, names.missing, names.counts)
        nodes = {b.node.id: b for b in names.branches}
        for part in [found.own, *found.children]:
            below = [b for b in names.branches if b.node.id == part.node.id
                     or (part is not found.own and _under(nodes, b.node.id, part.node.id))]
            rows = [m for b in below for m in b.members]
            assert part.tally.members == len(rows)
            assert dict(part.tally.statuses) == dict(Counter(m.status for m in rows if m.status))
        assert [p.node.id for p in found.children] == \
            [p.node.id for p in rollup.worst_first(found.children)]
    finally:
        await store.shutdown()


def _under(nodes: dict[int, checkins.BranchStatus], branch_id: int, top: int) -> bool:
    parent = nodes[branch_id].node.parent_id
    while parent is not None and parent in nodes:
        if parent == top:
            return True
        parent = nodes[parent].node.parent_id
    return False


@settings(max_examples=30, deadline=None)
@given(trees)
def test_the_rollup_adds_up_to_the_names_on_each_branchs_day(
        tree: list[tuple[int, str | None, list[str | None]]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_compare(Path(folder), tree))
