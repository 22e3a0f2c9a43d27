"""Benchmark: every personal link and every branch's printable sheet of a big roster.

Builds an organization of 1,000 branches four levels deep (1 root → 10 → 100 → 889) with
100,000 people waiting on the roster, 100 in each branch, with Chinese names and phone
numbers, written straight into the roster table with executemany (another bench measures
the import). Then, timed:

- links: `bot.rules.roster.links.make_missing` over every branch, as `frontline roster
  links` does: the waiting people without a link read, a code each, one transaction of
  `executemany` inserts;
- sheets: the command itself, `frontline roster links --branch 1 --subtree --out DIR`
  (which finds no link missing now): the people and their links read, one PDF per branch
  drawn in parallel processes (one per core), and links.csv.

The roster is built and the links made in a process of its own, which ends before the
command runs here. Peak memory: the resident memory of this process and of every process
it started (the builder, the drawing processes), added up, sampled every 10 ms from /proc
(a spawned process's own ru_maxrss would count the memory of its parent, which it had for
an instant before it started Python anew). Last line:

    people=<n> links_s=<x> sheets_s=<x> peak_rss_mb=<m>

Run from the repository root: `python bench/roster_links.py [--people N] [--branches N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cli import main
from bot.rules.roster import links
from storage.store import Store

NOW = datetime.now(UTC)  # the command below reads the system clock too
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋"
            "蔡余杜叶程苏魏吕丁任沈")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰华建国文辉玲红春燕飞鹏晓宇浩然思雨"
         "欣怡子轩梓涵")


def tree(count: int) -> list[tuple[int, int | None, str]]:
    """(id, parent, name) of `count` branches four levels deep."""
    rows: list[tuple[int, int | None, str]] = [(1, None, "东湖街道党工委")]
    level1 = list(range(2, min(12, count + 1)))
    level2 = list(range(12, min(112, count + 1)))
    rows += [(b, 1, f"第{b}社区党委") for b in level1]
    rows += [(b, level1[i % len(level1)], f"第{b}党支部") for i, b in enumerate(level2)]
    rows += [(b, level2[i % len(level2)], f"第{b}网格党小组")
             for i, b in enumerate(range(112, count + 1))]
    return rows


async def build(store: Store, people: int, branches: int) -> list[int]:
    """Fill the database; the branch ids."""
    rng = random.Random(people)
    rows = tree(branches)
    stamp = NOW.isoformat(timespec="seconds")
    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO branches(id, parent_id, name, created_at) VALUES (?, ?, ?, ?)",
            [(b, p, n, stamp) for b, p, n in rows])
        await tx.executemany(
            "INSERT INTO roster(branch_id, role, name, phone, created_at, updated_at)"
            " VALUES (?, 'member', ?, ?, ?, ?)",
            [(rows[i % len(rows)][0],
              rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
              f"13{rng.randrange(10**9):09d}", stamp, stamp) for i in range(people)])
    return [b for b, _, _ in rows]


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                found += [int(child) for child in children.read().split()]
    except OSError:
        return found
    return found + [d for child in found for d in _descendants(child)]


class Sampler(threading.Thread):
    """The peak of the resident memory of this process and its descendants, added up."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.done.wait(0.01):
            total = sum(_rss_kb(pid) for pid in [me, *_descendants(me)])
            self.peak_kb = max(self.peak_kb, total)


async def make_links(path: Path, people: int, branches: int) -> tuple[int, float]:
    store = Store(path)
    await store.initialize()
    try:
        ids = await build(store, people, branches)
        started = time.perf_counter()
        made = await links.make_missing(store, ids, by=None, now=NOW, audit_branch=1)
        return made, time.perf_counter() - started
    finally:
        await store.shutdown()


def _build_and_link(path: Path, people: int, branches: int) -> tuple[int, float]:
    return asyncio.run(make_links(path, people, branches))


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--branches", type=int, default=1_000)
    args = parser.parse_args()
    sampler = Sampler()
    sampler.start()
    with tempfile.TemporaryDirectory(prefix="frontline-bench-") as folder:
        root = Path(folder)
        config = root / "config.toml"
        config.write_text('[telegram]\nusername = "frontline_bench_bot"\n\n'
                          '[storage]\npath = "frontline.db"\n', "utf-8")
        # Built in a process of its own, so that this one comes to the command as fresh as
        # `frontline roster links` run on its own would.
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as builder:
            made, links_s = builder.submit(_build_and_link, root / "frontline.db", args.people,
                                           args.branches).result()
        build_peak_kb, sampler.peak_kb = sampler.peak_kb, 0
        started = time.perf_counter()
        code = main(["roster", "links", "--config", str(config), "--branch", "1", "--subtree",
                     "--out", str(root / "sheets")])
        sheets_s = time.perf_counter() - started
        assert code == 0
        sheets = [p for p in (root / "sheets").iterdir() if p.suffix == ".pdf"]
        size = sum(p.stat().st_size for p in sheets)
    sampler.done.set()
    sampler.join()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak = max(sampler.peak_kb, build_peak_kb) / 1024
    print(f"links made: {made}; sheets: {len(sheets)} PDF, {size / 1e6:.0f} MB in all; "
          f"peak RSS of this process and the {os.cpu_count()} drawing processes together: "
          f"{build_peak_kb / 1024:.0f} MB building the roster and making the links, "
          f"{sampler.peak_kb / 1024:.0f} MB writing the sheets ({own:.0f} MB this process "
          "alone at its peak)")
    print(f"people={args.people} links_s={links_s:.2f} sheets_s={sheets_s:.2f} "
          f"peak_rss_mb={peak:.0f}")


if __name__ == "__main__":
    main_bench()
