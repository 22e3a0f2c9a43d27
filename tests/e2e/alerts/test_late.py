"""Which scheduled runs are late (`bot.rules.late`), on a real database: the scheduler's own
rules decide what was due; a run under way is not done; the weekly reports of a big
organization, made over many ticks, are late only when none is being made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.i18n import Translator
from bot.rules import due
from bot.rules.late import late_runs
from storage.runs import Piece, Run
from storage.store import Store

MADE = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
MONDAY_2016 = datetime(2026, 3, 2, 12, 16, tzinfo=UTC)  # Monday 20:16 in Shanghai


async def branches(store: Store, n: int) -> list[int]:
    root = await store.branches.create("Root", None, at=MADE)
    return [root] + [await store.branches.create(f"B{i}", root, at=MADE) for i in range(1, n)]


async def test_nothing_is_late_once_the_scheduler_has_run(store: Store) -> None:
    await branches(store, 3)
    for hour, minute in ((8, 0), (10, 0), (20, 0), (20, 1)):
        at = datetime(2026, 3, 2, hour - 8, minute, tzinfo=UTC)
        await due.run_due(store, Translator(), at, wake=lambda: None)
    assert await late_runs(store, datetime(2026, 3, 2, 15, 59, tzinfo=UTC)) == []


async def test_each_kind_is_late_fifteen_minutes_after_its_time(store: Store) -> None:
    ids = await branches(store, 2)
    assert await late_runs(store, datetime(2026, 3, 2, 0, 14, tzinfo=UTC)) == []
    late = await late_runs(store, datetime(2026, 3, 2, 0, 15, tzinfo=UTC))
    assert [(r.kind, r.branch_id, r.local_due) for r in late] == [
        ("prompt", ids[0], "2026-03-02 08:00"), ("prompt", ids[1], "2026-03-02 08:00")]
    # At 20:16 the prompt's day is over (it is no longer sent); the digest and the weekly
    # report (Monday, at the digest's time) are late.
    late = await late_runs(store, MONDAY_2016)
    assert [(r.kind, r.branch_id) for r in late] == [
        ("digest", ids[0]), ("digest", ids[1]), ("weekly", ids[0]), ("weekly", ids[1])]
    assert late[0].key == f"late:digest:{ids[0]}:2026-03-02T20:00:00+08:00"


async def test_a_prompt_under_way_is_late_a_finished_one_is_not(store: Store) -> None:
    root, other = await branches(store, 2)
    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    # The root's prompt was begun at 08:00 and stopped half-way (upto: a member id).
    await store.runs.record_piece(Piece(root, "prompt", "2026-03-02", start, [], upto=7),
                                  now=start)
    await store.runs.record([Run(other, "prompt", "2026-03-02", [])], at=start)
    late = await late_runs(store, start + timedelta(minutes=20))
    assert [(r.kind, r.branch_id) for r in late] == [("prompt", root)]


async def test_weekly_reports_being_made_over_many_ticks_are_not_late(store: Store) -> None:
    ids = await branches(store, 4)
    await store.runs.record([Run(ids[0], "weekly", "2026-03-02", [])],
                            at=MONDAY_2016 - timedelta(minutes=2))
    late = [r for r in await late_runs(store, MONDAY_2016) if r.kind == "weekly"]
    assert late == []  # a report was made two minutes ago: the rest are under way
    later = MONDAY_2016 + timedelta(minutes=14)
    late = [r for r in await late_runs(store, later) if r.kind == "weekly"]
    assert [r.branch_id for r in late] == ids[1:]  # none made for 16 minutes
