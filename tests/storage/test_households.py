"""Importing households from CSV and XLSX on real SQLite: encodings, headers, bad rows."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import Translator
from bot.rules.households import (
    MAX_BYTES,
    MAX_ROWS,
    RowError,
    import_households,
    is_vulnerable,
    parse,
)
from storage.households import HouseholdInput
from storage.store import Store
from tests.helpers import frontline, sql

NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
ROOT, EAST, WEST = 1, 2, 3
ALICE, BOB, CAROL = 1001, 1002, 1003  # Alice in East, Bob below East, Carol in West

GOOD = """\
zone,label,address,people,notes,responsible
Building 1,1-101,"1 Lake Road, flat 101",2,,@alice
Building 1,1-102,1 Lake Road flat 102,1,elderly living alone,1002
Building 2,2-201,2 Lake Road,4,,@Alice
"""


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A store with Org > East > East Grid and Org > West, and a member in three of them."""
    s = Store(tmp_path / "f.db")
    await s.initialize()
    assert await s.branches.create("Org", None, at=NOW) == ROOT
    assert await s.branches.create("East", ROOT, at=NOW) == EAST
    assert await s.branches.create("West", ROOT, at=NOW) == WEST
    grid = await s.branches.create("East Grid", EAST, at=NOW)
    for user, name, branch in ((ALICE, "alice", EAST), (BOB, "bob", grid),
                               (CAROL, "carol", WEST)):
        await s.people.save(user, name.title(), None, name, "zh", at=NOW)
        await s.people.set_membership(user, branch, "member", at=NOW)
    await s.people.save(2001, "张伟", None, "zhangwei", "zh", at=NOW)
    await s.people.set_membership(2001, EAST, "secretary", at=NOW)
    yield s
    await s.shutdown()


TRANSLATE = Translator("zh")


def reason(error: RowError, language: str = "en") -> str:
    """The error's reasons as a reader of `language` sees them."""
    return error.render(TRANSLATE, language)


async def _rows(store: Store) -> list[tuple[str, str, str, int, str, int | None, bool]]:
    return [(h.zone, h.label, h.address, h.people, h.notes, h.responsible_id, h.vulnerable)
            for h in await store.households.of_branch(EAST)]


async def test_good_utf8_file(store: Store) -> None:
    result = await import_households(store, EAST, GOOD.encode(), now=NOW)
    assert result.errors == []
    assert (result.created, result.updated) == (3, 0)
    assert await _rows(store) == [
        ("Building 1", "1-101", "1 Lake Road, flat 101", 2, "", ALICE, False),
        ("Building 1", "1-102", "1 Lake Road flat 102", 1, "elderly living alone", BOB, True),
        ("Building 2", "2-201", "2 Lake Road", 4, "", ALICE, False),
    ]
    assert [(z.name, z.households) for z in await store.zones.of_branch(EAST)] == [
        ("Building 1", 2), ("Building 2", 1)]


async def test_utf8_with_bom_and_crlf(store: Store) -> None:
    data = "\ufeff".encode() + GOOD.replace("\n", "\r\n").encode()
    result = await import_households(store, EAST, data, now=NOW)
    assert result.errors == []
    assert result.created == 3


async def test_gbk_file_with_chinese_headers(store: Store) -> None:
    text = ("网格,门牌,地址,人数,备注,责任人\n"
            "一号楼,1-101,东湖路1号,2,独居老人,@zhangwei\n"
            "一号楼,1-102,东湖路1号,3,居家隔离,@alice\n"
            "二号楼,2-201,东湖路2号,１,,1002\n")
    data = text.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = await import_households(store, EAST, data, now=NOW)
    assert result.errors == []
    assert result.created == 3
    assert await _rows(store) == [
        ("一号楼", "1-101", "东湖路1号", 2, "独居老人", 2001, True),
        ("一号楼", "1-102", "东湖路1号", 3, "居家隔离", ALICE, True),
        ("二号楼", "2-201", "东湖路2号", 1, "", BOB, False),
    ]


