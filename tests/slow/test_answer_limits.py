"""No answer is refused by Telegram: every command, with maximal inputs, over maximal data.

The organization here has names as long as Telegram and Frontline allow (64 + 64 characters
for a person, 64 for a branch, 40 for a team), 600 members in one team and 120 teams, a
member with 10 needs of the longest kind, long notes, households and tasks. Every command the
application registers (and the command menus name) is sent by a secretary, a member and an
admin with long arguments and many words; after each, a button of the answer may be pressed.
The sandbox refuses what Telegram would refuse (a text over 4,096 characters, broken HTML,
more than 100 buttons, callback data over 64 bytes, ...); none of that may happen, and the
generic error may never be sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.clock import ManualClock
from bot.config import Config
from bot.rules import needs, tasks
from bot.rules.tasks import Draft
from bot.sandbox import SandboxMessage, html_to_plain, vtime
from bot.sandbox.harness import SandboxBot
from bot.text import TEXT_LIMIT
from handlers.core import menus
from storage.households import HouseholdInput
from tests.helpers import ADMIN, MORNING

SEC, MEM, SEC_B = 201, 301, 203
CROWD = 600  # members of the big team (ids from 10_000)
TEAMS = 120  # more teams than an inline keyboard has buttons

# Names as long as Telegram allows (64 characters each for first and last name).
FIRST = "李" * 30 + "Abcdefghij" * 3 + "xxxx"
LAST = "王" * 32 + "Zyxwvutsrq" * 3 + "yy"
BRANCH = "东湖街道第一社区党支部" * 5 + "Branchxxx"[: 64 - 55]
TEAM = "突击队" * 13 + "T"


def _long(base: str, size: int) -> str:
    return (base * (size // len(base) + 1))[:size]


@dataclass
class World:
    """The running bot and the ids of what the tests look at."""

    bot: SandboxBot
    loop: asyncio.AbstractEventLoop
    a: int
    b: int
    task_id: int


def registered_commands(bot: SandboxBot) -> set[str]:
    """Every command a handler of the application answers, and every menu entry."""

    def walk(handler: BaseHandler[Any, Any, Any]) -> Iterator[CommandHandler[Any, Any]]:
        if isinstance(handler, CommandHandler):
            yield handler
        elif isinstance(handler, ConversationHandler):
            inner = [*handler.entry_points, *handler.fallbacks,
                     *(h for state in handler.states.values() for h in state)]
            for one in inner:
                yield from walk(one)

    found = {command for group in bot.app.handlers.values() for handler in group
             for one in walk(handler) for command in one.commands}
    return found | set(menus.MEMBER_COMMANDS) | set(menus.SECRETARY_COMMANDS)


async def _people(bot: SandboxBot, branch: int, ids: list[int], role: str = "member") -> None:
    store, now = bot.store, bot.clock.now()
    for n, user_id in enumerate(ids):
        first = FIRST[:-len(str(n))] + str(n)
        bot.user(user_id, first, last_name=LAST, username=f"u{user_id}_" + "x" * 24)
        await store.people.save(user_id, first, LAST, f"u{user_id}_" + "x" * 24, "zh", at=now)
        await store.people.set_membership(user_id, branch, role, at=now)


async def _build(bot: SandboxBot) -> tuple[int, int, int]:
    store, now = bot.store, bot.clock.now()
    root = await store.branches.create(BRANCH[:-1] + "R", None, at=now)
    a = await store.branches.create(BRANCH, root, at=now)
    a1 = await store.branches.create(BRANCH[:-1] + "1", a, at=now)
    b = await store.branches.create(BRANCH[:-1] + "B", root, at=now)
    bot.user(ADMIN, FIRST, last_name=LAST, username="admin_" + "x" * 26)
    await _people(bot, a, [SEC], "secretary")
    await _people(bot, b, [SEC_B], "secretary")
    await _people(bot, a, [MEM])
    crowd = list(range(10_000, 10_000 + CROWD))
    await _people(bot, a, crowd[:CROWD // 2])
    await _people(bot, a1, crowd[CROWD // 2:])
    day = now.date()
    for user_id in [MEM, *crowd]:
        await store.checkins.record(user_id, a, day, "unwell", note=_long("发烧<b>&", 200),
                                    at=now)
    # One team of everybody, and more teams than a keyboard holds.
    big = await store.teams.create(a, TEAM, created_by=SEC, at=now)
    assert big is not None
    for user_id in crowd:
        await store.teams.add_member(big, user_id, at=now)
    for n in range(TEAMS):
        team = await store.teams.create(a, TEAM[:-3] + f"{n:03}", created_by=SEC, at=now)
        assert team is not None
        await store.teams.add_member(team, crowd[n], at=now)
    # Ten needs of the longest kind from one member, some with a long status note.
    for n in range(10):
        need_id = await store.needs.create(
            branch_id=a, reporter_id=MEM, category="medicine", urgency="critical",
            for_self=False, for_whom=_long("隔壁独居老人<i>", needs.FOR_WHOM_MAX),
            details=_long("需要降压药&amp;胰岛素 ", needs.DETAILS_MAX),
            location=_long("东湖路3号楼402室 ", needs.LOCATION_MAX), latitude=None,
            longitude=None, at=now - timedelta(minutes=n))
        if n % 2:
            await store.needs.set_status(need_id, "assigned", note=_long("已安排 ",
                                                                         needs.NOTE_MAX),
                                         by=SEC, at=now)
    # Households with the longest texts, for the member and the secretary.
    homes = [HouseholdInput(_long(f"{z}号楼区域", 40), _long(f"{i}-室", 64),
                            _long("东湖路三号四百零二室 ", 500), 999,
                            _long("独居老人，行动不便 ", 500), MEM if i % 2 else SEC, i % 3 == 0)
             for z in range(3) for i in range(12)]
    await store.households.upsert(a, homes, at=now)
    # A task for the whole crowd; everyone declines with the longest reason.
    draft = Draft(a, BRANCH, "Asia/Shanghai", FIRST, title=_long("送药上门 ", tasks.TITLE_MAX),
                  details=_long("详细说明 ", tasks.DETAILS_MAX))
    task_id = await tasks.create(store, bot.services.translate, draft, by=SEC,
                                 assignees=[MEM, *crowd], now=now)
    for user_id in crowd[:200]:
        await store.tasks.answer_assignment(task_id, user_id, accept=False,
                                            reason=_long("家里有人隔离 ",
                                                         tasks.REASON_MAX), at=now,
                                            messages=[])
    for n in range(30):
        await store.records.add_conduct(MEM, a, "commendation" if n % 2 else "note",
                                        _long("表现突出 ", 500), author_id=SEC, at=now)
    return a, b, task_id


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    loop = vtime.VirtualTimeLoop()  # virtual time, as in every other test (tests/conftest.py)
    # The outbox unpaced: the task's 601 copies are sent at once rather than at 25 a second.
    bot = SandboxBot(Config(admins=frozenset({ADMIN})), clock=ManualClock(MORNING),
                     outbox_rate=100_000)
    # Stopped whatever happens, a failed setup included: a bot left running keeps its
    # database's threads alive, and the test run could not end.
    try:
        loop.run_until_complete(bot.start())
        a, b, task_id = loop.run_until_complete(_build(bot))
        loop.run_until_complete(bot.drain())
        assert bot.sandbox.refused == []  # the 601 task copies and the commendations went out
        yield World(bot, loop, a, b, task_id)
    finally:
        loop.run_until_complete(bot.stop())
        loop.close()


def _generic_errors(bot: SandboxBot) -> set[str]:
    translate = bot.services.translate
    return {html_to_plain(translate(lang, "error.generic")) for lang in ("zh", "en")}


def _check(world: World, user: int, before: int, caplog: pytest.LogCaptureFixture,
           what: str) -> None:
    bot = world.bot
    refused = [(method, description) for method, _, description in bot.sandbox.refused]
    assert refused == [], f"{what}: {refused}"
    generic = _generic_errors(bot)
    sent = [m.plain for m in bot.sandbox.bot_messages(user)[before:]]
    alerts = [str(p.get("text", "")) for p in bot.sandbox.callback_answers.values()]
    assert not generic & {*sent, *alerts}, what
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], f"{what}: {errors}"


def _send(world: World, user: int, text: str, caplog: pytest.LogCaptureFixture
          ) -> list[SandboxMessage]:
    """Send as `user`, check nothing was refused, return the bot's new messages."""
    bot = world.bot
    bot.sandbox.refused.clear()
    bot.sandbox.callback_answers.clear()
    before = len(bot.sandbox.bot_messages(user))
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        world.loop.run_until_complete(bot.send(user, text))
    _check(world, user, before, caplog, text[:80])
    return bot.sandbox.bot_messages(user)[before:]


