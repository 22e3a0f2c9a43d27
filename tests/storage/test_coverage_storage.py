"""Coverage on real SQLite: states by interval, past days, rollup across levels, hand-overs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.rules import coverage
from storage.households import HouseholdInput
from storage.store import Store

TZ = "Asia/Shanghai"
DAY = date(2026, 3, 10)
NOON = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
ROOT, EAST, WEST = 1, 2, 3
GRID = 4
ALICE, BOB, CAROL = 1001, 1002, 1003


def _home(zone: str, label: str, who: int, *, vulnerable: bool = False) -> HouseholdInput:
    return HouseholdInput(zone, label, f"{label} Lake Road", 2, "", who, vulnerable)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """Org > East > East Grid, Org > West; Alice in East, Bob in the grid, Carol in West."""
    s = Store(tmp_path / "f.db")
    await s.initialize()
    created = NOON - timedelta(days=30)
    assert await s.branches.create("Org", None, at=created) == ROOT
    assert await s.branches.create("East", ROOT, at=created) == EAST
    assert await s.branches.create("West", ROOT, at=created) == WEST
    assert await s.branches.create("East Grid", EAST, at=created) == GRID
    for user, name, branch in ((ALICE, "alice", EAST), (BOB, "bob", GRID),
                               (CAROL, "carol", WEST)):
        await s.people.save(user, name.title(), None, name, "zh", at=created)
        await s.people.set_membership(user, branch, "member", at=created)
    await s.households.upsert(EAST, [_home("E1", "a", ALICE), _home("E1", "b", ALICE),
                                     _home("E1", "c", ALICE, vulnerable=True)], at=created)
    await s.households.upsert(GRID, [_home("G1", "g", BOB)], at=created)
    await s.households.upsert(WEST, [_home("W1", "w", CAROL)], at=created)
    yield s
    await s.shutdown()


async def _away(store: Store, member: int) -> datetime | None:
    """Since when the member is marked away (None: not away)."""
    state = await store.duty.state(member)
    assert state is not None
    return state.away_since


async def _id(store: Store, branch: int, label: str) -> int:
    return next(h.id for h in await store.households.of_branch(branch) if h.label == label)


async def test_states_with_an_interval_of_two_days(store: Store) -> None:
    await store.schedules.set_setting(EAST, "visit_every_days", 2)
    a, b, c = [await _id(store, EAST, x) for x in "abc"]
    await store.households.record_visit(a, ALICE, "well", None, at=NOON)  # reached today
    # yesterday
    await store.households.record_visit(b, ALICE, "well", None, at=NOON - timedelta(days=1))
    await store.households.record_visit(c, ALICE, "well", None, at=NOON - timedelta(days=1))
    win = coverage.window(DAY, TZ)
    (zone,) = await coverage.zones(store, EAST, win)
    # a covered today; b covered (2-day interval); c vulnerable, reached yesterday: due
    assert (zone.households, zone.reached_today, zone.covered, zone.due, zone.overdue) == \
        (3, 1, 2, 1, 0)
    later = coverage.window(DAY + timedelta(days=2), TZ)
    (zone,) = await coverage.zones(store, EAST, later)
    # a reached D: day D+2 is its last day (due); b and c are past theirs
    assert (zone.covered, zone.due, zone.overdue) == (0, 1, 2)
    listed = await coverage.uncovered(store, EAST, zone.key, later)
    assert [(u.household.label, u.state) for u in listed] == \
        [("b", "overdue"), ("c", "overdue"), ("a", "due")]


async def test_no_answer_does_not_reach_and_past_days_use_the_visits(store: Store) -> None:
    a = await _id(store, EAST, "a")
    await store.households.record_visit(a, ALICE, "no_answer", None, at=NOON)
    (zone,) = await coverage.zones(store, EAST, coverage.window(DAY, TZ))
    assert zone.reached_today == 0 and zone.overdue == 3
    await store.households.record_visit(a, ALICE, "refused", None, at=NOON + timedelta(days=1))
    (today,) = await coverage.zones(store, EAST, coverage.window(DAY + timedelta(days=1), TZ))
    (before,) = await coverage.zones(store, EAST, coverage.window(DAY, TZ))
    assert today.reached_today == 1 and before.reached_today == 0
    household = await store.households.get(a)
    assert household is not None and household.last_outcome == "refused"


async def test_rollup_across_three_levels_and_unheld(store: Store) -> None:
    g = await _id(store, GRID, "g")
    await store.households.record_visit(g, BOB, "needs_help", None, at=NOON)
    win = coverage.window(DAY, TZ)
    whole, own, children = await coverage.branch_rollup(store, ROOT, win)
    assert own is None
    assert (whole.households, whole.covered, whole.overdue) == (5, 1, 4)
    assert [(c.name, c.households, c.covered) for c in children] == \
        [("East", 4, 1), ("West", 1, 0)]
    whole, own, children = await coverage.branch_rollup(store, EAST, win)
    assert own is not None and (own.households, own.covered) == (3, 0)
    assert [(c.name, c.covered) for c in children] == [("East Grid", 1)]
    await store.checkins.record(ALICE, EAST, DAY, "quarantined", at=NOON)
    whole, own, _ = await coverage.branch_rollup(store, ROOT, win)
    assert whole.unheld == 3
    assert [(o.name, o.reason, o.households, o.handed) for o in
            await coverage.off_duty(store, ROOT)] == [("Alice", "quarantined", 3, 0)]
    assert await store.duty.hand_over(ALICE, BOB, at=NOON) == 3
    whole, _, _ = await coverage.branch_rollup(store, ROOT, win)
    assert whole.unheld == 0
    assert {h.label for h in await store.households.of_member(BOB)} == {"a", "b", "c", "g"}
    assert await coverage.back_on_duty(store, ALICE, "unwell", at=NOON) == []
    await store.checkins.record(ALICE, EAST, DAY, "on_duty", at=NOON)
    assert await coverage.back_on_duty(store, ALICE, "on_duty", at=NOON) == [(BOB, 3)]
    assert {h.label for h in await store.households.of_member(BOB)} == {"g"}
    assert await coverage.off_duty(store, ROOT) == []


async def test_away_is_off_duty_until_back(store: Store) -> None:
    assert await store.duty.set_away(CAROL, NOON)
    assert not await store.duty.set_away(CAROL, NOON)
    assert [o.reason for o in await coverage.off_duty(store, ROOT)] == ["away"]
    await coverage.back_on_duty(store, CAROL, "available", at=NOON)
    assert await _away(store, CAROL) is None


async def test_a_backup_on_duty_holds_the_households(store: Store) -> None:
    """Alice (East) is quarantined; household a has Bob as backup, b has Carol (away)."""
    created = NOON - timedelta(days=30)
    await store.households.upsert(EAST, [
        HouseholdInput("E1", "a", "a Lake Road", 2, "", ALICE, False, backup_id=BOB),
        HouseholdInput("E1", "b", "b Lake Road", 2, "", ALICE, False, backup_id=CAROL),
        _home("E1", "c", ALICE, vulnerable=True)], at=created)
    await store.checkins.record(ALICE, EAST, DAY, "quarantined", at=NOON)
    await store.duty.set_away(CAROL, NOON)
    win = coverage.window(DAY, TZ)
    whole, _, _ = await coverage.branch_rollup(store, ROOT, win)
    # b (its backup is away), c, and Carol's own w; a is Bob's to look after
    assert whole.unheld == 3
    (zone,) = await coverage.zones(store, EAST, win)
    assert zone.unheld == 2
    [alice, carol] = await coverage.off_duty(store, ROOT)
    assert (alice.name, alice.households, alice.handed, alice.backed, alice.unheld) == \
        ("Alice", 3, 0, 1, 2)
    assert (carol.name, carol.reason, carol.unheld) == ("Carol", "away", 1)
    await store.duty.set_away(CAROL, None)
    whole, _, _ = await coverage.branch_rollup(store, ROOT, win)
    assert whole.unheld == 1  # c only