async def test_bad_rows_are_reported_by_line_and_nothing_is_written(store: Store) -> None:
    text = ("zone,label,address,people,notes,responsible\n"
            "Building 1,1-101,addr,2,,@alice\n"
            "\n"                                       # line 3: blank, skipped
            "Building 1,,addr,2,,@alice\n"             # 4: empty label
            "Building 1,1-103,addr,zero,,@alice\n"     # 5: people not a number
            "Building 1,1-104,addr,1000,,@alice\n"     # 6: people over 999
            "Building 1,1-105,\"multi\nline\",2,,@alice\n"  # 7-8: good, spans two lines
            "Building 1,1-106,addr,-3,,@alice\n"       # 9: negative
            ",1-107,addr,2,,@alice\n")                 # 10: empty zone
    result = await import_households(store, EAST, text.encode(), now=NOW)
    assert [e.line for e in result.errors] == [4, 5, 6, 9, 10]
    assert [e.key for e in result.errors] == [
        "empty_label", "bad_people", "bad_people", "bad_people", "empty_zone"]
    assert result.errors[1].values == {"max": 999, "value": "zero"}
    reasons = [reason(e) for e in result.errors]
    assert "empty label" in reasons[0]
    assert "'zero'" in reasons[1] and "whole number" in reasons[1]
    assert "'1000'" in reasons[2]
    assert "'-3'" in reasons[3]
    assert "empty zone" in reasons[4]
    assert str(result.errors[0]).startswith("line 4: ")
    assert result.errors[0].describe(TRANSLATE, "zh") == "第 4 行：门牌为空"
    assert reason(result.errors[1], "zh") == "人数须为 0 到 999 的整数，这里是“zero”"
    assert (result.created, result.updated, result.written) == (0, 0, False)
    assert await _rows(store) == []
    assert await store.zones.of_branch(EAST) == []


async def test_only_good_writes_the_good_rows(store: Store) -> None:
    text = ("zone,label,address,people,notes,responsible\n"
            "Building 1,1-101,addr,2,,@alice\n"
            "Building 1,1-102,addr,x,,@alice\n"
            "Building 1,1-103,addr,1,,@nobody\n"
            "Building 2,2-201,addr,1,,@bob\n")
    result = await import_households(store, EAST, text.encode(), now=NOW, only_good=True)
    assert [e.line for e in result.errors] == [3, 4]
    assert (result.created, result.updated, result.good_rows) == (2, 0, 2)
    assert [(r[0], r[1]) for r in await _rows(store)] == [
        ("Building 1", "1-101"), ("Building 2", "2-201")]


async def test_reimport_updates_and_never_duplicates(store: Store) -> None:
    first = await import_households(store, EAST, GOOD.encode(), now=NOW)
    assert (first.created, first.updated) == (3, 0)
    again = await import_households(store, EAST, GOOD.encode(), now=NOW)
    assert (again.created, again.updated) == (0, 3)
    changed = GOOD.replace("2 Lake Road,4,", "2 Lake Road,5,") + "Building 3,3-301,x,1,,@bob\n"
    third = await import_households(store, EAST, changed.encode("gb18030"), now=NOW)
    assert (third.created, third.updated) == (1, 3)
    rows = await _rows(store)
    assert len(rows) == 4
    assert ("Building 2", "2-201", "2 Lake Road", 5, "", ALICE, False) in rows
    assert [z.name for z in await store.zones.of_branch(EAST)] == ["Building 1", "Building 2",
                                                           "Building 3"]


