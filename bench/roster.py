"""Benchmark: an organization's first day, from its roster file to every branch's sheet.

Builds the branch tree of `bench/roster_links.py` (1,000 branches four levels deep: 1 root →
10 → 100 → 889), then writes a roster CSV of 100,000 people as an organization would hand
it over: 姓名, 手机号, 所在支部, 身份, and a free column 住址 kept as notes; the branch named by
its own name for most rows, by its path of names from the top for one row in ten and by its
id (`#12`) for one in twenty; one person in fifty a secretary (书记). Then, timed, the two
commands a district office runs on its first day, each as its own `frontline` command:

- import: `frontline roster import roster.csv --branch 1`: the file read and checked, every
  row matched (by phone, else by name in the branch), staged and written;
- sheets: `frontline roster links --branch 1 --subtree --out DIR`: a personal link made for
  every person not yet joined (one transaction), and one printable PDF sheet per branch
  (names, links, QR codes) drawn in parallel processes, with links.csv for SMS.

Peak memory: the resident memory of this process and of every process it started (the
drawing processes), added up, sampled every 10 ms from /proc (see bench/roster_links.py).
Last line:

    people=<n> import_s=<x> sheets_s=<x> peak_rss_mb=<m>

Goal (issue 13): under 30 s in all and 300 MB. Run from the repository root:
`python bench/roster.py [--people N] [--branches N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from roster_links import GIVEN, NOW, SURNAMES, Sampler, tree

from bot.cli import main
from storage.store import Store


async def branches(path: Path, count: int) -> list[tuple[int, int | None, str]]:
    """The branch tree, written straight into a new database; its rows."""
    rows = tree(count)
    store = Store(path)
    await store.initialize()
    try:
        stamp = NOW.isoformat(timespec="seconds")
        async with store.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO branches(id, parent_id, name, created_at) VALUES (?, ?, ?, ?)",
                [(b, p, n, stamp) for b, p, n in rows])
    finally:
        await store.shutdown()
    return rows


def roster_csv(rows: list[tuple[int, int | None, str]], people: int) -> bytes:
    """A roster file of `people` people spread over the branches `rows`."""
    rng = random.Random(people)
    parents = {b: p for b, p, _ in rows}
    names = {b: n for b, _, n in rows}

    def path(branch: int) -> str:
        steps: list[str] = []
        current: int | None = branch
        while current is not None:
            steps.append(names[current])
            current = parents[current]
        return "/".join(reversed(steps))

    phones = rng.sample(range(10**9), people)  # a phone is one person's
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "手机号", "所在支部", "身份", "住址"])
    for i in range(people):
        branch = rows[i % len(rows)][0]
        cell = (f"#{branch}" if i % 20 == 7 else path(branch) if i % 10 == 3
                else names[branch])
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        writer.writerow([name, f"13{phones[i]:09d}", cell,
                         "书记" if i % 50 == 0 else "党员",
                         f"{rng.randrange(1, 60)}栋{rng.randrange(1, 30)}0{rng.randrange(1, 5)}"])
    return out.getvalue().encode("utf-8")


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--branches", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="frontline-bench-") as folder:
        root = Path(folder)
        config = root / "config.toml"
        config.write_text('[telegram]\nusername = "frontline_bench_bot"\n\n'
                          '[storage]\npath = "frontline.db"\n', "utf-8")
        rows = asyncio.run(branches(root / "frontline.db", args.branches))
        data = roster_csv(rows, args.people)
        (root / "roster.csv").write_bytes(data)
        del data
        sampler = Sampler()
        sampler.start()
        quiet = io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(quiet):
            code = main(["roster", "import", "--config", str(config), "--branch", "1",
                         str(root / "roster.csv")])
        import_s = time.perf_counter() - started
        assert code == 0, quiet.getvalue()
        summary = quiet.getvalue().strip().splitlines()
        started = time.perf_counter()
        with contextlib.redirect_stdout(quiet):
            code = main(["roster", "links", "--config", str(config), "--branch", "1",
                         "--subtree", "--out", str(root / "sheets")])
        sheets_s = time.perf_counter() - started
        assert code == 0, quiet.getvalue()
        sheets = [p for p in (root / "sheets").iterdir() if p.suffix == ".pdf"]
        size = sum(p.stat().st_size for p in sheets)
        csv_size = (root / "roster.csv").stat().st_size
        sampler.done.set()
        sampler.join()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"roster file: {args.people} people, {csv_size / 1e6:.1f} MB CSV; "
          f"import: {summary[-1] if summary else ''}")
    print(f"sheets: {len(sheets)} PDF, {size / 1e6:.0f} MB in all; peak RSS of this process "
          f"and its drawing processes together {sampler.peak_kb / 1024:.0f} MB "
          f"({own:.0f} MB this process alone at its peak)")
    print(f"people={args.people} import_s={import_s:.2f} sheets_s={sheets_s:.2f} "
          f"peak_rss_mb={sampler.peak_kb / 1024:.0f}")


if __name__ == "__main__":
    main_bench()
