"""Running the rhythm: `run_due` queues every run due at "now" and not yet in the ledger (the
prompt and the reminder in pieces; the rate escalation, the digest, its chart, critical
needs' escalations). The digests' charts are drawn within a budget per tick
(`CHART_BUDGET_S`), the rest left to the next ticks."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import is_timezone
from bot.i18n import Translator, duration
from bot.rules import coverage
from bot.rules.charts.digest import chart_messages
from bot.rules.digest import digest_messages
from bot.rules.rhythm.messages import prompt_messages, reminder_messages, speak
from bot.rules.rhythm.timetable import day_plan, due_runs
from bot.text import esc
from storage.needs import CriticalNeed
from storage.rows import NewMessage, Recipient
from storage.runs import Piece, Recorded, Run
from storage.schedule import Schedule
from storage.store import Store

logger = logging.getLogger(__name__)

PIECE = 500  # members of a branch per piece of a prompt or reminder (one transaction each)
PIECED_KINDS = ("prompt", "reminder")
MISSING_SHOWN = 10  # names of members not checked in shown in a rate escalation
CHART_BUDGET_S = 20.0  # seconds of drawing the digests' charts in one tick (see `run_due`)


def _to_all(contacts: Sequence[Recipient], translate: Translator, schedule: Schedule,
            text: Callable[[str], str]) -> list[NewMessage]:
    return [NewMessage(c.member_id, c.member_id, text(speak(c, translate, schedule)))
            for c in contacts]


async def _rate_escalation(store: Store, translate: Translator, schedule: Schedule,
                           day: date, at: datetime) -> list[NewMessage]:
    if schedule.parent_id is None:
        return []
    total, checked, names = await store.schedules.branch_rate(schedule.branch_id, day,
                                                              names=MISSING_SHOWN + 1)
    if not total:
        return []
    rate = round(100 * checked / total)
    if rate >= schedule.alert_below:
        return []
    local = at.astimezone(ZoneInfo(schedule.timezone)).strftime("%H:%M")
    missing = [esc(name) for name in names]
    more = " …" if len(missing) > MISSING_SHOWN else ""

    def shown(lang: str) -> str:
        return translate(lang, "list.separator").join(missing[:MISSING_SHOWN]) + more
    return _to_all(await store.people.secretaries_of(schedule.parent_id), translate, schedule,
                   lambda lang: translate(lang, "rhythm.escalate_rate", branch=esc(schedule.name),
                                          id=schedule.branch_id, checked=checked,
                                          total=total, rate=rate, time=local,
                                          alert=schedule.alert_below, missing=shown(lang)))


def _valid_zone(schedule: Schedule) -> bool:
    if is_timezone(schedule.timezone):
        return True
    logger.error("branch %s has an unknown timezone; its rhythm is skipped", schedule.branch_id)
    return False


async def _digest(store: Store, translate: Translator, schedule: Schedule, day: date,
                  now: datetime) -> list[NewMessage] | None:
    """The digest's messages; None if it could not be made (it is tried again later). Its
    chart is a run of its own, made at the next tick (`bot.rules.charts.digest`)."""
    try:
        return list(await digest_messages(store, translate, schedule.branch_id, day, now))
    except Exception:
        logger.exception("the digest of branch %s failed", schedule.branch_id)
        return None


async def _run(store: Store, translate: Translator, schedule: Schedule, kind: str, day: date,
               now: datetime) -> list[NewMessage] | None:
    """The messages of a run to the branch's secretaries (digest, rate escalation)."""
    if kind == "digest":
        return await _digest(store, translate, schedule, day, now)
    if kind == "digest_chart":
        return await chart_messages(store, translate, schedule.branch_id, day, now)
    return await _rate_escalation(store, translate, schedule, day, now)


async def _run_in_pieces(store: Store, translate: Translator, schedule: Schedule, kind: str,
                         day: date, now: datetime, stale_before: datetime,
                         under_way: Recorded | None, piece: int,
                         queued: Callable[[], None] | None) -> int:
    """The prompt or the reminder, `piece` members at a time, each piece written with the
    ledger row in its own short transaction (see `Piece`); resumes a run a stop interrupted
    (`under_way`). Only one piece's messages are held at a time. Returns messages queued."""
    resume = under_way is not None and under_way.at >= stale_before
    at = under_way.at if resume and under_way is not None else now
    after = under_way.upto if resume and under_way is not None else None
    if kind == "prompt":
        to_visit = await coverage.to_visit(store, schedule.branch_id, day, schedule.timezone)
        late = now >= day_plan(schedule, day).reminder
    total = 0
    while True:
        targets = await store.schedules.branch_targets(schedule.branch_id, day,
                                                       day - timedelta(days=1),
                                                       after=after or 0, limit=piece + 1)
        more = len(targets) > piece
        targets = targets[:piece]
        if kind == "prompt":
            messages = prompt_messages(translate, schedule, targets, day, to_visit, late=late)
        else:
            messages = reminder_messages(translate, schedule, targets, day)
        upto = targets[-1].contact.member_id if more else None
        written = await store.runs.record_piece(
            Piece(schedule.branch_id, kind, day.isoformat(), at, messages, after=after,
                  upto=upto, stale_before=stale_before), now=now)
        if written is None:
            return total  # the ledger says another start has it
        total += written
        if written and queued is not None:
            queued()
        if upto is None:
            return total
        after = upto


