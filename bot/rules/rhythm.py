"""The daily rhythm: prompts, reminders, care messages, digests and escalations, each once.

Timers only wake; the ledger decides. `run_due` is the one function the scheduler's tick
(`bot.runtime.scheduler`: one JobQueue job a minute, and start-up), the demo and tests call with a
"now". For each branch, in its own timezone, a day holds
four runs at local clock times: the prompt (checkin_time), the reminder (reminder_time),
the rate escalation (reminder_time + 2h) and the digest (digest_time). Each local day gets
its prompt, reminder and digest once, in that order (`due_runs` has the rules):

- /settings keeps the times in order (prompt < reminder < digest, reminder + 2h before
  midnight: `check_order`); should times out of order reach the scheduler anyway (the
  config's defaults), it still never reminds before that day's prompt went out;
- a run is done when its time has come, while the day's next run has not (after downtime
  the prompt is sent late, until the digest's time, rather than a reminder to people never
  asked; the reminder then keeps its spacing after the prompt);
- a clock time the clocks skip (a DST gap) happens when they jump, one they show twice
  (the fall-back night) the first time (`moment`);
- it is not in the `schedule_runs` ledger for (branch, kind, local day), as the branch's
  timezone now reckons that day (`counted`: a timezone changed in the middle of a day);
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
written in one transaction, so a restart neither loses nor repeats one; the prompt and the
reminder of a big branch are written `PIECE` members at a time, each piece with the ledger
row's progress (`upto`) in one transaction, so that the writer's lock is held a few
milliseconds at a time, memory stays flat, and a run stopped half-way is resumed after the
last member queued.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import is_timezone, suggest_timezone
from bot.i18n import LANGUAGES, Translator, pick_language
from bot.rules import coverage
from bot.rules.digest import digest_messages
from bot.rules.vocab import CARE
from bot.text import esc
from storage.coverage import MAX_VISIT_EVERY
from storage.needs import CriticalNeed
from storage.rows import STATUSES, Buttons, NewMessage, Recipient
from storage.runs import Piece, Recorded, Run
from storage.schedule import Schedule, Target
from storage.store import Store

logger = logging.getLogger(__name__)

KINDS = ("prompt", "reminder", "escalate_rate", "digest")
MAIN_KINDS = ("prompt", "reminder", "digest")  # the "next one" of the catch-up rule
ESCALATE_AFTER = timedelta(hours=2)  # after the reminder
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHECKIN_PREFIX = "ck"  # the check-in buttons' data, answered by handlers/checkin.py
CARE_NEED = "care:need"  # the care message's "report a need" button
MAX_MINUTES = 7 * 24 * 60
PIECE = 500  # members of a branch per piece of a prompt or reminder (one transaction each)
PIECED_KINDS = ("prompt", "reminder")
MISSING_SHOWN = 10  # names of members not checked in shown in a rate escalation

_CLOCK = re.compile(r"^(\d{1,2})[:：.](\d{2})$")
_DURATION = re.compile(r"^(?:(\d{1,4})\s*(?:h|hours?|小时))?\s*(?:(\d{1,5})\s*(?:m|min|mins|"
                       r"minutes?|分钟?)?)?$")
_DAY_NAMES = {"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu",
              "friday": "fri", "saturday": "sat", "sunday": "sun", "周一": "mon", "周二": "tue",
              "周三": "wed", "周四": "thu", "周五": "fri", "周六": "sat", "周日": "sun",
              "周天": "sun"}


class BadValue(ValueError):
    """A setting value that does not parse; `key` is the catalog text that says why, with
    `values` for its placeholders (besides the value itself)."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


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
        if is_timezone(text):
            return text
        meant = suggest_timezone(text)
        if meant is not None and not text.lower().startswith(("posix/", "right/")):
            return meant  # only the case differs: "europe/berlin"
        if meant is not None:
            raise BadValue("settings.bad_timezone_meant", meant=meant)
        raise BadValue("settings.bad_timezone")
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


TIME_COLUMNS = ("checkin_time", "reminder_time", "digest_time")


@dataclass(frozen=True, slots=True)
class OrderProblem:
    """Why a branch's clock times would be out of order: `key` is the catalog text, the
    times are the branch's effective ones (after the change asked for)."""

    key: str
    branch_id: int
    branch: str
    checkin: str
    reminder: str
    digest: str


def order_problem(checkin: str, reminder: str, digest: str) -> str | None:
    """The catalog key saying why a day's times make no sense, or None: the prompt comes
    before the reminder, both before the digest, and the rate escalation (the reminder's
    time + 2h) on the same day."""
    prompt_at, reminder_at, digest_at = _minutes(checkin), _minutes(reminder), _minutes(digest)
    if reminder_at <= prompt_at:
        return "settings.order_prompt"
    if digest_at <= reminder_at:
        return "settings.order_digest"
    if reminder_at + ESCALATE_AFTER.total_seconds() // 60 >= 24 * 60:
        return "settings.order_escalate"
    return None


