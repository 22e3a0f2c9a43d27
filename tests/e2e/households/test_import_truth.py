"""Imports say what they did (issue 14): a date Excel made of a label, an empty flat, a CSV
separated by something else than commas, one language per command-line run, and advice that
fits what happened."""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.i18n import Translator
from bot.rules.households import import_households, parse
from storage.db import migrations
from storage.store import Store
from tests.helpers import frontline, sql

NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
ROOT, EAST = 1, 2
ALICE = 1001
TRANSLATE = Translator("zh")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """Org > East, with Alice (@alice) a member of East."""
    s = Store(tmp_path / "f.db")
    await s.initialize()
    assert await s.branches.create("Org", None, at=NOW) == ROOT
    assert await s.branches.create("East", ROOT, at=NOW) == EAST
    await s.people.save(ALICE, "Alice", None, "alice", "zh", at=NOW)
    await s.people.set_membership(ALICE, EAST, "member", at=NOW)
    yield s
    await s.shutdown()


def workbook(rows: list[list[tuple[object, str | None]]]) -> bytes:
    """A workbook whose first sheet has `rows` of (value, number format or None)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for r, row in enumerate(rows, start=1):
        for c, (value, number_format) in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if number_format is not None:
                cell.number_format = number_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plain(*values: object) -> list[tuple[object, str | None]]:
    return [(value, None) for value in values]


async def test_a_label_excel_made_a_date_reads_as_the_sheet_shows_it(store: Store) -> None:
    march_first = datetime(2026, 3, 1)
    data = workbook([
        plain("区域", "门牌", "人数", "责任人"),
        [("3号楼", None), (march_first, "m-d"), (2, None), ("@alice", None)],
        [("3号楼", None), (march_first, 'm"月"d"日"'), (2, None), ("@alice", None)],
        [("3号楼", None), (datetime(2026, 3, 2), "yyyy/m/d"), (2, None), ("@alice", None)],
        [(datetime(2026, 5, 4), "m.d"), ("1", None), (2, None), ("@alice", None)],
    ])
    result = await import_households(store, EAST, data, now=NOW, file_name="h.xlsx")
    assert result.errors == []
    assert {(h.zone, h.label) for h in await store.households.of_branch(EAST)} == {
        ("3号楼", "3-1"), ("3号楼", "3月1日"), ("3号楼", "2026/3/2"), ("5.4", "1")}
    assert "00:00" not in repr(await store.households.of_branch(EAST))


def test_a_date_whose_shown_text_cannot_be_told_refuses_its_row() -> None:
    # Built-in 14 ("mm-dd-yy") is shown in the computer's own short-date style: unknown here.
    data = workbook([
        plain("zone", "label", "people", "responsible"),
        [("B", None), (datetime(2026, 3, 1), "mm-dd-yy"), (2, None), ("@alice", None)],
        [("B", None), (datetime(2026, 3, 1), "[DBNum1]m\"月\"d\"日\""), (2, None),
         ("@alice", None)],
        plain("B", "3-2", 2, "@alice"),
    ])
    rows, errors = parse(data, "h.xlsx")
    assert [row.label for row in rows] == ["3-2"]
    assert [(e.line, e.key) for e in errors] == [(2, "date_cell"), (3, "date_cell")]
    assert errors[0].values == {"column": "label", "value": "2026-03-01 00:00"}
    zh = errors[0].describe(TRANSLATE, "zh")
    assert zh.startswith("第 2 行：“label”一格在 Excel 中存成了日期（2026-03-01 00:00）")
    assert "文本" in zh
    assert "format the column as Text" in str(errors[0])


def test_a_date_in_a_chinese_built_in_format_is_not_read_as_its_serial() -> None:
    """Chinese Excel's built-in date formats (ids 27-36, 50-58) are unknown to openpyxl, which
    hands their cells over as the date's serial number (46082 for 1 March 2026)."""
    data = workbook([plain("zone", "label", "people", "responsible"),
                     [("B", None), (datetime(2026, 3, 1), 'yyyy"年"m"月"'), (2, None),
                      ("@alice", None)]])
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == "xl/styles.xml":  # the custom format becomes built-in 57
                styles = part.decode()
                custom = re.search(r'numFmtId="(\d+)" formatCode="yyyy&quot;年', styles)
                assert custom is not None
                styles = re.sub(r"<numFmts[^>]*>.*?</numFmts>", "", styles, flags=re.S)
                part = styles.replace(f'numFmtId="{custom[1]}"', 'numFmtId="57"').encode()
            target.writestr(info, part)
    rows, errors = parse(out.getvalue(), "h.xlsx")
    assert rows == []
    assert [(e.line, e.key, e.values) for e in errors] == [
        (2, "date_cell", {"column": "label", "value": "2026-03-01"})]


