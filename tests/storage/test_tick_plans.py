"""Everything the minute tick runs stays cheap as history grows: no statement it runs scans a
table that grows with history (read through EXPLAIN QUERY PLAN, on statistics of a database
with two months of history, as `Database.optimize` keeps them)."""

from __future__ import annotations

import random
import re
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.i18n import Translator
from bot.runtime.scheduler import Scheduler
from storage.store import Store

# Tables whose rows pile up day after day (the others grow with the organization's size).
GROWING = {"checkins", "outbox", "runs", "needs", "visits", "audit_log",
           "acks", "assignments", "tasks", "broadcasts", "conduct", "handovers"}
TODAY = date(2026, 3, 30)
DAYS = 60
BRANCHES = 20
MEMBERS = 400
FIRST = 10_000
NOT_ALIASES = {"INDEXED", "WHERE", "JOIN", "ON", "LEFT", "CROSS", "INNER", "GROUP", "ORDER",
               "LIMIT", "USING", "NATURAL", "SET", "VALUES", "AS", "UNION", "SELECT"}


def stamp(day: date, hour: float) -> str:
    """A local (Shanghai) hour of a day, as a UTC ISO stamp."""
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour - 8)
    return moment.isoformat(timespec="seconds")


async def history(store: Store) -> None:
    """Branches, members, households, and two months of check-ins, runs, needs, tasks,
    follow-ups, broadcasts, acknowledgements, visits and audit entries."""
    rng = random.Random(11)
    made = stamp(TODAY - timedelta(days=DAYS + 1), 9)
    days = [TODAY - timedelta(days=i) for i in range(DAYS, 0, -1)]
    members = [(FIRST + i, 1 + i % BRANCHES) for i in range(MEMBERS)]
    ids = [m for m, _ in members]
    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO branches(id, parent_id, name, created_at) VALUES (?, ?, ?, ?)",
            [(b, None if b == 1 else 1 + (b - 2) // 5, f"B{b}", made)
             for b in range(1, BRANCHES + 1)])
        await tx.executemany(
            "INSERT INTO members(id, first_name, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [(m, f"M{m}", made, made) for m in ids])
        await tx.executemany(
            "INSERT INTO memberships(member_id, branch_id, role, joined_at) VALUES (?, ?, ?, ?)",
            [(m, b, "secretary" if m - FIRST < BRANCHES else "member", made)
             for m, b in members])
        await tx.executemany(
            "INSERT INTO zones(id, branch_id, name, created_at) VALUES (?, ?, 'Z', ?)",
            [(b, b, made) for b in range(1, BRANCHES + 1)])
        await tx.executemany(
            "INSERT INTO households(id, zone_id, label, people, responsible_id, created_at,"
            " updated_at, last_reached_at) VALUES (?, ?, ?, 2, ?, ?, ?, ?)",
            [(h, 1 + h % BRANCHES, str(h), ids[h % MEMBERS], made, made,
              stamp(TODAY - timedelta(days=h % 3), 10)) for h in range(1, 801)])
        await tx.executemany(
            "INSERT INTO checkins(member_id, day, branch_id, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(m, d.isoformat(), b, rng.choice(("on_duty", "available", "unwell")),
              stamp(d, 8.5), stamp(d, 8.5))
             for d in days for m, b in members if rng.random() < 0.8])
        await tx.executemany(
            "INSERT INTO runs(branch_id, kind, day, at) VALUES (?, ?, ?, ?)",
            [(b, kind, d.isoformat(), stamp(d, hour)) for d in days
             for b in range(1, BRANCHES + 1)
             for kind, hour in (("prompt", 8), ("reminder", 10), ("escalate_rate", 12),
                                ("digest", 20))])
        await tx.executemany(
            "INSERT INTO outbox(kind, chat_id, member_id, text, state, created_at)"
            " VALUES ('rhythm_prompt', ?, ?, 'hi', 'sent', ?)",
            [(m, m, stamp(d, 8)) for d in days for m in ids])
        need = task = 0
        for broadcast, d in enumerate(days, start=1):
            for _ in range(8):
                need += 1
                reporter, branch = members[rng.randrange(MEMBERS)]
                critical = need % 4 == 0
                await tx.execute(
                    "INSERT INTO needs(id, branch_id, reporter_id, category, urgency, for_self,"
                    " details, status, created_at, updated_at, escalated_at)"
                    " VALUES (?, ?, ?, 'food', ?, 1, 'x', ?, ?, ?, ?)",
                    (need, branch, reporter, "critical" if critical else "normal",
                     rng.choice(("open", "resolved")), stamp(d, 9), stamp(d, 9),
                     stamp(d, 10) if critical else None))
                if critical:
                    await tx.execute(
                        "INSERT INTO runs(branch_id, kind, day, at)"
                        " VALUES (?, 'escalate_need', ?, ?)", (branch, f"need:{need}",
                                                              stamp(d, 10)))
            for _ in range(4):
                task += 1
                await tx.execute(
                    "INSERT INTO tasks(id, branch_id, created_by, title, due_at, status,"
                    " created_at) VALUES (?, ?, ?, 't', ?, ?, ?)",
                    (task, 1 + task % BRANCHES, FIRST, stamp(d, 18),
                     rng.choice(("open", "done")), stamp(d, 9)))
                for member in rng.sample(ids, 2):
                    await tx.execute(
                        "INSERT INTO assignments(task_id, member_id, state, assigned_at,"
                        " followed_up) VALUES (?, ?, ?, ?, 1)",
                        (task, member, rng.choice(("pending", "accepted", "done")),
                         stamp(d, 9)))
                    await tx.execute(
                        "INSERT INTO runs(branch_id, kind, day, at)"
                        " VALUES (?, 'remind', ?, ?)",
                        (1 + task % BRANCHES, f"task:{task}:{member}", stamp(d, 11)))
            await tx.execute(
                "INSERT INTO broadcasts(id, branch_id, author_id, scope, body, created_at)"
                " VALUES (?, 1, ?, 'subtree', 'b', ?)", (broadcast, FIRST, stamp(d, 12)))
            await tx.executemany(
                "INSERT INTO acks(broadcast_id, member_id, chat_id, at) VALUES (?, ?, ?, ?)",
                [(broadcast, m, m, stamp(d, 13)) for m in ids if rng.random() < 0.5])
            await tx.executemany(
                "INSERT INTO visits(household_id, member_id, outcome, at)"
                " VALUES (?, ?, 'well', ?)",
                [(h, ids[h % MEMBERS], stamp(d, 15)) for h in range(1, 801, 3)])
            await tx.executemany(
                "INSERT INTO audit_log(at, actor_id, action, branch_id, allowed)"
                " VALUES (?, ?, 'checkin', 1, 1)", [(stamp(d, 9), m) for m in ids[:50]])
        # Today: critical needs to escalate, tasks whose follow-ups are due.
        for n in range(3):
            need += 1
            await tx.execute(
                "INSERT INTO needs(id, branch_id, reporter_id, category, urgency, for_self,"
                " details, status, created_at, updated_at)"
                " VALUES (?, ?, ?, 'food', 'critical', 1, 'x', 'open', ?, ?)",
                (need, 2 + n, FIRST + 30 + n, stamp(TODAY, 6), stamp(TODAY, 6)))
        for n in range(3):
            task += 1
            await tx.execute(
                "INSERT INTO tasks(id, branch_id, created_by, title, due_at, created_at)"
                " VALUES (?, ?, ?, 't', ?, ?)",
                (task, 2 + n, FIRST + 2 + n, stamp(TODAY, 9), stamp(TODAY, 5)))
            await tx.execute(
                "INSERT INTO assignments(task_id, member_id, state, assigned_at)"
                " VALUES (?, ?, 'pending', ?)", (task, FIRST + 60 + n, stamp(TODAY, 5)))


