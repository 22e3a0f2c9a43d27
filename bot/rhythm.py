"""The daily rhythm: prompts, reminders, care messages, digests and escalations, each once.

Timers only wake; the ledger decides. `run_due` is the one function the scheduled jobs,
start-up and tests call with a "now". For each branch, in its own timezone, a day holds
four runs at local clock times: the prompt (checkin_time), the reminder (reminder_time),
the rate escalation (reminder_time + 2h) and the digest (digest_time). A run is due when

- its moment has come today, and the next of prompt / reminder / digest has not (the
  catch-up rule: after downtime that spans a scheduled time it is done on start-up if still
  the same local day and before the next one; otherwise that day's run is skipped);
- it is not in the `schedule_runs` ledger for (branch, kind, local day);
- the branch existed before that moment (a branch made at 08:30 is not prompted for 08:00),
  and for the prompt, reminder and escalation, it existed before the day's prompt moment and
  the day is not one of its days off (the digest goes out on days off too).

Who gets what: the prompt goes to each reachable member of the branch itself (sub-branches
prompt their own members) who has not yet checked in today, with the five status buttons;
a member whose latest check-in (today, else yesterday) is unwell or quarantined gets the care
message instead, with the status buttons and a "report a need" button, and is not reminded
later that day. The reminder goes to reachable members without a check-in today.
The rate escalation tells the parent branch's secretaries when the branch's own check-in rate
is below `alert_below`; a critical need open longer than `critical_within_minutes` is told to
them once per need (ledger day "need:<id>"). A run's ledger row and its outbox rows are
written in one transaction, so a restart neither loses nor repeats one.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from bot import coverage
from bot.i18n import LANGUAGES, Translator, pick_language
from bot.text import esc
from storage.coverage import MAX_VISIT_EVERY
from storage.outbox import Buttons, NewMessage
from storage.rows import STATUSES
from storage.schedule import CriticalNeed, Run, Schedule, Target
from storage.store import Store
from storage.tasks import Contact

logger = logging.getLogger(__name__)

KINDS = ("prompt", "reminder", "escalate_rate", "digest")
MAIN_KINDS = ("prompt", "reminder", "digest")  # the "next one" of the catch-up rule
CARE_STATUSES = ("unwell", "quarantined")
ESCALATE_AFTER = timedelta(hours=2)  # after the reminder
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHECKIN_PREFIX = "ck"  # the check-in buttons' data, answered by handlers/checkin.py
CARE_NEED = "care:need"  # the care message's "report a need" button
MAX_MINUTES = 7 * 24 * 60

_CLOCK = re.compile(r"^(\d{1,2})[:：.](\d{2})$")
_DURATION = re.compile(r"^(?:(\d{1,4})\s*(?:h|hours?|小时))?\s*(?:(\d{1,5})\s*(?:m|min|mins|"
                       r"minutes?|分钟?)?)?$")
_DAY_NAMES = {"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu",
              "friday": "fri", "saturday": "sat", "sunday": "sun", "周一": "mon", "周二": "tue",
              "周三": "wed", "周四": "thu", "周五": "fri", "周六": "sat", "周日": "sun",
              "周天": "sun"}


class BadValue(ValueError):
    """A setting value that does not parse; `key` is the catalog text that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


# --- values -------------------------------------------------------------------------------

