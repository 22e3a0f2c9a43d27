"""/export builds in a child process: the bot answers everyone meanwhile, one export at a time
per person, and a build that fails is answered in the reader's language with nothing sent and
nothing left behind. The child's stand-ins are tests/e2e/export/children.py."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.rules.export import process
from bot.rules.weekly.attachments import Attachment, weekly_attachments
from bot.sandbox.harness import SandboxBot
from handlers.reports.export import pending
from tests.e2e.export import children
from tests.e2e.export.helpers import export, values, workbook
from tests.helpers import MEM_B1, SEC_A, Org, build_org, make_bot, t


def stand_in(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    """The export's child is `children.main`, doing what `mode` says."""
    monkeypatch.setattr(process, "CHILD", children.__name__)
    monkeypatch.setenv(children.MODE, mode)


def appears(path: Path, seconds: float = 60.0) -> None:
    """Wait (for real: the child is a real process) until the file exists."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def left_in(folder: Path) -> list[str]:
    """The export's temporary files in a folder."""
    return sorted(p.name for p in folder.glob("frontline-export-*"))


async def exports(bot: SandboxBot) -> list[dict[str, Any]]:
    """The details of the export entries of the audit log, oldest first."""
    return [json.loads(detail or "{}") for _, _, action, _, _, detail
            in reversed(await bot.store.audit.entries(limit=50)) if action == "export"]


@pytest.fixture
def temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder temporary files go to (the workbooks being built), empty."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


async def test_the_bot_answers_everyone_while_a_workbook_is_built(
        bot: SandboxBot, org: Org, tmp_path: Path, temporary: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    gate = tmp_path / "gate"
    gate.mkdir()
    stand_in(monkeypatch, f"gate:{gate}")
    reply = await bot.send(SEC_A, "/export")
    assert reply.plain == t("export.building", branch="Alpha", first="2026-02-24",
                            last="2026-03-02")
    await asyncio.to_thread(appears, gate / "pid")
    # Another member checks in, the exporter too: both answered while the workbook waits.
    reply = await bot.send(MEM_B1, "/checkin on_duty")
    assert t("status.on_duty") in reply.plain
    await bot.send(SEC_A, "/checkin available")
    assert bot.sandbox.calls_of("sendDocument") == []
    # One export at a time per person.
    reply = await bot.send(SEC_A, "/export 30d")
    assert reply.plain == t("export.busy")
    (gate / "go").touch()
    await asyncio.gather(*pending(bot.app.bot_data))
    await bot.settle()
    assert len(bot.sandbox.calls_of("sendDocument")) == 1
    sent = bot.sandbox.last(SEC_A)
    assert sent.document is not None and sent.content is not None
    assert values(workbook(sent.content)[t("export.sheet.summary")])[1][0] == "Alpha"
    assert [d["by"] for d in await exports(bot)] == ["chat"]
    assert left_in(temporary) == []  # the workbook's file is removed once sent


@pytest.mark.parametrize("mode", ["crash", "error"])
@pytest.mark.parametrize("language", ["zh", "en"])
async def test_a_build_that_fails_is_answered_and_nothing_is_sent(
        bot: SandboxBot, temporary: Path, monkeypatch: pytest.MonkeyPatch, mode: str,
        language: str) -> None:
    await build_org(bot, english=(SEC_A,) if language == "en" else ())
    stand_in(monkeypatch, mode)
    reply = await export(bot, SEC_A)
    assert reply.plain == t("export.failed", language)
    assert bot.sandbox.calls_of("sendDocument") == []
    assert left_in(temporary) == []  # half a workbook is not left behind
    audited = await exports(bot)
    assert len(audited) == 1 and "child" in audited[0]["failed"]
    assert "file" not in audited[0]
    # The next export is built as usual (the failed one no longer counts as under way).
    monkeypatch.setattr(process, "CHILD", "bot.rules.export.child")
    reply = await export(bot, SEC_A)
    assert reply.document is not None
    assert left_in(temporary) == []


async def test_the_child_imports_this_package_whatever_the_working_directory(
        bot: SandboxBot, org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `bot` folder in the working directory (another checkout, a stray copy) is not what
    the child imports: it imports the package the bot runs, installed or not."""
    decoy = tmp_path / "elsewhere" / "bot"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text('raise SystemExit("the wrong package")\n')
    monkeypatch.chdir(decoy.parent)
    reply = await export(bot, SEC_A)
    assert reply.document is not None


async def test_a_big_subtrees_weekly_workbook_is_built_in_a_child_too(
        bot: SandboxBot, org: Org, temporary: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The weekly report's workbook of a subtree of `ISOLATE_FROM` members or more is built as
    /export's is; a child that fails leaves the report without it (the chart still goes)."""
    monkeypatch.setattr(process, "ISOLATE_FROM", 3)
    first, last = date(2026, 2, 23), date(2026, 3, 1)

    async def files(members: int) -> list[Attachment]:
        return await weekly_attachments(bot.store, bot.services.translate, "zh", org.a, first,
                                        last, now=bot.clock.now(), members=members)

    made = await files(3)
    assert [f.kind for f in made] == ["photo", "document"]
    assert workbook(made[1].data).sheetnames[0] == t("export.sheet.summary")
    assert left_in(temporary) == []
    stand_in(monkeypatch, "crash")
    assert [f.kind for f in await files(3)] == ["photo"]
    assert left_in(temporary) == []
    assert [f.kind for f in await files(2)] == ["photo", "document"]  # small: in this process


async def test_start_up_removes_the_workbooks_a_killed_bot_left_behind(
        temporary: Path) -> None:
    """A bot killed while it sent a workbook leaves its temporary file (health statuses): the
    next start removes it, but never one young enough to be another bot's build under way,
    nor a file that is not a workbook of ours."""
    hours_ago = time.time() - 2 * 3600
    left = temporary / "frontline-export-abc123.xlsx"
    building = temporary / "frontline-export-def456.xlsx"  # another bot's, a minute old
    unrelated = temporary / "report.xlsx"
    for path in (left, building, unrelated):
        path.write_bytes(b"PK")
    for path in (left, unrelated):
        os.utime(path, (hours_ago, hours_ago))
    async with make_bot():
        pass
    assert left_in(temporary) == [building.name]
    assert unrelated.exists()
