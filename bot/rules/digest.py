"""The daily digest: a branch's rollup over its whole subtree, worst sub-branch first.

One day, one clock: the digest looks at the check-ins of the given local day in every
branch of the subtree (a subtree spanning timezones is read with the day of the digest's
branch, a simplification: the digest is sent at that branch's evening), and counts needs,
tasks and broadcasts in that day's instants in the digest's branch's timezone. "Still
open" and "overdue" are judged at the end of that day, or now if the day is not over, so
a past day's digest shows the state of that evening.

Everything is counted in SQL (`storage.digest`); this module picks what to show, cuts long
lists so that the whole digest fits in one Telegram message, and names the buttons:
`dg:<branch>:<YYYYMMDD>` for a sub-branch's digest, `dg:<branch>:<YYYYMMDD>:unwell|silent`
for a full list of names.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FIRST_DAY, OutOfRange, check_day, local_day
from bot.i18n import Translate, pick_language
from bot.rules import digest_coverage
from bot.rules.digest_coverage import DigestCoverage
from bot.rules.vocab import CARE
from bot.text import TEXT_LIMIT, cut, esc, utf16_len
from storage.rows import (
    Branch,
    Buttons,
    DigestCounts,
    DigestDecline,
    DigestNeed,
    DigestPerson,
    NewMessage,
)
from storage.store import Store

SHOW_NAMES = 12  # names per list before "and N more" (fewer if the message would not fit)
SHOW_NEEDS = 5
SHOW_DECLINES = 5
SHOW_BRANCHES = 20  # sub-branch lines and buttons
NAME_MAX = 32  # characters of a person's or branch's name
DETAILS_MAX = 48  # characters of a need's details or a decline reason
LISTS = ("unwell", "silent")  # the full lists behind buttons ('unwell' covers both of CARE)

PREFIX = "dg"
PATTERN = rf"^{PREFIX}:"
_DATA = re.compile(rf"^{PREFIX}:(\d{{1,12}}):(\d{{8}})(?::(unwell|silent))?$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
YESTERDAY = ("yesterday", "昨天")
TODAY = ("today", "今天")


@dataclass(frozen=True)
class Digest:
    """What a digest shows, as counted."""

    branch: Branch
    day: date
    total: DigestCounts  # the whole subtree
    children: list[DigestCounts]  # one per direct sub-branch (its subtree), worst first
    people: list[DigestPerson]  # up to `shown` of each kind
    shown: int
    needs: list[DigestNeed]
    declines: list[DigestDecline]
    broadcasts: int
    recipients: int
    acks: int
    coverage: DigestCoverage | None = None  # None: no households in the subtree


def rate(part: int, whole: int) -> int:
    """A percentage, rounded."""
    return round(100 * part / whole) if whole else 0


def problems(counts: DigestCounts) -> int:
    """How much is wrong in a part of the subtree, to order equal rates."""
    return counts.unwell + counts.quarantined + counts.needs_open_critical + counts.overdue


def worst_first(children: list[DigestCounts]) -> list[DigestCounts]:
    """Sub-branches by check-in rate, lowest first; more problems first; empty ones last."""
    return sorted(children, key=lambda c: (c.members == 0,
                                           c.checked / c.members if c.members else 0.0,
                                           -problems(c), c.name, c.branch_id))


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The instants [start, end) of a local day."""
    zone = ZoneInfo(timezone)
    return (datetime.combine(day, time(0), zone),
            datetime.combine(day + timedelta(days=1), time(0), zone))


def parse_day(text: str, today: date) -> date:
    """`YYYY-MM-DD`, `yesterday`/`昨天` or `today`/`今天`.

    Raises:
        OutOfRange: a date before 2000-01-01 (`FIRST_DAY`) or after today.
        ValueError: anything else that is not one of these (2026-02-30 included).
    """
    word = text.strip().lower()
    if word in TODAY:
        return today
    if word in YESTERDAY:
        return today - timedelta(days=1)
    match = _DAY.match(word)
    if not match:
        raise ValueError(text)
    year, month, dom = (int(g) for g in match.groups())
    if year < FIRST_DAY.year:  # also year 0, which `date` cannot hold
        raise OutOfRange(text, FIRST_DAY, today)
    return check_day(date(year, month, dom), today, text)