def aliases(sql: str) -> dict[str, str]:
    """Alias (or name) -> table, for every table named after FROM, JOIN or UPDATE."""
    found = {}
    for table, alias in re.findall(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?",
                                   sql, re.IGNORECASE):
        found[table] = table
        if alias and alias.upper() not in NOT_ALIASES:
            found[alias] = table
    return found


def partial_indexes(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql LIKE '% WHERE %'")}


def scans(conn: sqlite3.Connection, sql: str) -> list[str]:
    """The plan's full scans of growing tables (a scan of a partial index is fine: it holds
    only what is still to be done)."""
    names = aliases(sql)
    partial = partial_indexes(conn)
    bad = []
    for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"):
        detail = str(row[-1])
        match = re.match(r"SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?", detail)
        if not match:
            continue
        table = names.get(match.group(1), match.group(1))
        if table in GROWING and match.group(2) not in partial:
            bad.append(f"{detail} ({table})")
    return bad


async def test_no_statement_of_the_tick_scans_the_history(tmp_path: Path) -> None:
    path = tmp_path / "frontline.db"
    store = Store(path)
    await store.initialize()
    try:
        await history(store)
        clock = ManualClock(datetime(2026, 3, 29, 23, 0, tzinfo=UTC))
        scheduler = Scheduler(store, Translator(), clock)
        await scheduler.start()  # the statistics, then a catch-up
        await scheduler.idle()
        statements: list[str] = []
        await store.db.trace(statements.append)
        for hour, minute in ((7, 59), (8, 0), (8, 1), (10, 0), (12, 0), (20, 0), (20, 1)):
            clock.set(datetime(2026, 3, 30, hour - 8, minute, tzinfo=UTC) if hour >= 8
                      else datetime(2026, 3, 29, hour + 16, minute, tzinfo=UTC))
            await scheduler.tick()
        await store.db.trace(None)
        assert scheduler.runs == 8
        kinds = {r[0] for r in await store.db.fetchall(
            "SELECT DISTINCT kind FROM outbox WHERE created_at >= ?", (stamp(TODAY, 0),))}
        # Every kind of work happened: each kind's statements are in what was read.
        assert kinds >= {"rhythm_prompt", "rhythm_reminder", "rhythm_escalate_rate",
                         "rhythm_digest", "rhythm_escalate_need", "task_remind",
                         "task_overdue"}
    finally:
        await store.shutdown()
    seen: dict[str, str] = {}
    for sql in statements:
        if re.match(r"\s*(BEGIN|COMMIT|ROLLBACK|PRAGMA|ANALYZE|--)", sql):
            continue
        seen.setdefault(re.sub(r"'[^']*'|\b\d+\b", "?", sql), sql)
    assert len(seen) > 20
    with sqlite3.connect(path) as conn:
        found = [f"{'; '.join(bad)} in: {' '.join(sql.split())}" for sql in seen.values()
                 if (bad := scans(conn, sql))]
    assert found == []
