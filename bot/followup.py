"""Task follow-up: reminders, escalations and overdue flags, each once, decided by the ledger.

`run_due` is the one function the scheduler, start-up and tests call with a "now". It
reads what the database says is due and not yet in the `followups` ledger, and records
each follow-up together with its outbox messages in one transaction, so a restart neither
loses nor repeats one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.i18n import Translator
from bot.tasks import button, done_buttons, speak
from bot.text import esc
from storage.outbox import NewMessage
from storage.store import Store
from storage.tasks import Contact, Followup


def _to(contact: Contact, text: str, buttons: list[list[tuple[str, str]]] | None = None
        ) -> NewMessage:
    return NewMessage(contact.member_id, contact.member_id, text, buttons)


async def run_due(store: Store, translate: Translator, now: datetime) -> int:
    """Queue every follow-up due at `now` and not yet recorded; returns messages queued.

    (a) An assignee still pending after the branch's answer window gets one reminder;
    (b) still pending after twice the window, the assigning secretary is told once;
    (c) past the due time, each unfinished assignee and the secretary are told once.
    """
    due: list[Followup] = []
    for p in await store.pending_assignees():
        window = timedelta(minutes=p.within_minutes)
        waited = now - p.assigned_at
        if waited >= window and not p.reminded:
            language = speak(p.assignee, translate)
            due.append(Followup(p.task_id, p.assignee.member_id, "remind", [_to(
                p.assignee, translate(language, "task.reminder", id=p.task_id,
                                      title=esc(p.title)),
                [[(translate(language, "task.button_accept"), button(p.task_id, "acc")),
                  (translate(language, "task.button_decline"), button(p.task_id, "dec"))]])]))
        if waited >= 2 * window:
            language = speak(p.secretary, translate)
            due.append(Followup(p.task_id, p.assignee.member_id, "escalate", [_to(
                p.secretary, translate(language, "task.escalation", id=p.task_id,
                                       title=esc(p.title), name=esc(p.assignee.name),
                                       hours=_hours(waited)))]))
    for o in await store.overdue_assignees(now):
        language = speak(o.assignee, translate)
        buttons = done_buttons(translate, language, o.task_id) if o.state == "accepted" else None
        to_secretary = speak(o.secretary, translate)
        messages = [_to(o.assignee, translate(language, "task.overdue", id=o.task_id,
                                              title=esc(o.title)), buttons)]
        if o.secretary.member_id != o.assignee.member_id:
            messages.append(_to(o.secretary, translate(
                to_secretary, "task.overdue_notice", id=o.task_id, title=esc(o.title),
                name=esc(o.assignee.name),
                state=translate(to_secretary, f"task.state_{o.state}"))))
        due.append(Followup(o.task_id, o.assignee.member_id, "overdue", messages))
    if not due:
        return 0
    return await store.record_followups(due, at=now)


def _hours(waited: timedelta) -> str:
    hours = waited.total_seconds() / 3600
    return f"{hours:.0f}" if hours >= 10 or hours == int(hours) else f"{hours:.1f}"
