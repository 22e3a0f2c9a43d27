"""When a branch's runs are due: the moments of its local day (`day_plan`, DST in `moment`),
which ledger rows count (`counted`), and `due_runs`, whose rules the package's docstring
sums up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.rules.rhythm.values import DAYS, ESCALATE_AFTER, minutes_of, parse_clock
from storage.schedule import Schedule

KINDS = ("prompt", "reminder", "escalate_rate", "digest", "digest_chart")
MAIN_KINDS = ("prompt", "reminder", "digest")  # the "next one" of the catch-up rule


def moment(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The instant a local clock time happens on `day` in `zone`.

    A time the clocks skip (inside a DST gap: 02:30 on Berlin's spring-forward night)
    happens when the clocks jump, at the first minute after the gap (03:00); a time the
    clocks show twice (the fall-back night) happens the first time.
    """
    naive = datetime.combine(day, clock)
    at = naive.replace(tzinfo=zone)  # fold=0: the first of two
    if at.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive:
        return at
    probe = naive
    for _ in range(48 * 60):  # a gap is an hour or so; a skipped day (Apia, 2011) is 24
        probe += timedelta(minutes=1)
        found = probe.replace(tzinfo=zone)
        if found.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == probe:
            return found
    return at



@dataclass(frozen=True, slots=True)
class DayPlan:
    """A branch's local day: when it starts and ends and when each run's time comes."""

    day: date
    start: datetime
    end: datetime
    prompt: datetime
    reminder: datetime
    digest: datetime
    escalate: datetime | None  # the reminder's clock time + 2h, None if past midnight
    spacing: timedelta  # from the prompt's clock time to the reminder's (<= 0: misordered)


def day_plan(schedule: Schedule, day: date) -> DayPlan:
    """The moments of the branch's runs on a local day (see `moment` for DST)."""
    return _day_plan(schedule.timezone, schedule.checkin_time, schedule.reminder_time,
                     schedule.digest_time, day)


@lru_cache(maxsize=4096)
def _day_plan(timezone: str, checkin: str, reminder_time: str, digest: str,
              day: date) -> DayPlan:
    # Branches mostly share their times (inherited): the minute tick works each plan out once.
    zone = ZoneInfo(timezone)
    prompt, reminder = parse_clock(checkin), parse_clock(reminder_time)
    escalate = minutes_of(reminder_time) + int(ESCALATE_AFTER.total_seconds() // 60)
    return DayPlan(
        day, moment(day, time(0), zone), moment(day + timedelta(days=1), time(0), zone),
        moment(day, prompt, zone), moment(day, reminder, zone),
        moment(day, parse_clock(digest), zone),
        moment(day, time(*divmod(escalate, 60)), zone) if escalate < 24 * 60 else None,
        timedelta(minutes=minutes_of(reminder_time) - minutes_of(checkin)))


def is_day_off(schedule: Schedule, day: date) -> bool:
    """True if the branch takes `day` off (no prompt, reminder or rate escalation)."""
    return DAYS[day.weekday()] in schedule.days_off.split(",")


def counted(plan: DayPlan, recorded: Mapping[str, datetime]) -> dict[str, datetime]:
    """Which of the day's runs in the ledger count as done, and when they were done.

    `recorded` holds, by kind, when the ledger says the run of this day's date was done.
    A run counts only if it was done during the day as the branch's timezone now reckons
    it, and not before a run that comes earlier in the day (prompt, then reminder, then its
    escalation; the digest after both): a row left from another timezone's reckoning of the
    same date (the zone was changed mid-day) does not, and the run is done again.
    """
    done: dict[str, datetime] = {}

    def keep(kind: str, after: tuple[str, ...], needs: str | None = None) -> None:
        at = recorded.get(kind)
        if at is None or at < plan.start or (needs is not None and needs not in done):
            return
        if all(at >= done[k] for k in after if k in done):
            done[kind] = at

    keep("prompt", ())
    keep("reminder", ("prompt",), needs="prompt")
    keep("escalate_rate", ("reminder",), needs="reminder")
    keep("digest", ("prompt", "reminder"))
    keep("digest_chart", ("digest",), needs="digest")
    return done


def reminder_at(plan: DayPlan, prompted: datetime) -> datetime:
    """When the day's reminder is due, the prompt having gone out at `prompted`: at its time,
    but never sooner after the prompt than the settings space them."""
    return max(plan.reminder, prompted + plan.spacing)


def due_runs(schedule: Schedule, now: datetime, recorded: Mapping[str, datetime]
             ) -> list[tuple[str, datetime]]:
    """The runs due at `now` on the branch's local day, each with the instant before which a
    ledger row of it is stale (see `counted`); in the day's order.

    - the prompt, from its time until the digest's (after downtime it is sent late rather
      than a reminder to people never asked);
    - the reminder, only after that day's prompt went out, at its time but never sooner
      after the prompt than the settings space them (a late prompt moves it later), and
      not once the digest's time has come;
    - the rate escalation, 2 hours after the reminder went out (and not before the
      reminder's time + 2h), until midnight;
    - the digest, from its time until midnight (days off too);
    - the digest's chart, once the day's digest is done (at the next tick: every branch's
      digest text first), until midnight;
    - nothing before the branch existed: no prompt, reminder or escalation on a day whose
      prompt time came before it was made, or on its days off.

    When the branch's timezone changes (by /settings, the config's default, or a new
    parent), `counted` makes the new zone's day get its own runs; and a day the ledger has
    already left behind (it holds runs of a later day: the zone moved west, e.g. Shanghai
    to Los Angeles at 09:00 in Shanghai, which is 17:00 of the day before there) gets
    nothing more: `run_due` skips the branch until its days catch up.
    """
    zone = ZoneInfo(schedule.timezone)
    plan = day_plan(schedule, now.astimezone(zone).date())
    done = counted(plan, recorded)
    active = not is_day_off(schedule, plan.day) and plan.prompt > schedule.created_at
    until_digest = plan.digest if plan.digest > plan.prompt else plan.end
    stale_floor = max([plan.start, *done.values()])
    due: list[tuple[str, datetime]] = []
    if active and "prompt" not in done and plan.prompt <= now < until_digest:
        due.append(("prompt", plan.start))
    prompted = done.get("prompt")
    if active and prompted is not None and "reminder" not in done \
            and plan.spacing > timedelta(0):
        at = reminder_at(plan, prompted)
        if at <= now and (at < plan.digest or plan.digest <= plan.prompt):
            due.append(("reminder", stale_floor))
    reminded = done.get("reminder")
    if active and reminded is not None and plan.escalate is not None \
            and "escalate_rate" not in done \
            and max(plan.escalate, reminded + ESCALATE_AFTER) <= now < plan.end:
        due.append(("escalate_rate", stale_floor))
    if "digest" not in done and plan.digest > schedule.created_at \
            and plan.digest <= now < plan.end:
        due.append(("digest", stale_floor))
    if "digest" in done and "digest_chart" not in done and now < plan.end:
        due.append(("digest_chart", stale_floor))
    return due
