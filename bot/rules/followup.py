"""Task follow-up: reminders, escalations and overdue flags, each once, decided by the ledger.

`run_due` is the one function the scheduler, start-up and tests call with a "now". It
reads what the database says is due and not yet in the `followups` ledger, and records
each follow-up together with its outbox messages in one transaction, so a restart neither
loses nor repeats one.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.i18n import Translator, duration
from bot.rules.tasks import button, done_buttons, speak
from bot.text import esc
from storage.followups import TURN
from storage.rows import NewMessage, Recipient
from storage.store import Store
from storage.tasks import Followup, Watched


def _to(contact: Recipient, text: str, buttons: list[list[tuple[str, str]]] | None = None
        ) -> NewMessage:
    return NewMessage(contact.member_id, contact.member_id, text, buttons)


async def run_due(store: Store, translate: Translator, now: datetime) -> int:
    """Queue every follow-up due at `now` and not yet recorded; returns messages queued.

    (a) An assignee still pending after the branch's answer window gets one reminder;
    (b) still pending after twice the window, the assigning secretary is told once;
    (c) past the due time, each unfinished assignee and the secretary are told once.

    Only assignees who may still get one are read (see `Store.assignees_to_follow`); one
    for whom none can come any more (escalated or answered, and flagged overdue or without
    a due time; declined, done, or the task closed) is marked so, and not read again.
    """
    asked: list[Followup] = []
    overdue: list[Followup] = []
    finished: list[tuple[int, int]] = []
    for count, w in enumerate(await store.followups.assignees_to_follow(), 1):
        if count % TURN == 0:  # a catch-up reads thousands: the bot answers between turns
            await asyncio.sleep(0)
        member = w.assignee.member_id
        if not w.task_open or w.state not in ("pending", "accepted"):
            finished.append((w.task_id, member))
            continue
        escalated, flagged = w.escalated, w.flagged
        if w.state == "pending" and not escalated:
            window = timedelta(minutes=w.within_minutes)
            waited = now - w.assigned_at
            if waited >= window and not w.reminded:
                language = speak(w.assignee, translate)
                asked.append(Followup(w.task_id, member, "remind", [_to(
                    w.assignee, translate(language, "task.reminder", id=w.task_id,
                                          title=esc(w.title)),
                    [[(translate(language, "task.button_accept"), button(w.task_id, "acc")),
                      (translate(language, "task.button_decline"),
                       button(w.task_id, "dec"))]])]))
            if waited >= 2 * window:
                escalated = True
                language = speak(w.secretary, translate)
                asked.append(Followup(w.task_id, member, "escalate", [_to(
                    w.secretary, translate(language, "task.escalation", id=w.task_id,
                                           title=esc(w.title), name=esc(w.assignee.name),
                                           waited=duration(translate, language,
                                                           waited.total_seconds() / 60)))]))
        if w.due_at is not None and w.due_at <= now and not flagged:
            flagged = True
            overdue.append(_overdue(translate, w))
        if (w.state != "pending" or escalated) and (w.due_at is None or flagged):
            finished.append((w.task_id, member))
    due = asked + overdue
    if not due and not finished:
        return 0
    return await store.followups.record(due, at=now, finished=finished)


def _overdue(translate: Translator, w: Watched) -> Followup:
    language = speak(w.assignee, translate)
    buttons = done_buttons(translate, language, w.task_id) if w.state == "accepted" else None
    to_secretary = speak(w.secretary, translate)
    messages = [_to(w.assignee, translate(language, "task.overdue", id=w.task_id,
                                          title=esc(w.title)), buttons)]
    if w.secretary.member_id != w.assignee.member_id:
        messages.append(_to(w.secretary, translate(
            to_secretary, "task.overdue_notice", id=w.task_id, title=esc(w.title),
            name=esc(w.assignee.name), state=translate(to_secretary, f"task.state_{w.state}"))))
    return Followup(w.task_id, w.assignee.member_id, "overdue", messages)

