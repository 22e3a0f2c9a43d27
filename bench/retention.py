"""Benchmark: the database file after a year of a 10,000-member organization, with and
without retention.

The organization of `bench/digest.py` (1,000 branches four levels deep) with 10,000 members
lives 365 simulated days, each day written the way the bot writes it: everyone is prompted
at 08:00 (an outbox row each, with its buttons), checks in with a note, the fifth who have
not checked in by 10:00 are reminded, every secretary gets the digest at 20:00 (a row each,
the digest's text); five leaves get a broadcast a day (a row per member, acknowledged by
most); a need per 100 members a day (details, location) and a task per 200 (two assignees,
some declining with a reason); 300 audit entries a day. Two databases get exactly the same
days; in one, retention runs every day at 03:30 with the default periods (`[retention]`:
outbox 30 days, audit 365, health 90), through `bot.rules.retention.run_due` as the
scheduler calls it. Sizes are the file and its WAL after a checkpoint.

Last, retention runs once on the database that never had it (an older Frontline upgraded
after a year: its first run catches up on the whole year; the bot does that over several
ticks, 10 s of work each), timed, and its size after.

Prints the sizes every 30 days, the daily run's time, then one line:

    members=10000 days=365 size_without_mb=<x> size_with_mb=<y> retention_run_s=<z>

where `retention_run_s` is the longest daily run of the last 30 days (steady state).
Run from the repository root: `python bench/retention.py [--members N] [--days D]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from digest import tree  # bench/digest.py: the organization's branches

from bot.config import RetentionConfig
from bot.rules import retention
from storage.store import Store

ZONE = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2025, 4, 1)
FIRST_MEMBER = 1_000_000
RUN_AT = clock_time(3, 30)
STATUSES = ("on_duty", "on_duty", "on_duty", "available", "available", "off", "unwell",
            "quarantined")
NOTES = ("体温正常，今天在三号楼卡口值守", "头有点疼，在家休息", "社区核酸点帮忙登记",
         "照顾家里老人，下午可以出来", "", "", "")
PROMPT = ("<b>早上好，{name}！</b>今天是 {day}，请报到：点一下你今天的状态。"
          "你负责的住户中今天有 3 户需要走访。")
BUTTONS = json.dumps([[["🟢 在岗", "ci:on_duty"], ["🔵 可调用", "ci:available"]],
                      [["🤒 身体不适", "ci:unwell"], ["🏠 隔离中", "ci:quarantined"]],
                      [["⚪ 休息", "ci:off"]]], ensure_ascii=False)
REMINDER = "{name}，你今天还没有报到。请点一下你今天的状态。"
DIGEST = ("📊 <b>{branch} · {day} 汇总</b>\n报到 87%（较昨日 +2%）· 在岗 41 · 可调用 22 · "
          "身体不适 3 · 隔离中 1 · 休息 9\n" + "· 下属支部 ██ 报到率 80% · 身体不适 1\n" * 12 +
          "需求：新增 4 · 已解决 3 · 未解决 6（危急 1）\n任务：分配 5 人 · 接受 4 · 拒绝 1 · "
          "完成 3 · 逾期 0")
BROADCAST = "【通知】明天上午九点在社区服务中心集合，统一领取防护物资。请收到后点击“已收到”。"


def stamp(day: date, hour: float) -> str:
    """The UTC ISO stamp of a local (Shanghai, UTC+8) hour of a day."""
    when = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour - 8)
    return when.isoformat(timespec="seconds")


class Org:
    """The people and the day's writes, the same for both databases (one generator each
    day, seeded by the day)."""

    def __init__(self, members: int) -> None:
        branches, leaves = tree()
        self.branches = branches
        self.leaves = leaves
        ids = [b for b, _, _ in branches]
        secretaries = [(FIRST_MEMBER + i, b) for i, b in enumerate(ids)]
        rest = members - len(secretaries)
        self.people = secretaries + [(FIRST_MEMBER + len(ids) + i, leaves[i % len(leaves)])
                                     for i in range(max(rest, 0))]
        self.secretaries = secretaries
        self.by_leaf: dict[int, list[int]] = {}
        for m, b in self.people:
            self.by_leaf.setdefault(b, []).append(m)
        self.need = self.task = self.broadcast = 0

    async def found(self, store: Store) -> None:
        created = stamp(FIRST_DAY - timedelta(days=5), 9)
        async with store.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO branches(id, parent_id, name, created_at) VALUES (?, ?, ?, ?)",
                [(b, p, n, created) for b, p, n in self.branches])
            await tx.executemany(
                "INSERT INTO members(id, first_name, created_at, updated_at)"
                " VALUES (?, ?, ?, ?)",
                [(m, f"成员{m}", created, created) for m, _ in self.people])
            await tx.executemany(
                "INSERT INTO memberships(member_id, branch_id, role, joined_at)"
                " VALUES (?, ?, ?, ?)",
                [(m, b, "secretary" if i < len(self.secretaries) else "member", created)
                 for i, (m, b) in enumerate(self.people)])

    def day(self, day: date) -> dict[str, list[tuple[Any, ...]]]:
        """Everything written on `day`, by statement."""
        rng = random.Random(day.toordinal())
        iso_day = day.isoformat()
        rows: dict[str, list[tuple[Any, ...]]] = {k: [] for k in (
            "outbox", "checkins", "audit", "needs", "tasks", "assignments", "broadcasts",
            "acks")}
        prompt_at = stamp(day, 8)
        for m, _ in self.people:
            rows["outbox"].append(("rhythm_prompt", None, m, m,
                                   PROMPT.format(name=f"成员{m}", day=iso_day), BUTTONS,
                                   "sent", prompt_at, prompt_at))
        late = []
        for m, b in self.people:
            if rng.random() < 0.8:
                at = stamp(day, 8.5)
                rows["checkins"].append((m, iso_day, b, STATUSES[rng.randrange(len(STATUSES))],
                                         NOTES[rng.randrange(len(NOTES))] or None, at, at))
            else:
                late.append((m, b))
        reminded = stamp(day, 10)
        for m, b in late:
            rows["outbox"].append(("rhythm_reminder", None, m, m, REMINDER.format(name=m), None,
                                   "sent", reminded, reminded))
            at = stamp(day, 10.5)
            rows["checkins"].append((m, iso_day, b, STATUSES[rng.randrange(len(STATUSES))],
                                     None, at, at))
        digest_at = stamp(day, 20)
        for m, b in self.secretaries:
            rows["outbox"].append(("rhythm_digest", None, m, m,
                                   DIGEST.format(branch=b, day=iso_day), None, "sent",
                                   digest_at, digest_at))
        sent = stamp(day, 11)
        for leaf in rng.sample(self.leaves, 5):
            self.broadcast += 1
            rows["broadcasts"].append((self.broadcast, leaf, FIRST_MEMBER, "branch", BROADCAST,
                                       1, sent, sent))
            for m in self.by_leaf.get(leaf, []):
                rows["outbox"].append(("broadcast", self.broadcast, m, m, BROADCAST, None,
                                       "sent", sent, sent))
                if rng.random() < 0.8:
                    rows["acks"].append((self.broadcast, m, m, sent))
        member_ids = [m for m, _ in self.people]
        for _ in range(max(len(self.people) // 100, 1)):
            self.need += 1
            reporter, branch = self.people[rng.randrange(len(self.people))]
            opened = stamp(day, rng.uniform(8, 18))
            closed = stamp(day, 21) if rng.random() < 0.8 else None
            rows["needs"].append((self.need, branch, reporter, "medicine", "urgent", 0,
                                  "外婆", "降压药快吃完了，需要有人帮忙去药店买两盒",
                                  "东湖路 12 号 3-402", "resolved" if closed else "open", opened,
                                  opened, closed))
        for _ in range(max(len(self.people) // 200, 1)):
            self.task += 1
            given = stamp(day, 12)
            rows["tasks"].append((self.task, rng.choice(self.leaves), FIRST_MEMBER, "送药上门",
                                  "done", given, stamp(day, 16)))
            for member in rng.sample(member_ids, 2):
                declined = rng.random() < 0.3
                rows["assignments"].append((self.task, member,
                                            "declined" if declined else "done", given,
                                            stamp(day, 12.5),
                                            "今天发烧，去不了" if declined else None,
                                            None if declined else stamp(day, 16)))
        for i in range(300):
            rows["audit"].append((stamp(day, 8 + i / 30), member_ids[i], "who_remind", 1,
                                  json.dumps({"branch": 7, "member": member_ids[i]})))
        return rows


async def write(store: Store, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    """One simulated day, a few transactions as the bot's writes are (bigger, as a bench)."""
    statements = {
        "broadcasts": "INSERT INTO broadcasts(id, branch_id, author_id, scope, body,"
                      " ack_required, created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        "outbox": "INSERT INTO outbox(kind, broadcast_id, chat_id, member_id, text, buttons,"
                  " state, created_at, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "checkins": "INSERT INTO checkins(member_id, day, branch_id, status, note, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        "acks": "INSERT INTO acks(broadcast_id, member_id, chat_id, at) VALUES (?, ?, ?, ?)",
        "needs": "INSERT INTO needs(id, branch_id, reporter_id, category, urgency, for_self,"
                 " for_whom, details, location, status, created_at, updated_at, closed_at)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "tasks": "INSERT INTO tasks(id, branch_id, created_by, title, status, created_at,"
                 " closed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        "assignments": "INSERT OR IGNORE INTO assignments(task_id, member_id, state,"
                       " assigned_at, answered_at, decline_reason, done_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?)",
        "audit": "INSERT INTO audit_log(at, actor_id, action, allowed, detail)"
                 " VALUES (?, ?, ?, ?, ?)",
    }
    for key, statement in statements.items():
        async with store.db.transaction() as tx:
            await tx.executemany(statement, rows[key])


def size_mb(path: Path) -> float:
    files = (path, Path(f"{path}-wal"))
    return sum(p.stat().st_size for p in files if p.exists()) / 2**20


async def checkpointed_mb(store: Store, path: Path) -> float:
    await store.db.write("PRAGMA wal_checkpoint(TRUNCATE)")
    return size_mb(path)


async def run(members: int, days: int, folder: Path) -> list[str]:
    config = RetentionConfig()
    org = Org(members)
    paths = {"without": folder / "without.db", "with": folder / "with.db"}
    stores = {name: Store(path) for name, path in paths.items()}
    lines: list[str] = []
    for store in stores.values():
        await store.initialize()
        await org.found(store)
    runs: list[float] = []
    try:
        for n in range(days):
            day = FIRST_DAY + timedelta(days=n)
            at = datetime.combine(day, RUN_AT, ZONE)
            started = time.perf_counter()
            done = await retention.run_due(stores["with"], config, at, zone=ZONE, at=RUN_AT,
                                           budget_s=3600)
            assert done is not None and done.done
            runs.append(time.perf_counter() - started)
            rows = org.day(day)
            for store in stores.values():
                await write(store, rows)
            if (n + 1) % 30 == 0 or n + 1 == days:
                sizes = {k: await checkpointed_mb(s, paths[k]) for k, s in stores.items()}
                line = (f"day={n + 1} without_mb={sizes['without']:.1f}"
                        f" with_mb={sizes['with']:.1f} retention_run_s={runs[-1]:.2f}")
                print(line, flush=True)
        without = await checkpointed_mb(stores["without"], paths["without"])
        with_ = await checkpointed_mb(stores["with"], paths["with"])
        steady = max(runs[-30:])
        last = await stores["with"].runs.upkeep("retention", day)
        did = dict(last.detail)["counts"] if last is not None else {}
        lines.append(f"daily_run_s_mean={sum(runs) / len(runs):.2f}"
                     f" daily_run_s_max={max(runs):.2f} last_run={json.dumps(did)}")
        # An older Frontline's database after a year: the first run catches up on it all.
        at = datetime.combine(FIRST_DAY + timedelta(days=days), RUN_AT, ZONE)
        started = time.perf_counter()
        caught = await retention.run_due(stores["without"], config, at, zone=ZONE,
                                         at=RUN_AT, budget_s=3600)
        catch_up = time.perf_counter() - started
        assert caught is not None and caught.done
        after = await checkpointed_mb(stores["without"], paths["without"])
        lines.append(f"catch_up_run_s={catch_up:.1f} size_after_catch_up_mb={after:.1f}"
                     f" counts={json.dumps(caught.counts)}")
    finally:
        for store in stores.values():
            await store.shutdown()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"peak_rss_mb={rss:.0f}")
    lines.append(f"members={members} days={days} size_without_mb={without:.1f}"
                 f" size_with_mb={with_:.1f} retention_run_s={steady:.2f}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--folder", help="where to build the databases (default: a temporary "
                        "folder, removed afterwards)")
    args = parser.parse_args(argv)
    if args.folder:
        lines = asyncio.run(run(args.members, args.days, Path(args.folder)))
    else:
        with tempfile.TemporaryDirectory(prefix="frontline-retention-") as folder:
            lines = asyncio.run(run(args.members, args.days, Path(folder)))
    for line in lines:
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
