"""How a broadcast is sent: the outbox worker on the sandbox, and its pacer on a fake clock.

Timing assertions are lower bounds that follow from the rules (a 429 pauses all sending for
its retry_after, one message a second to a chat, ...); upper bounds would only measure the
machine.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from itertools import pairwise
from pathlib import Path

import pytest
from telegram.request import RequestData

from bot.clock import ManualClock
from bot.config import Config
from bot.runtime.outbox import (
    CHAT_INTERVAL,
    GROUP_PER_MINUTE,
    MAX_EXTRA,
    NARROW,
    NARROW_AFTER,
    WIDEN,
    WINDOW,
    OutboxWorker,
    Pacer,
    SendResult,
)
from bot.sandbox import Sandbox, vtime
from bot.sandbox.harness import SandboxBot
from storage.rows import NewMessage, OutboxItem
from tests.helpers import MORNING, OUTSIDER, loop_time

FIRST = 5000

# (the event loop's time, chat id, HTTP status; 0 for a timeout) of every sendMessage answered.
SendLog = list[tuple[float, int, int]]


def record_sends(sandbox: Sandbox) -> SendLog:
    """Log every sendMessage the sandbox answers, with the time it answered."""
    log: SendLog = []
    handle = sandbox.handle

    async def recording(url: str, method: str,
                        data: RequestData | None) -> tuple[int, bytes]:
        chat = int(str(data.parameters.get("chat_id") or 0)) if data is not None else 0
        try:
            status, body = await handle(url, method, data)
        except Exception:
            if url.endswith("/sendMessage"):
                log.append((loop_time(), chat, 0))
            raise
        if url.endswith("/sendMessage"):
            log.append((loop_time(), chat, status))
        return status, body

    sandbox.handle = recording  # type: ignore[method-assign,assignment]
    return log


async def add_members(bot: SandboxBot, ids: list[int], *, branch: int | None = None) -> int:
    """Users of the sandbox and members of one branch in the database; returns the branch."""
    store, now = bot.store, bot.clock.now()
    if branch is None:
        branch = await store.branches.create("Outbox", None, at=now)
    for user_id in ids:
        bot.user(user_id, f"U{user_id}", language_code="en")
        await store.people.save(user_id, f"U{user_id}", None, None, "en", at=now)
        await store.people.set_membership(user_id, branch, "member", at=now)
    return branch


async def queue(bot: SandboxBot, branch: int, ids: list[int], body: str = "hello",
                texts: dict[int, str] | None = None) -> int:
    """One broadcast with a row per member, written at once; the worker is woken."""
    texts = texts or {}
    messages = [NewMessage(chat_id=u, member_id=u, text=texts.get(u, f"{body} {u}"),
                           buttons=[[("OK", "ack:1")]]) for u in ids]
    broadcast_id = await bot.store.broadcasts.create(
        branch_id=branch, author_id=ids[0], scope="subtree", body=body, media_kind=None,
        media_file_id=None, to_groups=False, ack_required=True, messages=messages,
        status_chat_id=None, status_message_id=None, at=bot.clock.now())
    worker(bot).wake()
    return broadcast_id


def worker(bot: SandboxBot) -> OutboxWorker:
    """The running outbox worker."""
    outbox = bot.services.outbox
    assert outbox is not None
    return outbox


def received(bot: SandboxBot, chat_id: int, body: str = "hello") -> int:
    """How many messages of this broadcast the chat got."""
    return sum(1 for m in bot.sandbox.bot_messages(chat_id) if m.plain.startswith(body))


@pytest.fixture
async def fast() -> AsyncIterator[SandboxBot]:
    """A started bot whose outbox may send 200 messages a second."""
    async with SandboxBot(Config(), clock=ManualClock(MORNING), outbox_rate=200) as running:
        yield running


# --- what gets sent ---------------------------------------------------------------------


async def test_every_row_is_sent_once_in_queue_order(fast: SandboxBot) -> None:
    ids = list(range(FIRST, FIRST + 30))
    branch = await add_members(fast, ids)
    reports: list[tuple[int, bool]] = []

    async def progress(broadcast_id: int, finished: bool) -> None:
        reports.append((broadcast_id, finished))

    worker(fast).progress = progress
    log = record_sends(fast.sandbox)
    broadcast_id = await queue(fast, branch, ids)
    await fast.drain()
    assert [chat for _, chat, _ in log] == ids
    for user_id in ids:
        [message] = fast.sandbox.bot_messages(user_id)
        assert message.plain == f"hello {user_id}"
        assert message.button_list == [("OK", "ack:1")]
    counts = await fast.store.broadcasts.counts(broadcast_id)
    assert (counts.total, counts.sent, counts.pending, counts.failed, counts.unreachable,
            counts.members, counts.groups) == (30, 30, 0, 0, 0, 30, 0)
    row = await fast.store.broadcasts.get(broadcast_id)
    assert row is not None and row.finished_at is not None
    assert [r for r in reports if r[1]] == [(broadcast_id, True)]
    # Nothing more happens once it is finished.
    await fast.drain()
    assert len(log) == 30
    assert [r for r in reports if r[1]] == [(broadcast_id, True)]


async def test_two_messages_to_one_chat_are_a_second_apart(fast: SandboxBot) -> None:
    [user] = ids = [FIRST]
    branch = await add_members(fast, ids)
    log = record_sends(fast.sandbox)
    await queue(fast, branch, ids, body="first")
    await queue(fast, branch, ids, body="second")
    await fast.drain()
    assert [m.plain for m in fast.sandbox.bot_messages(user)] == [f"first {user}",
                                                                   f"second {user}"]
    (t1, _, _), (t2, _, _) = log
    assert t2 - t1 >= CHAT_INTERVAL - 0.01


async def test_a_429_pauses_all_sending_then_the_same_message_is_retried(
        fast: SandboxBot) -> None:
    ids = list(range(FIRST, FIRST + 10))
    branch = await add_members(fast, ids)
    starts: list[tuple[float, int]] = []
    handle = fast.sandbox.handle

    async def starting(url: str, method: str, data: RequestData | None) -> tuple[int, bytes]:
        if url.endswith("/sendMessage") and data is not None:
            starts.append((loop_time(), int(str(data.parameters["chat_id"]))))
        return await handle(url, method, data)

    fast.sandbox.handle = starting  # type: ignore[method-assign,assignment]
    log = record_sends(fast.sandbox)
    fast.sandbox.fail("sendMessage", "429", chat_id=ids[3], retry_after=1)
    broadcast_id = await queue(fast, branch, ids)
    await fast.drain()
    # Messages already in flight when the worker heard of the 429 may finish; none starts
    # during the pause, and the refused message is the first to go after it.
    paused_until = worker(fast).pacer.paused_until
    assert not [chat for t, chat in starts if paused_until - 1.0 <= t < paused_until]
    after = [chat for t, chat in starts if t >= paused_until]
    assert after[0] == ids[3]
    assert [chat for _, chat, status in log if status == 429] == [ids[3]]
    assert sorted(chat for _, chat, status in log if status == 200) == ids
    assert all(received(fast, u) == 1 for u in ids)  # no loss, no duplicate
    assert worker(fast).paused_by_retry_after >= 1.0
    counts = await fast.store.broadcasts.counts(broadcast_id)
    assert (counts.sent, counts.failed, counts.pending) == (10, 0, 0)


@pytest.mark.parametrize("kind", ["500", "502"])
async def test_server_errors_are_retried_with_backoff_then_delivered(
        fast: SandboxBot, kind: str) -> None:
    ids = list(range(FIRST, FIRST + 20))
    branch = await add_members(fast, ids)
    log = record_sends(fast.sandbox)
    unlucky = ids[2]
    fast.sandbox.fail("sendMessage", kind, chat_id=unlucky, times=2)
    broadcast_id = await queue(fast, branch, ids)
    await fast.drain()
    attempts = [(t, status) for t, chat, status in log if chat == unlucky]
    assert [status for _, status in attempts] == [int(kind), int(kind), 200]
    backoff = worker(fast).backoff
    assert attempts[1][0] - attempts[0][0] >= backoff
    assert attempts[2][0] - attempts[1][0] >= 2 * backoff
    # The others did not wait for it.
    first_failure = attempts[0][0]
    assert any(chat != unlucky and first_failure < t < attempts[1][0] for t, chat, _ in log)
    assert all(received(fast, u) == 1 for u in ids)
    counts = await fast.store.broadcasts.counts(broadcast_id)
    assert (counts.sent, counts.failed, counts.pending) == (20, 0, 0)


async def test_a_message_failing_too_often_is_marked_failed(fast: SandboxBot) -> None:
    ids = list(range(FIRST, FIRST + 6))
    branch = await add_members(fast, ids)
    outbox = worker(fast)
    outbox.backoff = 0.01
    log = record_sends(fast.sandbox)
    unlucky = ids[1]
    fast.sandbox.fail("sendMessage", "500", chat_id=unlucky, times=outbox.max_attempts + 3)
    broadcast_id = await queue(fast, branch, ids)
    await fast.drain()
    assert sum(1 for _, chat, _ in log if chat == unlucky) == outbox.max_attempts
    assert received(fast, unlucky) == 0
    assert all(received(fast, u) == 1 for u in ids if u != unlucky)
    counts = await fast.store.broadcasts.counts(broadcast_id)
    assert (counts.sent, counts.failed, counts.unreachable, counts.pending) == (5, 1, 0, 0)
    assert await fast.store.broadcasts.problem_recipients(broadcast_id) == [
        (unlucky, unlucky, f"U{unlucky}", "failed")]
    row = await fast.store.broadcasts.get(broadcast_id)
    assert row is not None and row.finished_at is not None


async def test_a_timeout_is_retried_and_the_message_delivered(fast: SandboxBot) -> None:
    ids = list(range(FIRST, FIRST + 5))
    branch = await add_members(fast, ids)
    log = record_sends(fast.sandbox)
    fast.sandbox.fail("sendMessage", "timeout", chat_id=ids[0])
    broadcast_id = await queue(fast, branch, ids)
    await fast.drain()
    assert [status for _, chat, status in log if chat == ids[0]] == [0, 200]
    # A timeout may hide a delivery, so at most that message may arrive twice; here the
    # sandbox refused it, so exactly once.
    assert all(received(fast, u) == 1 for u in ids)
    counts = await fast.store.broadcasts.counts(broadcast_id)
    assert (counts.sent, counts.failed, counts.pending) == (5, 0, 0)


async def test_a_bug_in_sending_does_not_block_the_outbox(fast: SandboxBot) -> None:
    ids = list(range(FIRST, FIRST + 4))
    branch = await add_members(fast, ids)
    outbox = worker(fast)
    outbox.backoff = 0.01
    send = outbox.send

    async def broken(item: OutboxItem, paid: bool) -> SendResult:
        if item.chat_id == ids[0]:
            raise RuntimeError("bug")
        return await send(item, paid)

    outbox.send = broken
    broadcast_id = await queue(fast, branch, ids)
    await fast.drain()
    counts = await fast.store.broadcasts.counts(broadcast_id)
    assert (counts.sent, counts.failed, counts.pending) == (3, 1, 0)


def test_a_row_written_while_its_page_is_swept_is_not_sent_again() -> None:
    """A page of the outbox is read while a message is in flight; the page is swept slowly
    (pacing); the message's outcome is written meanwhile: the page's stale copy of the row
    must not be sent again."""

    async def scenario() -> list[str]:
        async with SandboxBot(Config(), clock=ManualClock(MORNING), outbox_rate=1) as bot:
            bot.sandbox.latency(500)
            for user in (FIRST, FIRST + 1):
                bot.user(user, f"U{user}")
            # y0 goes at once; y1 waits for its chat; r waits for the rate and is in flight
            # when the next sweep reads the page; y1 then waits for the rate while r's
            # outcome is written.
            await bot.store.outbox.enqueue("need", [NewMessage(FIRST, FIRST, "y0"),
                                                    NewMessage(FIRST, FIRST, "y1"),
                                                    NewMessage(FIRST + 1, FIRST + 1, "r")],
                                           at=bot.clock.now())
            worker(bot).wake()
            await bot.drain()
            return [m.plain for u in (FIRST, FIRST + 1) for m in bot.sandbox.bot_messages(u)]

    assert vtime.run(scenario()) == ["y0", "y1", "r"]


async def test_no_progress_overwrites_the_final_report(fast: SandboxBot) -> None:
    """The last outcomes of a broadcast can be written while the sweep marks it finished
    (the recorder commits them as finish_broadcast waits for the writer's lock): the
    broadcast is then touched once more after its final report, which must stay the last
    word on the author's status message (a progress edit overwrote it)."""
    ids = list(range(FIRST, FIRST + 3))
    branch = await add_members(fast, ids)
    reports: list[tuple[int, bool]] = []

    async def progress(broadcast_id: int, finished: bool) -> None:
        reports.append((broadcast_id, finished))

    outbox = worker(fast)
    outbox.progress = progress
    broadcast_id = await queue(fast, branch, ids)
    await fast.drain()
    assert reports[-1] == (broadcast_id, True)
    outbox._touched.add(broadcast_id)  # the late touch the race leaves behind
    await outbox._report_touched()
    assert reports[-1] == (broadcast_id, True)
    assert reports.count((broadcast_id, True)) == 1


# --- when the database cannot be written --------------------------------------------------


async def test_while_outcomes_cannot_be_written_nothing_is_sent_twice_and_sending_pauses(
        fast: SandboxBot, caplog: pytest.LogCaptureFixture) -> None:
    ids = list(range(FIRST, FIRST + 40))
    branch = await add_members(fast, ids)
    outbox = worker(fast)
    await outbox.shutdown()
    broadcast_id = await queue(fast, branch, ids)
    outbox.max_in_flight = 10
    log = record_sends(fast.sandbox)
    # From now on every write fails, as with a full disk or a read-only file.
    await fast.store.db.execute("PRAGMA query_only=ON")
    await outbox.initialize()
    outbox.wake()
    for _ in range(200):
        if not outbox.writable:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(2.0)  # several retries of the write happen meanwhile
    assert not outbox.writable
    # What was in flight went out once; nothing more started, nothing was repeated.
    assert len(log) == 10
    assert Counter(chat for _, chat, _ in log).most_common(1)[0][1] == 1
    paused = [r for r in caplog.records if "sending is paused" in r.getMessage()]
    assert len(paused) == 1, "the log says why once, not at every retry"
    # The database recovers: the outcomes are written and sending resumes by itself.
    await fast.store.db.execute("PRAGMA query_only=OFF")
    await fast.drain()
    assert outbox.writable
    assert sorted(chat for _, chat, _ in log) == ids
    assert all(received(fast, u) == 1 for u in ids)
    counts = await fast.store.broadcasts.counts(broadcast_id)
    assert (counts.sent, counts.pending) == (40, 0)
    assert len([r for r in caplog.records if "sending resumes" in r.getMessage()]) == 1


# --- who cannot be reached ------------------------------------------------------------------


async def test_a_member_who_blocked_the_bot_is_unreachable_until_they_write(
        fast: SandboxBot) -> None:
    ids = list(range(FIRST, FIRST + 250))
    branch = await add_members(fast, ids)
    blocker, few = ids[0], ids[:5]
    fast.sandbox.block(blocker)
    log = record_sends(fast.sandbox)
    # Two broadcasts queued before anything is sent: the blocker's row in the second is
    # pending when the first answers 403, and comes up more than a second later (so the
    # per-chat pace does not hold it back).
    await worker(fast).shutdown()
    first = await queue(fast, branch, ids, body="one")
    second = await queue(fast, branch, ids, body="two")
    await worker(fast).initialize()
    await fast.drain()
    assert [status for _, chat, status in log if chat == blocker] == [403]
    person = await fast.store.people.get(blocker)
    assert person is not None and not person.reachable
    one, two = [await fast.store.broadcasts.counts(b) for b in (first, second)]
    assert (one.sent, one.unreachable, one.failed, one.pending) == (249, 1, 0, 0)
    assert (two.sent, two.unreachable, two.failed, two.pending) == (249, 1, 0, 0)
    assert await fast.store.broadcasts.problem_recipients(first) == [
        (blocker, blocker, f"U{blocker}", "unreachable")]
    assert await fast.store.broadcasts.problem_recipients(second) == [
        (blocker, blocker, f"U{blocker}", "skipped")]
    # A later broadcast skips them without asking Telegram.
    third = await queue(fast, branch, few, body="three")
    await fast.drain()
    assert [status for _, chat, status in log if chat == blocker] == [403]
    assert (await fast.store.broadcasts.counts(third)).unreachable == 1
    assert all(received(fast, u, "three") == 1 for u in few if u != blocker)
    # They unblock and write to the bot: reachable again, and sent to again.
    fast.sandbox.unblock(blocker)
    await fast.send(blocker, "/me")
    person = await fast.store.people.get(blocker)
    assert person is not None and person.reachable
    fourth = await queue(fast, branch, few, body="four")
    await fast.drain()
    assert received(fast, blocker, "four") == 1
    assert received(fast, blocker, "one") == received(fast, blocker, "two") == 0
    assert (await fast.store.broadcasts.counts(fourth)).sent == 5


async def test_chat_not_found_is_unreachable_and_other_bad_requests_fail(
        fast: SandboxBot) -> None:
    ids = list(range(FIRST, FIRST + 4))
    branch = await add_members(fast, ids)
    gone, too_long = ids[0], ids[1]
    fast.sandbox.fail("sendMessage", "400", chat_id=gone)
    broadcast_id = await queue(fast, branch, ids, texts={too_long: "x" * 5000})
    await fast.drain()
    counts = await fast.store.broadcasts.counts(broadcast_id)
    assert (counts.sent, counts.failed, counts.unreachable, counts.pending) == (2, 1, 1, 0)
    assert await fast.store.broadcasts.problem_recipients(broadcast_id) == [
        (gone, gone, f"U{gone}", "unreachable"), (too_long, too_long, f"U{too_long}", "failed")]
    gone_person, long_person = [await fast.store.people.get(u) for u in (gone, too_long)]
    assert gone_person is not None and not gone_person.reachable
    assert long_person is not None and long_person.reachable


# --- paid broadcasts and the shared budget ------------------------------------------------


async def test_paid_broadcasts_go_paid_in_a_budget_of_their_own() -> None:
    async with SandboxBot(Config(), clock=ManualClock(MORNING), outbox_rate=5,
                          paid_rate=200) as bot:
        ids = list(range(FIRST, FIRST + 40))
        branch = await add_members(bot, ids)
        bot.sandbox.arrivals = []
        await queue(bot, branch, ids, body="paid")
        await bot.store.outbox.enqueue("need", [NewMessage(u, u, f"notice {u}") for u in ids[:3]],
                                       at=bot.clock.now())
        await bot.drain()
        sends = bot.sandbox.calls_of("sendMessage")
        paid = [c for c in sends if str(c["text"]).startswith("paid")]
        free = [c for c in sends if str(c["text"]).startswith("notice")]
        assert len(paid) == 40 and all(c.get("allow_paid_broadcast") is True for c in paid)
        assert len(free) == 3 and all("allow_paid_broadcast" not in c for c in free)
        # The broadcast was not held to the free 5 a second.
        assert most_in_window(bot.sandbox.arrivals, 1.0) > 5
        assert worker(bot).max_in_flight == 205


async def test_direct_replies_use_the_outbox_budget(fast: SandboxBot) -> None:
    lane = worker(fast).pacer.free
    before = len(lane.sent)
    fast.user(OUTSIDER, "Otto")
    await fast.send(OUTSIDER, "/help")
    assert len(lane.sent) > before  # the reply was counted where the outbox paces


def test_a_direct_reply_makes_the_outbox_wait() -> None:
    now = FakeTime()
    pacer = Pacer(10, monotonic=now)
    assert pacer.overall_wait() == 0
    for _ in range(3):
        pacer.count_direct()
    assert pacer.overall_wait() > 0  # the replies used the budget the outbox would have


# --- the pacer, on a fake clock ---------------------------------------------------------------


class FakeTime:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def send_greedily(pacer: Pacer, now: FakeTime, chats: list[int]) -> list[float]:
    """Send to each chat in turn as soon as the pacer allows; the send times."""
    times = []
    for chat in chats:
        while (wait := max(pacer.overall_wait(), pacer.chat_wait(chat))) > 0:
            now.t += wait
        pacer.record(chat)
        times.append(now.t)
        now.t += 0.001
    return times


def most_in_window(times: list[float], window: float) -> int:
    """The most events in any half-open window of this length."""
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_pacer_keeps_overall_rate_in_any_second() -> None:
    now = FakeTime()
    pacer = Pacer(25, monotonic=now)
    times = send_greedily(pacer, now, list(range(1, 201)))
    assert most_in_window(times, 1.0) <= 25
    assert most_in_window(times, WINDOW) <= 25
    assert times[25] - times[0] >= 1.0  # the 26th waits for the first to leave the window
    # Spread evenly, not in bursts of 25: at most a tenth of a second's worth at once, and
    # the long-run rate just under the limit.
    assert most_in_window(times, 0.1) <= 2 * 25 / 10  # the bucket and its refill
    assert 0.95 * 25 <= (len(times) - 1) / (times[-1] - times[0]) <= 25


def test_pacer_allows_one_message_a_second_to_a_chat() -> None:
    now = FakeTime()
    pacer = Pacer(25, monotonic=now)
    pacer.record(7)
    assert pacer.chat_wait(7) == pytest.approx(CHAT_INTERVAL)
    assert pacer.chat_wait(8) == 0
    now.t += 0.4
    assert pacer.chat_wait(7) == pytest.approx(CHAT_INTERVAL - 0.4)
    now.t += CHAT_INTERVAL - 0.4
    assert pacer.chat_wait(7) == 0
    times = send_greedily(pacer, now, [7] * 5)
    assert all(b - a >= CHAT_INTERVAL - 1e-9 for a, b in pairwise(times))


def test_pacer_allows_twenty_messages_a_minute_to_a_group() -> None:
    now = FakeTime()
    pacer = Pacer(25, monotonic=now)
    group = -100123
    times = send_greedily(pacer, now, [group] * 45)
    assert most_in_window(times, 60.0) <= GROUP_PER_MINUTE
    assert times[GROUP_PER_MINUTE] - times[0] >= 60.0  # the 21st not before a minute
    assert all(b - a >= CHAT_INTERVAL - 1e-9 for a, b in pairwise(times))
    # A private chat is not held to the group's pace.
    pacer.record(42)
    now.t += CHAT_INTERVAL
    assert pacer.chat_wait(42) == 0


def test_pacer_pause_stops_all_sending_and_overlapping_pauses_add_only_the_excess() -> None:
    now = FakeTime()
    pacer = Pacer(25, monotonic=now)
    assert pacer.pause(2.0) == pytest.approx(2.0)
    assert pacer.overall_wait() == pytest.approx(2.0)
    now.t += 1.0
    assert pacer.pause(0.5) == 0  # within the running pause
    assert pacer.overall_wait() == pytest.approx(1.0)
    assert pacer.pause(3.0) == pytest.approx(2.0)
    now.t += 3.0
    assert pacer.overall_wait() == 0


def test_a_pause_adds_exactly_what_telegram_asked_for() -> None:
    """The metric of seconds paused says 3600 for an hour's retry_after, whatever the clock
    reads: (t + 3600) - t is 3599.999999999998 at this t."""
    now = FakeTime()
    now.t = 13436.424411240123
    assert Pacer(25, monotonic=now).pause(3600.0) == 3600.0


# --- restarts -----------------------------------------------------------------------------------


async def test_a_stopped_worker_resumes_where_it_left_off(tmp_path: Path) -> None:
    db = tmp_path / "outbox.db"
    sandbox = Sandbox()
    ids = list(range(FIRST, FIRST + 30))
    async with SandboxBot(Config(), sandbox=sandbox, db_path=db, outbox_rate=5) as first:
        branch = await add_members(first, ids)
        broadcast_id = await queue(first, branch, ids)
        await asyncio.sleep(1.2)
    delivered = sum(received(first, u) for u in ids)
    assert 0 < delivered < len(ids)
    async with SandboxBot(Config(), sandbox=sandbox, db_path=db, outbox_rate=200) as second:
        await second.drain()
        counts = await second.store.broadcasts.counts(broadcast_id)
        row = await second.store.broadcasts.get(broadcast_id)
    per_chat = Counter({u: received(second, u) for u in ids})
    assert min(per_chat.values()) == 1, "nothing lost"
    assert max(per_chat.values()) == 1, "a clean stop finishes the message in flight"
    assert (counts.sent, counts.pending) == (30, 0)
    assert row is not None and row.finished_at is not None


def test_a_429_widens_the_margin_and_quiet_narrows_it_again() -> None:
    now = FakeTime()
    pacer = Pacer(10, monotonic=now, paid_rate=1000)
    pacer.widen()
    pacer.widen()
    widened_at = now.t
    assert pacer.extra == pytest.approx(2 * WIDEN)
    assert pacer.chat_wait(5) == 0
    pacer.record(5)
    assert pacer.chat_wait(5) == pytest.approx(CHAT_INTERVAL + 2 * WIDEN)
    times = []
    for _ in range(40):  # never more than 10 in any window of WINDOW + the margin
        now.t += pacer.overall_wait()
        pacer.record(1000 + len(times))
        times.append(now.t)
    assert most_in_window(times, WINDOW + 2 * WIDEN) <= 10
    # Quiet is measured in time, not in messages: a paid run's thousand a second do not
    # narrow it any sooner.
    for n in range(5000):
        now.t += pacer.overall_wait(paid=True)
        pacer.record(20_000 + n, paid=True)
    assert now.t - widened_at < NARROW_AFTER and pacer.extra == pytest.approx(2 * WIDEN)
    now.t = widened_at + NARROW_AFTER + 1
    pacer.record(2)
    assert pacer.extra == pytest.approx(2 * WIDEN - NARROW)
    pacer.record(3)  # once per NARROW_AFTER
    assert pacer.extra == pytest.approx(2 * WIDEN - NARROW)
    for _ in range(100):
        pacer.widen()
    assert pacer.extra == pytest.approx(MAX_EXTRA)
