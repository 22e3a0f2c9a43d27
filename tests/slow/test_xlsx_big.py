"""Workbooks at the limits (big data, seconds each): the most rows a sheet may have import, and
a shared strings table just under its limit reads like any other (tests/e2e/households/
test_xlsx_bounds.py writes the workbooks and checks what is refused)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.rules.households import import_households, parse
from bot.rules.households.files import MAX_SHARED_STRINGS, MAX_SHEET_ROWS, MB
from storage.store import Store
from tests.e2e.households.test_xlsx_bounds import HEADER, NOW, workbook


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A store with one branch (1) and one member in it, @alice (1001)."""
    s = Store(tmp_path / "f.db")
    await s.initialize()
    branch = await s.branches.create("East", None, at=NOW)
    await s.people.save(1001, "Alice", None, "alice", "zh", at=NOW)
    await s.people.set_membership(1001, branch, "member", at=NOW)
    yield s
    await s.shutdown()


@pytest.mark.slow
def test_shared_strings_just_under_the_count_are_a_workbook_like_any_other() -> None:
    fine = workbook([HEADER, ["A", "1", 1, "@alice"]],
                    more_strings=[b"<si/>" * (MAX_SHARED_STRINGS - 10)])
    assert parse(fine, "h.xlsx") == parse(workbook([HEADER, ["A", "1", 1, "@alice"]]),
                                          "h.xlsx")


@pytest.mark.slow
async def test_a_workbook_of_the_most_rows_imports(store: Store) -> None:
    rows: list[list[str | int]] = [["区域", "门牌", "地址", "人数", "备注", "责任人"]]
    rows += [[f"{i // 200}号楼", f"{i % 200}-{i}", f"东湖路{i}号", i % 4 + 1,
              "独居老人" if i % 9 == 0 else "", "@alice"] for i in range(MAX_SHEET_ROWS - 1)]
    data = workbook(rows)
    assert len(data) < 10 * MB
    result = await import_households(store, 1, data, now=NOW, file_name="h.xlsx")
    assert result.errors == [] and result.created == MAX_SHEET_ROWS - 1
