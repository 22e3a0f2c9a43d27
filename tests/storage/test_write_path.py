"""One write discipline: a write that returned is committed and nobody's rollback undoes it;
readers never see uncommitted rows; writing SQL has no way in but the one write path."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from storage.db import StorageError
from storage.store import Store
from tests.helpers import ROOT

NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
DAY = date(2026, 3, 2)


async def _people(store: Store) -> tuple[int, int]:
    root = await store.branches.create("Root", None, at=NOW)
    for user in (1, 2, 3):
        await store.people.save(user, f"P{user}", None, None, "zh", at=NOW)
        await store.people.set_membership(user, root, "member", at=NOW)
    await store.checkins.record(1, root, DAY, "on_duty", at=NOW)
    broadcast = await store.broadcasts.create(
        branch_id=root, author_id=3, scope="branch", body="hi", media_kind=None,
        media_file_id=None, to_groups=False, ack_required=True, messages=[],
        status_chat_id=None, status_message_id=None, at=NOW)
    return root, broadcast


async def test_a_failed_transaction_takes_back_no_one_elses_write(store: Store) -> None:
    root, broadcast = await _people(store)
    team = await store.teams.create(root, "Shock", created_by=3, at=NOW)
    assert team is not None
    opened = asyncio.Event()
    others_done = asyncio.Event()

    async def failing() -> None:
        async with store.db.transaction() as tx:
            await tx.execute("INSERT INTO branches(name, parent_id, created_at)"
                             " VALUES ('Doomed', ?, ?)", (root, NOW.isoformat()))
            opened.set()
            # Let the others run (and, on a shared connection, write inside this
            # transaction) before it fails on a foreign key.
            await asyncio.wait_for(others_done.wait(), 0.3)
            await tx.execute("INSERT INTO memberships(member_id, branch_id, role, joined_at)"
                             " VALUES (424242, ?, 'member', ?)", (root, NOW.isoformat()))

    async def others() -> list[object]:
        await opened.wait()
        results = await asyncio.gather(
            store.broadcasts.acknowledge(broadcast, 1, 1, at=NOW),
            store.teams.add_member(team, 2, at=NOW),
            store.checkins.set_note(1, DAY, "fine", at=NOW),
            return_exceptions=True)
        others_done.set()
        return list(results)

    failure, results = await asyncio.gather(failing(), others(), return_exceptions=True)
    assert isinstance(failure, (sqlite3.IntegrityError, TimeoutError))
    assert results == [True, True, True]
    # Every write that returned success is there; the failed transaction left nothing.
    assert await store.db.fetchone("SELECT 1 FROM acks WHERE member_id = 1") is not None
    assert await store.db.fetchone("SELECT 1 FROM team_members WHERE member_id = 2") is not None
    checkin = await store.checkins.get(1, DAY)
    assert checkin is not None and checkin.note == "fine"
    assert await store.db.fetchone("SELECT 1 FROM branches WHERE name = 'Doomed'") is None


async def test_a_reader_never_sees_uncommitted_rows(store: Store) -> None:
    root, _ = await _people(store)
    seen_inside: list[object] = []
    async with store.db.transaction() as tx:
        new = (await tx.execute("INSERT INTO branches(name, parent_id, created_at)"
                                " VALUES ('Fresh', ?, ?)", (root, NOW.isoformat()))).lastrowid
        # The transaction sees its own row; everyone else does not, yet.
        assert await tx.fetchone("SELECT name FROM branches WHERE id = ?", (new,)) == ("Fresh",)
        seen_inside.append(await store.branches.get(new))
    assert seen_inside == [None]
    branch = await store.branches.get(new)
    assert branch is not None and branch.name == "Fresh"


async def test_writing_sql_through_a_reader_fails(store: Store) -> None:
    await _people(store)
    for sql in ("UPDATE members SET first_name = 'X'",
                "DELETE FROM checkins RETURNING 1",
                "INSERT INTO acks(broadcast_id, member_id, chat_id, at) VALUES (1, 2, 2, 'x')"):
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await store.db.fetchall(sql)
    assert await store.db.fetchone("SELECT count(*) FROM members WHERE first_name = 'X'") == (0,)


async def test_writing_through_the_database_inside_a_transaction_is_refused(
        store: Store) -> None:
    root, _ = await _people(store)
    with pytest.raises(StorageError, match="through the transaction itself"):
        async with store.db.transaction():
            # This would wait for the lock the transaction holds, forever.
            await store.branches.create("Inner", root, at=NOW)
    assert await store.db.fetchone("SELECT 1 FROM branches WHERE name = 'Inner'") is None


def _calls(source: str, name: str) -> list[tuple[int, str]]:
    """(line, argument text) of every call `name(...)` in the source."""
    found = []
    for match in re.finditer(re.escape(name) + r"\(", source):
        i, depth = match.end(), 1
        while depth:
            depth += {"(": 1, ")": -1}.get(source[i], 0)
            i += 1
        found.append((source[:match.start()].count("\n") + 1, source[match.end():i]))
    return found


def test_no_writing_sql_is_sent_to_a_reader() -> None:
    offenders = []
    for path in sorted((ROOT / "storage").rglob("*.py")):
        source = path.read_text("utf-8")
        for name in ("db.fetchone", "db.fetchall"):
            for line, argument in _calls(source, name):
                if re.search(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", argument):
                    offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert offenders == []


def test_only_the_database_modules_open_connections() -> None:
    offenders = []
    for folder in ("bot", "handlers", "storage"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path in (ROOT / "storage" / "db.py", ROOT / "storage" / "connect.py",
                        ROOT / "storage" / "readonly.py"):
                continue
            text = path.read_text("utf-8")
            if re.search(r"\b(aiosqlite|sqlite3)\.connect\(|\.db\._writer|\._readers\b", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


async def test_files_are_private_to_their_owner(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "data"
    s = Store(folder / "f.db")
    await s.initialize()
    try:
        await s.branches.create("Root", None, at=NOW)
        await s.db.backup(tmp_path / "copy" / "b.db")
        for path in (folder / "f.db", folder / "f.db-wal", folder / "f.db-shm",
                     tmp_path / "copy" / "b.db"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        for path in (folder, tmp_path / "new", tmp_path / "copy"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    finally:
        await s.shutdown()


async def test_a_missing_file_is_not_created_unless_asked(tmp_path: Path) -> None:
    s = Store(tmp_path / "typo.db")
    with pytest.raises(StorageError, match=r"typo\.db: no database there"):
        await s.initialize(create=False)
    assert not (tmp_path / "typo.db").exists()


async def test_a_nul_in_the_path_is_one_clear_error(tmp_path: Path) -> None:
    s = Store(f"{tmp_path}/bad\x00name.db")
    with pytest.raises(StorageError, match="NUL"):
        await s.initialize()


async def test_a_read_only_store_reads_beside_the_writer_and_never_writes(store: Store) -> None:
    root, _ = await _people(store)
    reader = Store(store.db.path, read_only=True)
    await reader.initialize()
    try:
        assert reader.db.is_open
        assert [m.id for m in await reader.export.members(root)] == [1, 2, 3]
        await store.checkins.record(2, root, DAY, "unwell", at=NOW)  # the writer goes on
        found = await reader.export.checkins([1, 2], DAY, DAY)
        assert [(c.member_id, c.statuses) for c in found] == [(1, ["on_duty"]), (2, ["unwell"])]
        with pytest.raises(StorageError, match="not open"):
            await reader.checkins.record(3, root, DAY, "off", at=NOW)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await reader.db.fetchall("DELETE FROM checkins")
    finally:
        await reader.shutdown()
    assert await store.checkins.get(3, DAY) is None


async def test_a_read_only_store_needs_the_file(tmp_path: Path) -> None:
    reader = Store(tmp_path / "missing.db", read_only=True)
    with pytest.raises(StorageError, match=r"missing\.db"):
        await reader.initialize()
    assert not (tmp_path / "missing.db").exists()


async def test_opening_an_existing_database_never_waits_for_the_write_lock(
        store: Store) -> None:
    # Another program (here a connection of its own) holds the write lock for longer than
    # the busy timeout: a second Frontline process (`frontline backup`, `status`, `export`)
    # still opens the file and reads, for opening asks for no lock at all.
    root, _ = await _people(store)
    other = sqlite3.connect(store.db.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE branches SET name = 'Held' WHERE id = ?", (root,))
        second = Store(store.db.path)
        await second.initialize(migrate=False)
        try:
            assert [m.id for m in await second.export.members(root)] == [1, 2, 3]
            branch = await second.branches.get(root)
            assert branch is not None and branch.name == "Root"  # not the uncommitted name
        finally:
            await second.shutdown()
    finally:
        other.execute("ROLLBACK")
        other.close()