def _need_text(translate: Translator, language: str, need: CriticalNeed, branch: str,
               waited: timedelta) -> str:
    category_key = f"need.cat_{need.category}"
    category = (translate(language, category_key) if translate.has(category_key)
                else esc(need.category))
    return translate(language, "rhythm.escalate_need", id=need.id, branch=esc(branch),
                     category=category, details=esc(need.details[:200]),
                     reporter=esc(need.reporter),
                     waited=duration(translate, language, waited.total_seconds() // 60))


async def _need_escalations(store: Store, translate: Translator,
                            schedules: dict[int, Schedule], now: datetime) -> list[Run]:
    runs = []
    for need in await store.needs.critical_not_escalated():
        schedule = schedules.get(need.branch_id)
        if schedule is None:
            continue
        waited = now - need.created_at
        if waited < timedelta(minutes=schedule.critical_within_minutes):
            continue
        secretaries = (await store.people.secretaries_of(schedule.parent_id)
                       if schedule.parent_id is not None else [])
        messages = [NewMessage(c.member_id, c.member_id, _need_text(
            translate, speak(c, translate, schedule), need, schedule.name, waited))
            for c in secretaries]
        runs.append(Run(need.branch_id, "escalate_need", f"need:{need.id}", messages))
    return runs


@dataclass(frozen=True)
class Ledger:
    """Today's rows of the ledger of daily runs, as `run_due` reads them: each branch's local
    day (`days`, and as ISO text `today`); the runs done today (`recorded`: branch -> kind ->
    when); those under way (`under_way`, by branch and kind); and the branches whose ledger
    holds a later day than today (`ahead`: see `due_runs`), which get nothing."""

    days: dict[int, date]
    today: dict[int, str]
    recorded: dict[int, dict[str, datetime]]
    under_way: dict[tuple[int, str], Recorded]
    ahead: set[int]


async def read_ledger(store: Store, schedules: Sequence[Schedule], now: datetime) -> Ledger:
    """The ledger's rows of each branch's local day at `now` (see `Ledger`): one read of a
    day or two of rows, whatever the number of branches."""
    days = {s.branch_id: now.astimezone(ZoneInfo(s.timezone)).date() for s in schedules}
    ledger = Ledger(days, {b: d.isoformat() for b, d in days.items()}, {}, {}, set())
    if not days:
        return ledger
    for (branch, kind, on), row in (await store.runs.since(min(days.values()))).items():
        if ledger.today.get(branch) == on:
            if row.upto is None:
                ledger.recorded.setdefault(branch, {})[kind] = row.at
            else:
                ledger.under_way[(branch, kind)] = row
        elif branch in ledger.today and on > ledger.today[branch]:
            ledger.ahead.add(branch)
    return ledger


class _Budget:
    """Seconds spent in `with` blocks, against a budget: `spent()` once they reach it (and at
    least one block ran)."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.used, self.runs = seconds, 0.0, 0
        self._began = 0.0

    def spent(self) -> bool:
        return self.runs > 0 and self.used >= self.seconds

    def __enter__(self) -> None:
        self._began = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.used += time.perf_counter() - self._began
        self.runs += 1


async def _record(store: Store, translate: Translator, schedule: Schedule, kind: str,
                  day: date, now: datetime, stale_before: datetime,
                  queued: Callable[[], None] | None) -> int:
    """Make one run (not the pieced ones) and write it with its ledger row; messages queued
    (none if it could not be made: it is tried again at the next tick)."""
    messages = await _run(store, translate, schedule, kind, day, now)
    if messages is None:
        return 0
    written = await store.runs.record(
        [Run(schedule.branch_id, kind, day.isoformat(), messages, stale_before)], at=now)
    if written and queued is not None:
        queued()
    return written


async def run_due(store: Store, translate: Translator, now: datetime, *, piece: int = PIECE,
                  queued: Callable[[], None] | None = None,
                  chart_budget: float = CHART_BUDGET_S) -> int:
    """Queue every scheduled run due at `now` and not yet in the ledger; returns messages queued.

    See the module's docstring and `due_runs` for the rules. Branch by branch, each run is
    written as soon as it is made (the prompt and the reminder `piece` members at a time), so
    that the writer's lock is held briefly and memory stays flat whatever the size of the
    organization; `queued` is called after each write that queued messages (to wake the
    outbox, which then sends while the rest is being made).

    A digest's chart is a tenth of a second of drawing: a thousand branches sharing 20:00 are
    two minutes of it, which would hold the tick (the next prompts, escalations, follow-ups
    and weekly reports wait behind it). So once `chart_budget` seconds have gone into charts
    (at least one chart made), the charts left wait for the next minute's tick; the ledger
    says which, and none is drawn twice. The other runs are never held back by this.
    """
    schedules = [s for s in await store.schedules.all() if _valid_zone(s)]
    if not schedules:
        return 0
    ledger = await read_ledger(store, schedules, now)
    days, under_way = ledger.days, ledger.under_way
    total = 0
    charts = _Budget(chart_budget)
    for schedule in schedules:
        branch = schedule.branch_id
        if branch in ledger.ahead:
            continue
        for kind, stale_before in due_runs(schedule, now, ledger.recorded.get(branch, {})):
            if kind == "digest_chart":
                if charts.spent():
                    continue  # the next tick draws it
                with charts:
                    total += await _record(store, translate, schedule, kind, days[branch],
                                           now, stale_before, queued)
                continue
            if kind in PIECED_KINDS:
                total += await _run_in_pieces(store, translate, schedule, kind, days[branch],
                                              now, stale_before, under_way.get((branch, kind)),
                                              piece, queued)
                continue
            total += await _record(store, translate, schedule, kind, days[branch], now,
                                   stale_before, queued)
    runs = await _need_escalations(store, translate, {s.branch_id: s for s in schedules}, now)
    if runs:
        written = await store.runs.record(runs, at=now)
        if written and queued is not None:
            queued()
        total += written
    return total
