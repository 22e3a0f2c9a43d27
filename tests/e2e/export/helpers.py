"""Helpers of the export's tests: run /export to the end, open the workbook it sent.

/export builds in a child process (`bot.rules.export.process`), so these tests start real
processes, as the bot does; they wait for them on events, never on a timer, about half a
second each, and stay with the fast tests: the export is tested the way it runs. What waits
on real time (a build over its time limit, the bot stopping mid-build, a bot SIGKILLed) is in
tests/slow/test_export_child.py."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import openpyxl

from bot.sandbox.harness import SandboxBot
from handlers.reports.export import pending


async def export(bot: SandboxBot, user_id: int, text: str = "/export") -> Any:
    """Send `text`, wait for the workbook being built, and return the last message."""
    await bot.send(user_id, text)
    await asyncio.gather(*pending(bot.app.bot_data))
    await bot.settle()
    return bot.sandbox.last(user_id)


def workbook(data: bytes) -> Any:
    """The workbook, opened by openpyxl."""
    return openpyxl.load_workbook(io.BytesIO(data))


def values(sheet: Any) -> list[list[Any]]:
    """Every row of a sheet as values (the header first)."""
    return [[cell.value for cell in row] for row in sheet.iter_rows()]
