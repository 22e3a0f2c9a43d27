"""The weekly report's figures against what happened that week, in English and Chinese; the
parts add up to the whole; who gets it (the root's also to the admins)."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from dataclasses import fields
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.rules import weekly
from bot.sandbox.harness import SandboxBot
from storage.households import HouseholdInput
from storage.rows import NewMessage
from tests.helpers import (
    ADMIN,
    MEM_A1,
    MEM_A1X,
    MEM_A2,
    MEM_B1,
    SEC_A,
    SEC_A1,
    SEC_B,
    Org,
    build_org,
    make_bot,
    t,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST, LAST = date(2026, 3, 2), date(2026, 3, 8)
REPORT_DAY = date(2026, 3, 9)  # Monday: the report of Monday 03-02 .. Sunday 03-08


def local(day: date, hour: int) -> datetime:
    """An instant of a Shanghai day."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def on(dom: int, hour: int = 9) -> datetime:
    """An instant of a March 2026 day in Shanghai."""
    return local(date(2026, 3, dom), hour)


async def tick(bot: SandboxBot, when: datetime) -> None:
    """Run the scheduler's minute job through PTB's JobQueue, at `when`."""
    bot.clock.set(when)
    queue = bot.app.job_queue
    assert queue is not None
    [job] = queue.get_jobs_by_name("tick")
    await job.run(bot.app)


@pytest.fixture
async def en_bot() -> AsyncIterator[SandboxBot]:
    """A started bot."""
    async with make_bot() as running:
        yield running


@pytest.fixture
async def week_org(en_bot: SandboxBot) -> Org:
    """The test organization (the admin and Alpha's secretary speak English) with a week of
    check-ins, needs, tasks, a broadcast and households, and some of the days around it."""
    bot = en_bot
    org = await build_org(bot, english=(ADMIN, SEC_A))
    await bot.send(ADMIN, "/start")
    store = bot.store
    for dom in range(2, 9):  # Alpha every day; Mia unwell on 03-03 and 03-04
        for member in (SEC_A, MEM_A1, MEM_A2):
            status = "unwell" if member == MEM_A1 and dom in (3, 4) else "on_duty"
            await store.checkins.record(member, org.a, date(2026, 3, dom), status, at=on(dom))
    for dom in range(2, 6):  # Alpha-1's secretary Monday to Thursday
        await store.checkins.record(SEC_A1, org.a1, date(2026, 3, dom), "on_duty", at=on(dom))
    await store.checkins.record(MEM_B1, org.b, date(2026, 3, 3), "unwell", at=on(3))
    await store.checkins.record(MEM_B1, org.b, date(2026, 3, 4), "quarantined", at=on(4))
    await store.checkins.record(SEC_B, org.b, REPORT_DAY, "on_duty", at=on(9))  # the next week

    async def need(branch: int, reporter: int, urgency: str, at: datetime) -> int:
        return await store.needs.create(
            branch_id=branch, reporter_id=reporter, category="food", urgency=urgency,
            for_self=True, for_whom=None, details="rice", location=None, latitude=None,
            longitude=None, at=at)

    resolved = await need(org.a1, MEM_A1X, "urgent", on(3, 10))
    assert await store.needs.set_status(resolved, "resolved", note=None, by=SEC_A1,
                                        at=on(5, 11))
    await need(org.b, MEM_B1, "critical", on(6, 10))
    await need(org.a, MEM_A1, "normal", on(9, 10))  # the next week
    given = await store.tasks.create(
        branch_id=org.a, created_by=SEC_A, title="Deliver rice", details=None,
        due_at=on(5, 12), need_id=None, team_id=None, assignees=[MEM_A1, MEM_A2],
        messages=[], placeholder="#", at=on(4))
    assert await store.tasks.answer_assignment(given, MEM_A1, accept=True, reason=None,
                                               at=on(4, 10))
    assert await store.tasks.answer_assignment(given, MEM_A2, accept=False, reason="busy",
                                               at=on(4, 10))
    assert (await store.tasks.finish_assignment(given, MEM_A1, note=None, proof_file_id=None,
                                                at=on(5, 11)))[0]
    await store.tasks.create(
        branch_id=org.b, created_by=SEC_B, title="Call the elderly", details=None,
        due_at=on(7, 12), need_id=None, team_id=None, assignees=[MEM_B1], messages=[],
        placeholder="#", at=on(6))
    members = [SEC_A, SEC_A1, SEC_B, MEM_A1, MEM_A2, MEM_A1X, MEM_B1]
    broadcast = await store.broadcasts.create(
        branch_id=org.root, author_id=ADMIN, scope="subtree", body="hello", media_kind=None,
        media_file_id=None, to_groups=False, ack_required=True,
        messages=[NewMessage(m, m, "hello") for m in members], status_chat_id=None,
        status_message_id=None, at=on(5, 8))
    for member in (SEC_A, MEM_A1, MEM_B1):
        assert await store.broadcasts.acknowledge(broadcast, member, member, at=on(5, 12))
    await store.households.upsert(org.a, [
        HouseholdInput("A", f"A-{i}", f"{i} Lake Road", 2, "", MEM_A1, False) for i in (1, 2)],
        at=on(2, 10))
    [first, _] = [h.id for h in await store.households.of_branch(org.a)]
    await store.households.record_visit(first, MEM_A1, "well", None, at=on(8, 10))
    return org