async def test_unknown_member_or_one_outside_the_branch(store: Store) -> None:
    text = ("zone,label,address,people,notes,responsible\n"
            "B,1,a,1,,@nobody\n"
            "B,2,a,1,,@carol\n"          # in West: not below East
            "B,3,a,1,,999999\n"
            "B,4,a,1,,\n"
            "B,5,a,1,,@BOB\n")           # usernames ignore case
    result = await import_households(store, EAST, text.encode(), now=NOW)
    assert [e.line for e in result.errors] == [2, 3, 4, 5]
    assert "@nobody" in reason(result.errors[0])
    assert "not a member" in reason(result.errors[1])
    assert "999999" in reason(result.errors[2])
    assert "empty responsible" in reason(result.errors[3])
    assert reason(result.errors[1], "zh") == "责任人 @carol 不是本支部或下级支部的成员"
    assert await _rows(store) == []
    # From the root, Carol (West) is a member of the subtree too; Bob always was.
    assert (await import_households(store, ROOT, text.encode(), now=NOW,
                                    only_good=True)).created == 2


async def test_duplicated_labels_within_the_file(store: Store) -> None:
    text = ("zone,label,address,people,notes,responsible\n"
            "B,1-101,a,1,,@alice\n"
            "C,1-101,a,1,,@alice\n"       # same label in another zone is fine
            "B, 1-101 ,a,2,,@alice\n")
    result = await import_households(store, EAST, text.encode(), now=NOW)
    assert [e.line for e in result.errors] == [4]
    assert "line 2" in reason(result.errors[0])
    assert "第 2 行" in reason(result.errors[0], "zh")
    assert await _rows(store) == []


async def test_missing_columns(store: Store) -> None:
    header_only = "zone,label,address,notes\nB,1,a,\n"
    result = await import_households(store, EAST, header_only.encode(), now=NOW)
    assert len(result.errors) == 1
    assert result.errors[0].line == 1
    assert "people" in reason(result.errors[0]) and "responsible" in reason(result.errors[0])
    assert result.errors[0].values == {"columns": "people, responsible"}
    short = ("zone,label,people,responsible,address\n"
             "B,1,2,@alice\n"              # address may be left out at the end
             "B,2,2\n"                     # responsible missing
             "B,3,2,@alice,a,extra\n")     # one field too many
    result = await import_households(store, EAST, short.encode(), now=NOW)
    assert [(e.line, reason(e).split(":")[0]) for e in result.errors] == [
        (3, "missing from the row"), (4, "6 fields but the header has 5 (a comma inside an "
                                      "unquoted field?)")]
    assert await _rows(store) == []


