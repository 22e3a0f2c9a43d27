"""The digest's arithmetic over random organizations and days (a property test, issue 14).

Hypothesis builds a branch tree, members who joined at various times (some after the day
asked for), check-ins on the day and the day before (some by members who joined after it,
as a move restamps joined_at), needs, tasks and a broadcast acknowledged by a non-recipient
too; then checks, for the root's digest and each sub-branch's own digest:

- each status count equals the check-ins with that status among that day's members, and
  the members are those who had joined by the end of the day (or checked in that day);
- the sub-branch lines and the root's own members sum to the total, and a sub-branch's line
  is the total of its own digest (the drill-down says the same);
- every rate shown lies in 0..100%, in both languages; no part checks in more than it has.

Each example runs on a copy of the migrated database, in a few tens of milliseconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.i18n import LANGUAGES, Translator
from bot.rules import digest
from bot.rules.digest.arguments import day_bounds
from storage.rows import DigestCounts, NewMessage
from storage.store import Store
from tests.helpers import migrated_database

DAY = date(2026, 3, 10)
STATUSES = ("on_duty", "available", "unwell", "quarantined", "off")
ZONE = "Asia/Shanghai"  # the defaults' timezone, which every branch inherits here
START = day_bounds(DAY, ZONE)[0]
AUTHOR = 999  # reports the needs, writes the tasks and the broadcast


@dataclass(frozen=True)
class Person:
    branch: int  # index into the branches
    joined: int  # hours after the start of DAY (negative: before it)
    today: str | None
    before: str | None


@dataclass(frozen=True)
class World:
    parents: list[int]  # branch i > 0 hangs under parents[i - 1] < i
    people: list[Person]
    needs: list[tuple[int, str, int, bool]]  # branch, urgency, hours after START, resolved
    tasks: list[tuple[int, list[int], list[str]]]  # branch, assignees, their answers
    now: int  # hours after START


@st.composite
def worlds(draw: st.DrawFn) -> World:
    size = draw(st.integers(1, 6))
    parents = [draw(st.integers(0, i)) for i in range(size - 1)]
    now = draw(st.sampled_from([2, 12, 23, 30, 60]))
    status = st.one_of(st.none(), st.sampled_from(STATUSES))
    people = draw(st.lists(st.builds(
        Person, st.integers(0, size - 1), st.integers(-60, now), status, status),
        max_size=25))
    needs = draw(st.lists(st.tuples(
        st.integers(0, size - 1), st.sampled_from(["normal", "urgent", "critical"]),
        st.integers(-40, min(now, 23)), st.booleans()), max_size=6))
    tasks = []
    if people:
        for _ in range(draw(st.integers(0, 3))):
            chosen = draw(st.lists(st.integers(0, len(people) - 1), min_size=1, max_size=4,
                                   unique=True))
            answers = draw(st.lists(st.sampled_from(["none", "accept", "decline", "done"]),
                                    min_size=len(chosen), max_size=len(chosen)))
            tasks.append((draw(st.integers(0, size - 1)), chosen, answers))
    return World(parents, people, needs, tasks, now)


def at(hours: int) -> datetime:
    return START + timedelta(hours=hours, minutes=1)


async def populate(store: Store, world: World) -> list[int]:
    """The world in the database; the branches' ids, root first."""
    early = at(-100)
    branches = [await store.branches.create("B0", None, at=early)]
    for i, parent in enumerate(world.parents, start=1):
        branches.append(await store.branches.create(f"B{i}", branches[parent], at=early))
    await store.people.save(AUTHOR, "A", None, None, "zh", at=early)  # a member of no branch
    for n, person in enumerate(world.people):
        member, branch = 1000 + n, branches[person.branch]
        await store.people.save(member, f"P{n}", None, None, "zh", at=early)
        await store.people.set_membership(member, branch, "member", at=at(person.joined))
        for day, status in ((DAY, person.today), (DAY - timedelta(days=1), person.before)):
            if status is not None:
                await store.checkins.record(member, branch, day, status, at=early)
    for branch, urgency, hours, resolved in world.needs:
        need = await store.needs.create(
            branch_id=branches[branch], reporter_id=AUTHOR, category="food", urgency=urgency,
            for_self=True, for_whom=None, details="x", location=None, latitude=None,
            longitude=None, at=at(hours))
        if resolved:
            await store.needs.set_status(need, "resolved", note=None, by=AUTHOR,
                                         at=at(min(hours + 1, world.now)))
    for branch, chosen, answers in world.tasks:
        members = [1000 + i for i in chosen]
        task = await store.tasks.create(
            branch_id=branches[branch], created_by=AUTHOR, title="t", details=None,
            due_at=at(1), need_id=None, team_id=None, assignees=members, messages=[],
            placeholder="#", at=at(0))
        for member, answer in zip(members, answers, strict=True):
            if answer != "none":
                await store.tasks.answer_assignment(task, member, accept=answer != "decline",
                                                    reason=None, at=at(0))
            if answer == "done":
                await store.tasks.finish_assignment(task, member, note=None,
                                                    proof_file_id=None, at=at(0))
    recipients = [1000 + n for n in range(0, len(world.people), 2)]
    if recipients:
        broadcast = await store.broadcasts.create(
            branch_id=branches[0], author_id=AUTHOR, scope="subtree", body="b", media_kind=None,
            media_file_id=None, to_groups=False, ack_required=True,
            messages=[NewMessage(m, m, "b") for m in recipients], status_chat_id=None,
            status_message_id=None, at=at(0))
        for member in range(1000, 1000 + len(world.people)):  # readers in a group too
            await store.broadcasts.acknowledge(broadcast, member, -1, at=at(0))
    return branches