def report_of(bot: SandboxBot, user: int) -> list[str]:
    """The lines of the last weekly report the user got."""
    found = [m.plain for m in bot.sandbox.bot_messages(user)
             if m.plain.startswith(("🗓 Weekly report", "🗓 周报"))]
    assert found, user
    return found[-1].splitlines()


async def test_root_report_field_by_field(en_bot: SandboxBot, week_org: Org) -> None:
    await tick(en_bot, local(REPORT_DAY, 20))
    await en_bot.drain()
    assert report_of(en_bot, ADMIN) == [
        "🗓 Weekly report · Root · 2026-03-02 – 2026-03-08",
        "👥 Members: 7",
        "✅ Check-ins over the week: 27/49 (55%)",
        "  Mon 03-02: 4/7 (57%)",
        "  Tue 03-03: 5/7 (71%)",
        "  Wed 03-04: 5/7 (71%)",
        "  Thu 03-05: 4/7 (57%)",
        "  Fri 03-06: 3/7 (43%)",
        "  Sat 03-07: 3/7 (43%)",
        "  Sun 03-08: 3/7 (43%)",
        "🤒 Unwell at some point in the week: 2 members · 🏠 quarantined: 1 member",
        "🆘 Needs: 2 opened · 1 resolved · 1 open at the week's end (1 critical)",
        "📌 Tasks: given to 3 people · 1 done · 1 declined · 1 overdue at the week's end",
        "🏘 Households covered in time at the week's end: 1/2 (50%)",
        "📣 Broadcasts: 1 broadcast, 3/7 acknowledged (43%)",
        "",
        "🌳 Sub-branches (2), worst check-in rate of the week first:",
        "• Beta: 2/14 (14%) · 🆘 1 open · 🔴 1 critical · ⏰ 1 person overdue",
        "• Alpha: 25/35 (71%)",
    ]


async def test_each_secretary_their_branch_in_their_language(en_bot: SandboxBot,
                                                             week_org: Org) -> None:
    await tick(en_bot, local(REPORT_DAY, 20))
    await en_bot.drain()
    alpha = report_of(en_bot, SEC_A)
    assert alpha[0] == "🗓 Weekly report · Alpha · 2026-03-02 – 2026-03-08"
    assert alpha[1:3] == ["👥 Members: 5", "✅ Check-ins over the week: 25/35 (71%)"]
    assert alpha[-2:] == ["🌳 Sub-branches (1), worst check-in rate of the week first:",
                          "• Alpha-1: 4/14 (29%)"]
    beta = report_of(en_bot, SEC_B)  # Chinese
    assert beta[0] == t("weekly.header", branch="Beta", first="2026-03-02", last="2026-03-08")
    assert beta[1:4] == [t("weekly.members", n=2),
                         t("weekly.checked", checked=2, asked=14, rate=14),
                         t("weekly.day_line", name="周一", day="03-02", checked=0, members=2,
                           rate=0)]
    assert t("weekly.care", unwell=1, quarantined=1) in beta
    assert t("weekly.needs", opened=1, resolved=0, open=1, critical=1) in beta
    assert t("weekly.tasks", assigned=1, done=0, declined=0, overdue=1) in beta
    assert not any("住户" in line or "下级支部" in line for line in beta)
    a1 = report_of(en_bot, SEC_A1)
    assert a1[2] == t("weekly.checked", checked=4, asked=14, rate=29)
    assert t("weekly.needs", opened=1, resolved=1, open=0, critical=0) in a1
    # Nobody else got one: the members, the admin only the root's.
    for member in (MEM_A1, MEM_A2, MEM_A1X, MEM_B1):
        assert not any("周报" in m.plain for m in en_bot.sandbox.bot_messages(member))
    headers = [m.plain.splitlines()[0] for m in en_bot.sandbox.bot_messages(ADMIN)
               if m.plain.startswith("🗓")]
    assert headers == ["🗓 Weekly report · Root · 2026-03-02 – 2026-03-08"]


async def test_parts_add_up(en_bot: SandboxBot, week_org: Org) -> None:
    store = en_bot.store
    en_bot.clock.set(local(REPORT_DAY, 20))
    branch = await store.branches.get(week_org.root)
    assert branch is not None
    report = await weekly.build(store, branch, FIRST, LAST, en_bot.clock.now())
    for f in fields(weekly.WeekCounts):
        if f.name in ("branch_id", "name"):
            continue
        parts = getattr(report.own, f.name) + sum(getattr(c, f.name) for c in report.children)
        assert getattr(report.total, f.name) == parts, f.name
    assert sum(d.checked for d in report.days) == report.total.checked == 27
    assert sum(d.members for d in report.days) == report.total.member_days == 49
    assert [d.day for d in report.days] == [FIRST + timedelta(days=i) for i in range(7)]
    assert [c.name for c in report.children] == ["Beta", "Alpha"]