async def check_order(store: Store, branch_id: int, column: str,
                      value: str | int | None) -> OrderProblem | None:
    """Would setting `column` of the branch to `value` (None: inherit) put the clock times of
    the branch, or of a sub-branch that inherits them, out of order? The first such branch
    (the branch itself first); branches whose times the change leaves alone are not judged."""
    if column not in TIME_COLUMNS:
        return None
    tree = await store.schedules.own_times(branch_id)
    if not tree:
        return None
    top = tree[0]
    if top.parent_id is None:
        above = {c: str(getattr(store.defaults, c)) for c in TIME_COLUMNS}
    else:
        above = {s.column: str(s.effective) for s in await store.schedules.settings(top.parent_id)
                 if s.column in TIME_COLUMNS}
    before: dict[int, dict[str, str]] = {}
    after: dict[int, dict[str, str]] = {}
    for node in tree:
        own = {c: getattr(node, c) for c in TIME_COLUMNS}
        changed = dict(own, **{column: value}) if node.branch_id == branch_id else own
        old_up = before.get(node.parent_id or 0, above) if node.branch_id != branch_id else above
        new_up = after.get(node.parent_id or 0, above) if node.branch_id != branch_id else above
        before[node.branch_id] = {c: own[c] or old_up[c] for c in TIME_COLUMNS}
        after[node.branch_id] = {c: str(changed[c] or new_up[c]) for c in TIME_COLUMNS}
        if after[node.branch_id] == before[node.branch_id]:
            continue
        times = after[node.branch_id]
        key = order_problem(times["checkin_time"], times["reminder_time"], times["digest_time"])
        if key is not None:
            return OrderProblem(key, node.branch_id, node.name, times["checkin_time"],
                                times["reminder_time"], times["digest_time"])
    return None


