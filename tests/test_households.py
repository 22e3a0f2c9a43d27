"""Importing households from CSV on real SQLite: encodings, headers, bad rows, re-import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.households import MAX_BYTES, import_households, is_vulnerable, parse
from storage.store import Store
from tests.test_cli import db_path, frontline, sql

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
    assert await s.create_branch("Org", None, at=NOW) == ROOT
    assert await s.create_branch("East", ROOT, at=NOW) == EAST
    assert await s.create_branch("West", ROOT, at=NOW) == WEST
    grid = await s.create_branch("East Grid", EAST, at=NOW)
    for user, name, branch in ((ALICE, "alice", EAST), (BOB, "bob", grid),
                               (CAROL, "carol", WEST)):
        await s.save_person(user, name.title(), None, name, "zh", at=NOW)
        await s.set_membership(user, branch, "member", at=NOW)
    await s.save_person(2001, "张伟", None, "zhangwei", "zh", at=NOW)
    await s.set_membership(2001, EAST, "secretary", at=NOW)
    yield s
    await s.shutdown()


async def _rows(store: Store) -> list[tuple[str, str, str, int, str, int | None, bool]]:
    return [(h.zone, h.label, h.address, h.people, h.notes, h.responsible_id, h.vulnerable)
            for h in await store.branch_households(EAST)]


async def test_good_utf8_file(store: Store) -> None:
    result = await import_households(store, EAST, GOOD.encode(), now=NOW)
    assert result.errors == []
    assert (result.created, result.updated) == (3, 0)
    assert await _rows(store) == [
        ("Building 1", "1-101", "1 Lake Road, flat 101", 2, "", ALICE, False),
        ("Building 1", "1-102", "1 Lake Road flat 102", 1, "elderly living alone", BOB, True),
        ("Building 2", "2-201", "2 Lake Road", 4, "", ALICE, False),
    ]
    assert [(z.name, z.households) for z in await store.zones(EAST)] == [
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
            "Building 1,1-104,addr,0,,@alice\n"        # 6: people not positive
            "Building 1,1-105,\"multi\nline\",2,,@alice\n"  # 7-8: good, spans two lines
            "Building 1,1-106,addr,-3,,@alice\n"       # 9: negative
            ",1-107,addr,2,,@alice\n")                 # 10: empty zone
    result = await import_households(store, EAST, text.encode(), now=NOW)
    assert [e.line for e in result.errors] == [4, 5, 6, 9, 10]
    reasons = [e.reason for e in result.errors]
    assert "empty label" in reasons[0]
    assert "'zero'" in reasons[1] and "whole number" in reasons[1]
    assert "'0'" in reasons[2]
    assert "'-3'" in reasons[3]
    assert "empty zone" in reasons[4]
    assert str(result.errors[0]).startswith("line 4: ")
    assert (result.created, result.updated, result.written) == (0, 0, False)
    assert await _rows(store) == []
    assert await store.zones(EAST) == []


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
    assert [z.name for z in await store.zones(EAST)] == ["Building 1", "Building 2",
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
    assert "@nobody" in result.errors[0].reason
    assert "not a member" in result.errors[1].reason
    assert "999999" in result.errors[2].reason
    assert "empty responsible" in result.errors[3].reason
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
    assert "line 2" in result.errors[0].reason
    assert await _rows(store) == []


async def test_missing_columns(store: Store) -> None:
    header_only = "zone,label,address,notes\nB,1,a,\n"
    result = await import_households(store, EAST, header_only.encode(), now=NOW)
    assert len(result.errors) == 1
    assert result.errors[0].line == 1
    assert "people" in result.errors[0].reason and "responsible" in result.errors[0].reason
    short = ("zone,label,people,responsible,address\n"
             "B,1,2,@alice\n"              # address may be left out at the end
             "B,2,2\n"                     # responsible missing
             "B,3,2,@alice,a,extra\n")     # one field too many
    result = await import_households(store, EAST, short.encode(), now=NOW)
    assert [(e.line, e.reason.split(":")[0]) for e in result.errors] == [
        (3, "missing column(s)"), (4, "6 fields but the header has 5 (a comma inside an "
                                      "unquoted field?)")]
    assert await _rows(store) == []


async def test_a_file_over_10_mb_is_refused(store: Store) -> None:
    data = GOOD.encode() + b"B,x,a,1,,@alice\n" * (MAX_BYTES // 16 + 1)
    assert len(data) > MAX_BYTES
    result = await import_households(store, EAST, data, now=NOW)
    assert len(result.errors) == 1
    assert result.errors[0].line is None
    assert "10 MB" in result.errors[0].reason
    assert await _rows(store) == []


async def test_undecodable_and_empty_files(store: Store) -> None:
    for data, words in ((b"\xff\xfe\x00z\x00o", "UTF-8"), (b"", "empty"),
                        (b"zone,label,people,responsible\n", "no households")):
        rows, errors = parse(data)
        assert rows == []
        assert len(errors) == 1 and words in errors[0].reason, errors


def test_vulnerable_keywords() -> None:
    assert is_vulnerable("Elderly, lives alone")
    assert is_vulnerable("居家隔离至3月5日")
    assert not is_vulnerable("household of four")


def test_cli_import(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[telegram]\nusername = "my_bot"\n\n[storage]\npath = "data/frontline.db"\n',
                      encoding="utf-8")
    assert frontline(tmp_path, "init", "--config", str(config), "--org", "Org").code == 0
    db = db_path(tmp_path)
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
    assert "1 created, 0 updated" in result.out
    result = frontline(tmp_path, "households", "import", *cfg, str(good))
    assert "0 created, 1 updated" in result.out
    assert sql(db, "SELECT label, people, responsible_id FROM households") == [("101", 2, 5)]

    bad = tmp_path / "bad.csv"
    bad.write_text("zone,label,people,responsible\nB,1,2,@wei\nB,2,two,@wei\n", encoding="utf-8")
    result = frontline(tmp_path, "households", "import", *cfg, str(bad))
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "line 3:" in result.err and "'two'" in result.err
    assert "nothing imported" in result.err_lines[-1]
    assert sql(db, "SELECT count(*) FROM households") == [(1,)]

    result = frontline(tmp_path, "households", "import", *cfg, str(tmp_path / "none.csv"))
    assert result.code == 2 and len(result.err_lines) == 1
    result = frontline(tmp_path, "households", "import", "--config", str(tmp_path / "no.toml"),
                       "--branch", "1", str(good))
    assert result.code == 2 and "Traceback" not in result.err
    result = frontline(tmp_path, "households", "import", *cfg[:2], "--branch", "9", str(good))
    assert result.code == 1 and "#9" in result.err

    helped = frontline(tmp_path, "households", "import", "--help")
    assert helped.code == 0 and helped.out.startswith("usage: frontline households import")
