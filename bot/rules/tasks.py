"""Tasks: due-time parsing, the assignment draft, and the state changes with their messages.

A task belongs to a branch; each assignee's part goes pending -> accepted / declined -> done.
A task closes when every part not declined is done (and at least one is), or when a
secretary marks it done. A task that serves a need moves the need along with it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import OutOfRange
from bot.i18n import Translator, pick_language
from bot.rules import needs, when
from bot.rules.callbacks import Task
from bot.text import cut, esc
from storage.rows import Buttons, NewMessage, Recipient
from storage.store import Store
from storage.tasks import TaskRow

logger = logging.getLogger(__name__)

TITLE_MAX = 100
DETAILS_MAX = 1000
REASON_MAX = 300
NOTE_MAX = 500
ID_PLACEHOLDER = "\x00TASK\x00"
MAX_AHEAD = timedelta(days=366)

_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TODAY = ("today", "今天", "今日")
_TOMORROW = ("tomorrow", "明天", "明日")
_AFTER_TOMORROW = ("后天",)


def button(task_id: int | str, action: str) -> str:
    """The callback data of a task button (`task_id` may be `ID_PLACEHOLDER`)."""
    if isinstance(task_id, str):
        return Task.later(task_id, action=action)
    return Task(task_id, action).pack()


def _relative(words: str) -> when.Duration | None:
    try:
        return when.parse_duration(words)
    except ValueError:
        return None


def _is_clock(word: str) -> bool:
    try:
        when.parse_clock(word)
    except ValueError:
        return False
    return True


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """A local wall time as an instant; a time skipped by DST lands as the clocks moved."""
    local = datetime.combine(day, clock, tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC")).astimezone(zone)


def parse_due(text: str, now: datetime, timezone: str) -> datetime | None:
    """When a task is due, from what a secretary typed, in the branch's timezone.

    Accepts `18:00` (today, or tomorrow if that has passed), `tomorrow 9:00` / `明天 9:00`
    (also `today`, `今天`, `后天`), `2h`, `30m`, `3d` (3 days later, same local time),
    `2小时`, `2026-12-01 18:00`; `skip`, `-` or `跳过` mean no due time (None).

    Raises:
        OutOfRange: a due time in the past or more than a year (`MAX_AHEAD`) ahead, with
            today and the last possible day.
        ValueError: the text is none of these, or names an impossible time.
    """
    zone = ZoneInfo(timezone)
    words = " ".join(text.strip().lower().split())
    if words in ("", "skip", "-", "none", "跳过", "无"):
        return None
    local_now = now.astimezone(zone)
    due: datetime
    relative = _relative(words)
    if relative is not None:
        # Wall-clock days: `3d` at 18:00 is 18:00 three days on, across a DST change too.
        due = _at(local_now.date() + timedelta(days=relative.days), local_now.time(), zone)
        due = due.astimezone(UTC) + timedelta(minutes=relative.minutes)  # hours are exact
    else:
        parts = words.split(" ")
        if len(parts) == 1 and _is_clock(parts[0]):
            due = _at(local_now.date(), when.parse_clock(parts[0]), zone)
            if due <= now:
                due = _at(local_now.date() + timedelta(days=1), when.parse_clock(parts[0]), zone)
        elif len(parts) == 2:
            head, clock = parts[0], when.parse_clock(parts[1])
            if head in _TODAY:
                day = local_now.date()
            elif head in _TOMORROW:
                day = local_now.date() + timedelta(days=1)
            elif head in _AFTER_TOMORROW:
                day = local_now.date() + timedelta(days=2)
            elif match := _DATE.match(head):
                year, month, dom = (int(g) for g in match.groups())
                if not local_now.year - 1 <= year <= local_now.year + 1:  # year 0001 or 9999
                    raise _out_of_range(text, local_now, zone)
                day = date(year, month, dom)  # ValueError for 2026-02-30
            else:
                raise ValueError(text)
            due = _at(day, clock, zone)
        else:
            raise ValueError(text)
    if due <= now or due - now > MAX_AHEAD:
        raise _out_of_range(text, local_now, zone)
    return due.astimezone(ZoneInfo("UTC"))


def _out_of_range(text: str, local_now: datetime, zone: ZoneInfo) -> OutOfRange:
    """A due time in the past or more than `MAX_AHEAD` ahead (days as the branch reads them)."""
    last = (local_now + MAX_AHEAD).astimezone(zone).date()
    return OutOfRange(text, local_now.date(), last)


def format_due(due: datetime | None, timezone: str) -> str | None:
    """A due time as the branch reads it (`2026-03-02 18:00`), or None."""
    if due is None:
        return None
    return due.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def title_from_need(category: str, details: str, limit: int = 60, separator: str = ": ") -> str:
    """A task title for a need: its category, then (after `separator`, "：" in Chinese) the
    first words of its details."""
    words = " ".join(details.split())
    title = f"{category}{separator}{words}" if words else category
    if len(title) > limit:
        cut = title[:limit].rsplit(" ", 1)[0] if " " in title[:limit] else title[:limit]
        title = cut.rstrip() + "…"
    return title[:TITLE_MAX]


def complete(states: Sequence[str]) -> bool:
    """True when the parts make the task done: some done, and none still open."""
    return "done" in states and not any(s in ("pending", "accepted") for s in states)


@dataclass
class Draft:
    """An assignment being written in the /assign conversation."""

    branch_id: int
    branch_name: str
    timezone: str
    author: str
    need_id: int | None = None
    title: str | None = None
    details: str | None = None
    due_at: datetime | None = None
    team_id: int | None = None
    selected: list[int] = field(default_factory=list)
    marks: dict[int, str] = field(default_factory=dict)  # member -> today's worrying status
    names: dict[int, str] = field(default_factory=dict)
    page: int = 0
    search: str | None = None


def _answer_buttons(translate: Translator, language: str, task_id: int | str) -> Buttons:
    return [[(translate(language, "task.button_accept"), button(task_id, "acc")),
             (translate(language, "task.button_decline"), button(task_id, "dec"))]]


def done_buttons(translate: Translator, language: str, task_id: int | str) -> Buttons:
    """The Done button of an accepted part."""
    return [[(translate(language, "task.button_done"), button(task_id, "done"))]]


def card(translate: Translator, language: str, *, task_id: int | str, title: str,
         details: str | None, due: str | None, author: str, branch: str) -> str:
    """A task as an assignee sees it."""
    lines = [translate(language, "task.card", id=task_id, title=esc(title), author=esc(author),
                       branch=esc(branch))]
    if details:
        lines.append(esc(details))
    lines.append(translate(language, "task.due", due=due) if due
                 else translate(language, "task.no_due"))
    return "\n".join(lines)


def speak(contact: Recipient, translate: Translator) -> str:
    """The language to write to a contact in."""
    return pick_language(contact.language, contact.telegram_language, translate.default)


async def create(store: Store, translate: Translator, draft: Draft, *, by: int,
                 assignees: Sequence[int], now: datetime) -> int:
    """Write the task and its parts, queue each assignee's copy, move the need along."""
    assert draft.title is not None
    due = format_due(draft.due_at, draft.timezone)
    messages = []
    for contact in await store.people.contacts(list(assignees)):
        language = speak(contact, translate)
        text = card(translate, language, task_id=ID_PLACEHOLDER, title=draft.title,
                    details=draft.details, due=due, author=draft.author,
                    branch=draft.branch_name)
        messages.append(NewMessage(contact.member_id, contact.member_id, text,
                                   _answer_buttons(translate, language, ID_PLACEHOLDER)))
    task_id = await store.tasks.create(
        branch_id=draft.branch_id, created_by=by, title=draft.title, details=draft.details,
        due_at=draft.due_at, need_id=draft.need_id, team_id=draft.team_id, assignees=assignees,
        messages=messages, placeholder=ID_PLACEHOLDER, at=now)
    await store.audit.record(by, "assign", branch_id=draft.branch_id, allowed=True,
                             detail={"task": task_id, "assignees": len(assignees),
                              "need": draft.need_id}, at=now)
    if draft.need_id is not None:
        await _need_status(store, translate, draft.need_id, "assigned", note=draft.title, by=by,
                           now=now)
    return task_id