async def test_an_empty_flat_is_recorded_with_0_people(store: Store) -> None:
    text = "区域,门牌,人数,责任人\n3号楼,3-101,0,@alice\n3号楼,3-102,,@alice\n"
    result = await import_households(store, EAST, text.encode(), now=NOW)
    assert [(e.line, e.key) for e in result.errors] == [(3, "bad_people")]  # empty is not 0
    assert "人数须为 0 到 999 的整数" in result.errors[0].describe(TRANSLATE, "zh")
    result = await import_households(store, EAST, text.encode(), now=NOW, only_good=True)
    assert result.created == 1
    assert [(h.label, h.people) for h in await store.households.of_branch(EAST)] == [
        ("3-101", 0)]


async def test_a_database_of_version_10_accepts_an_empty_flat_and_keeps_its_visits(
        tmp_path: Path) -> None:
    path = tmp_path / "v10.db"
    stamp = NOW.isoformat()
    with sqlite3.connect(path) as conn:
        for version, _, script in migrations()[:10]:
            conn.executescript(script)
            conn.execute(f"PRAGMA user_version={version}")
        conn.execute("INSERT INTO branches(id, name, created_at) VALUES (2, 'East', ?)",
                     (stamp,))
        conn.execute("INSERT INTO zones(id, branch_id, name, created_at) VALUES (1, 2, 'B', ?)",
                     (stamp,))
        conn.execute("INSERT INTO households(id, zone_id, label, people, created_at, updated_at)"
                     " VALUES (1, 1, '101', 2, ?, ?)", (stamp, stamp))
        conn.execute("INSERT INTO visits(household_id, outcome, at) VALUES (1, 'well', ?)",
                     (stamp,))
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO households(zone_id, label, people, created_at, updated_at)"
                         " VALUES (1, '102', 0, ?, ?)", (stamp, stamp))
    s = Store(path)
    await s.initialize()
    try:
        await s.db.execute("INSERT INTO households(zone_id, label, people, created_at,"
                           " updated_at) VALUES (1, '102', 0, ?, ?)", (stamp, stamp))
        assert await s.db.fetchall("SELECT label, people FROM households ORDER BY id") == [
            ("101", 2), ("102", 0)]
        assert await s.db.fetchall("SELECT household_id FROM visits") == [(1,)]
        with pytest.raises(sqlite3.IntegrityError):
            await s.db.execute("INSERT INTO households(zone_id, label, people, created_at,"
                               " updated_at) VALUES (1, '103', -1, ?, ?)", (stamp, stamp))
    finally:
        await s.shutdown()
    assert sql(path, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.parametrize("separator", [",", ";", "\t", "，"])
async def test_the_delimiter_is_found(store: Store, separator: str) -> None:
    rows = [["区域", "门牌", "地址", "人数", "责任人"],
            ["3号楼", "3-101", "东湖路 3 号, 101 室", "2", "@alice"],
            ["3号楼", "3-102", "", "1", "@alice"]]
    quote = '"' if separator == "," else ""
    text = "\n".join(separator.join(f"{quote}{c}{quote}" if "," in c else c for c in row)
                     for row in rows) + "\n"
    result = await import_households(store, EAST, text.encode("gbk"), now=NOW)
    assert result.errors == [] and result.created == 2
    assert [(h.label, h.address) for h in await store.households.of_branch(EAST)] == [
        ("3-101", "东湖路 3 号, 101 室"), ("3-102", "")]


# --- the command line ------------------------------------------------------------------------


def _setup(tmp_path: Path, locale: str | None = None) -> tuple[Path, Path]:
    """A config (with `locale` as its default, if given) and an initialized database with
    @wei a member of #1; returns (config, database)."""
    defaults = f'[defaults]\nlocale = "{locale}"\n\n' if locale else ""
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\nusername = "my_bot"\n\n{defaults}'
                      '[storage]\npath = "data/frontline.db"\n', encoding="utf-8")
    assert frontline(tmp_path, "init", "--config", str(config), "--org", "Org").code == 0
    db = tmp_path / "data" / "frontline.db"
    sql(db, "INSERT INTO members(id, first_name, username, created_at, updated_at)"
            " VALUES (5, 'Wei', 'wei', 'x', 'x')")
    sql(db, "INSERT INTO memberships(member_id, branch_id, role, joined_at)"
            " VALUES (5, 1, 'member', 'x')")
    return config, db