def _press(world: World, user: int, label: str, caplog: pytest.LogCaptureFixture
           ) -> SandboxMessage:
    """Press a button as `user`, check nothing was refused, return the chat's last message."""
    bot = world.bot
    bot.sandbox.refused.clear()
    bot.sandbox.callback_answers.clear()
    before = len(bot.sandbox.bot_messages(user))
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        last = world.loop.run_until_complete(bot.press(user, label))
    _check(world, user, before, caplog, label)
    return last


def _pages(world: World, user: int, caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every page of the list just sent (▶ until the last), each checked."""
    message = world.bot.sandbox.last(user)
    texts = [message.plain]
    while any(label.endswith("▶") for label, _ in message.button_list):
        message = _press(world, user, "▶", caplog)
        texts.append(message.plain)
    return texts


# --- the answers the issue names ---------------------------------------------------------


def test_a_members_ten_long_needs_are_sent_within_the_limit(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    sent = _send(world, MEM, "/needs", caplog)
    assert 1 < len(sent) <= 3  # split between needs, not a stream of messages
    text = "\n".join(m.plain for m in sent)
    assert text.count("#") >= 10 and "…" in text  # all ten, each cut to an excerpt


def test_a_secretarys_needs_pages_with_long_names_fit(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    (page,) = _send(world, SEC, "/needs", caplog)
    first = page.plain
    assert FIRST[:20] in first and "第 1/2 页" in first
    turned = _press(world, SEC, "▶", caplog)
    assert turned.message_id == page.message_id and "第 2/2 页" in turned.plain
    _press(world, SEC, "🔄", caplog)  # the same page again: nothing to change, nothing refused


def test_teams_of_600_members_are_summarized_and_paged(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    sent = _send(world, SEC, "/team", caplog)
    assert len(sent) == 1
    assert "等 590 人" in "\n".join(_pages(world, SEC, caplog))
    (first,) = _send(world, SEC, f"/team {TEAM}", caplog)
    assert f"{TEAM}（{BRANCH}）：{CROWD} 人" in first.plain
    pages = _pages(world, SEC, caplog)
    assert len(pages) > 5
    assert sum(page.count("• ") for page in pages) == CROWD


def test_assign_to_a_600_member_team(world: World, caplog: pytest.LogCaptureFixture) -> None:
    _send(world, SEC, "/assign", caplog)
    _send(world, SEC, "送药", caplog)
    _press(world, SEC, "跳过", caplog)
    picker = _press(world, SEC, "跳过", caplog)
    assert len(picker.button_list) <= 30  # 8 members, 10 teams, paging, OK and Cancel
    assert "另有 111 个突击队未列出" in picker.plain
    _send(world, SEC, "队T", caplog)  # a search finds the team by its name
    summary = _press(world, SEC, f"{TEAM}（{CROWD}）", caplog)
    assert f"分派给 {CROWD} 人" in summary.plain and f"等 {CROWD - 20} 人" in summary.plain
    done = _press(world, SEC, "✅ 分派", caplog)
    assert f"{CROWD} 人" in done.plain


def test_a_task_of_601_assignees_is_paged_with_its_buttons(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    (first,) = _send(world, SEC, f"/task {world.task_id}", caplog)
    assert "🏁" in " ".join(label for label, _ in first.button_list)  # Mark done on page 1
    pages = _pages(world, SEC, caplog)
    assert len(pages) > 10
    lines = [line for page in pages for line in page.splitlines()]
    assert sum(line.startswith("• ") for line in lines) == CROWD + 1
    assert sum(line.startswith("  原因：") for line in lines) == 200  # with their item
    assert world.bot.sandbox.last(SEC).button_list[-1][1] == f"tk:{world.task_id}:cancel"


def test_an_unknown_command_of_4000_characters_gets_a_short_answer(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    (answer,) = _send(world, MEM, "/" + "x" * 4000, caplog)
    assert "/" + "x" * 38 + "…" in answer.plain and "x" * 40 not in answer.plain


def test_every_command_bare_and_with_long_arguments(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    commands = sorted(registered_commands(world.bot))
    assert {"needs", "team", "assign", "record", "digest", "who", "roster"} <= set(commands)
    for user in (SEC, MEM, ADMIN):
        for command in commands:
            for args in ("", "啊" * 4000, f"{TEAM} 0001-01-01"):
                sent = _send(world, user, f"/{command} {args}".strip()[:TEXT_LIMIT], caplog)
                if sent and not args:  # every button of a bare command's answer, once
                    for label, _ in sent[-1].button_list:
                        _press_quietly(world, user, sent[-1], label, caplog)
                world.loop.run_until_complete(world.bot.send(user, "/cancel"))


def _press_quietly(world: World, user: int, message: SandboxMessage, label: str,
                   caplog: pytest.LogCaptureFixture) -> None:
    """Press a button of that message (if it still has it) and check what followed."""
    bot = world.bot
    data = next((d for text, d in message.button_list if text == label and d), None)
    current = bot.sandbox.message(message.chat_id, message.message_id)
    if data is None or all(d != data for _, d in current.button_list):
        return
    bot.sandbox.refused.clear()
    before = len(bot.sandbox.bot_messages(user))
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        bot.sandbox.user_presses(user, message.message_id, data)
        world.loop.run_until_complete(bot.settle())
    _check(world, user, before, caplog, f"{message.plain[:40]} → {data}")


# --- any command, any arguments ----------------------------------------------------------

# Arguments: words the commands know, names in the database, and long or many words.
KNOWN = ["add", "remove", "delete", "list", "rename", "member", "secretary", "visit", "7d",
         "30d", "2026-03", "2026-02-01..2026-03-01", "yesterday", "today", "unwell", "checkin",
         "@mia", "#2", "#3", "2", "1", "→", "open", "critical", "food", "inherit", "timezone",
         "digest", "households", "0001-01-01", "9999-12-31", "0001-01", "9999-12",
         f"@u{MEM}_" + "x" * 24, FIRST, TEAM, "3", "0号楼区域"]
long_word = st.sampled_from([40, 64, 300, 1000, 4000]).flatmap(
    lambda n: st.text(st.sampled_from("啊a<&>😀_-#@"), min_size=n, max_size=n))
word = st.one_of(st.sampled_from(KNOWN), long_word, st.text(min_size=1, max_size=30))
arguments = st.one_of(
    st.just(""),
    st.lists(word, min_size=1, max_size=4).map(" ".join),
    st.integers(1, 800).map(lambda n: " ".join(["词"] * n)),  # many words
)


def test_any_command_with_maximal_inputs_is_answered_within_telegrams_limits(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    bot, loop = world.bot, world.loop
    commands = [*sorted(registered_commands(bot)), "x" * 4000]  # and an unknown command

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(user=st.sampled_from([SEC, MEM, ADMIN]), command=st.sampled_from(commands),
           args=arguments, press=st.none() | st.integers(0, 200), cancel=st.booleans())
    def one(user: int, command: str, args: str, press: int | None, cancel: bool) -> None:
        text = f"/{command} {args}".strip()[:TEXT_LIMIT]
        sent = _send(world, user, text, caplog)
        last = sent[-1] if sent else bot.sandbox.last(user)
        buttons = [label for label, data in last.button_list if data]
        if press is not None and buttons:
            _press_quietly(world, user, last, buttons[press % len(buttons)], caplog)
        if cancel:
            loop.run_until_complete(bot.send(user, "/cancel"))

    one()