def subtree(world: World, index: int) -> set[int]:
    """The branch indexes under `index`, itself included."""
    found = {index}
    for child, parent in enumerate(world.parents, start=1):
        if parent in found:
            found.add(child)
    return found


def expected(world: World, branches: set[int]) -> dict[str, int]:
    """The check-in figures of a part, counted here from the world as drawn."""
    end = 24  # the day's end, in hours after START
    people = [p for p in world.people if p.branch in branches]
    members = [p for p in people if p.today is not None or p.joined < end]
    before = [p for p in people if p.before is not None or p.joined < 0]
    figures = {s: sum(p.today == s for p in members) for s in STATUSES}
    figures.update(members=len(members), checked=sum(p.today is not None for p in members),
                   members_before=len(before),
                   checked_before=sum(p.before is not None for p in before))
    return figures


def figures(counts: DigestCounts) -> dict[str, int]:
    return {k: getattr(counts, k) for k in expected(World([], [], [], [], 0), set())}


def numbers(counts: DigestCounts) -> dict[str, int]:
    return {k: v for k, v in dataclasses.asdict(counts).items() if k not in ("branch_id", "name")}


async def check(world: World) -> None:
    folder = tempfile.mkdtemp(prefix="frontline-digest-")
    try:
        path = Path(folder) / "f.db"
        shutil.copyfile(migrated_database(), path)
        store = Store(path)
        await store.initialize()
        try:
            ids = await populate(store, world)
            now = at(world.now)
            translate = Translator()
            for index, branch_id in enumerate(ids):
                branch = await store.branches.get(branch_id)
                assert branch is not None and branch.timezone == ZONE
                d = await digest.build(store, branch, DAY, now)
                c = d.total
                assert figures(c) == expected(world, subtree(world, index))
                assert sum(getattr(c, s) for s in STATUSES) == c.checked <= c.members
                assert c.checked_before <= c.members_before
                assert c.tasks <= c.assigned and d.acks <= d.recipients
                # The lines add up: the branch's own members and each sub-branch's subtree.
                summed = expected(world, {index})
                for child in d.children:
                    for key, value in figures(child).items():
                        summed[key] += value
                assert summed == figures(c)
                for child in d.children:
                    inner = await store.branches.get(child.branch_id)
                    assert inner is not None
                    drilled = await digest.build(store, inner, DAY, now)
                    assert numbers(drilled.total) == numbers(child)
                for language in LANGUAGES:
                    text, _ = digest.render(translate, language, d, now)
                    rates = [int(r) for r in re.findall(r"(-?\d+)%", text)]
                    assert all(0 <= r <= 100 for r in rates), (language, text)
        finally:
            await store.shutdown()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_the_digest_adds_up(world: World) -> None:
    asyncio.run(check(world))

