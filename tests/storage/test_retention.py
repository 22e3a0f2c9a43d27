"""Retention on a real SQLite file: exactly what is old goes (nothing pending, nothing new),
old check-ins are anonymised with their counts kept, an old day's digest still adds up, the
work is done in pieces and resumed, and the file gives its free pages back."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import RetentionConfig
from bot.rules import retention
from bot.rules.digest.build import build as build_digest
from bot.rules.retention import Cutoffs
from bot.rules.vocab import CHECKED_IN
from storage import compact
from storage.retention import ANONYMISED
from storage.store import Store

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 30, 4, 0, tzinfo=ZONE)  # the run's time: 04:00 local
CONFIG = RetentionConfig(outbox_days=30, audit_days=365, health_days=90)
OLD = (NOW - timedelta(days=31)).isoformat()  # older than every period but the audit's
NEW = (NOW - timedelta(days=1)).isoformat()
OLD_DAYS = ("2026-03-30", "2026-03-31")  # before 2026-04-01, today less 90 days
NEW_DAYS = ("2026-04-01", "2026-06-29")
ROOT, A, B = 1, 2, 3
MEMBERS = {11: A, 12: A, 13: A, 14: B}
STATUSES = {11: "unwell", 12: "on_duty", 13: "quarantined", 14: "off"}


def stamp(when: datetime | str) -> str:
    text = when if isinstance(when, str) else when.isoformat()
    return datetime.fromisoformat(text).astimezone(UTC).isoformat(timespec="seconds")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """Org > A, Org > B; members 11-13 in A, 14 in B; a check-in with a note each on two old
    and two recent days."""
    s = Store(tmp_path / "f.db")
    await s.initialize()
    made = stamp("2026-01-01T00:00:00+00:00")
    async with s.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO branches(id, parent_id, name, created_at) VALUES (?, ?, ?, ?)",
            [(ROOT, None, "Org", made), (A, ROOT, "A", made), (B, ROOT, "B", made)])
        for member, branch in MEMBERS.items():
            await tx.execute("INSERT INTO members(id, first_name, created_at, updated_at)"
                             " VALUES (?, ?, ?, ?)", (member, f"M{member}", made, made))
            await tx.execute("INSERT INTO memberships(member_id, branch_id, role, joined_at)"
                             " VALUES (?, ?, 'member', ?)", (member, branch, made))
            for day in (*OLD_DAYS, *NEW_DAYS):
                await tx.execute(
                    "INSERT INTO checkins(member_id, day, branch_id, status, note, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (member, day, branch, STATUSES[member], f"fever {member}", made, made))
    yield s
    await s.shutdown()


async def outbox_row(s: Store, *, state: str, at: str, broadcast: int | None = None,
                     attachment: int | None = None) -> int:
    return await s.db.execute(
        "INSERT INTO outbox(kind, broadcast_id, chat_id, member_id, text, buttons, state,"
        " created_at, done_at, attachment_id) VALUES (?, ?, 11, 11, 'hello', '[]', ?, ?, ?, ?)",
        ("broadcast" if broadcast else "rhythm_prompt", broadcast, state, stamp(at),
         None if state == "pending" else stamp(at), attachment))


async def run(s: Store, *, piece: int = 5000) -> dict[str, int]:
    counts: dict[str, int] = {}
    assert await retention.prune(s, Cutoffs.of(CONFIG, NOW, ZONE), counts, piece=piece)
    return counts


async def test_the_outbox_and_the_audit_log_lose_exactly_what_is_old(store: Store) -> None:
    s = store
    old_file = await s.outbox.attach("photo", "old.png", b"x", at=datetime.fromisoformat(OLD))
    kept_file = await s.outbox.attach("photo", "kept.png", b"x", at=datetime.fromisoformat(OLD))
    broadcast = await s.db.execute(
        "INSERT INTO broadcasts(branch_id, author_id, scope, body, created_at)"
        " VALUES (2, 11, 'branch', 'notice', ?)", (stamp(OLD),))
    gone = [await outbox_row(s, state=state, at=OLD, attachment=old_file)
            for state in ("sent", "skipped", "unreachable", "failed")]
    pending = await outbox_row(s, state="pending", at=OLD, attachment=kept_file)
    delivered = await outbox_row(s, state="sent", at=OLD, broadcast=broadcast)
    fresh = await outbox_row(s, state="sent", at=NEW)
    for at in (NOW - timedelta(days=366), NOW - timedelta(days=364)):
        await s.audit.record(None, "test", branch_id=None, allowed=True, at=at)

    counts = await run(s)

    rows = await s.db.fetchall("SELECT id, state, text, buttons FROM outbox ORDER BY id")
    assert [r[0] for r in rows] == [pending, delivered, fresh]
    assert not set(gone) & {r[0] for r in rows}
    assert rows[0][2:] == ("hello", "[]") and rows[2][2:] == ("hello", "[]")
    assert rows[1][2:] == ("", None)  # the broadcast's delivery stays, emptied
    files = await s.db.fetchall("SELECT file_name FROM attachments")
    assert files == [("kept.png",)]  # still wanted by the pending row
    assert [e[0] for e in await s.audit.entries()] == [stamp(NOW - timedelta(days=364))]
    assert (counts["outbox_deleted"], counts["outbox_emptied"], counts["attachments_deleted"],
            counts["audit_deleted"]) == (4, 1, 1, 1)
    # Once the pending row is sent, the next run (a day later) finds it, behind the mark.
    await s.db.execute("UPDATE outbox SET state = 'sent' WHERE id = ?", (pending,))
    again: dict[str, int] = {}
    later = Cutoffs.of(CONFIG, NOW + timedelta(days=1), ZONE)
    assert await retention.prune(s, later, again)
    assert [r[0] for r in await s.db.fetchall("SELECT id FROM outbox ORDER BY id")] == [
        delivered, fresh]
    assert again["outbox_deleted"] == 1 and again["attachments_deleted"] == 1


async def checkins(s: Store) -> dict[tuple[int, str], tuple[str, str | None]]:
    rows = await s.db.fetchall("SELECT member_id, day, status, note FROM checkins")
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


async def test_old_checkins_are_anonymised_and_their_counts_kept(store: Store) -> None:
    counts = await run(store)
    found = await checkins(store)
    assert len(found) == len(MEMBERS) * 4  # every check-in stays: the days were checked in
    for (member, day), (status, note) in found.items():
        if day in OLD_DAYS:
            assert (status, note) == (ANONYMISED, None)
        else:
            assert (status, note) == (STATUSES[member], f"fever {member}")
    kept = await store.db.fetchall(
        "SELECT day, branch_id, checked_in, on_duty, available, unwell, quarantined, off"
        " FROM checkin_counts ORDER BY day, branch_id")
    assert kept == [(day, A, 3, 1, 0, 1, 1, 0) for day in OLD_DAYS[:1]] + [
        (OLD_DAYS[0], B, 1, 0, 0, 0, 0, 1)] + [
        (OLD_DAYS[1], A, 3, 1, 0, 1, 1, 0), (OLD_DAYS[1], B, 1, 0, 0, 0, 0, 1)]
    assert counts["checkins_anonymised"] == 8 and counts["days_counted"] == 2
    assert await store.retention.anonymised_through() == date(2026, 3, 31)
    assert CHECKED_IN == ANONYMISED
    # A second run finds nothing more, and the counts are not taken twice.
    assert (await run(store)).get("checkins_anonymised", 0) == 0
    assert len(await store.db.fetchall("SELECT 1 FROM checkin_counts")) == 4


async def test_an_old_days_digest_and_record_still_add_up(store: Store) -> None:
    root = await store.branches.get(ROOT)
    assert root is not None
    day = date.fromisoformat(OLD_DAYS[1])
    before = await build_digest(store, root, day, NOW)
    record = await store.records.figures(11, date(2026, 3, 1), date(2026, 3, 31),
                                         NOW - timedelta(days=120), NOW, NOW)
    await run(store)
    after = await build_digest(store, root, day, NOW)
    for was, now in zip([before.total, *before.children], [after.total, *after.children],
                        strict=True):
        assert now == was  # checked in, on duty, unwell, quarantined, off: as before
        assert now.checked == now.on_duty + now.available + now.unwell + now.quarantined \
            + now.off
    assert after.total.unwell == 1 and after.total.quarantined == 1
    # The names of the unwell are not kept, only how many they were.
    assert {p.kind for p in before.people} >= {"unwell", "quarantined"}
    assert not {p.kind for p in after.people} & {"unwell", "quarantined"}
    # A member's record over the old days: the days checked in are all there, their
    # statuses are not.
    now_record = await store.records.figures(11, date(2026, 3, 1), date(2026, 3, 31),
                                             NOW - timedelta(days=120), NOW, NOW)
    assert record.statuses == {"unwell": 2} and record.checkin_days == 2
    assert now_record.statuses == {ANONYMISED: 2} and now_record.checkin_days == 2


async def test_free_text_about_health_is_cleared_when_old(store: Store) -> None:
    s = store
    need = ("INSERT INTO needs(branch_id, reporter_id, category, urgency, for_self, for_whom,"
            " details, location, latitude, longitude, status, status_note, created_at,"
            " updated_at, closed_at) VALUES (2, 11, 'medicine', 'urgent', 0, 'grandma',"
            " 'insulin', 'Flat 3', 1.0, 2.0, ?, 'done', ?, ?, ?)")
    long_ago = stamp(NOW - timedelta(days=91))
    closed_old = await s.db.execute(need, ("resolved", long_ago, long_ago, long_ago))
    open_old = await s.db.execute(need, ("open", long_ago, long_ago, None))
    closed_new = await s.db.execute(need, ("cancelled", long_ago, stamp(OLD), stamp(OLD)))
    zone = await s.db.execute("INSERT INTO zones(branch_id, name, created_at) VALUES (2, 'Z', ?)",
                              (stamp(OLD),))
    home = await s.db.execute(
        "INSERT INTO households(zone_id, label, people, created_at, updated_at)"
        " VALUES (?, '3-402', 2, ?, ?)", (zone, stamp(OLD), stamp(OLD)))
    for at in (long_ago, stamp(NEW)):
        await s.db.execute("INSERT INTO visits(household_id, member_id, outcome, note, at)"
                           " VALUES (?, 11, 'needs_help', 'coughing', ?)", (home, at))
    task = await s.db.execute("INSERT INTO tasks(branch_id, created_by, title, created_at)"
                              " VALUES (2, 11, 'T', ?)", (long_ago,))
    for member, at in ((12, long_ago), (13, stamp(NEW))):
        await s.db.execute(
            "INSERT INTO assignments(task_id, member_id, state, assigned_at, answered_at,"
            " decline_reason) VALUES (?, ?, 'declined', ?, ?, 'I have a fever')",
            (task, member, at, at))

    counts = await run(s)

    needs = {r[0]: r[1:] for r in await s.db.fetchall(
        "SELECT id, details, for_whom, location, latitude, status_note, category FROM needs")}
    assert needs[closed_old] == ("", None, None, None, None, "medicine")
    assert needs[open_old] == ("insulin", "grandma", "Flat 3", 1.0, "done", "medicine")
    assert needs[closed_new][0] == "insulin"
    assert await s.db.fetchall("SELECT outcome, note FROM visits ORDER BY id") == [
        ("needs_help", None), ("needs_help", "coughing")]
    assert await s.db.fetchall(
        "SELECT member_id, state, decline_reason FROM assignments ORDER BY member_id") == [
        (12, "declined", None), (13, "declined", "I have a fever")]
    assert (counts["needs_cleared"], counts["visits_cleared"], counts["answers_cleared"]) == (
        1, 1, 1)


async def test_small_pieces_do_the_same(store: Store, tmp_path: Path) -> None:
    for _ in range(7):
        await outbox_row(store, state="sent", at=OLD)
    await outbox_row(store, state="pending", at=OLD)
    for _ in range(3):
        await outbox_row(store, state="sent", at=OLD)
    statements: list[str] = []
    await store.db.trace(statements.append)
    counts = await run(store, piece=2)
    await store.db.trace(None)
    assert counts["outbox_deleted"] == 10 and counts["checkins_anonymised"] == 8
    assert len(await store.db.fetchall("SELECT 1 FROM outbox")) == 1
    anonymised = [s for s in statements if s.startswith("UPDATE checkins")]
    assert len(anonymised) >= 4  # 8 check-ins, 2 at a time (a piece per transaction)
    assert (await checkins(store))[(14, OLD_DAYS[1])] == (ANONYMISED, None)


async def test_a_run_over_its_budget_is_resumed_at_the_next_tick(store: Store) -> None:
    await outbox_row(store, state="sent", at=OLD)
    at = NOW.timetz().replace(tzinfo=None)
    first = await retention.run_due(store, CONFIG, NOW, zone=ZONE, at=at, budget_s=0)
    assert first is not None and not first.done
    recorded = await store.runs.upkeep("retention", NOW.date())
    assert recorded is not None and not recorded.done
    second = await retention.run_due(store, CONFIG, NOW + timedelta(minutes=1), zone=ZONE,
                                     at=at)
    assert second is not None and second.done
    assert second.counts["outbox_deleted"] == 1 and second.counts["checkins_anonymised"] == 8
    recorded = await store.runs.upkeep("retention", NOW.date())
    assert recorded is not None and recorded.done
    assert dict(recorded.detail)["counts"]["outbox_deleted"] == 1
    assert dict(recorded.detail)["kept"] == {"outbox_days": 30, "audit_days": 365,
                                             "health_days": 90}
    # Done for the day: the next tick does nothing; 0 days keep for ever.
    assert await retention.run_due(store, CONFIG, NOW + timedelta(hours=1), zone=ZONE,
                                   at=at) is None
    forever = RetentionConfig(outbox_days=0, audit_days=0, health_days=0)
    later = await retention.run_due(store, forever, NOW + timedelta(days=400), zone=ZONE,
                                    at=at)
    assert later is not None and later.done
    assert later.counts.get("outbox_deleted", 0) == 0
    assert later.counts.get("checkins_anonymised", 0) == 0


def size(path: Path) -> int:
    return path.stat().st_size + sum(
        p.stat().st_size for p in (Path(f"{path}-wal"),) if p.exists())


async def test_the_file_gives_its_free_pages_back(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    assert await compact.auto_vacuum(store.db) == compact.INCREMENTAL  # a new database
    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO outbox(kind, chat_id, text, state, created_at, done_at)"
            " VALUES ('rhythm_prompt', 1, ?, 'sent', ?, ?)",
            [("x" * 2000, stamp(OLD), stamp(OLD)) for _ in range(2000)])
    await compact.checkpoint(store.db)
    full = size(path)
    statements: list[str] = []
    await store.db.trace(statements.append)
    counts = await run(store)
    await store.db.trace(None)
    assert counts["pages_freed"] > 900
    # A step gives back up to VACUUM_PAGES pages in one statement, not one page per statement.
    steps = [s for s in statements if s.startswith("PRAGMA incremental_vacuum")]
    assert 1 <= len(steps) <= counts["pages_freed"] // retention.VACUUM_PAGES + 1
    assert await compact.free_pages(store.db) == 0
    shrunk = size(path)
    assert shrunk < full / 2, (full, shrunk)
    # A day of the same traffic again and its retention: the file does not grow.
    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO outbox(kind, chat_id, text, state, created_at, done_at)"
            " VALUES ('rhythm_prompt', 1, ?, 'sent', ?, ?)",
            [("x" * 2000, stamp(OLD), stamp(OLD)) for _ in range(2000)])
    await run(store)
    assert size(path) <= shrunk


async def test_an_older_file_is_converted_once_by_the_migration(tmp_path: Path) -> None:
    from storage.db import migrations

    path = tmp_path / "v15.db"
    with sqlite3.connect(path) as conn:
        for version, _, script in migrations()[:15]:
            conn.executescript(script)
            conn.execute(f"PRAGMA user_version={version}")
        assert conn.execute("PRAGMA auto_vacuum").fetchone() == (0,)
    s = Store(path)
    await s.initialize()
    try:
        assert await compact.auto_vacuum(s.db) == compact.INCREMENTAL
    finally:
        await s.shutdown()
