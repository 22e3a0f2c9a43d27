"""Storage on real SQLite in a temporary directory: migrations, versions, days, invites."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.rules import checkins
from bot.rules.invites import create_invite
from storage.branches import Defaults
from storage.db import StorageError, migrations, schema_version
from storage.store import Store

NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


async def test_migrations_from_empty(tmp_path: Path) -> None:
    s = Store(tmp_path / "new.db")
    await s.initialize()
    assert await s.db.user_version() == schema_version() >= 1
    await s.shutdown()
    with sqlite3.connect(tmp_path / "new.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"branches", "members", "memberships", "invites", "checkins",
                "audit_log"} <= tables
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Opening again applies nothing and keeps the data.
    s = Store(tmp_path / "new.db")
    await s.initialize()
    assert await s.db.migrate() == []
    await s.shutdown()


async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version={schema_version() + 1}")
    s = Store(path)
    with pytest.raises(StorageError, match=r"knows only up to \d+; upgrade Frontline"):
        await s.initialize()
    with sqlite3.connect(path) as conn:  # untouched
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


async def test_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="not a usable SQLite database"):
        await Store(path).initialize()


async def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await store.branches.create("Orphan", 12345, at=NOW)


async def test_settings_are_inherited_then_defaulted(tmp_path: Path) -> None:
    s = Store(tmp_path / "d.db", Defaults(timezone="Europe/Berlin", locale="en"))
    await s.initialize()
    root = await s.branches.create("Root", None, at=NOW)
    child = await s.branches.create("Child", root, at=NOW)
    branch = await s.branches.get(child)
    assert branch is not None and (branch.timezone, branch.locale) == ("Europe/Berlin", "en")
    await s.shutdown()


@pytest.mark.parametrize(("utc_time", "local_day"), [
    (datetime(2026, 3, 2, 15, 59, tzinfo=UTC), date(2026, 3, 2)),  # 23:59 in Shanghai
    (datetime(2026, 3, 2, 16, 1, tzinfo=UTC), date(2026, 3, 3)),  # 00:01 in Shanghai
])
async def test_checkin_day_boundary_in_shanghai(store: Store, utc_time: datetime,
                                                local_day: date) -> None:
    root = await store.branches.create("Root", None, at=NOW)
    await store.people.save(1, "A", None, None, "zh", at=NOW)
    await store.people.set_membership(1, root, "member", at=NOW)
    person = await store.people.get(1)
    assert person is not None and person.timezone == "Asia/Shanghai"
    outcome = await checkins.check_in(store, person, "on_duty", utc_time)
    assert outcome.day == local_day
    assert await store.checkins.days(1, until=date(2026, 3, 4)) == [local_day]


async def test_checkin_day_boundary_west_of_utc(tmp_path: Path) -> None:
    s = Store(tmp_path / "ny.db", Defaults(timezone="America/New_York"))
    await s.initialize()
    root = await s.branches.create("Root", None, at=NOW)
    await s.people.save(1, "A", None, None, "en", at=NOW)
    await s.people.set_membership(1, root, "member", at=NOW)
    person = await s.people.get(1)
    assert person is not None
    # 23:59 on March 1 in New York is 04:59 UTC on March 2.
    late = await checkins.check_in(s, person, "off", datetime(2026, 3, 2, 4, 59, tzinfo=UTC))
    assert late.day == date(2026, 3, 1)
    await s.shutdown()


async def test_one_checkin_per_member_per_day(store: Store) -> None:
    root = await store.branches.create("Root", None, at=NOW)
    await store.people.save(1, "A", None, None, "zh", at=NOW)
    await store.people.set_membership(1, root, "member", at=NOW)
    day = date(2026, 3, 2)
    await store.checkins.record(1, root, day, "unwell", note="fever", at=NOW)
    await store.checkins.record(1, root, day, "quarantined", at=NOW + timedelta(hours=1))
    saved = await store.checkins.get(1, day)
    assert saved is not None and saved.status == "quarantined" and saved.note is None
    assert saved.updated_at == NOW + timedelta(hours=1)
    assert await store.checkins.days(1, until=day) == [day]


async def test_last_use_of_an_invite_goes_to_one_person_only(store: Store) -> None:
    root = await store.branches.create("Root", None, at=NOW)
    invite = await create_invite(store, root, "member", uses=1, created_by=None, now=NOW)
    for user in (1, 2, 3):
        await store.people.save(user, f"U{user}", None, None, "zh", at=NOW)
    results = await asyncio.gather(*(store.invites.join(invite.code, u, at=NOW)
                                     for u in (1, 2, 3)))
    assert sorted(results) == [False, False, True]
    again = await store.invites.get(invite.code)
    assert again is not None and again.uses_left == 0


async def test_expired_invite_cannot_be_spent(store: Store) -> None:
    root = await store.branches.create("Root", None, at=NOW)
    invite = await create_invite(store, root, "member", created_by=None, now=NOW,
                                 expires_in=timedelta(hours=1))
    await store.people.save(1, "U", None, None, "zh", at=NOW)
    assert not await store.invites.join(invite.code, 1, at=NOW + timedelta(hours=1))
    assert (await store.people.get(1)).branch_id is None  # type: ignore[union-attr]


async def test_roster_covers_the_subtree_only(store: Store) -> None:
    root = await store.branches.create("Root", None, at=NOW)
    a = await store.branches.create("A", root, at=NOW)
    a1 = await store.branches.create("A1", a, at=NOW)
    b = await store.branches.create("B", root, at=NOW)
    for user, branch in ((1, a), (2, a1), (3, b)):
        await store.people.save(user, f"U{user}", None, None, "zh", at=NOW)
        await store.people.set_membership(user, branch, "member", at=NOW)
    status = await checkins.subtree_status(store, a, NOW)
    assert [n.node.name for n in status.branches] == ["A", "A1"]
    assert sorted(m.member_id for b_ in status.branches for m in b_.members) == [1, 2]
    assert await store.branches.is_within(root, a1) and not await store.branches.is_within(a, b)


async def test_backup_copies_a_live_database(store: Store, tmp_path: Path) -> None:
    await store.branches.create("Root", None, at=NOW)
    await store.db.backup(tmp_path / "copy.db")
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("SELECT name FROM branches").fetchall() == [("Root",)]


async def test_the_two_ledgers_of_version_9_become_one(tmp_path: Path) -> None:
    """Version 10 keeps every daily run and every follow-up recorded before it, in one ledger:
    nothing recorded is done again after the upgrade."""
    path = tmp_path / "v9.db"
    with sqlite3.connect(path) as conn:
        for version, _, script in migrations()[:9]:
            conn.executescript(script)
            conn.execute(f"PRAGMA user_version={version}")
        stamp = NOW.isoformat()
        conn.execute("INSERT INTO branches(id, name, created_at) VALUES (3, 'A', ?)", (stamp,))
        conn.execute("INSERT INTO members(id, first_name, created_at, updated_at)"
                     " VALUES (7, 'Mia', ?, ?)", (stamp, stamp))
        conn.execute("INSERT INTO tasks(id, branch_id, created_by, title, created_at)"
                     " VALUES (5, 3, 7, 't', ?)", (stamp,))
        conn.execute("INSERT INTO schedule_runs(branch_id, kind, day, at, upto)"
                     " VALUES (3, 'prompt', '2026-03-02', ?, 40)", (stamp,))
        conn.execute("INSERT INTO followups(task_id, member_id, kind, at)"
                     " VALUES (5, 7, 'remind', ?)", (stamp,))
    s = Store(path)
    await s.initialize()
    try:
        assert await s.db.user_version() == schema_version() >= 10
        assert await s.runs.of(3) == [("prompt", "2026-03-02"), ("remind", "task:5:7")]
        assert await s.followups.of(5) == [(7, "remind")]
        recorded = await s.runs.since(date(2026, 3, 2))
        assert recorded[(3, "prompt", "2026-03-02")].upto == 40
    finally:
        await s.shutdown()