def in_range(day: date, today: date) -> bool:
    """True if a digest may be asked for `day` (a button's day is checked as a typed one)."""
    return FIRST_DAY <= day <= today


def looks_like_day(text: str) -> bool:
    """True if the argument is meant as a day rather than a branch id."""
    word = text.strip().lower()
    return word in TODAY or word in YESTERDAY or "-" in word


def button(branch_id: int, day: date, kind: str | None = None) -> str:
    """The callback data of a drill-down (sub-branch digest) or full-list button."""
    data = f"{PREFIX}:{branch_id}:{day:%Y%m%d}"
    return f"{data}:{kind}" if kind else data


def parse_button(data: str) -> tuple[int, date, str | None] | None:
    """(branch id, day, list kind or None) of a digest button, or None."""
    match = _DATA.match(data)
    if not match:
        return None
    raw = match.group(2)
    try:
        day = date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        return None
    return int(match.group(1)), day, match.group(3)


def _sum(branch: Branch, parts: list[DigestCounts]) -> DigestCounts:
    numbers = {f.name: sum(getattr(p, f.name) for p in parts)
               for f in dataclasses.fields(DigestCounts) if f.name not in ("branch_id", "name")}
    return DigestCounts(branch.id, branch.name, **numbers)


def _window(branch: Branch, day: date, now: datetime) -> tuple[datetime, datetime, datetime,
                                                               datetime]:
    start, end = day_bounds(day, branch.timezone)
    # Silent for two days: a member who joined after the day before began had no chance.
    joined_before = day_bounds(day - timedelta(days=1), branch.timezone)[0]
    return start, end, min(now, end), joined_before


async def build(store: Store, branch: Branch, day: date, now: datetime, *,
                shown: int = SHOW_NAMES) -> Digest:
    """Count the digest of `branch`'s subtree for the local `day`."""
    start, end, as_of, joined_before = _window(branch, day, now)
    yesterday = day - timedelta(days=1)
    parts, people = await store.digest.rollup(
        branch.id, day, yesterday, start=start, end=end, as_of=as_of,
        joined_before=joined_before, names=shown)
    needs = await store.digest.open_needs(branch.id, as_of=as_of, limit=SHOW_NEEDS)
    declines = await store.digest.declines(branch.id, start=start, end=end,
                                           limit=SHOW_DECLINES)
    broadcasts, recipients, acks = await store.digest.acks(branch.id, start=start, end=end)
    children = worst_first([p for p in parts if p.branch_id != branch.id])
    return Digest(branch=branch, day=day, total=_sum(branch, parts), children=children,
                  people=people, shown=shown, needs=needs, declines=declines,
                  broadcasts=broadcasts, recipients=recipients, acks=acks,
                  coverage=await digest_coverage.gather(store, branch, day))


async def full_list(store: Store, branch: Branch, day: date, kind: str,
                    now: datetime) -> list[DigestPerson]:
    """Every member behind a list button: `unwell` (and quarantined) or `silent`."""
    _, _, _, joined_before = _window(branch, day, now)
    kinds = CARE if kind == "unwell" else ("silent",)
    return await store.digest.people(branch.id, day, day - timedelta(days=1),
                                     joined_before=joined_before, kinds=kinds, limit=None)


def person_label(t: Translate, language: str, person: DigestPerson) -> str:
    """A named member with their branch (and, if silent, their last check-in)."""
    name, branch = esc(cut(person.name, NAME_MAX)), esc(cut(person.branch_name, NAME_MAX))
    if person.kind != "silent":
        return t(language, "digest.person", name=name, branch=branch)
    last = (person.last_day.strftime("%m-%d") if person.last_day
            else t(language, "digest.never"))
    return t(language, "digest.person_silent", name=name, branch=branch, last=last)


def _names(t: Translate, language: str, people: list[DigestPerson], total: int,
           shown: int) -> str:
    listed = people[:shown]
    text = t(language, "digest.separator").join(person_label(t, language, p) for p in listed)
    if total > len(listed):
        more = t(language, "digest.more", n=total - len(listed))
        text = f"{text} {more}" if text else more
    return text


