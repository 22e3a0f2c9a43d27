"""Benchmark: the daily digest of the root and of a leaf, as the organization grows.

Builds an organization of 1,000 branches four levels deep (1 root → 10 → 100 → 889 leaves)
with N members spread over the leaves (one secretary in every branch), 30 days of
check-ins (about 80% a day), needs (about 1 per 100 members a day, a third still open,
some critical), tasks (about 1 per 200 members a day, two assignees each, some declined,
some overdue) and broadcasts (5 a day to leaves, about 70% acknowledged). The build writes
straight through the store's connection with executemany in large transactions (raw SQL
is fine in a bench); the digests are then computed the way the scheduler does, through
`bot.rules.digest.digest_messages` (counts, names, render), warm, best of 3.

Each size runs in its own process, so that its peak memory (ru_maxrss) is its own. Prints
one line per size and, last, for the 100k case:

    members=<n> root_digest_s=<x> leaf_digest_s=<y> peak_rss_mb=<m>

Run from the repository root: `python bench/digest.py [--million] [--sizes 10000,100000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.i18n import Translator
from bot.rules.digest import digest_messages
from storage.store import Store

DAYS = 30
LAST_DAY = date(2026, 3, 30)
# 20:00 in Shanghai (the default timezone) on the last day: digest time.
NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
FIRST_MEMBER = 1_000_000
REPEAT = 3
STATUSES = ("on_duty", "on_duty", "on_duty", "available", "available", "off", "unwell",
            "quarantined")


def _stamp(day: date, hour: float) -> str:
    when = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour - 8)
    return when.isoformat(timespec="seconds")


def tree() -> tuple[list[tuple[int, int | None, str]], list[int]]:
    """(id, parent, name) of 1,000 branches four levels deep, and the leaves."""
    rows: list[tuple[int, int | None, str]] = [(1, None, "Root")]
    level1 = list(range(2, 12))
    level2 = list(range(12, 112))
    leaves = list(range(112, 1001))
    rows += [(b, 1, f"District {b}") for b in level1]
    rows += [(b, level1[i % 10], f"Street {b}") for i, b in enumerate(level2)]
    rows += [(b, level2[i % 100], f"Block {b}") for i, b in enumerate(leaves)]
    return rows, leaves


async def build(store: Store, members: int) -> tuple[int, int]:
    """Fill the database; return (root id, a leaf id)."""
    rng = random.Random(members)
    branches, leaves = tree()
    created = _stamp(LAST_DAY - timedelta(days=DAYS + 5), 9)
    first_day = LAST_DAY - timedelta(days=DAYS - 1)
    days = [first_day + timedelta(days=i) for i in range(DAYS)]
    home: dict[int, int] = {}

    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO branches(id, parent_id, name, created_at) VALUES (?, ?, ?, ?)",
            [(b, p, n, created) for b, p, n in branches])
        secretaries = [(FIRST_MEMBER + i, b) for i, (b, _, _) in enumerate(branches)]
        rest = members - len(secretaries)
        people = secretaries + [(FIRST_MEMBER + len(secretaries) + i, leaves[i % len(leaves)])
                                for i in range(max(rest, 0))]
        home = dict(people)
        await tx.executemany(
            "INSERT INTO members(id, first_name, last_name, telegram_language, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            ((m, f"Member{m}", None if m % 3 else "Li", "en" if m % 10 == 0 else "zh",
              created, created) for m, _ in people))
        await tx.executemany(
            "INSERT INTO memberships(member_id, branch_id, role, joined_at) VALUES (?, ?, ?, ?)",
            ((m, b, "secretary" if m - FIRST_MEMBER < len(branches) else "member", created)
             for m, b in people))

    def checkins() -> Iterator[tuple[int, str, int, str, str, str]]:
        for day in days:
            iso_day, stamp = day.isoformat(), _stamp(day, 8.5)
            for m, b in people:
                if rng.random() < 0.8:
                    yield m, iso_day, b, STATUSES[rng.randrange(len(STATUSES))], stamp, stamp

    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO checkins(member_id, day, branch_id, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)", checkins())

    member_ids = [m for m, _ in people]
    needs, tasks, assignments, broadcasts, outbox, acks = [], [], [], [], [], []
    need_id = task_id = broadcast_id = 0
    for day in days:
        for _ in range(max(members // 100, 1)):
            need_id += 1
            reporter = rng.choice(member_ids)
            opened = rng.uniform(7, 21)
            status = rng.choice(("open", "assigned", "resolved", "resolved", "cancelled"))
            closed = (_stamp(day, opened + rng.uniform(1, 30))
                      if status in ("resolved", "cancelled") else None)
            needs.append((need_id, home[reporter], reporter, "food",
                          rng.choice(("normal", "normal", "urgent", "critical")), 1,
                          "bench need", status, _stamp(day, opened), _stamp(day, opened), closed))
        for _ in range(max(members // 200, 1)):
            task_id += 1
            leaf = rng.choice(leaves)
            given = rng.uniform(8, 18)
            done = rng.random() < 0.6
            tasks.append((task_id, leaf, FIRST_MEMBER, "bench task",
                          _stamp(day, given + 4), "done" if done else "open",
                          _stamp(day, given), _stamp(day, given + 3) if done else None))
            for member in rng.sample(member_ids, 2):
                state = ("done" if done else
                         rng.choice(("pending", "accepted", "declined")))
                assignments.append((task_id, member, state, _stamp(day, given),
                                    None if state == "pending" else _stamp(day, given + 0.5),
                                    "busy" if state == "declined" else None,
                                    _stamp(day, given + 3) if state == "done" else None))
        for leaf in rng.sample(leaves, 5):
            broadcast_id += 1
            sent = _stamp(day, 10)
            broadcasts.append((broadcast_id, leaf, FIRST_MEMBER, "branch", "bench", 1, sent))
            for m, b in people:
                if b == leaf:
                    outbox.append(("broadcast", broadcast_id, m, m, "bench", "sent", sent))
                    if rng.random() < 0.7:
                        acks.append((broadcast_id, m, m, sent))

    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO needs(id, branch_id, reporter_id, category, urgency, for_self, details,"
            " status, created_at, updated_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            needs)
        await tx.executemany(
            "INSERT INTO tasks(id, branch_id, created_by, title, due_at, status, created_at,"
            " closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", tasks)
        await tx.executemany(
            "INSERT OR IGNORE INTO assignments(task_id, member_id, state, assigned_at,"
            " answered_at, decline_reason, done_at) VALUES (?, ?, ?, ?, ?, ?, ?)", assignments)
        await tx.executemany(
            "INSERT INTO broadcasts(id, branch_id, author_id, scope, body, ack_required,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", broadcasts)
        await tx.executemany(
            "INSERT INTO outbox(kind, broadcast_id, chat_id, member_id, text, state,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", outbox)
        await tx.executemany(
            "INSERT INTO acks(broadcast_id, member_id, chat_id, at) VALUES (?, ?, ?, ?)", acks)
    await store.db.execute("ANALYZE")
    await store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return 1, leaves[0]


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.iterdir()) / 2**20


async def best_of(store: Store, translate: Translator, branch_id: int) -> tuple[float, int]:
    """Best time of REPEAT warm digests of the branch, and its length in characters."""
    messages = await digest_messages(store, translate, branch_id, LAST_DAY, NOW)  # warm
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        messages = await digest_messages(store, translate, branch_id, LAST_DAY, NOW)
        times.append(time.perf_counter() - start)
    assert messages, "the branch has a secretary"
    return min(times), len(messages[0].text)


async def one(members: int) -> str:
    """Build and time one size; the result line."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        store = Store(path)
        await store.initialize()
        started = time.perf_counter()
        root, leaf = await build(store, members)
        built = time.perf_counter() - started
        translate = Translator()
        root_s, root_len = await best_of(store, translate, root)
        leaf_s, _ = await best_of(store, translate, leaf)
        await store.shutdown()
        size_mb = _size_mb(Path(folder))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (f"members={members} root_digest_s={root_s:.4f} leaf_digest_s={leaf_s:.4f}"
            f" peak_rss_mb={rss:.0f} db_mb={size_mb:.0f} build_s={built:.1f}"
            f" root_chars={root_len}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run every size in its own process and print the table, then the 100k line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="also 1,000,000 members")
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated sizes")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(asyncio.run(one(args.one)), flush=True)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.million:
        sizes.append(1_000_000)
    results = {}
    for size in sizes:
        done = subprocess.run([sys.executable, __file__, "--one", str(size)], check=True,
                              capture_output=True, text=True)
        line = done.stdout.strip().splitlines()[-1]
        results[size] = line
        print(line, flush=True)
    if 100_000 in results:
        fields = dict(part.split("=") for part in results[100_000].split())
        print(f"members=100000 root_digest_s={fields['root_digest_s']}"
              f" leaf_digest_s={fields['leaf_digest_s']} peak_rss_mb={fields['peak_rss_mb']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
