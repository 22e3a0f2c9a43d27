"""/export: who may export what (checked in the database), the audit log, bad periods, and the
bot answering everyone while a workbook is being built."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from bot.rules import export as export_rules
from bot.rules.export.job import Job
from bot.sandbox.harness import SandboxBot
from handlers.reports.export import pending
from tests.e2e.export.helpers import export, values, workbook
from tests.helpers import ADMIN, MEM_A1, MEM_B1, SEC_A, SEC_A1, SEC_B, Org, t


async def _exports(bot: SandboxBot) -> list[tuple[int | None, int | None, bool, dict[str, Any]]]:
    entries = await bot.store.audit.entries(limit=50)
    return [(actor, branch, allowed, json.loads(detail or "{}"))
            for _, actor, action, branch, allowed, detail in reversed(entries)
            if action == "export"]


async def test_a_member_is_refused(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(MEM_A1, "/export")
    assert reply.plain == t("deny.secretary_only", branch="Alpha", title="书记",
                            command="/export")
    assert bot.sandbox.calls_of("sendDocument") == []
    assert [(a, allowed) for a, _, allowed, _ in await _exports(bot)] == [(MEM_A1, False)]


async def test_a_secretary_outside_the_branch_is_refused(bot: SandboxBot, org: Org) -> None:
    for user, branch in ((SEC_B, org.a), (SEC_A1, org.a), (SEC_A, org.root)):
        reply = await bot.send(user, f"/export {branch}")
        name = {org.a: "Alpha", org.root: "Root"}[branch]
        assert reply.plain == t("deny.outside_scope", branch=name)
    assert bot.sandbox.calls_of("sendDocument") == []
    assert [(a, b, allowed) for a, b, allowed, _ in await _exports(bot)] == [
        (SEC_B, org.a, False), (SEC_A1, org.a, False), (SEC_A, org.root, False)]
    reply = await bot.send(SEC_A, "/export 99")
    assert reply.plain == t("branch.unknown", id=99)


async def test_a_secretary_above_and_an_admin_may_export(bot: SandboxBot, org: Org) -> None:
    message = await export(bot, SEC_A, f"/export {org.a1} 2026-03-01..2026-03-02")
    assert message.document is not None
    assert message.document["file_name"] == "frontline-3-alpha-1-2026-03-01-2026-03-02.xlsx"
    summary = values(workbook(message.content)[t("export.sheet.summary")])
    assert [row[0] for row in summary[1:]] == ["Alpha-1"]
    message = await export(bot, ADMIN, "/export 30d")
    assert message.document is not None
    assert message.document["file_name"] == "frontline-1-root-2026-02-01-2026-03-02.xlsx"
    entries = await _exports(bot)
    assert [(a, b, allowed) for a, b, allowed, _ in entries] == [
        (SEC_A, org.a1, True), (ADMIN, org.root, True)]
    detail = entries[0][3]
    assert detail["first"] == "2026-03-01" and detail["last"] == "2026-03-02"
    assert detail["rows"][t("export.sheet.checkins")] == 2  # Sb and Mo
    assert detail["notes"] is True and detail["by"] == "chat"


@pytest.mark.parametrize(("words", "key", "values"), [
    ("400d", "record.bad_period", {"value": "400d", "max": 366}),
    ("soon", "record.bad_period", {"value": "soon", "max": 366}),
    ("2026-02-30..2026-03-01", "record.bad_period",
     {"value": "2026-02-30..2026-03-01", "max": 366}),
    ("2027-01", "record.out_of_range",
     {"value": "2027-01", "first": "2000-01-01", "last": "2026-03-02"}),
])
async def test_bad_periods_are_answered_as_record_answers_them(
        bot: SandboxBot, org: Org, words: str, key: str, values: dict[str, object]) -> None:
    reply = await bot.send(SEC_A, f"/export {words}")
    assert reply.plain == t(key, **values)
    reply = await bot.send(SEC_A, f"/export {org.a} {words}")
    assert reply.plain == t(key, **values)
    assert bot.sandbox.calls_of("sendDocument") == []


async def test_the_bot_answers_everyone_while_a_workbook_is_built(
        bot: SandboxBot, org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def slow_sheet(job: Job) -> None:
        started.set()
        await release.wait()

    monkeypatch.setattr(export_rules, "SHEETS", [*export_rules.SHEETS, slow_sheet])
    try:
        await _while_building(bot, started)
    finally:
        release.set()
    await asyncio.gather(*pending(bot.app.bot_data))
    await bot.settle()
    assert len(bot.sandbox.calls_of("sendDocument")) == 1
    assert bot.sandbox.last(SEC_A).document is not None
    assert len([e for e in await _exports(bot) if e[2]]) == 1


async def _while_building(bot: SandboxBot, started: asyncio.Event) -> None:
    reply = await bot.send(SEC_A, "/export")
    assert reply.plain == t("export.building", branch="Alpha", first="2026-02-24",
                            last="2026-03-02")
    await asyncio.wait_for(started.wait(), 5)
    # Another member checks in, the exporter too: both answered while the workbook waits.
    reply = await bot.send(MEM_B1, "/checkin on_duty")
    assert t("status.on_duty") in reply.plain
    await bot.send(SEC_A, "/checkin available")
    assert bot.sandbox.calls_of("sendDocument") == []
    # One export at a time per person.
    reply = await bot.send(SEC_A, "/export 30d")
    assert reply.plain == t("export.busy")