def _age(t: Translate, language: str, created_at: str, as_of: datetime) -> str:
    minutes = max(0, int((as_of - datetime.fromisoformat(created_at)).total_seconds() // 60))
    if minutes < 60:
        return t(language, "need.age_minutes", n=minutes)
    if minutes < 48 * 60:
        return t(language, "need.age_hours", n=minutes // 60)
    return t(language, "need.age_days", n=minutes // 1440)


def _lines(t: Translate, language: str, d: Digest, now: datetime, *, private: bool,
           names: int, branches: int) -> tuple[list[str], Buttons]:
    c, lang = d.total, language
    lines = [t(lang, "digest.header", branch=esc(cut(d.branch.name, 64)),
               day=d.day.isoformat())]
    buttons: Buttons = []
    if c.members == 0:
        lines.append(t(lang, "digest.no_members"))
    else:
        delta = c.checked - c.checked_before
        lines.append(t(lang, "digest.checked", checked=c.checked, members=c.members,
                       rate=rate(c.checked, c.members),
                       delta=f"+{delta}" if delta > 0 else ("±0" if delta == 0 else f"−{-delta}"),
                       before=c.checked_before, before_rate=rate(c.checked_before, c.members)))
        statuses = [(s, getattr(c, s)) for s in ("on_duty", "available", "unwell",
                                                 "quarantined", "off")]
        parts = [f"{t(lang, f'status.{s}')} {n}" for s, n in statuses if n]
        missing = c.members - c.checked
        if missing:
            parts.append(f"{t(lang, 'status.none')} {missing}")
        lines.append(" · ".join(parts))
    if private:
        for kind in CARE:
            total = getattr(c, kind)
            if total:
                people = [p for p in d.people if p.kind == kind]
                lines.append(t(lang, f"digest.{kind}", n=total,
                               names=_names(t, lang, people, total, names)))
    if c.silent:
        people = [p for p in d.people if p.kind == "silent"]
        lines.append(t(lang, "digest.silent", n=c.silent,
                       names=_names(t, lang, people, c.silent, names)))
    if c.needs_opened or c.needs_resolved or c.needs_open:
        lines.append(t(lang, "digest.needs", opened=c.needs_opened, resolved=c.needs_resolved,
                       open=c.needs_open, critical=c.needs_open_critical,
                       stale=c.needs_stale))
        as_of = min(now, day_bounds(d.day, d.branch.timezone)[1])
        for need in d.needs:
            lines.append(t(lang, "digest.need_line", id=need.id,
                           urgency=t(lang, f"need.urg_{need.urgency}"),
                           category=t(lang, f"need.cat_{need.category}"),
                           branch=esc(cut(need.branch_name, NAME_MAX)),
                           age=_age(t, lang, need.created_at, as_of),
                           details=esc(cut(need.details, DETAILS_MAX))))
        if c.needs_open > len(d.needs):
            lines.append("  " + t(lang, "digest.more_items", n=c.needs_open - len(d.needs)))
    if c.assigned or c.accepted or c.declined or c.done or c.overdue:
        lines.append(t(lang, "digest.tasks", assigned=c.assigned, accepted=c.accepted,
                       declined=c.declined, done=c.done, overdue=c.overdue))
        for decline in d.declines:
            reason = (esc(cut(decline.reason, DETAILS_MAX)) if decline.reason
                      else t(lang, "digest.no_reason"))
            lines.append(t(lang, "digest.decline_line", name=esc(cut(decline.name, NAME_MAX)),
                           task=esc(cut(decline.title, DETAILS_MAX)), id=decline.task_id,
                           reason=reason))
        if c.declined > len(d.declines):
            lines.append("  " + t(lang, "digest.more_items", n=c.declined - len(d.declines)))
    handover: Buttons = []
    if d.coverage is not None:
        section, handover = digest_coverage.lines(t, lang, d.coverage, private=private,
                                                  branches=branches, names=names)
        lines.extend(section)
    if d.broadcasts:
        lines.append(t(lang, "digest.acks", acks=d.acks, recipients=d.recipients,
                       rate=rate(d.acks, d.recipients), broadcasts=d.broadcasts))
    if d.children:
        lines.append(t(lang, "digest.children_header", n=len(d.children)))
        for child in d.children[:branches]:
            issues = [t(lang, key, n=n) for key, n in (
                ("digest.problem_unwell", child.unwell + child.quarantined),
                ("digest.problem_critical", child.needs_open_critical),
                ("digest.problem_overdue", child.overdue)) if n]
            lines.append(t(lang, "digest.child_line", branch=esc(cut(child.name, NAME_MAX)),
                           checked=child.checked, members=child.members,
                           rate=rate(child.checked, child.members),
                           problems=(" · " + " · ".join(issues)) if issues else ""))
        if len(d.children) > branches:
            lines.append("  " + t(lang, "digest.more_branches", n=len(d.children) - branches))
    if private:
        row = []
        care = c.unwell + c.quarantined
        if care > min(names, d.shown):
            row.append((t(lang, "digest.button_unwell", n=care),
                        button(d.branch.id, d.day, "unwell")))
        if c.silent > min(names, d.shown):
            row.append((t(lang, "digest.button_silent", n=c.silent),
                        button(d.branch.id, d.day, "silent")))
        if row:
            buttons.append(row)
        drill = [(t(lang, "digest.button_branch", branch=cut(child.name, 24)),
                  button(child.branch_id, d.day)) for child in d.children[:branches]]
        buttons.extend(drill[i:i + 2] for i in range(0, len(drill), 2))
        buttons.extend(handover)
    return lines, buttons


def render(t: Translate, language: str, digest: Digest, now: datetime, *,
           private: bool = True) -> tuple[str, Buttons]:
    """The digest as one HTML message (≤ 4096 UTF-16 units) and its buttons.

    `private` is for a secretary's chat: names of the unwell and quarantined and the
    buttons are left out of a group's copy (health is not the whole group's business).
    Long lists are cut shorter and shorter until the message fits.
    """
    lines: list[str] = []
    buttons: Buttons = []
    for names, branches in ((SHOW_NAMES, SHOW_BRANCHES), (6, 12), (3, 8), (1, 5), (0, 3)):
        lines, buttons = _lines(t, language, digest, now, private=private,
                                names=min(names, digest.shown), branches=branches)
        text = "\n".join(lines)
        if utf16_len(text) <= TEXT_LIMIT:
            return text, buttons
    cut: list[str] = []
    size = 0
    for line in lines:  # last resort; cannot happen with the caps above
        size += utf16_len(line) + 1
        if size > TEXT_LIMIT - 2:
            cut.append("…")
            break
        cut.append(line)
    return "\n".join(cut), buttons


def render_list(t: Translate, language: str, branch: Branch, day: date, kind: str,
                people: list[DigestPerson]) -> list[str]:
    """A full list behind a digest button, as lines (the handler splits long ones)."""
    lines = [t(language, f"digest.list_{kind}", branch=esc(cut(branch.name, 64)),
               day=day.isoformat(), n=len(people))]
    for person in people:
        label = person_label(t, language, person)
        if kind == "unwell":
            label = f"{t(language, f'status.{person.kind}')} · {label}"
        lines.append(f"• {label}")
    if not people:
        lines.append(t(language, "digest.list_empty"))
    return lines


async def digest_messages(store: Store, translate: Translate, branch_id: int, day: date,
                          now: datetime) -> list[NewMessage]:
    """The digest of `branch_id` for `day`: to each secretary of the branch, and its group.

    Each secretary gets it in their language (the branch's locale if unknown), with the
    names of the unwell and the buttons; the linked group, if any, gets it in the branch's
    locale without them.
    """
    branch = await store.branches.get(branch_id)
    if branch is None:
        return []
    digest = await build(store, branch, day, now)
    rendered: dict[str, tuple[str, Buttons]] = {}
    messages = []
    for secretary in await store.people.branch_secretaries(branch_id):
        language = pick_language(secretary.language, secretary.telegram_language,
                                 branch.locale)
        if language not in rendered:
            rendered[language] = render(translate, language, digest, now)
        text, buttons = rendered[language]
        messages.append(NewMessage(secretary.member_id, secretary.member_id, text,
                                   buttons or None))
    if branch.group_chat_id is not None:
        text, _ = render(translate, branch.locale, digest, now, private=False)
        messages.append(NewMessage(branch.group_chat_id, None, text))
    return messages


def today_of(branch: Branch, now: datetime) -> date:
    """The branch's local day at `now`."""
    return local_day(now, branch.timezone)