async def test_a_file_over_10_mb_is_refused(store: Store) -> None:
    data = GOOD.encode() + b"B,x,a,1,,@alice\n" * (MAX_BYTES // 16 + 1)
    assert len(data) > MAX_BYTES
    result = await import_households(store, EAST, data, now=NOW)
    assert len(result.errors) == 1
    assert result.errors[0].line is None
    assert "10 MB" in reason(result.errors[0])
    assert "上限为 10 MB" in reason(result.errors[0], "zh")
    assert await _rows(store) == []


async def test_undecodable_and_empty_files(store: Store) -> None:
    for data, words in ((b"\xff\xfe\x00z\x00o", "UTF-8"), (b"", "empty"),
                        (b"zone,label,people,responsible\n", "no households")):
        rows, errors = parse(data)
        assert rows == []
        assert len(errors) == 1 and words in reason(errors[0]), errors


def xlsx(rows: list[list[object]], *, at: str = "A1", title: str = "住户") -> bytes:
    """A workbook whose first sheet has `rows` from cell `at` on (an empty sheet before it
    would not be first, so other sheets come after)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    first = sheet[at]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.cell(row=first.row + r, column=first.column + c, value=value)
    book.create_sheet("other")["A1"] = "zone"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_xlsx_file(store: Store) -> None:
    data = xlsx([["区域", "门牌", "地址", "人数", "备注", "责任人", "电话"],
                 ["一号楼", "1-101", "东湖路1号", 2.0, None, "@alice", 13800000000],
                 [None, None, None, None, None, None, None],
                 ["一号楼", 102, None, 3, "独居老人", 1002.0],
                 ["二号楼", "2-201", "东湖路2号", 1, "", "zhangwei"]], at="B3")
    assert data.startswith(b"PK\x03\x04")
    result = await import_households(store, EAST, data, now=NOW)
    assert result.errors == []
    assert (result.created, result.updated, result.zones) == (3, 0, ["一号楼", "二号楼"])
    assert await _rows(store) == [
        ("一号楼", "1-101", "东湖路1号", 2, "", ALICE, False),
        ("一号楼", "102", "", 3, "独居老人", BOB, True),
        ("二号楼", "2-201", "东湖路2号", 1, "", 2001, False),
    ]


async def test_xlsx_bad_rows_have_the_sheet_row_numbers(store: Store) -> None:
    data = xlsx([[], ["zone", "label", "people", "responsible"],   # header on row 2
                 ["B", "1", 2.5, "@alice"],                         # 3: not whole
                 ["B", "2", 1, None],                               # 4: no responsible
                 [], ["B", "", 1, "@alice"],                        # 6: no label
                 ["B", "3", 1, "@bob"]])
    result = await import_households(store, EAST, data, now=NOW)
    assert [(e.line, e.key) for e in result.errors] == [
        (3, "bad_people"), (4, "empty_responsible"), (6, "empty_label")]
    assert "'2.5'" in reason(result.errors[0])
    assert result.good_rows == 1 and not result.written
    assert await _rows(store) == []


async def test_broken_xlsx_and_old_xls(store: Store) -> None:
    good = xlsx([["zone", "label", "people", "responsible"], ["B", "1", 1, "@alice"]])
    for data, name in ((good[: len(good) // 2], "h.xlsx"), (b"zone,label\n", "h.xlsx"),
                       (b"PK\x03\x04garbage", "h.csv"), (xlsx([]), "empty.xlsx")):
        rows, errors = parse(data, name)
        assert rows == [] and len(errors) == 1 and errors[0].line is None, (name, errors)
        assert errors[0].key in ("bad_xlsx", "empty_file"), errors
    assert parse(xlsx([]), "e.xlsx")[1][0].key == "empty_file"
    assert "Excel" in reason(parse(b"PK\x03\x04garbage")[1][0])
    for data, name in ((b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), None),
                       (b"zone,label", "old.XLS")):
        rows, errors = parse(data, name)
        assert [e.key for e in errors] == ["old_excel"]
        assert ".xlsx" in reason(errors[0])
    too_big = good + bytes(MAX_BYTES)
    assert [e.key for e in parse(too_big, "h.xlsx")[1]] == ["too_big"]
    assert await _rows(store) == []


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=300),
                 st.lists(st.lists(st.text(max_size=12), max_size=7), max_size=6).map(
                     lambda rows: "\n".join(",".join(row) for row in rows).encode())),
       st.sampled_from([None, "h.csv", "h.xlsx", "h.txt"]))
def test_no_file_crashes_the_parser(data: bytes, name: str | None) -> None:
    rows, errors = parse(data, name)
    assert rows or errors
    for error in errors:
        for language in ("zh", "en"):
            assert reason(error, language)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(-5, 10**12), st.floats(-5, 2000),
                                   st.text(max_size=8)), max_size=6), max_size=5),
       st.integers(0, 400))
def test_no_workbook_crashes_the_parser(rows: list[list[object]], cut: int) -> None:
    from openpyxl.utils.exceptions import IllegalCharacterError

    header: list[object] = ["zone", "label", "people", "responsible"]
    try:
        data = xlsx([header, *rows])
    except IllegalCharacterError:  # text openpyxl itself will not store
        return
    for sample in (data, data[:cut]):
        parsed, errors = parse(sample, "h.xlsx")
        assert parsed or errors


def test_vulnerable_keywords() -> None:
    assert is_vulnerable("Elderly, lives alone")
    assert is_vulnerable("居家隔离至3月5日")
    assert not is_vulnerable("household of four")


def test_cli_import(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[telegram]\nusername = "my_bot"\n\n[storage]\npath = "data/frontline.db"\n',
                      encoding="utf-8")
    assert frontline(tmp_path, "init", "--config", str(config), "--org", "Org").code == 0
    db = tmp_path / "data" / "frontline.db"
    with_member = ("INSERT INTO members(id, first_name, username, created_at, updated_at)"
                   " VALUES (5, 'Wei', 'wei', 'x', 'x');"
                   "INSERT INTO memberships(member_id, branch_id, role, joined_at)"
                   " VALUES (5, 1, 'member', 'x')")
    for statement in with_member.split(";"):
        sql(db, statement)
    good = tmp_path / "good.csv"
    good.write_bytes("区域,门牌,地址,人数,备注,责任人\n一号楼,101,东湖路,2,,@wei\n".encode("gbk"))
    cfg = ("--config", str(config), "--branch", "1")

    result = frontline(tmp_path, "households", "import", *cfg, str(good))
    assert result.code == 0, result
    assert "新增 1 户，更新 0 户" in result.out
    result = frontline(tmp_path, "households", "import", *cfg, str(good))
    assert "新增 0 户，更新 1 户" in result.out
    assert sql(db, "SELECT label, people, responsible_id FROM households") == [("101", 2, 5)]

    bad = tmp_path / "bad.csv"
    bad.write_text("zone,label,people,responsible\nB,1,2,@wei\nB,2,two,@wei\n", encoding="utf-8")
    result = frontline(tmp_path, "households", "import", *cfg, str(bad))
    assert result.code == 1
    assert "Traceback" not in result.err
    # The config has no [defaults] locale: the problems are told in Chinese.
    assert "第 3 行：人数须为 0 到 999 的整数，这里是“two”" in result.err
    assert "未导入任何住户" in result.err_lines[-1]
    assert sql(db, "SELECT count(*) FROM households") == [(1,)]

    result = frontline(tmp_path, "households", "import", *cfg, str(tmp_path / "none.csv"))
    assert result.code == 2 and len(result.err_lines) == 1
    result = frontline(tmp_path, "households", "import", "--config", str(tmp_path / "no.toml"),
                       "--branch", "1", str(good))
    assert result.code == 2 and "Traceback" not in result.err
    result = frontline(tmp_path, "households", "import", *cfg[:2], "--branch", "9", str(good))
    assert result.code == 1 and "#9" in result.err

    book = tmp_path / "more.xlsx"
    book.write_bytes(xlsx([["zone", "label", "people", "responsible"], ["B", "201", 3, 5],
                           ["B", "202", 1000, "@wei"]]))
    english = tmp_path / "english.toml"
    english.write_text(config.read_text(encoding="utf-8").replace(
        "[storage]", '[defaults]\nlocale = "en"\n\n[storage]'), encoding="utf-8")
    result = frontline(tmp_path, "households", "import", "--config", str(english),
                       "--branch", "1", str(book))
    assert result.code == 1
    assert "line 3: people must be a whole number from 0 to 999, got '1000'" in result.err
    result = frontline(tmp_path, "households", "import", "--config", str(english),
                       "--branch", "1", "--only-good", str(book))
    assert result.code == 0 and "1 created, 0 updated, 1 bad row skipped" in result.out
    assert sql(db, "SELECT label, people FROM households ORDER BY label") == [
        ("101", 2), ("201", 3)]

    helped = frontline(tmp_path, "households", "import", "--help")
    assert helped.code == 0 and helped.out.startswith("usage: frontline households import")


async def _backups(store: Store) -> list[tuple[str, int | None, int | None]]:
    return [(h.label, h.responsible_id,
             h.backup_id) for h in await store.households.of_branch(EAST)]


async def test_backup_column_in_csv_and_reimport_clears_it(store: Store) -> None:
    text = ("zone,label,address,people,notes,responsible,backup\n"
            "B,1,a,1,,@alice,@bob\n"
            "B,2,a,1,,@bob,1001\n"
            "B,3,a,1,,@alice,\n")
    result = await import_households(store, EAST, text.encode(), now=NOW)
    assert result.errors == [] and result.created == 3
    assert await _backups(store) == [("1", ALICE, BOB), ("2", BOB, ALICE), ("3", ALICE, None)]
    # The same rows again with the backup emptied (or the column left out) clear it.
    cleared = text.replace(",@bob\n", ",\n").replace(",1001\n", ",@alice\n")
    result = await import_households(store, EAST, cleared.encode(), now=NOW)
    assert (result.created, result.updated) == (0, 3)
    assert await _backups(store) == [("1", ALICE, None), ("2", BOB, ALICE), ("3", ALICE, None)]
    without = "zone,label,people,responsible\nB,2,1,@bob\n"
    assert (await import_households(store, EAST, without.encode(), now=NOW)).updated == 1
    assert ("2", BOB, None) in await _backups(store)


async def test_backup_with_chinese_headers_in_gbk(store: Store) -> None:
    for header in ("备岗", "备岗人", "后备责任人"):
        text = f"区域,门牌,人数,责任人,{header}\n一号楼,1-101,2,@zhangwei,@alice\n"
        result = await import_households(store, EAST, text.encode("gbk"), now=NOW)
        assert result.errors == [], header
        assert await _backups(store) == [("1-101", 2001, ALICE)]


async def test_unknown_backup_and_backup_equal_to_responsible(store: Store) -> None:
    text = ("zone,label,people,responsible,backup\n"
            "B,1,1,@alice,@nobody\n"        # 2: unknown backup
            "B,2,1,@alice,@carol\n"         # 3: backup in West, not below East
            "B,3,1,@alice,@ALICE\n"         # 4: the same member, named alike
            "B,4,1,@alice,1001\n"           # 5: the same member, by id
            "B,5,1,@nobody,@nobody2\n"      # 6: both unknown: two reasons
            "B,6,1,@alice,@bob\n")          # 7: good
    result = await import_households(store, EAST, text.encode(), now=NOW)
    assert [(e.line, e.key) for e in result.errors] == [
        (2, "backup_not_member"), (3, "backup_not_member"), (4, "backup_is_responsible"),
        (5, "backup_is_responsible"), (6, "not_member")]
    assert "backup @nobody is not a member" in reason(result.errors[0])
    assert reason(result.errors[1], "zh") == "备岗 @carol 不是本支部或下级支部的成员"
    assert "is the responsible member" in reason(result.errors[2])
    assert reason(result.errors[3], "zh") == "备岗 1001 就是责任人，请填另一位成员或留空"
    assert [r.key for r in result.errors[4].reasons] == ["not_member", "backup_not_member"]
    assert result.good_rows == 1 and not result.written
    assert await _rows(store) == []


async def test_backup_column_in_xlsx(store: Store) -> None:
    data = xlsx([["区域", "门牌", "人数", "责任人", "备岗"],
                 ["一号楼", "1-101", 2, "@alice", 1002.0],
                 ["一号楼", "1-102", 1, 1002, None],
                 ["一号楼", "1-103", 1, "@bob", "@BOB"]])
    result = await import_households(store, EAST, data, now=NOW)
    assert [(e.line, e.key) for e in result.errors] == [(4, "backup_is_responsible")]
    result = await import_households(store, EAST, data, now=NOW, only_good=True)
    assert await _backups(store) == [("1-101", ALICE, BOB), ("1-102", BOB, None)]


def _many(n: int, *, zones: int = 50) -> bytes:
    """A CSV of `n` good households of East (Alice and Bob in turn)."""
    lines = ["zone,label,address,people,notes,responsible,backup"]
    lines += [f"Z{i % zones},{i},{i} Lake Road,{i % 5 + 1},{'独居' if i % 7 == 0 else ''},"
              f"{'@alice,@bob' if i % 2 else '@bob,'}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


async def test_a_big_import_is_written_in_short_pieces(store: Store) -> None:
    stats = store.db.lock_stats
    writes, stats.longest_hold_s = stats.writes, 0.0
    result = await import_households(store, EAST, _many(20_000), now=NOW, actor_id=2001)
    assert result.errors == [] and (result.created, result.updated) == (20_000, 0)
    # Staged, decided, applied and cleaned up in many short transactions, not in one.
    assert stats.writes - writes >= 8
    assert stats.longest_hold_s < 0.5
    homes = await store.households.of_branch(EAST)
    assert len(homes) == 20_000 and len({h.zone for h in homes}) == 50
    assert sum(h.vulnerable for h in homes) == len(range(0, 20_000, 7))
    assert {(h.responsible_id, h.backup_id) for h in homes} == {(ALICE, BOB), (BOB, None)}
    record = await store.household_imports.get(1)
    assert record is not None and (record.state, record.staged, record.applied) == (
        "done", 20_000, 20_000)
    assert (record.actor_id, record.created, record.updated) == (2001, 20_000, 0)
    assert await store.db.fetchall("SELECT * FROM household_import_rows") == []
    again = await import_households(store, EAST, _many(20_001), now=NOW)
    assert (again.created, again.updated) == (1, 20_000)
    assert len(await store.households.of_branch(EAST)) == 20_001


def dead_process() -> int:
    """The id of a process that has exited (and been waited for)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def test_opening_finishes_a_decided_import_and_drops_a_staged_one(tmp_path: Path) -> None:
    first = Store(tmp_path / "f.db")
    await first.initialize()
    branch = await first.branches.create("East", None, at=NOW)
    await first.people.save(ALICE, "Alice", None, "alice", "zh", at=NOW)
    await first.people.set_membership(ALICE, branch, "member", at=NOW)

    def homes(zone: str, n: int) -> list[HouseholdInput]:
        return [HouseholdInput(zone, str(i), "", 1, "", ALICE, False) for i in range(n)]

    decided = await first.household_imports.stage(branch, homes("D", 5000), actor_id=2001,
                                                  file_name="d.csv", at=NOW)
    staged = await first.household_imports.stage(branch, homes("S", 3000), actor_id=None,
                                                 file_name="s.csv", at=NOW)
    theirs = await first.household_imports.stage(branch, homes("T", 10), actor_id=None,
                                                 file_name="t.csv", at=NOW)
    gone = dead_process()
    # As a process that died would leave them: one decided, one still staging; and one of
    # a process that still runs (this test's parent).
    await first.db.execute("UPDATE household_imports SET state = 'applying', owner_pid = ?"
                           " WHERE id = ?", (gone, decided))
    await first.db.execute("UPDATE household_imports SET owner_pid = ? WHERE id = ?",
                           (gone, staged))
    await first.db.execute("UPDATE household_imports SET owner_pid = ? WHERE id = ?",
                           (os.getppid(), theirs))
    await first.shutdown()

    second = Store(tmp_path / "f.db")
    await second.initialize()
    try:
        zones = await second.zones.of_branch(branch)
        assert [(z.name, z.households) for z in zones] == [("D", 5000)]
        record = await second.household_imports.get(decided)
        assert record is not None and (record.state, record.created, record.updated) == (
            "done", 5000, 0)
        assert await second.household_imports.get(staged) is None
        left = await second.household_imports.get(theirs)
        assert left is not None and left.state == "staging"
        assert await second.db.fetchall(
            "SELECT import_id, count(*) FROM household_import_rows GROUP BY 1") == [(theirs, 10)]
        (entry,) = [e for e in await second.audit.entries() if e[2] == "households_import"]
        assert (entry[0], entry[1], entry[3]) == (NOW.isoformat(), 2001, branch)
        assert json.loads(entry[5] or "{}") == {"created": 5000, "updated": 0,
                                                "file": "d.csv", "recovered": True}
    finally:
        await second.shutdown()


async def test_more_households_than_the_limit_are_refused(store: Store) -> None:
    result = await import_households(store, EAST, _many(MAX_ROWS + 1), now=NOW)
    assert [(e.line, e.key) for e in result.errors] == [(None, "too_many_households")]
    assert reason(result.errors[0], "zh") == "文件超过 200000 户，请拆分"
    assert not result.written and await _rows(store) == []