def format_minutes(minutes: int) -> str:
    """90 as "1h30m", 120 as "2h", 45 as "45m"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h{rest}m" if rest else f"{hours}h"


# --- when ---------------------------------------------------------------------------------

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


def _minutes(clock: str) -> int:
    parsed = parse_clock(clock)
    return parsed.hour * 60 + parsed.minute


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
    escalate = _minutes(reminder_time) + int(ESCALATE_AFTER.total_seconds() // 60)
    return DayPlan(
        day, moment(day, time(0), zone), moment(day + timedelta(days=1), time(0), zone),
        moment(day, prompt, zone), moment(day, reminder, zone),
        moment(day, parse_clock(digest), zone),
        moment(day, time(*divmod(escalate, 60)), zone) if escalate < 24 * 60 else None,
        timedelta(minutes=_minutes(reminder_time) - _minutes(checkin)))


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
    return done


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
        at = max(plan.reminder, prompted + plan.spacing)
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
    return due


# --- what ---------------------------------------------------------------------------------

def _speak(contact: Recipient, translate: Translator, schedule: Schedule) -> str:
    return pick_language(contact.language, contact.telegram_language, schedule.locale)


def status_buttons(translate: Translator, language: str) -> Buttons:
    """The five status buttons, as the check-in keyboard lays them out."""
    buttons = [(translate(language, f"status.{s}"), f"{CHECKIN_PREFIX}:{s}") for s in STATUSES]
    return [buttons[:2], buttons[2:]]


def _latest(target: Target) -> str | None:
    return target.today or target.yesterday


def _keyboard(translate: Translator, language: str, care: bool,
              keyboards: dict[tuple[str, bool], Buttons]) -> Buttons:
    """The status buttons (and the care message's "report a need"), made once per language
    for all the messages of a run: the outbox turns each distinct keyboard into JSON once."""
    found = keyboards.get((language, care))
    if found is None:
        found = status_buttons(translate, language)
        if care:
            found.append([(translate(language, "care.need_button"), CARE_NEED)])
        keyboards[(language, care)] = found
    return found


def _member_message(translate: Translator, schedule: Schedule, target: Target, key: str,
                    day: date, keyboards: dict[tuple[str, bool], Buttons], care: bool = False,
                    to_visit: int = 0) -> NewMessage:
    contact = target.contact
    language = _speak(contact, translate, schedule)
    values: dict[str, Any] = {"name": esc(contact.name), "branch": esc(schedule.name),
                              "day": day.isoformat()}
    if care:
        values["status"] = translate(language, f"status.{_latest(target)}")
    text = translate(language, key, **values)
    if to_visit:
        text += "\n" + translate(language, "rhythm.to_visit", n=to_visit)
    return NewMessage(contact.member_id, contact.member_id, text,
                      _keyboard(translate, language, care, keyboards))


def prompt_messages(translate: Translator, schedule: Schedule, targets: Sequence[Target],
                    day: date, to_visit: Mapping[int, int] | None = None, *,
                    late: bool = False) -> list[NewMessage]:
    """The morning prompt, or the care message for the unwell and quarantined. A member who
    holds households is told how many are to be visited today (`to_visit`). A prompt sent
    late (after downtime, past the reminder's time) does not say good morning."""
    out = []
    keyboards: dict[tuple[str, bool], Buttons] = {}
    for target in targets:
        if not target.reachable:
            continue
        if _latest(target) in CARE:
            out.append(_member_message(translate, schedule, target, "care.message", day,
                                       keyboards, care=True))
        elif target.today is None:
            out.append(_member_message(
                translate, schedule, target, "rhythm.prompt_late" if late else "rhythm.prompt",
                day, keyboards, to_visit=(to_visit or {}).get(target.contact.member_id, 0)))
    return out


def reminder_messages(translate: Translator, schedule: Schedule, targets: Sequence[Target],
                      day: date) -> list[NewMessage]:
    """The reminder, to the silent (those cared for this morning are not nagged)."""
    keyboards: dict[tuple[str, bool], Buttons] = {}
    return [_member_message(translate, schedule, t, "rhythm.reminder", day, keyboards)
            for t in targets
            if t.reachable and t.today is None and t.yesterday not in CARE]


def _to_all(contacts: Sequence[Recipient], translate: Translator, schedule: Schedule,
            text: Callable[[str], str]) -> list[NewMessage]:
    return [NewMessage(c.member_id, c.member_id, text(_speak(c, translate, schedule)))
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
    shown = ", ".join(missing[:MISSING_SHOWN]) + (" …" if len(missing) > MISSING_SHOWN else "")
    return _to_all(await store.people.secretaries_of(schedule.parent_id), translate, schedule,
                   lambda lang: translate(lang, "rhythm.escalate_rate", branch=esc(schedule.name),
                                          id=schedule.branch_id, checked=checked,
                                          total=total, rate=rate, time=local,
                                          alert=schedule.alert_below, missing=shown))


def _valid_zone(schedule: Schedule) -> bool:
    if is_timezone(schedule.timezone):
        return True
    logger.error("branch %s has an unknown timezone; its rhythm is skipped", schedule.branch_id)
    return False


async def _digest(store: Store, translate: Translator, schedule: Schedule, day: date,
                  now: datetime) -> list[NewMessage] | None:
    """The digest's messages; None if it could not be made (it is tried again later)."""
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
                     waited=format_minutes(int(waited.total_seconds() // 60)))


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
            translate, _speak(c, translate, schedule), need, schedule.name, waited))
            for c in secretaries]
        runs.append(Run(need.branch_id, "escalate_need", f"need:{need.id}", messages))
    return runs


async def run_due(store: Store, translate: Translator, now: datetime, *, piece: int = PIECE,
                  queued: Callable[[], None] | None = None) -> int:
    """Queue every scheduled run due at `now` and not yet in the ledger; returns messages queued.

    See the module's docstring and `due_runs` for the rules. Branch by branch, each run is
    written as soon as it is made (the prompt and the reminder `piece` members at a time), so
    that the writer's lock is held briefly and memory stays flat whatever the size of the
    organization; `queued` is called after each write that queued messages (to wake the
    outbox, which then sends while the rest is being made).
    """
    schedules = [s for s in await store.schedules.all() if _valid_zone(s)]
    if not schedules:
        return 0
    days = {s.branch_id: now.astimezone(ZoneInfo(s.timezone)).date() for s in schedules}
    today = {branch: day.isoformat() for branch, day in days.items()}
    recorded: dict[int, dict[str, datetime]] = {}
    under_way: dict[tuple[int, str], Recorded] = {}
    ahead: set[int] = set()  # branches whose ledger holds a later day: see `due_runs`
    for (branch, kind, on), row in (await store.runs.since(min(days.values()))).items():
        if today.get(branch) == on:
            if row.upto is None:
                recorded.setdefault(branch, {})[kind] = row.at
            else:
                under_way[(branch, kind)] = row
        elif branch in today and on > today[branch]:
            ahead.add(branch)
    total = 0
    for schedule in schedules:
        branch = schedule.branch_id
        if branch in ahead:
            continue
        for kind, stale_before in due_runs(schedule, now, recorded.get(branch, {})):
            if kind in PIECED_KINDS:
                total += await _run_in_pieces(store, translate, schedule, kind, days[branch],
                                              now, stale_before, under_way.get((branch, kind)),
                                              piece, queued)
                continue
            messages = await _run(store, translate, schedule, kind, days[branch], now)
            if messages is None:
                continue
            written = await store.runs.record(
                [Run(branch, kind, today[branch], messages, stale_before)], at=now)
            if written and queued is not None:
                queued()
            total += written
    runs = await _need_escalations(store, translate, {s.branch_id: s for s in schedules}, now)
    if runs:
        written = await store.runs.record(runs, at=now)
        if written and queued is not None:
            queued()
        total += written
    return total
