"""Benchmark: a 10 MB household import in chat while members keep checking in.

Builds the organization of `bench/digest.py` (1,000 branches four levels deep) with 10,000
members spread over its blocks, each with a @username. The root's secretary then sends a
CSV of 200,000 households (about 10 MB, the chat's limit; 1,000 zones; each member
responsible for 20) with the caption `/import households`, through the real application on
the sandbox: download, parse, checks, member lookup, writing. Meanwhile 1,000 members press
"on duty" on their check-in prompt at a steady rate (default 50 presses a second), as in a
morning rush; the same stream is first run for a few seconds without an import, for
comparison.

Measured: the import from upload to the secretary's answer (`import_s`, `rows_per_s`); the
longest time anyone held the database's write lock meanwhile; how long each press made
during the import waited for its callback answer (p50, p95, max); the process's peak RSS
(after the import, before the bomb below). Then the XLSX bomb of issue 10 (a 0.22 MB
workbook whose shared strings unpack to 88 MB) is parsed and its refusal timed.

Prints last (one line):

    rows=<n> import_s=<x> rows_per_s=<n> lock_hold_max_ms=<m>
    press_p95_ms=<m> press_max_ms=<m> peak_rss_mb=<m>

Run from the repository root: `python bench/import.py [--rows 200000] [--rate 50]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import resource
import statistics
import sys
import time
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from digest import tree  # bench/digest.py: the 1,000-branch tree

from bot.clock import ManualClock
from bot.config import Config
from bot.rules.households import parse
from bot.sandbox import Sandbox
from bot.sandbox.harness import SandboxBot

START = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai, a Monday
SECRETARY = 900_000  # the root's
FIRST_MEMBER = 1_000_000
MEMBERS = 10_000
PRESSERS = 1_000
BUTTON = "ck:on_duty"
QUIET_S = 3.0


def households_csv(rows: int) -> bytes:
    """`rows` households: 200 to a zone, 20 to a member, one in ten an elderly person alone."""
    lines = ["区域,门牌,地址,人数,备注,责任人"]
    for i in range(rows):
        member = FIRST_MEMBER + (i // 20) % MEMBERS
        lines.append(f"{i // 200 + 1}号楼,{i % 200 // 10 + 1}-{i % 10 + 101},东湖路{i}号院,"
                     f"{i % 5 + 1},{'独居老人' if i % 10 == 0 else ''},@m{member}")
    return ("\n".join(lines) + "\n").encode()


async def build(bot: SandboxBot) -> None:
    """The tree, its members (raw SQL is fine in a bench) and the root's secretary."""
    branches, leaves = tree()
    now = bot.clock.now().isoformat()
    people = [(FIRST_MEMBER + i, leaves[i % len(leaves)]) for i in range(MEMBERS)]
    async with bot.store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO branches(id, parent_id, name, created_at) VALUES (?, ?, ?, ?)",
            [(b, p, n, now) for b, p, n in branches])
        await tx.executemany(
            "INSERT INTO members(id, first_name, username, language, created_at, updated_at)"
            " VALUES (?, ?, ?, 'en', ?, ?)",
            [(m, f"M{m}", f"m{m}", now, now) for m, _ in [*people, (SECRETARY, 1)]])
        await tx.executemany(
            "INSERT INTO memberships(member_id, branch_id, role, joined_at) VALUES (?, ?, ?, ?)",
            [(m, b, "member", now) for m, b in people] + [(SECRETARY, 1, "secretary", now)])
    for user_id, _ in [*people[:PRESSERS], (SECRETARY, 1)]:
        bot.user(user_id, f"M{user_id}", username=f"m{user_id}", language_code="en")


