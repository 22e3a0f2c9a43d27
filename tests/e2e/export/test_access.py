"""/export: who may export what (checked in the database), the audit log, bad periods (the bot
answering everyone while a workbook is being built: test_build_process.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.sandbox.harness import SandboxBot
from tests.e2e.export.helpers import export, values, workbook
from tests.helpers import ADMIN, MEM_A1, SEC_A, SEC_A1, SEC_B, Org, t


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
