"""The daily rhythm: prompt, reminder, care, days off, restarts, timezones, DST, settings,
escalation; run with chosen "now"s on the sandbox clock, and through the scheduler's job."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.config import Config
from bot.rules import callbacks as cb
from bot.rules import rhythm
from bot.sandbox.harness import SandboxBot
from storage.households import HouseholdInput
from tests.helpers import (
    ADMIN,
    MEM_A1,
    MEM_A1X,
    MEM_A2,
    MEM_B1,
    MORNING,
    SEC_A,
    SEC_A1,
    SEC_B,
    Org,
    build_org,
    make_bot,
)

SHANGHAI, BERLIN, NEW_YORK = (ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin"),
                              ZoneInfo("America/New_York"))
DAY = date(2026, 3, 3)  # a Tuesday; the org is made at 08:30 the day before
EVERYONE = (SEC_A, MEM_A1, MEM_A2, SEC_A1, MEM_A1X, SEC_B, MEM_B1)
PEOPLE = ((ADMIN, "Ada"), (SEC_A, "Sa"), (SEC_A1, "Sb"), (SEC_B, "Sc"), (MEM_A1, "Mia"),
          (MEM_A2, "Max"), (MEM_A1X, "Mo"), (MEM_B1, "Mel"))
PROMPT, REMINDER, CARE = "早上好", "还没有报到", "上次报到的状态是"
LATE = "还没有问过你"  # a prompt sent late, after downtime


def at(hour: int, minute: int = 0, day: date = DAY, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


async def run(bot: SandboxBot, when: datetime) -> int:
    bot.clock.set(when)
    return await rhythm.run_due(bot.store, bot.services.translate, when)


def count(bot: SandboxBot, user: int, text: str) -> int:
    return sum(text in m.plain for m in bot.sandbox.bot_messages(user))


def who_got(bot: SandboxBot, text: str) -> set[int]:
    return {user for user, _ in PEOPLE if count(bot, user, text)}


async def tick(bot: SandboxBot, when: datetime) -> None:
    """Run the scheduler's minute job through PTB's JobQueue, at `when`."""
    bot.clock.set(when)
    queue = bot.app.job_queue
    assert queue is not None
    jobs = queue.get_jobs_by_name("tick")
    assert len(jobs) == 1
    await jobs[0].run(bot.app)


async def ticked(bot: SandboxBot, when: datetime, kind: str, day: date,
                 branches: tuple[int, ...]) -> set[int]:
    """Tick at `when`; the branches whose `kind` run of `day` is then in the ledger."""
    await tick(bot, when)
    return {b for b in branches if (kind, day.isoformat()) in await bot.store.runs.of(b)}


async def test_prompt_to_every_reachable_member_one_tap_checks_in(bot: SandboxBot,
                                                                 org: Org) -> None:
    await bot.store.people.set_reachable(MEM_B1, False, at=bot.clock.now())
    assert await run(bot, at(8, 30, DAY.replace(day=2))) == 0  # made after today's 08:00
    assert await run(bot, at(7, 59)) == 0
    assert await run(bot, at(8)) == 6
    assert await run(bot, at(8, 1)) == 0
    await bot.drain()
    assert who_got(bot, PROMPT) == set(EVERYONE) - {MEM_B1}
    assert count(bot, MEM_A1, PROMPT) == 1
    prompt = bot.sandbox.last(MEM_A1)
    assert [data for _, data in prompt.button_list] == [
        "ck:on_duty", "ck:available", "ck:unwell", "ck:quarantined", "ck:off"]
    await bot.press(MEM_A1, cb.Checkin("on_duty").pack())
    checkin = await bot.store.checkins.get(MEM_A1, DAY)
    assert checkin is not None and checkin.status == "on_duty"
    assert await bot.store.runs.of(org.a) == [("prompt", "2026-03-03")]
    assert await bot.store.runs.of(org.root) == [("prompt", "2026-03-03")]  # no members


async def test_reminder_only_to_the_silent(bot: SandboxBot, org: Org) -> None:
    assert await run(bot, at(8)) == 7
    await bot.drain()
    await bot.press(MEM_A1, cb.Checkin("available").pack())
    await bot.press(MEM_B1, cb.Checkin("on_duty").pack())
    assert await run(bot, at(9, 59)) == 0
    assert await run(bot, at(10)) == 5
    assert await run(bot, at(10, 30)) == 0
    await bot.drain()
    assert who_got(bot, REMINDER) == {SEC_A, MEM_A2, SEC_A1, MEM_A1X, SEC_B}
    assert [d for _, d in bot.sandbox.last(MEM_A2).button_list][:5] == [
        "ck:on_duty", "ck:available", "ck:unwell", "ck:quarantined", "ck:off"]
    await bot.press(MEM_A2, cb.Checkin("off").pack())  # one tap from the reminder too
    checkin = await bot.store.checkins.get(MEM_A2, DAY)
    assert checkin is not None and checkin.status == "off"


async def test_care_message_to_the_unwell_and_quarantined(bot: SandboxBot, org: Org) -> None:
    yesterday = DAY.replace(day=2)
    await bot.store.checkins.record(MEM_A2, org.a, yesterday, "unwell", at=bot.clock.now())
    await bot.store.checkins.record(MEM_A1X, org.a1, yesterday, "quarantined",
                                    at=bot.clock.now())
    await bot.store.checkins.record(MEM_A1, org.a, yesterday, "unwell", at=bot.clock.now())
    await bot.store.checkins.record(MEM_A1, org.a, DAY, "on_duty", at=at(7))  # better today
    assert await run(bot, at(8)) == 6  # Mia checked in already and is well: nothing
    await bot.drain()
    assert who_got(bot, CARE) == {MEM_A2, MEM_A1X}
    assert who_got(bot, PROMPT) == {SEC_A, SEC_A1, SEC_B, MEM_B1}
    care = bot.sandbox.last(MEM_A2)
    assert "🤒" in care.plain
    assert [d for _, d in care.button_list] == [
        "ck:on_duty", "ck:available", "ck:unwell", "ck:quarantined", "ck:off", "care:need"]
    answer = await bot.press(MEM_A2, cb.CareNeed().pack())
    assert "/need" in answer.plain
    await bot.press(MEM_A1X, cb.Checkin("quarantined").pack())
    assert await run(bot, at(10)) == 4  # the secretaries and Mel; the cared-for not nagged
    await bot.drain()
    assert who_got(bot, REMINDER) == {SEC_A, SEC_A1, SEC_B, MEM_B1}


async def test_days_off_inherited_and_overridden(bot: SandboxBot, org: Org) -> None:
    await bot.store.schedules.set_setting(org.root, "days_off", "tue")
    await bot.store.schedules.set_setting(org.b, "days_off", "")  # Beta works every day
    assert await run(bot, at(8)) == 2
    assert await run(bot, at(10)) == 2
    await bot.drain()
    assert who_got(bot, PROMPT) == {SEC_B, MEM_B1}
    assert await bot.store.runs.of(org.a) == []
    assert await run(bot, at(8, day=DAY.replace(day=4))) == 7  # Wednesday


def _people(bot: SandboxBot) -> SandboxBot:
    for user, name in PEOPLE:
        bot.user(user, name)
    return bot


async def _start(db: Path, clock: ManualClock) -> tuple[SandboxBot, int]:
    """Start a bot on the database (start-up catches up) and return it with what it sent."""
    bot = _people(SandboxBot(Config(admins=frozenset({ADMIN})), clock=clock, db_path=db))
    await bot.start()
    await bot.drain()
    return bot, len(bot.sandbox.calls_of("sendMessage"))


async def test_restarts_around_each_time_neither_miss_nor_repeat(tmp_path: Path) -> None:
    db, clock = tmp_path / "frontline.db", ManualClock(MORNING)
    async with SandboxBot(Config(admins=frozenset({ADMIN})), clock=clock, db_path=db) as first:
        org = await build_org(first)
    sent = []
    for moment in (at(7, 59), at(8), at(8, 1), at(9, 59), at(10), at(10, 1), at(11, 59),
                   at(12), at(19, 59), at(20), at(20, 1)):
        clock.set(moment)
        bot, n = await _start(db, clock)
        sent.append(n)
        if moment == at(8):
            assert who_got(bot, PROMPT) == set(EVERYONE)
        if moment == at(10):
            assert who_got(bot, REMINDER) == set(EVERYONE)
        await bot.stop()
    # 7 prompts at 08:00, 7 reminders at 10:00, Alpha-1's low rate to Sa at 12:00, the
    # digests at 20:00; nothing repeated.
    assert sent[:9] == [0, 7, 0, 0, 7, 0, 0, 1, 0]
    assert sent[10] == 0
    async with _people(SandboxBot(Config(admins=frozenset({ADMIN})), clock=clock,
                                  db_path=db)) as last:
        assert await last.store.runs.of(org.a) == [
            ("digest", "2026-03-03"), ("digest_chart", "2026-03-03"),
            ("escalate_rate", "2026-03-03"), ("prompt", "2026-03-03"),
            ("reminder", "2026-03-03")]


async def test_digest_is_scheduled_once(bot: SandboxBot, org: Org) -> None:
    # Down all day: the prompt, late (no reminder to people never asked, no escalation).
    assert await run(bot, at(19, 59)) == 7
    before = len(bot.sandbox.calls_of("sendMessage"))
    await bot.drain()
    queued = await run(bot, at(20))
    assert await run(bot, at(20, 5)) == 3  # the digests' charts: one to each secretary
    assert await run(bot, at(20, 6)) == 0
    await bot.drain()
    for branch in (org.root, org.a, org.a1, org.b):
        assert ("digest", "2026-03-03") in await bot.store.runs.of(branch)
    assert queued >= 3  # each branch's secretary gets its digest
    assert len(bot.sandbox.calls_of("sendMessage")) > before


async def test_downtime_across_checkin_time_catches_up_at_start(tmp_path: Path) -> None:
    db, clock = tmp_path / "frontline.db", ManualClock(MORNING)
    async with SandboxBot(Config(admins=frozenset({ADMIN})), clock=clock, db_path=db) as first:
        await build_org(first)
        clock.set(at(7))
    clock.set(at(9, 30))  # down from 07:00 to 09:30: the prompt is still due
    bot, sent = await _start(db, clock)
    assert sent == 7 and who_got(bot, PROMPT) == set(EVERYONE)
    await bot.stop()
    clock.set(at(10, 30, DAY.replace(day=4)))  # down across 08:00 and 10:00 the next day
    bot, sent = await _start(db, clock)
    # Nobody was asked yet: the prompt, late, rather than "you have not checked in".
    assert sent == 7 and who_got(bot, LATE) == set(EVERYONE)
    assert who_got(bot, REMINDER) == set()
    await bot.stop()
    clock.set(at(12, 29, DAY.replace(day=4)))  # the reminder keeps its 2 hours after it
    bot, sent = await _start(db, clock)
    assert sent == 0
    await bot.stop()
    clock.set(at(12, 30, DAY.replace(day=4)))
    bot, sent = await _start(db, clock)
    assert sent == 7 and who_got(bot, REMINDER) == set(EVERYONE)
    await bot.stop()


async def test_branches_in_other_timezones(bot: SandboxBot, org: Org) -> None:
    await bot.store.schedules.set_setting(org.a, "timezone", "Europe/Berlin")
    await bot.store.schedules.set_setting(org.b, "timezone", "America/New_York")
    # 08:00 in Shanghai is 19:00 of the day before in New York: Beta's prompt is late.
    assert await run(bot, at(8)) == 2
    await bot.drain()
    assert who_got(bot, PROMPT) == set() and who_got(bot, LATE) == {SEC_B, MEM_B1}
    assert await run(bot, at(7, 59, zone=BERLIN)) == 0
    assert await run(bot, at(8, zone=BERLIN)) == 5  # Alpha and Alpha-1 (inherits Berlin)
    await bot.drain()
    assert who_got(bot, PROMPT) == {SEC_A, MEM_A1, MEM_A2, SEC_A1, MEM_A1X}
    assert await run(bot, at(7, 59, zone=NEW_YORK)) > 0  # Alpha's reminder (14:59 in Berlin)
    assert ("prompt", "2026-03-03") not in await bot.store.runs.of(org.b)
    assert await run(bot, at(8, zone=NEW_YORK)) == 2
    await bot.drain()
    assert who_got(bot, PROMPT) == set(EVERYONE)
    assert await bot.store.runs.of(org.b) == [("prompt", "2026-03-02"), ("prompt", "2026-03-03")]
    # The next day, through the scheduler's minute job: each branch at 08:00 in its zone.
    branches = (org.root, org.a, org.a1, org.b)
    nxt = date(2026, 3, 4)
    assert await ticked(bot, at(7, 59, nxt), "prompt", nxt, branches) == set()
    assert await ticked(bot, at(8, 0, nxt), "prompt", nxt, branches) == {org.root}
    assert await ticked(bot, at(7, 59, nxt, BERLIN), "prompt", nxt, branches) == {org.root}
    assert await ticked(bot, at(8, 0, nxt, BERLIN), "prompt", nxt, branches) == {
        org.root, org.a, org.a1}
    assert org.b not in await ticked(bot, at(7, 59, nxt, NEW_YORK), "prompt", nxt, branches)
    assert await ticked(bot, at(8, 0, nxt, NEW_YORK), "prompt", nxt, branches) == set(branches)
    assert org.b in await ticked(bot, at(10, 0, nxt, NEW_YORK), "reminder", nxt, branches)
    assert org.b not in await ticked(bot, at(11, 59, nxt, NEW_YORK), "escalate_rate", nxt,
                                     branches)
    assert org.b in await ticked(bot, at(12, 0, nxt, NEW_YORK), "escalate_rate", nxt, branches)


async def test_dst_in_berlin_keeps_the_prompt_at_eight(bot: SandboxBot, org: Org) -> None:
    await bot.store.schedules.set_setting(org.root, "timezone", "Europe/Berlin")
    saturday, sunday = date(2026, 3, 28), date(2026, 3, 29)  # clocks go forward on Sunday
    assert await run(bot, datetime(2026, 3, 28, 6, 59, tzinfo=UTC)) == 0
    assert await run(bot, datetime(2026, 3, 28, 7, tzinfo=UTC)) == 7  # 08:00 CET
    assert await run(bot, datetime(2026, 3, 29, 5, 59, tzinfo=UTC)) == 0
    assert await run(bot, datetime(2026, 3, 29, 6, tzinfo=UTC)) == 7  # 08:00 CEST
    assert ("prompt", sunday.isoformat()) in await bot.store.runs.of(org.a)
    # Through the scheduler's minute job: 08:00 in Berlin is 07:00 UTC before the change
    # and 06:00 UTC after it.
    branches = (org.root, org.a, org.a1, org.b)
    monday = date(2026, 3, 30)
    assert await ticked(bot, datetime(2026, 3, 30, 5, 59, tzinfo=UTC), "prompt", monday,
                        branches) == set()
    assert await ticked(bot, datetime(2026, 3, 30, 6, tzinfo=UTC), "prompt", monday,
                        branches) == set(branches)
    assert datetime(2026, 3, 30, 6, tzinfo=UTC).astimezone(BERLIN).time() == time(8)
    assert at(8, day=saturday, zone=BERLIN) == datetime(2026, 3, 28, 7, tzinfo=UTC)


async def test_settings_changes_move_the_runs(bot: SandboxBot, org: Org) -> None:
    branches = (org.root, org.a, org.a1, org.b)
    answer = await bot.send(SEC_A, "/settings checkin 07:30")
    assert "07:30" in answer.plain
    await bot.send(SEC_A, f"/settings {org.a1} reminder 9:15")
    # One job wakes the scheduler every minute; no job per branch to re-derive (the other
    # minute's job is the admins' alerts' look).
    queue = bot.app.job_queue
    assert queue is not None
    assert sorted(j.name for j in queue.jobs() if j.name != "set_menus") == ["alerts", "tick"]
    assert await ticked(bot, at(7, 29), "prompt", DAY, branches) == set()
    assert await ticked(bot, at(7, 30), "prompt", DAY, branches) == {org.a, org.a1}  # inherits
    assert await ticked(bot, at(7, 59), "prompt", DAY, branches) == {org.a, org.a1}
    assert await ticked(bot, at(8), "prompt", DAY, branches) == set(branches)
    assert await ticked(bot, at(9, 14), "reminder", DAY, branches) == set()
    assert await ticked(bot, at(9, 15), "reminder", DAY, branches) == {org.a1}
    assert await ticked(bot, at(9, 59), "reminder", DAY, branches) == {org.a1}
    assert await ticked(bot, at(10), "reminder", DAY, branches) == set(branches)
    assert await ticked(bot, at(11, 14), "escalate_rate", DAY, branches) == set()
    assert await ticked(bot, at(11, 15), "escalate_rate", DAY, branches) == {org.a1}
    assert await ticked(bot, at(12), "escalate_rate", DAY, branches) == set(branches)
    await bot.send(SEC_A, "/settings checkin inherit")
    nxt = date(2026, 3, 4)
    assert await run(bot, at(7, 30, nxt)) == 0
    assert await run(bot, at(8, 0, nxt)) == 7
    audit = [e for e in await bot.store.audit.entries() if e[2] == "settings"]
    assert len(audit) == 3 and all(e[4] for e in audit)


async def test_escalation_to_the_parent_once(bot: SandboxBot, org: Org) -> None:
    await bot.store.people.save(ADMIN, "Ada", None, None, "zh", at=bot.clock.now())
    await bot.store.people.set_membership(ADMIN, org.root, "secretary", at=bot.clock.now())
    assert await run(bot, at(8)) == 8  # Ada is a member of Root now
    await bot.drain()
    # Alpha 1/3, Alpha-1 0/2, Beta 2/2, Root 0/1
    await bot.press(MEM_A1, cb.Checkin("on_duty").pack())
    await bot.press(SEC_B, cb.Checkin("on_duty").pack())
    await bot.press(MEM_B1, cb.Checkin("available").pack())
    await bot.send(SEC_A, f"/settings {org.a1} alert 0")  # Alpha-1 never alerts
    escalation = "低于预警线"
    assert await run(bot, at(10)) > 0
    await bot.drain()
    assert await run(bot, at(11, 59)) == 0
    assert await run(bot, at(12)) == 1  # Ada hears of Alpha; Root has no parent
    assert await run(bot, at(12, 1)) == 0
    await bot.drain()
    assert count(bot, ADMIN, escalation) == 1
    assert "Alpha" in bot.sandbox.last(ADMIN).plain and "1/3" in bot.sandbox.last(ADMIN).plain
    assert count(bot, SEC_A, escalation) == 0 and count(bot, SEC_B, escalation) == 0
    assert ("escalate_rate", "2026-03-03") in await bot.store.runs.of(org.a1)


async def test_critical_need_escalated_once(bot: SandboxBot, org: Org) -> None:
    store = bot.store
    await store.schedules.set_setting(org.a1, "critical_within_minutes", 30)
    need = await store.needs.create(
        branch_id=org.a1, reporter_id=MEM_A1X, category="medicine", urgency="critical",
        for_self=True, for_whom=None, details="胰岛素", location=None, latitude=None,
        longitude=None, at=at(8, 30, DAY.replace(day=2)))
    await store.needs.create(
        branch_id=org.a1, reporter_id=MEM_A1X, category="food", urgency="urgent",
        for_self=True, for_whom=None, details="米", location=None, latitude=None,
        longitude=None, at=at(8, 30, DAY.replace(day=2)))
    told = f"危急需求 #{need}"  # the need flow's name of 🔴 (need.urg_critical_word)
    assert await run(bot, at(8, 59, DAY.replace(day=2))) == 0
    assert await run(bot, at(9, 0, DAY.replace(day=2))) == 1
    assert await run(bot, at(9, 30, DAY.replace(day=2))) == 0
    assert await run(bot, at(9, 31, DAY.replace(day=2))) == 0
    await bot.drain()
    assert count(bot, SEC_A, told) == 1 and "胰岛素" in bot.sandbox.last(SEC_A).plain
    assert count(bot, SEC_A1, told) == 0


async def test_settings_validation_and_refusals(bot: SandboxBot, org: Org) -> None:
    refused = await bot.send(MEM_A1, "/settings")
    assert "书记" in refused.plain and "⚙️" not in refused.plain
    outside = await bot.send(SEC_B, f"/settings {org.a}")
    assert "不在你领导的范围" in outside.plain or "范围" in outside.plain
    above = await bot.send(SEC_A1, f"/settings {org.a} checkin 06:00")
    assert "范围" in above.plain
    for command, expected in (
        ("checkin 25:00", "不是时刻"), ("reminder soon", "不是时刻"),
        ("timezone Mars/Base", "不是已知的时区"), ("daysoff funday", "不是星期列表"),
        ("alert 150", "不是百分比"), ("critical 0m", "不是时长"), ("answer 9999h", "不是时长"),
        ("frobnicate 1", "没有“frobnicate”"), ("digest", "请给出值"), ("language fr", "zh 或 en"),
        ("visit 0", "1 到 30 的整数"), ("visit 31", "不是天数"), ("visit two", "不是天数"),
    ):
        answer = await bot.send(SEC_A, f"/settings {command}")
        assert expected in answer.plain, command
    schedule = {s.column: s for s in await bot.store.schedules.settings(org.a)}
    assert all(s.own is None for s in schedule.values())
    assert "已改为" in (await bot.send(SEC_A, f"/settings {org.a1} critical 1h30m")).plain
    assert "已改为" in (await bot.send(SEC_A, "/settings daysoff sat, sun")).plain
    assert "已改为" in (await bot.send(SEC_A, "/settings timezone Europe/Berlin")).plain
    card = (await bot.send(SEC_A1, "/settings")).plain
    assert "1h30m" in card and "sat,sun（继承）" in card and "Europe/Berlin（继承）" in card
    assert "08:00（继承）" in card
    assert "住户至少每几天走访一次（重点户每天）：1 天（继承）" in card
    assert "已改为 3 天" in (await bot.send(SEC_A, "/settings visit 3天")).plain
    assert "3 天（继承）" in (await bot.send(SEC_A1, "/settings")).plain
    schedule = {s.column: s for s in await bot.store.schedules.settings(org.a1)}
    assert (schedule["visit_every_days"].own, schedule["visit_every_days"].effective) == (None, 3)
    a1 = {s.column: s for s in await bot.store.schedules.settings(org.a1)}
    assert a1["critical_within_minutes"].own == 90 and a1["days_off"].own is None
    assert a1["days_off"].effective == "sat,sun" and a1["alert_below"].effective == 60
    assert a1["answer_within_minutes"].effective == 120
    assert "恢复为继承" in (await bot.send(SEC_A, f"/settings {org.a1} critical inherit")).plain
    a1 = {s.column: s for s in await bot.store.schedules.settings(org.a1)}
    assert a1["critical_within_minutes"].own is None
    assert a1["critical_within_minutes"].effective == 60


@pytest.mark.parametrize(("text", "minutes"), [
    ("30m", 30), ("2h", 120), ("1h30m", 90), ("90", 90), ("2小时", 120), ("45分钟", 45)])
def test_parse_minutes(text: str, minutes: int) -> None:
    assert rhythm.parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "0", "h", "8d", "-5m", "10081"])
def test_parse_minutes_refuses(text: str) -> None:
    with pytest.raises(rhythm.BadValue):
        rhythm.parse_minutes(text)


def test_parse_days() -> None:
    assert rhythm.parse_days("sun sat") == "sat,sun"
    assert rhythm.parse_days("Sunday,周六") == "sat,sun"
    assert rhythm.parse_days("none") == ""
    with pytest.raises(rhythm.BadValue):
        rhythm.parse_days("someday")


async def test_each_member_in_their_language() -> None:
    async with make_bot() as bot:
        await build_org(bot, english=(MEM_B1,))
        assert await run(bot, at(8)) == 7
        await bot.drain()
        assert "Good morning, Mel" in bot.sandbox.last(MEM_B1).plain
        assert PROMPT in bot.sandbox.last(MEM_A1).plain


async def test_the_prompt_tells_holders_how_many_households_to_visit(bot: SandboxBot,
                                                                     org: Org) -> None:
    """Not covered today: never reached, or reached before the interval; the vulnerable daily;
    a household handed to someone counts for its holder, not its responsible member."""
    made = at(9, day=DAY.replace(day=1))
    homes = [HouseholdInput("East", label, "1 Lake Road", 2, "", who, vulnerable)
             for label, who, vulnerable in (("1-101", MEM_A1, False), ("1-102", MEM_A1, False),
                                            ("1-103", MEM_A1, True), ("1-104", MEM_A2, False))]
    await bot.store.households.upsert(org.a, homes, at=made)
    await bot.store.schedules.set_setting(org.a, "visit_every_days", 2)
    ids = {h.label: h.id for h in await bot.store.households.of_branch(org.a)}
    yesterday = at(15, day=DAY.replace(day=2))
    visit = bot.store.households.record_visit
    await visit(ids["1-101"], MEM_A1, "well", None, at=yesterday)  # covered
    await visit(ids["1-103"], MEM_A1, "well", None, at=yesterday)  # daily: due
    await visit(ids["1-104"], MEM_A2, "no_answer", None, at=yesterday)
    await bot.store.duty.hand_over(MEM_A2, SEC_A, at=yesterday)
    assert await run(bot, at(8)) == len(EVERYONE)
    await bot.drain()
    assert "今天有 2 户待走访，走访后用 /visit 登记。" in bot.sandbox.last(MEM_A1).plain
    assert "今天有 1 户待走访" in bot.sandbox.last(SEC_A).plain  # 1-104, held for Max
    assert "待走访" not in bot.sandbox.last(MEM_A2).plain
    assert "待走访" not in bot.sandbox.last(MEM_B1).plain
