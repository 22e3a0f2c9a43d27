"""Scheduled runs that are late: what `frontline status` lists and the admins are alerted to.

A run is late when the scheduler should have done it `RUN_LATE_AFTER` ago and the ledger
still does not have it. "Should have" is the scheduler's own rule, not a copy of it: the
daily runs are those `rhythm.due_runs` finds due now (from the same reading of the ledger,
`rhythm.runs.read_ledger`), each due since its moment of the branch's local day (the prompt's
and the digest's clock time; the reminder's `reminder_at`, which follows a late prompt); the
weekly report is due by `weekly.is_due`, since `Week.report_at`.

Kinds watched: the check-in prompt, the reminder, the digest and the weekly report (the rate
escalation and the digest's chart follow them; task follow-ups are not daily runs). A run
under way (a big prompt written in pieces) is not done yet: it is late if it is still under
way `RUN_LATE_AFTER` after its time. The weekly reports of a big organization are made over
many ticks (at most `weekly.BUDGET_S` of work in each): while any weekly report was recorded
within the last `RUN_LATE_AFTER`, the reports still waiting are being made, not late.

Cheap for a thousand branches sharing their times: one read of the schedules, one of today's
ledger rows, and the day plans `rhythm` caches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import is_timezone
from bot.rules.health import RUN_LATE_AFTER
from bot.rules.rhythm.runs import read_ledger
from bot.rules.rhythm.timetable import day_plan, due_runs, reminder_at
from bot.rules.weekly.timing import is_due, week_of
from storage.store import Store

KINDS = ("prompt", "reminder", "digest", "weekly")  # in the order of a day


@dataclass(frozen=True, slots=True)
class LateRun:
    """A scheduled run not done `RUN_LATE_AFTER` after it was due."""

    kind: str  # one of KINDS
    branch_id: int
    branch: str  # the branch's name
    timezone: str  # the branch's
    due: datetime  # when it was due (aware)

    @property
    def key(self) -> str:
        """The run, one key for as long as it is late (an alert's incident)."""
        return f"late:{self.kind}:{self.branch_id}:{self.due.isoformat()}"

    @property
    def local_due(self) -> str:
        """When it was due on the branch's clock: `2026-03-02 08:00`."""
        return self.due.astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%d %H:%M")


async def late_runs(store: Store, now: datetime) -> list[LateRun]:
    """Every scheduled run late at `now` (see the module docstring), earliest due first."""
    schedules = [s for s in await store.schedules.all() if is_timezone(s.timezone)]
    if not schedules:
        return []
    ledger = await read_ledger(store, schedules, now)
    late: list[LateRun] = []
    for schedule in schedules:
        if schedule.branch_id in ledger.ahead:
            continue
        done = ledger.recorded.get(schedule.branch_id, {})
        plan = day_plan(schedule, ledger.days[schedule.branch_id])
        for kind, _ in due_runs(schedule, now, done):
            if kind == "prompt":
                due = plan.prompt
            elif kind == "reminder":
                due = reminder_at(plan, done["prompt"])
            elif kind == "digest":
                due = plan.digest
            else:
                continue
            if now - due >= RUN_LATE_AFTER:
                late.append(LateRun(kind, schedule.branch_id, schedule.name,
                                    schedule.timezone, due))
    weeks = {s.branch_id: week_of(s, now) for s in schedules}
    waiting = [s for s in schedules if is_due(s, weeks[s.branch_id], now, None)
               and now - weeks[s.branch_id].report_at >= RUN_LATE_AFTER]
    if waiting:
        since = min(weeks[s.branch_id].monday for s in waiting)
        latest = await store.runs.weeks_since(since)
        progress = await store.health.weekly_progress(since)
        if progress is None or now - progress >= RUN_LATE_AFTER:
            late.extend(LateRun("weekly", s.branch_id, s.name, s.timezone,
                                weeks[s.branch_id].report_at)
                        for s in waiting
                        if is_due(s, weeks[s.branch_id], now, latest.get(s.branch_id)))
    late.sort(key=lambda run: (run.due, KINDS.index(run.kind), run.branch_id))
    return late
