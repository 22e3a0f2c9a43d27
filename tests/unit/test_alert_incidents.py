"""The alerts' incidents (`bot.rules.alerts.Incidents`): opened once, told once to each admin,
tried again after a passing failure, given up when Telegram refuses, resolved to those told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.rules.alerts import LATE, STUCK, UNWRITABLE, Delivery, Incidents, Notice, Seen, Stuck
from bot.rules.late import LateRun

NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
STUCK_NOW = Stuck(pending=5, oldest=NOW - timedelta(minutes=12), last_delivered=None)


def late(branch: int, kind: str = "prompt") -> LateRun:
    return LateRun(kind, branch, f"B{branch}", "Asia/Shanghai", NOW - timedelta(minutes=20))


def deliver(incidents: Incidents, notices: list[Notice],
            outcomes: dict[int, Delivery] | None = None) -> list[tuple[int, str, bool]]:
    """Record each notice as sent (or as `outcomes` says for its admin); what was sent."""
    for notice in notices:
        incidents.delivered(notice, (outcomes or {}).get(notice.admin, Delivery.SENT))
    return [(n.admin, n.kind, n.resolved) for n in notices]


def test_an_incident_is_told_once_and_resolved_once() -> None:
    incidents = Incidents([1, 2])
    assert deliver(incidents, incidents.observe(Seen())) == []
    assert deliver(incidents, incidents.observe(Seen(stuck=STUCK_NOW))) == [
        (1, STUCK, False), (2, STUCK, False)]
    assert deliver(incidents, incidents.observe(Seen(stuck=STUCK_NOW))) == []
    assert deliver(incidents, incidents.observe(Seen())) == [(1, STUCK, True), (2, STUCK, True)]
    assert deliver(incidents, incidents.observe(Seen())) == []
    # It comes back: a new incident, told again.
    assert deliver(incidents, incidents.observe(Seen(stuck=STUCK_NOW))) == [
        (1, STUCK, False), (2, STUCK, False)]


def test_a_passing_failure_is_tried_again_a_refusal_is_not() -> None:
    incidents = Incidents([1, 2])
    first = incidents.observe(Seen(unwritable="full"))
    assert deliver(incidents, first, {1: Delivery.FAILED, 2: Delivery.REFUSED}) == [
        (1, UNWRITABLE, False), (2, UNWRITABLE, False)]
    again = incidents.observe(Seen(unwritable="full"))
    assert deliver(incidents, again) == [(1, UNWRITABLE, False)]
    assert again[0].unwritable == "full"
    # Admin 2 never got the alert: no "resolved" for them either.
    assert deliver(incidents, incidents.observe(Seen())) == [(1, UNWRITABLE, True)]


def test_late_runs_are_told_together_each_once_and_resolved_when_none_is_late() -> None:
    incidents = Incidents([1])
    notices = incidents.observe(Seen(late=(late(2), late(3))))
    assert [(n.kind, [r.branch_id for r in n.late]) for n in notices] == [(LATE, [2, 3])]
    deliver(incidents, notices)
    notices = incidents.observe(Seen(late=(late(2), late(3), late(4))))
    assert [[r.branch_id for r in n.late] for n in notices] == [[4]]  # only the new one
    deliver(incidents, notices)
    assert incidents.observe(Seen(late=(late(4),))) == []  # two done, one still late
    assert deliver(incidents, incidents.observe(Seen())) == [(1, LATE, True)]


def test_a_look_that_could_not_read_keeps_the_incidents_open() -> None:
    incidents = Incidents([1])
    deliver(incidents, incidents.observe(Seen(stuck=STUCK_NOW, late=(late(2),))))
    partial = incidents.observe(Seen(unwritable="error", complete=False))
    assert deliver(incidents, partial) == [(1, UNWRITABLE, False)]  # nothing resolved
    assert deliver(incidents, incidents.observe(Seen(stuck=STUCK_NOW, late=(late(2),)))) == [
        (1, UNWRITABLE, True)]


def test_after_a_restart_an_incident_is_told_once_more() -> None:
    """The state is in memory (the database may be what fails): a new process tells again."""
    before = Incidents([1])
    deliver(before, before.observe(Seen(stuck=STUCK_NOW)))
    after = Incidents([1])
    assert deliver(after, after.observe(Seen(stuck=STUCK_NOW))) == [(1, STUCK, False)]