def parse_clock(text: str) -> time:
    """"07:30" (or "7.30", "7：30") as a time of day."""
    match = _CLOCK.match(text.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise BadValue("settings.bad_time")
    return time(int(match.group(1)), int(match.group(2)))


def parse_minutes(text: str) -> int:
    """"30m", "2h", "1h30m", "90" (minutes) as minutes, between 1 minute and 7 days."""
    match = _DURATION.match(text.strip().lower())
    if not match or not (match.group(1) or match.group(2)):
        raise BadValue("settings.bad_duration")
    minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if not 1 <= minutes <= MAX_MINUTES:
        raise BadValue("settings.bad_duration")
    return minutes


def parse_days(text: str) -> str:
    """"sat,sun" (or "sat sun", "周日") as the stored days-off list; "none" as ""."""
    words = [w for w in re.split(r"[,，\s]+", text.strip().lower()) if w]
    if words in (["none"], ["无"], ["-"]):
        return ""
    days = set()
    for word in words:
        day = _DAY_NAMES.get(word, word[:3] if word[:3] in DAYS else None)
        if day is None:
            raise BadValue("settings.bad_days")
        days.add(day)
    if not days:
        raise BadValue("settings.bad_days")
    return ",".join(d for d in DAYS if d in days)


def parse_value(column: str, text: str) -> str | int:
    """A /settings value for a column, checked; raises BadValue."""
    text = text.strip()
    if column in ("checkin_time", "reminder_time", "digest_time"):
        return parse_clock(text).strftime("%H:%M")
    if column == "timezone":
        if text not in _zones():
            raise BadValue("settings.bad_timezone")
        return text
    if column == "locale":
        if text.lower() not in LANGUAGES:
            raise BadValue("settings.bad_language")
        return text.lower()
    if column == "days_off":
        return parse_days(text)
    if column == "alert_below":
        raw = text.rstrip("%％").strip()
        if not (raw.isascii() and raw.isdigit()) or int(raw) > 100:
            raise BadValue("settings.bad_percent")
        return int(raw)
    if column in ("critical_within_minutes", "answer_within_minutes"):
        return parse_minutes(text)
    if column == "visit_every_days":
        raw = text.lower().removesuffix("d").removesuffix("天").strip()
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_VISIT_EVERY:
            raise BadValue("settings.bad_visit_days")
        return int(raw)
    raise BadValue("settings.unknown")


def format_minutes(minutes: int) -> str:
    """90 as "1h30m", 120 as "2h", 45 as "45m"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h{rest}m" if rest else f"{hours}h"


_zone_names: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _zone_names
    if _zone_names is None:
        _zone_names = frozenset(available_timezones())
    return _zone_names


# --- when ---------------------------------------------------------------------------------

def _at(day: date, clock: str, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, parse_clock(clock), tzinfo=zone)


def day_plan(schedule: Schedule, day: date) -> dict[str, datetime]:
    """The moments of the branch's runs on a local day (the escalation only if same day)."""
    zone = ZoneInfo(schedule.timezone)
    plan = {"prompt": _at(day, schedule.checkin_time, zone),
            "reminder": _at(day, schedule.reminder_time, zone),
            "digest": _at(day, schedule.digest_time, zone)}
    escalate = plan["reminder"] + ESCALATE_AFTER  # wall-clock time, like the job's
    if escalate.date() == day:
        plan["escalate_rate"] = escalate
    return plan


def clock_times(schedule: Schedule) -> list[tuple[str, time]]:
    """Each run's local time of day with the branch's zone, for the daily jobs."""
    zone = ZoneInfo(schedule.timezone)
    reminder = parse_clock(schedule.reminder_time)
    times = [("prompt", parse_clock(schedule.checkin_time)), ("reminder", reminder),
             ("digest", parse_clock(schedule.digest_time))]
    escalate = datetime.combine(date(2000, 1, 1), reminder) + ESCALATE_AFTER
    if escalate.date() == date(2000, 1, 1):
        times.append(("escalate_rate", escalate.time()))
    return [(kind, at.replace(tzinfo=zone)) for kind, at in times]


def is_day_off(schedule: Schedule, day: date) -> bool:
    """True if the branch takes `day` off (no prompt, reminder or rate escalation)."""
    return DAYS[day.weekday()] in schedule.days_off.split(",")


def due_kinds(schedule: Schedule, now: datetime) -> list[str]:
    """The kinds whose moment has come today and whose catch-up window is still open."""
    zone = ZoneInfo(schedule.timezone)
    day = now.astimezone(zone).date()
    plan = day_plan(schedule, day)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    active = not is_day_off(schedule, day) and plan["prompt"] > schedule.created_at
    due = []
    for kind in KINDS:
        at = plan.get(kind)
        if at is None or at > now or at <= schedule.created_at:
            continue
        until = min((plan[k] for k in MAIN_KINDS if plan[k] > at), default=end)
        if now >= until or (kind != "digest" and not active):
            continue
        due.append(kind)
    return due


# --- what ---------------------------------------------------------------------------------

def _speak(contact: Contact, translate: Translator, schedule: Schedule) -> str:
    return pick_language(contact.language, contact.telegram_language, schedule.locale)


def status_buttons(translate: Translator, language: str) -> Buttons:
    """The five status buttons, as the check-in keyboard lays them out."""
    buttons = [(translate(language, f"status.{s}"), f"{CHECKIN_PREFIX}:{s}") for s in STATUSES]
    return [buttons[:2], buttons[2:]]


def _latest(target: Target) -> str | None:
    return target.today or target.yesterday


def _member_message(translate: Translator, schedule: Schedule, target: Target, key: str,
                    day: date, care: bool = False, to_visit: int = 0) -> NewMessage:
    contact = target.contact
    language = _speak(contact, translate, schedule)
    buttons = status_buttons(translate, language)
    values: dict[str, Any] = {"name": esc(contact.name), "branch": esc(schedule.name),
                              "day": day.isoformat()}
    if care:
        buttons.append([(translate(language, "care.need_button"), CARE_NEED)])
        values["status"] = translate(language, f"status.{_latest(target)}")
    text = translate(language, key, **values)
    if to_visit:
        text += "\n" + translate(language, "rhythm.to_visit", n=to_visit)
    return NewMessage(contact.member_id, contact.member_id, text, buttons)


def prompt_messages(translate: Translator, schedule: Schedule, targets: Sequence[Target],
                    day: date, to_visit: Mapping[int, int] | None = None) -> list[NewMessage]:
    """The morning prompt, or the care message for the unwell and quarantined. A member who
    holds households is told how many are to be visited today (`to_visit`)."""
    out = []
    for target in targets:
        if not target.reachable:
            continue
        if _latest(target) in CARE_STATUSES:
            out.append(_member_message(translate, schedule, target, "care.message", day,
                                       care=True))
        elif target.today is None:
            out.append(_member_message(
                translate, schedule, target, "rhythm.prompt", day,
                to_visit=(to_visit or {}).get(target.contact.member_id, 0)))
    return out


def reminder_messages(translate: Translator, schedule: Schedule, targets: Sequence[Target],
                      day: date) -> list[NewMessage]:
    """The reminder, to the silent (those cared for this morning are not nagged)."""
    return [_member_message(translate, schedule, t, "rhythm.reminder", day) for t in targets
            if t.reachable and t.today is None and t.yesterday not in CARE_STATUSES]


def rate_percent(targets: Sequence[Target]) -> int | None:
    """The share of members checked in today, in whole percent (None: no members)."""
    if not targets:
        return None
    return round(100 * sum(t.today is not None for t in targets) / len(targets))


def _to_all(contacts: Sequence[Contact], translate: Translator, schedule: Schedule,
            text: Callable[[str], str]) -> list[NewMessage]:
    return [NewMessage(c.member_id, c.member_id, text(_speak(c, translate, schedule)))
            for c in contacts]


async def _rate_escalation(store: Store, translate: Translator, schedule: Schedule,
                           targets: Sequence[Target], at: datetime) -> list[NewMessage]:
    rate = rate_percent(targets)
    if schedule.parent_id is None or rate is None or rate >= schedule.alert_below:
        return []
    checked = sum(t.today is not None for t in targets)
    local = at.astimezone(ZoneInfo(schedule.timezone)).strftime("%H:%M")
    missing = [esc(t.contact.name) for t in targets if t.today is None]
    shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
    return _to_all(await store.secretaries_of(schedule.parent_id), translate, schedule,
                   lambda lang: translate(lang, "rhythm.escalate_rate", branch=esc(schedule.name),
                                          id=schedule.branch_id, checked=checked,
                                          total=len(targets), rate=rate, time=local,
                                          alert=schedule.alert_below, missing=shown))


def _valid_zone(schedule: Schedule) -> bool:
    if schedule.timezone in _zones():
        return True
    logger.error("branch %s has an unknown timezone; its rhythm is skipped", schedule.branch_id)
    return False


def _digest_module() -> ModuleType | None:
    try:
        return importlib.import_module("bot.digest")
    except ModuleNotFoundError:
        return None


async def _digest(store: Store, translate: Translator, schedule: Schedule, day: date,
                  now: datetime) -> list[NewMessage] | None:
    """The digest's messages; None if it could not be made (it is tried again later)."""
    module = _digest_module()
    make = getattr(module, "digest_messages", None)
    if make is None:
        logger.warning("bot.digest.digest_messages is missing: no digest for branch %s",
                       schedule.branch_id)
        return []
    try:
        return list(await make(store, translate, schedule.branch_id, day, now))
    except Exception:
        logger.exception("the digest of branch %s failed", schedule.branch_id)
        return None


async def _run(store: Store, translate: Translator, schedule: Schedule, kind: str, day: date,
               now: datetime) -> list[NewMessage] | None:
    if kind == "digest":
        return await _digest(store, translate, schedule, day, now)
    targets = await store.branch_targets(schedule.branch_id, day, day - timedelta(days=1))
    if kind == "prompt":
        to_visit = await coverage.to_visit(store, schedule.branch_id, day, schedule.timezone)
        return prompt_messages(translate, schedule, targets, day, to_visit)
    if kind == "reminder":
        return reminder_messages(translate, schedule, targets, day)
    return await _rate_escalation(store, translate, schedule, targets, now)


def _need_text(translate: Translator, language: str, need: CriticalNeed, branch: str,
               waited: timedelta) -> str:
    category_key = f"need.cat_{need.category}"
    category = (translate(language, category_key) if translate.has(category_key)
                else esc(need.category))
    return translate(language, "rhythm.escalate_need", id=need.id, branch=esc(branch),
                     category=category, details=esc(need.details[:200]),
                     reporter=esc(need.reporter),
                     waited=format_minutes(int(waited.total_seconds() // 60)))


async def _need_escalations(store: Store, translate: Translator,
                            schedules: dict[int, Schedule], now: datetime) -> list[Run]:
    runs = []
    for need in await store.critical_needs_not_escalated():
        schedule = schedules.get(need.branch_id)
        if schedule is None:
            continue
        waited = now - need.created_at
        if waited < timedelta(minutes=schedule.critical_within_minutes):
            continue
        secretaries = (await store.secretaries_of(schedule.parent_id)
                       if schedule.parent_id is not None else [])
        messages = [NewMessage(c.member_id, c.member_id, _need_text(
            translate, _speak(c, translate, schedule), need, schedule.name, waited))
            for c in secretaries]
        runs.append(Run(need.branch_id, "escalate_need", f"need:{need.id}", messages))
    return runs


async def run_due(store: Store, translate: Translator, now: datetime) -> int:
    """Queue every scheduled run due at `now` and not yet in the ledger; returns messages queued.

    See the module's docstring for the rules.
    """
    schedules = [s for s in await store.schedules() if _valid_zone(s)]
    if not schedules:
        return 0
    days = {s.branch_id: now.astimezone(ZoneInfo(s.timezone)).date() for s in schedules}
    done = await store.runs_since(min(days.values()))
    runs: list[Run] = []
    for schedule in schedules:
        day = days[schedule.branch_id]
        for kind in due_kinds(schedule, now):
            if (schedule.branch_id, kind, day.isoformat()) in done:
                continue
            messages = await _run(store, translate, schedule, kind, day, now)
            if messages is not None:
                runs.append(Run(schedule.branch_id, kind, day.isoformat(), messages))
    runs += await _need_escalations(store, translate, {s.branch_id: s for s in schedules}, now)
    if not runs:
        return 0
    return await store.record_runs(runs, at=now)