async def decline(store: Store, translate: Translator, task: TaskRow, member: Recipient,
                  reason: str, now: datetime) -> bool:
    """Record a decline and tell the assigning secretary at once; False if not pending."""
    messages = []
    for secretary in await store.people.contacts([task.created_by]):
        language = speak(secretary, translate)
        messages.append(NewMessage(secretary.member_id, secretary.member_id, translate(
            language, "task.declined_notice", id=task.id, title=esc(task.title),
            name=esc(member.name), reason=esc(reason))))
    return await store.tasks.answer_assignment(task.id, member.member_id, accept=False,
                                               reason=reason,
                                               at=now, messages=messages)


async def finish(store: Store, translate: Translator, task: TaskRow, member_id: int, *,
                 note: str | None, proof_file_id: str | None, now: datetime) -> tuple[bool, bool]:
    """Mark a part done; when that completes the task, resolve its need. (recorded, closed)."""
    recorded, closed = await store.tasks.finish_assignment(task.id, member_id, note=note,
                                                           proof_file_id=proof_file_id, at=now)
    if closed:
        await _tell(store, translate, [task.created_by], "task.complete_notice", now,
                    id=task.id, title=esc(task.title))
        await _closed(store, translate, task, note=note, by=member_id, now=now)
    return recorded, closed


async def close(store: Store, translate: Translator, task: TaskRow, status: str, *, by: int,
                now: datetime) -> bool:
    """A secretary marks the task done or cancels it; False if it was not open."""
    if not await store.tasks.close(task.id, status, by=by, at=now):
        return False
    await store.audit.record(by, f"task_{status}", branch_id=task.branch_id, allowed=True,
                             detail={"task": task.id}, at=now)
    if status == "done":
        await _closed(store, translate, task, note=None, by=by, now=now)
    else:
        still = [a.member_id for a in await store.tasks.assignments(task.id)
                 if a.state in ("pending", "accepted")]
        await _tell(store, translate, still, "task.cancelled_notice", now, id=task.id,
                    title=esc(task.title))
    return True


async def _tell(store: Store, translate: Translator, member_ids: Sequence[int], key: str,
                now: datetime, **values: object) -> None:
    """Queue one message to each member, in their language."""
    messages = [NewMessage(c.member_id, c.member_id, translate(speak(c, translate), key,
                                                               **values))
                for c in await store.people.contacts(list(member_ids))]
    if messages:
        await store.outbox.enqueue("task", messages, at=now)


async def _closed(store: Store, translate: Translator, task: TaskRow, *, note: str | None,
                  by: int, now: datetime) -> None:
    if task.need_id is None:
        return
    notes = [a.done_note for a in await store.tasks.assignments(task.id) if a.done_note]
    text = "; ".join(dict.fromkeys([*notes, *([note] if note else [])])) or task.title
    text = cut(text, NOTE_MAX)  # the notes of many assignees: a need's note is one of them
    await _need_status(store, translate, task.need_id, "resolved", note=text, by=by, now=now)


async def _need_status(store: Store, translate: Translator, need_id: int, status: str, *,
                       note: str, by: int, now: datetime) -> None:
    await needs.change_status(store, translate, need_id, status, note=note, by=by, now=now)
