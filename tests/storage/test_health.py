"""The health facts on real SQLite files: the outbox's (cheap on a big outbox), members
unreachable, the write probe, and the read-only database that `frontline status` opens."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.db import StorageError
from storage.health import AROUND_FRONT
from storage.store import Store
from storage.times import iso

NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


def add_rows(db: Path, rows: list[tuple[str, datetime, datetime | None]]) -> None:
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.executemany(
            "INSERT INTO outbox(kind, chat_id, text, state, created_at, done_at)"
            " VALUES ('broadcast', 1, 'x', ?, ?, ?)",
            [(state, iso(created), iso(done) if done else None)
             for state, created, done in rows])


async def test_outbox_facts(store: Store, tmp_path: Path) -> None:
    db = Path(store.db.path)
    facts = await store.health.outbox(now=NOW)
    assert (facts.pending, facts.oldest_pending, facts.last_delivered, facts.failed) == (
        0, None, None, 0)
    old = NOW - timedelta(days=2)
    add_rows(db, [("failed", old, old), ("sent", old, old + timedelta(minutes=1))])
    add_rows(db, [("sent", NOW - timedelta(minutes=20), NOW - timedelta(minutes=19)),
                  ("unreachable", NOW - timedelta(minutes=20), NOW - timedelta(minutes=18)),
                  ("failed", NOW - timedelta(minutes=20), NOW - timedelta(minutes=17)),
                  ("pending", NOW - timedelta(minutes=15), None),
                  ("skipped", NOW - timedelta(minutes=15), NOW - timedelta(minutes=16)),
                  ("pending", NOW - timedelta(minutes=5), None)])
    facts = await store.health.outbox(now=NOW)
    assert facts.pending == 2
    assert facts.oldest_pending == NOW - timedelta(minutes=15)
    # Failed is not delivered; skipped and unreachable are (nobody waits for them any more).
    assert facts.last_delivered == NOW - timedelta(minutes=16)
    add_rows(db, [("failed", NOW - timedelta(minutes=4), NOW - timedelta(minutes=3))])
    assert (await store.health.outbox(now=NOW)).last_delivered == NOW - timedelta(minutes=16)
    assert facts.failed == 1  # the one of two days ago was queued before the last 24 h


async def test_the_last_delivery_is_found_near_the_front_of_a_long_queue(store: Store) -> None:
    """Only rows around the oldest pending one are read: a queue far longer than that
    window still gives the last delivery, which the worker made at its front."""
    db = Path(store.db.path)
    start = NOW - timedelta(hours=3)
    done = [("sent", start, start + timedelta(seconds=i)) for i in range(3 * AROUND_FRONT)]
    waiting = [("pending", start, None)] * (3 * AROUND_FRONT)
    add_rows(db, done + waiting)
    facts = await store.health.outbox(now=NOW)
    assert facts.pending == 3 * AROUND_FRONT
    assert facts.last_delivered == start + timedelta(seconds=3 * AROUND_FRONT - 1)


async def test_failed_rows_are_counted_from_the_first_queued_in_the_last_day(
        store: Store) -> None:
    db = Path(store.db.path)
    for hours_ago in range(48, 0, -1):  # a failed message queued every hour for two days
        queued = NOW - timedelta(hours=hours_ago, minutes=30)
        add_rows(db, [("failed", queued, queued), ("sent", queued, queued)])
    # Queued 0:30, 1:30, ... 23:30 hours ago: 23 of them in the last 24 hours.
    assert (await store.health.outbox(now=NOW)).failed == 23


async def test_members_unreachable_and_the_write_probe(store: Store) -> None:
    root = await store.branches.create("Root", None, at=NOW)
    for user in (1, 2, 3):
        await store.people.save(user, f"P{user}", None, None, "zh", at=NOW)
        await store.people.set_membership(user, root, "member", at=NOW)
    await store.people.save(4, "Not a member", None, None, "zh", at=NOW)
    for user in (2, 4):
        await store.people.set_reachable(user, False, at=NOW)
    assert await store.health.unreachable_members() == 1
    before = await store.db.user_version()
    assert await store.health.probe_write() is None
    assert await store.db.user_version() == before


async def test_the_write_probe_says_locked_when_another_program_holds_the_lock(
        tmp_path: Path) -> None:
    store = Store(tmp_path / "f.db")
    await store.initialize()
    other = sqlite3.connect(tmp_path / "f.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        # A short wait for this test: what matters is the reason, not the wait.
        found = await store.health.writable(timeout_s=0.05)
        assert (found.ok, found.reason) == (False, "locked")
        assert await store.health.probe_write() == "locked"
        other.execute("ROLLBACK")
        assert await store.health.probe_write() is None
    finally:
        other.close()
        await store.shutdown()


async def test_the_read_only_store_never_creates_and_never_writes(tmp_path: Path) -> None:
    missing = Store(tmp_path / "missing.db", read_only=True)
    with pytest.raises(StorageError, match="no database there"):
        await missing.db.initialize()
    assert not (tmp_path / "missing.db").exists()
    made = Store(tmp_path / "f.db")
    await made.initialize()
    await made.shutdown()
    store = Store(tmp_path / "f.db", read_only=True)
    await store.db.initialize()
    try:
        assert await store.health.unreachable_members() == 0
        with pytest.raises(StorageError):
            await store.db.execute("DELETE FROM branches")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await store.db.fetchall("DELETE FROM branches")
        assert await store.health.probe_write() == "readonly"
    finally:
        await store.shutdown()
