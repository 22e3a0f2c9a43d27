"""Which daily runs are late: due `RUN_LATE_AFTER` ago (by `due_runs`, the rule the tick
follows) and still not in the ledger, not even under way. For the metrics' gauge of late
runs; the weekly reports and task follow-ups are not counted (their lateness is not a
branch's clock time)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import is_timezone
from bot.rules.health import RUN_LATE_AFTER
from bot.rules.rhythm.timetable import due_runs
from storage.store import Store


async def late_runs(store: Store, now: datetime) -> list[tuple[int, str]]:
    """(branch, kind) of each daily run that was due at `now - RUN_LATE_AFTER` and has no
    ledger row for that local day yet (a run under way has one)."""
    then = now - RUN_LATE_AFTER
    schedules = [s for s in await store.schedules.all() if is_timezone(s.timezone)]
    if not schedules:
        return []
    days = {s.branch_id: then.astimezone(ZoneInfo(s.timezone)).date() for s in schedules}
    recorded: dict[int, dict[str, datetime]] = {}
    ahead: set[int] = set()  # the ledger has left that day behind (see `due_runs`)
    for (branch, kind, on), row in (await store.runs.since(min(days.values()))).items():
        day = days.get(branch)
        if day is None:
            continue
        if on == day.isoformat():
            recorded.setdefault(branch, {})[kind] = row.at
        elif on > day.isoformat():
            ahead.add(branch)
    return [(s.branch_id, kind) for s in schedules if s.branch_id not in ahead
            for kind, _ in due_runs(s, then, recorded.get(s.branch_id, {}))]