class Presses:
    """A steady stream of "on duty" presses, and when each was answered."""

    def __init__(self, sandbox: Sandbox, prompts: list[tuple[int, int]], rate: float) -> None:
        self.sandbox, self.prompts, self.rate = sandbox, prompts, rate
        self.pressed: dict[str, float] = {}
        self.answered: dict[str, float] = {}
        self.count = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Press until `stop` is set."""
        while not stop.is_set():
            user_id, message_id = self.prompts[self.count % len(self.prompts)]
            update = self.sandbox.user_presses(user_id, message_id, BUTTON, check=False)
            self.pressed[update["callback_query"]["id"]] = time.perf_counter()
            self.count += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1 / self.rate)

    def waits_ms(self, since: float, until: float) -> list[float]:
        """Answer times of the presses made in [since, until); unanswered ones count as
        the time until now."""
        now = time.perf_counter()
        return [(self.answered.get(query, now) - at) * 1000
                for query, at in self.pressed.items() if since <= at < until]


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def run(rows: int, rate: float) -> dict[str, float]:
    """Build, run a quiet stream, then the import with the stream; the figures."""
    bot = SandboxBot(Config(), clock=ManualClock(START))
    async with bot:
        sandbox, stats = bot.sandbox, bot.store.db.lock_stats
        await build(bot)
        for user_id in range(FIRST_MEMBER, FIRST_MEMBER + PRESSERS):
            sandbox.user_sends(user_id, "/checkin")
        await sandbox.settle(bot.app, seconds=120)
        prompts = [(u, sandbox.last(u).message_id)
                   for u in range(FIRST_MEMBER, FIRST_MEMBER + PRESSERS)]
        sandbox.record_calls = False
        presses = Presses(sandbox, prompts, rate)
        replied = asyncio.Event()
        answers: list[str] = []  # what the secretary was told
        handle = sandbox.handle

        async def watching(url: str, method: str, data: object) -> tuple[int, bytes]:
            status, body = await handle(url, method, data)  # type: ignore[arg-type]
            params = getattr(data, "parameters", None) or {}
            if url.endswith("/answerCallbackQuery"):
                presses.answered.setdefault(params.get("callback_query_id", ""),
                                            time.perf_counter())
            elif url.endswith("/sendMessage") and params.get("chat_id") == SECRETARY:
                answers.append(str(params.get("text", "")))
                replied.set()
            return status, body

        sandbox.handle = watching  # type: ignore[method-assign,assignment]

        quiet = asyncio.Event()
        started = time.perf_counter()
        task = asyncio.create_task(presses.run(quiet))
        await asyncio.sleep(QUIET_S)
        quiet.set()
        await task
        await sandbox.settle(bot.app, seconds=120)
        quiet_waits = presses.waits_ms(started, time.perf_counter())

        data = households_csv(rows)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        stats.longest_hold_s = 0.0
        started = time.perf_counter()
        sandbox.user_sends_document(SECRETARY, "households.csv", data,
                                    caption="/import households")
        task = asyncio.create_task(presses.run(replied))
        await asyncio.wait_for(replied.wait(), 3600)
        import_s = time.perf_counter() - started
        hold = stats.longest_hold_s
        await task
        await sandbox.settle(bot.app, seconds=600)
        waits = presses.waits_ms(started, started + import_s)
        reply = answers[0] if answers else ""
        homes = await bot.store.db.fetchone("SELECT count(*) FROM households")
        if homes[0] != rows:
            raise SystemExit(f"only {homes[0]} of {rows} households were written: {reply}")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"file: {len(data) / 1024 / 1024:.2f} MiB, {rows:,} households; the answer: "
          f"{reply.splitlines()[0] if reply else '(none)'}")
    print(f"peak RSS {before:.0f} MB before the import (organization, prompts, the file), "
          f"{rss:.0f} MB after it")
    print(f"quiet stream: {len(quiet_waits)} presses at {rate:g}/s, answered in "
          f"p50 {statistics.median(quiet_waits):.1f} ms, p95 {percentile(quiet_waits, .95):.1f}"
          f" ms, max {max(quiet_waits):.1f} ms")
    print(f"during the import: {len(waits)} presses, answered in p50 "
          f"{statistics.median(waits):.1f} ms, p95 {percentile(waits, .95):.1f} ms, "
          f"max {max(waits):.1f} ms")
    return {"import_s": import_s, "hold_ms": hold * 1000, "p95": percentile(waits, .95),
            "max": max(waits), "rss": rss}


def xlsx_bomb() -> bytes:
    """A workbook whose shared strings unpack to 88 MB (0.22 MB zipped)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["zone", "label", "people", "responsible"])
    plain = io.BytesIO()
    book.save(plain)
    override = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", override + b"</Types>")
            bomb.writestr(info, body)
        with bomb.open("xl/sharedStrings.xml", "w") as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                       b'main">')
            block = b"<si><t>x</t></si>" * 65536
            for _ in range(88 * 1024 * 1024 // len(block)):
                part.write(block)
            part.write(b"</sst>")
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the import with the press stream, then the bomb; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="households (200,000)")
    parser.add_argument("--rate", type=float, default=50.0, help="presses a second (50)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    figures = asyncio.run(run(args.rows, args.rate))

    bomb = xlsx_bomb()
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        unpacked = archive.getinfo("xl/sharedStrings.xml").file_size
    wall, cpu = time.perf_counter(), time.thread_time()
    _, errors = parse(bomb, "bomb.xlsx")
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    print(f"xlsx bomb: {len(bomb) / 2**20:.2f} MiB with {unpacked / 2**20:.0f} MiB of shared "
          f"strings: {errors[0].key if errors else 'read'} after {wall * 1000:.1f} ms "
          f"({cpu * 1000:.1f} ms of CPU)")
    rows_per_s = args.rows / figures["import_s"]
    print(f"rows={args.rows} import_s={figures['import_s']:.2f} rows_per_s={rows_per_s:.0f}"
          f" lock_hold_max_ms={figures['hold_ms']:.0f} press_p95_ms={figures['p95']:.0f}"
          f" press_max_ms={figures['max']:.0f} peak_rss_mb={figures['rss']:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
