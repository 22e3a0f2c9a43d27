"""The values of a branch's /settings: clock times, durations, days off, and the order the day's
times must keep (prompt, reminder, digest; the rate escalation 2 h after the reminder, before
midnight). Raises `BadValue` with the catalog key that says why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta

from bot.clock import is_timezone, suggest_timezone
from bot.i18n import LANGUAGES
from bot.rules import when
from storage.coverage import MAX_VISIT_EVERY
from storage.store import Store

ESCALATE_AFTER = timedelta(hours=2)  # after the reminder
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_MINUTES = 7 * 24 * 60

_DAY_NAMES = {"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu",
              "friday": "fri", "saturday": "sat", "sunday": "sun", "周一": "mon", "周二": "tue",
              "周三": "wed", "周四": "thu", "周五": "fri", "周六": "sat", "周日": "sun",
              "周天": "sun", "星期一": "mon", "星期二": "tue", "星期三": "wed", "星期四": "thu",
              "星期五": "fri", "星期六": "sat", "星期日": "sun", "星期天": "sun"}


class BadValue(ValueError):
    """A setting value that does not parse; `key` is the catalog text that says why, with
    `values` for its placeholders (besides the value itself)."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def parse_clock(text: str) -> time:
    """"07:30" (or "7.30", "7：30") as a time of day (`bot.rules.when`)."""
    try:
        return when.parse_clock(text)
    except ValueError:
        raise BadValue("settings.bad_time") from None


def parse_minutes(text: str) -> int:
    """"30m", "2h", "1h30m", "90" (minutes) as minutes (`bot.rules.when`), between 1 minute
    and 7 days."""
    try:
        minutes = when.parse_duration(text, bare="m").total_minutes
    except ValueError:
        raise BadValue("settings.bad_duration") from None
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


def parse_weekday(text: str) -> str:
    """One day of the week ("fri", "Friday", "thurs", "周五", "星期五") as stored ("fri")."""
    word = text.strip().lower()
    if word in DAYS:
        return word
    if word in _DAY_NAMES:
        return _DAY_NAMES[word]
    if len(word) >= 3:  # "thurs", "tues"
        for name, day in _DAY_NAMES.items():
            if name.isascii() and name.startswith(word):
                return day
    raise BadValue("settings.bad_weekday")


def parse_value(column: str, text: str) -> str | int:
    """A /settings value for a column, checked; raises BadValue."""
    text = text.strip()
    if column in ("checkin_time", "reminder_time", "digest_time", "weekly_time"):
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
    if column == "weekly_day":
        return parse_weekday(text)
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
    prompt_at, reminder_at = minutes_of(checkin), minutes_of(reminder)
    digest_at = minutes_of(digest)
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


def minutes_of(clock: str) -> int:
    """"07:30" as 450, minutes after midnight."""
    parsed = parse_clock(clock)
    return parsed.hour * 60 + parsed.minute

