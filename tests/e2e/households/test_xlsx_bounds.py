"""What a workbook may cost: bombs are refused before openpyxl reads them, real sheets import.

Workbooks are written here by hand, as Excel writes them (texts in a shared strings table),
so that a part can be made as big, as many or as oddly named as a test needs.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from bot.i18n import Translator
from bot.rules.households import RowError, import_households, parse
from bot.rules.households import files as household_files
from bot.rules.households.files import (
    MAX_PART_BYTES,
    MAX_SHARED_STRINGS,
    MAX_SHEET_BYTES,
    MAX_SHEET_ROWS,
    MB,
)
from bot.sandbox.harness import SandboxBot
from storage.store import Store
from tests.helpers import SEC_A, Org

NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
STRINGS = "xl/sharedStrings.xml"
HEADER = ["zone", "label", "people", "responsible"]


def _column(index: int) -> str:
    return "ABCDEFGHIJ"[index]


def workbook(rows: Iterable[list[str | int]], *, strings_part: str = STRINGS,
             more_strings: Iterable[bytes] = (), sheet_padding: int = 0,
             parts: dict[str, bytes] | None = None, last_row: int | None = None) -> bytes:
    """A one-sheet workbook whose texts are shared strings, as Excel saves one.

    `more_strings` adds raw chunks to the strings table (written streaming), `sheet_padding`
    adds that many bytes of blanks to the sheet, `parts` adds other parts; `last_row`
    numbers the last row so (rows may be skipped in a sheet).
    """
    table: dict[str, int] = {}
    sheet = [f'<worksheet xmlns="{MAIN}"><sheetData>']
    rows = list(rows)
    for r, row in enumerate(rows, start=1):
        if r == len(rows) and last_row is not None:
            r = last_row
        cells = []
        for c, value in enumerate(row):
            ref = f"{_column(c)}{r}"
            if isinstance(value, int):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="s"><v>{table.setdefault(value, len(table))}'
                             f"</v></c>")
        sheet.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet.append("</sheetData></worksheet>")
    types = (f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             f'<Default Extension="rels" ContentType="application/'
             f'vnd.openxmlformats-package.relationships+xml"/>'
             f'<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
             f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
             f'<Override PartName="/{strings_part}" ContentType="{CT}.sharedStrings+xml"/>'
             f"</Types>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", types)
        book.writestr("_rels/.rels", f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
                      f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        book.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>'
                      f'<sheet name="住户" sheetId="1" r:id="rId1"/></sheets></workbook>')
        book.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{RELS}">'
                      f'<Relationship Id="rId1" Type="{DOC}/worksheet" '
                      f'Target="worksheets/sheet1.xml"/></Relationships>')
        with book.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write("".join(sheet[:-1]).encode())
            blanks = b" " * MB
            for start in range(0, sheet_padding, MB):
                part.write(blanks[:sheet_padding - start])
            part.write(sheet[-1].encode())
        with book.open(strings_part, "w") as part:
            part.write(f'<sst xmlns="{MAIN}">'.encode())
            part.write("".join(f"<si><t>{escape(text)}</t></si>" for text in table).encode())
            for chunk in more_strings:
                part.write(chunk)
            part.write(b"</sst>")
        for name, body in (parts or {}).items():
            book.writestr(name, body)
    return out.getvalue()


def _repeat(item: bytes, total: int) -> Iterable[bytes]:
    """`item` over and over, `total` bytes in all, in 1 MB chunks."""
    block = item * (MB // len(item))
    for _ in range(total // len(block)):
        yield block


def keys(errors: list[RowError]) -> list[str]:
    return [e.key for e in errors]


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


async def test_a_workbook_with_shared_strings_imports(store: Store) -> None:
    rows: list[list[str | int]] = [["区域", "门牌", "人数", "责任人"]]
    rows += [[f"{i % 9}号楼", f"{i}-101", i % 4 + 1, "@alice"] for i in range(3000)]
    result = await import_households(store, 1, workbook(rows), now=NOW, file_name="h.xlsx")
    assert result.errors == [] and result.created == 3000
    homes = await store.households.of_branch(1)
    assert ("0号楼", "0-101", 1) in {(h.zone, h.label, h.people) for h in homes}


def test_a_shared_strings_bomb_is_refused_without_reading_it() -> None:
    # The workbook of the issue: a quarter of a megabyte that unpacks to 88 MB of strings.
    bomb = workbook([HEADER, ["A", "1", 1, "@alice"]],
                    more_strings=_repeat(b"<si><t>x</t></si>", 88 * MB))
    assert len(bomb) < 300_000
    assert zipfile.ZipFile(io.BytesIO(bomb)).getinfo(STRINGS).file_size > 88_000_000
    started = time.thread_time()
    rows, errors = parse(bomb, "bomb.xlsx")
    assert time.thread_time() - started < 0.5  # unguarded: about 30 s and 500 MB
    assert rows == [] and keys(errors) == ["xlsx_strings_too_big"]
    translate = Translator("zh")
    assert errors[0].render(translate, "zh") == (
        "工作簿的文本表超过 16 MB 或 500000 条，远超住户表所需，请把工作表另存为 CSV UTF-8")
    assert "save the sheet as CSV UTF-8" in errors[0].render(translate, "en")


def test_too_many_shared_strings_are_refused_whatever_the_part_is_called() -> None:
    many = MAX_SHARED_STRINGS + 1000
    for part in (STRINGS, "xl/texts.xml"):
        bomb = workbook([HEADER], strings_part=part, more_strings=[b"<si/>" * many])
        assert zipfile.ZipFile(io.BytesIO(bomb)).getinfo(part).file_size < MAX_PART_BYTES
        started = time.thread_time()
        assert keys(parse(bomb, "h.xlsx")[1]) == ["xlsx_strings_too_big"], part
        assert time.thread_time() - started < 0.5
    # Just under the count is a workbook like any other: tests/slow/test_xlsx_big.py.


def test_a_sheet_or_another_part_too_big_is_refused() -> None:
    sheet = workbook([HEADER, ["A", "1", 1, "@alice"]], sheet_padding=MAX_SHEET_BYTES + 1)
    assert keys(parse(sheet, "h.xlsx")[1]) == ["xlsx_sheet_too_big"]
    styles = workbook([HEADER], parts={"xl/styles.xml": b" " * (MAX_PART_BYTES + 1)})
    (error,) = parse(styles, "h.xlsx")[1]
    assert (error.key, error.values) == ("xlsx_part_too_big", {"part": "xl/styles.xml",
                                                               "limit": 4})


def test_too_many_sheet_rows_suggest_csv() -> None:
    rows: list[list[str | int]] = [HEADER, *([["A", str(i), 1, "@alice"] for i in range(5)])]
    data = workbook(rows, last_row=MAX_SHEET_ROWS + 1)
    (error,) = parse(data, "h.xlsx")[1]
    assert error.key == "too_many_rows"
    assert error.render(Translator("zh"), "zh") == (
        "工作表超过 50000 行，请另存为 CSV UTF-8（最多 200000 户）或拆分")


def test_reading_a_workbook_has_a_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    data = workbook([HEADER, *([["A", str(i), 1, "@alice"] for i in range(600)])])
    assert keys(parse(data, "h.xlsx")[1]) == []
    monkeypatch.setattr(household_files, "MAX_SHEET_CPU_S", 0.0)
    (error,) = parse(data, "h.xlsx")[1]
    assert (error.key, error.values) == ("xlsx_too_slow", {"seconds": 0})


async def test_a_bomb_sent_in_chat_is_answered(bot: SandboxBot, org: Org) -> None:
    bomb = workbook([HEADER], more_strings=_repeat(b"<si><t>x</t></si>", 88 * MB))
    reply = await bot.send_document(SEC_A, bomb, "住户.xlsx", "/import households")
    assert "工作簿的文本表超过 16 MB" in reply.plain and "未导入任何住户" in reply.plain
    assert not reply.buttons
    assert await bot.store.households.of_branch(org.a) == []