MIXED = "zone,label,people,responsible\nB,1,2,@wei\nB,2,two,@wei\n"
ALL_BAD = "zone,label,people,responsible\nB,1,two,@wei\nB,2,,@wei\n"


def _ascii_letters(text: str) -> bool:
    """True if `text` has English words beside the file's own values."""
    return any(word in text for word in ("imported", "nothing", "created", "line ", "people"))


def test_one_language_per_run_chinese_by_default(tmp_path: Path) -> None:
    config, _ = _setup(tmp_path)
    (tmp_path / "mixed.csv").write_text(MIXED, encoding="utf-8")
    cfg = ("--config", str(config), "--branch", "1")
    result = frontline(tmp_path, "households", "import", *cfg, "mixed.csv")
    assert result.code == 1
    assert "第 3 行：人数须为 0 到 999 的整数，这里是“two”" in result.err
    assert "未导入任何住户（1 处问题）" in result.err_lines[-1]
    assert not _ascii_letters(result.err)
    result = frontline(tmp_path, "households", "import", *cfg, "--only-good", "mixed.csv")
    assert result.code == 0
    assert result.out.strip() == (
        "已把 mixed.csv 导入 #1“Org”：新增 1 户，更新 0 户，跳过 1 行有问题的行。")
    assert not _ascii_letters(result.out + result.err)
    result = frontline(tmp_path, "households", "import", *cfg, "--lang", "en", "mixed.csv")
    assert "line 3: people must be a whole number from 0 to 999, got 'two'" in result.err
    assert "nothing imported (1 problem)" in result.err_lines[-1]
    assert "行" not in result.err


def test_one_language_per_run_english_config(tmp_path: Path) -> None:
    config, _ = _setup(tmp_path, "en")
    (tmp_path / "mixed.csv").write_text(MIXED, encoding="utf-8")
    cfg = ("--config", str(config), "--branch", "1")
    result = frontline(tmp_path, "households", "import", *cfg, "--only-good", "mixed.csv")
    assert result.code == 0
    assert "line 3: people must be" in result.err
    assert result.out.strip() == (
        "imported mixed.csv into #1 “Org”: 1 created, 0 updated, 1 bad row skipped.")
    result = frontline(tmp_path, "households", "import", *cfg, "--branch", "9", "mixed.csv")
    assert result.code == 1 and "there is no branch #9" in result.err
    result = frontline(tmp_path, "households", "import", *cfg, "--lang", "zh", "--branch", "9",
                       "mixed.csv")
    assert result.code == 1 and "没有支部 #9" in result.err


@pytest.mark.parametrize("only_good", [False, True])
def test_when_every_row_is_bad_only_good_is_not_advised(tmp_path: Path,
                                                        only_good: bool) -> None:
    config, db = _setup(tmp_path, "en")
    (tmp_path / "bad.csv").write_text(ALL_BAD, encoding="utf-8")
    flag = ("--only-good",) if only_good else ()
    result = frontline(tmp_path, "households", "import", "--config", str(config),
                       "--branch", "1", *flag, "bad.csv")
    assert result.code == 1
    assert "--only-good" not in result.err
    assert "nothing imported (2 problems) and no row is good" in result.err_lines[-1]
    assert sql(db, "SELECT count(*) FROM households") == [(0,)]
    # With a good row and without the flag, the flag is what helps.
    (tmp_path / "mixed.csv").write_text(MIXED, encoding="utf-8")
    result = frontline(tmp_path, "households", "import", "--config", str(config),
                       "--branch", "1", *flag, "mixed.csv")
    assert ("--only-good" in result.err) is (not only_good)