async def test_root_secretary_who_is_an_admin_gets_it_once(en_bot: SandboxBot,
                                                           week_org: Org) -> None:
    store, now = en_bot.store, en_bot.clock.now()
    await store.people.set_membership(ADMIN, week_org.root, "secretary", at=now)
    readers = await weekly.readers(store, week_org.root, {ADMIN})
    assert readers == [(ADMIN, "en")]
    assert await weekly.readers(store, week_org.a, {ADMIN}) == [(SEC_A, "en")]
    # An admin the bot never met: in the root's language.
    assert await weekly.readers(store, week_org.root, {ADMIN, 555}) == [(ADMIN, "en"),
                                                                       (555, "zh")]


async def test_report_carries_the_weeks_chart_and_workbook(en_bot: SandboxBot,
                                                           week_org: Org) -> None:
    """Right after its text, each reader gets the week's chart, then the week's workbook (the
    export of the week's days, without notes), captioned in their language."""
    await tick(en_bot, local(REPORT_DAY, 20))
    await en_bot.drain()
    for user, language, branch in ((SEC_A, "en", "Alpha"), (ADMIN, "en", "Root"),
                                   (SEC_B, "zh", "Beta")):
        messages = en_bot.sandbox.bot_messages(user)
        [at] = [i for i, m in enumerate(messages) if m.plain.startswith(("🗓 Weekly", "🗓 周报"))]
        chart = messages[at + 1]
        assert chart.photo is not None, user
        assert chart.plain == t("weekly.chart_caption", language, branch=branch,
                                first="2026-03-02", last="2026-03-08")
        assert (chart.content or b"").startswith(b"\x89PNG")
        document = messages[at + 2]
        assert document.document is not None, user
        book = openpyxl.load_workbook(io.BytesIO(document.content or b""), read_only=True)
        keys = ("summary", "checkins", "needs", "tasks", "visits", "records", "leaders",
                "leaders_about")
        titles = [t(f"export.sheet.{key}", language) for key in keys]
        assert book.sheetnames == titles
        assert document.plain == t("weekly.workbook_caption", language, branch=branch,
                                   first="2026-03-02", last="2026-03-08",
                                   sheets=t("export.sheet_joiner", language).join(titles))
        summary = list(book[titles[0]].iter_rows(values_only=True))
        assert summary[1][0] == branch  # the report's branch first, the whole of its week
        days = [row for row in summary[0] if isinstance(row, str) and "03-0" in row]
        assert len(days) == 7
        records = list(book[titles[5]].iter_rows(values_only=True))
        assert t("export.col.note_lines", language) not in records[0]  # no notes
    # One weekly chart for each reader (the digest, due at the same tick, brings its own).
    for user, language, branch in ((SEC_A, "en", "Alpha"), (SEC_A1, "zh", "Alpha-1"),
                                   (SEC_B, "zh", "Beta"), (ADMIN, "en", "Root")):
        caption = t("weekly.chart_caption", language, branch=branch, first="2026-03-02",
                    last="2026-03-08")
        sent = [m for m in en_bot.sandbox.bot_messages(user) if m.plain == caption]
        assert len(sent) == 1, user
    for member in (MEM_A1, MEM_A2, MEM_A1X, MEM_B1):
        assert not any(m.photo for m in en_bot.sandbox.bot_messages(member))
    # Each workbook is audit-logged, as every export is: by the weekly report.
    audited = [(e[3], json.loads(e[5])) for e in await en_bot.store.audit.entries(200)
               if e[2] == "export"]
    assert {branch for branch, _ in audited} == {week_org.root, week_org.a, week_org.a1,
                                                 week_org.b}
    assert all(d["by"] == "weekly" and not d["notes"] and d["first"] == "2026-03-02"
               for _, d in audited)


async def test_a_tick_spends_its_budget_then_leaves_the_rest_to_the_next(
        en_bot: SandboxBot, week_org: Org) -> None:
    """With no time to spend, each tick makes one report (never none), the ledger keeps the
    rest due, and every branch gets its report once."""
    store, now = en_bot.store, local(REPORT_DAY, 20)
    translate = en_bot.services.translate
    done: list[set[int]] = []
    for _ in range(5):
        await weekly.run_due(store, translate, now, budget=0)
        done.append({b for b in (week_org.root, week_org.a, week_org.a1, week_org.b)
                     if ("weekly", "2026-03-09") in await store.runs.of(b)})
    assert [len(d) for d in done] == [1, 2, 3, 4, 4]
    assert await weekly.run_due(store, translate, now, budget=0) == 0
