"""Sending the weekly report: whom it goes to, its messages, and `run_due`, which queues every
report due at "now" and not yet in the ledger (see the package's docstring for the rules)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from datetime import date, datetime

from bot.clock import is_timezone
from bot.i18n import Translator, pick_language
from bot.rules.weekly.attachments import weekly_attachments
from bot.rules.weekly.build import build
from bot.rules.weekly.render import render
from bot.rules.weekly.timing import is_due, week_of
from storage.rows import NewMessage
from storage.runs import Run
from storage.store import Store

logger = logging.getLogger(__name__)

BUDGET_S = 20.0  # seconds of work for weekly reports in one tick (see `run_due`)
KIND = "weekly"  # the ledger's kind, and the outbox's ("rhythm_weekly")


async def readers(store: Store, branch_id: int, admins: Collection[int] = ()
                  ) -> list[tuple[int, str]]:
    """Who gets a branch's weekly report, and in which language: each secretary of the
    branch, and for a root branch each admin who is not already one of its secretaries (in
    the language they chose or Telegram's, else the branch's)."""
    branch = await store.branches.get(branch_id)
    if branch is None:
        return []
    found = [(s.member_id, pick_language(s.language, s.telegram_language, branch.locale))
             for s in await store.people.branch_secretaries(branch_id)]
    if branch.parent_id is None:
        secretaries = {member for member, _ in found}
        for admin in sorted(set(admins) - secretaries):
            person = await store.people.get(admin)
            found.append((admin, branch.locale if person is None else pick_language(
                person.language, person.telegram_language, branch.locale)))
    return found


async def weekly_messages(store: Store, translate: Translator, branch_id: int, first: date,
                          last: date, now: datetime, *, admins: Collection[int] = ()
                          ) -> list[NewMessage]:
    """The weekly report of `branch_id` over `first`..`last`: the text, then its files
    (`weekly_attachments`), to each of its readers in their language."""
    branch = await store.branches.get(branch_id)
    if branch is None:
        return []
    to = await readers(store, branch_id, admins)
    if not to:
        return []
    report = await build(store, branch, first, last, now)
    made: dict[str, tuple[str, list[tuple[int, str]]]] = {}
    messages = []
    for member, language in to:
        if language not in made:
            # Each file is stored once per language, whoever many read it (the outbox
            # uploads it once, then sends it by file_id).
            files = await weekly_attachments(store, translate, language, branch_id, first,
                                             last, now=now, members=report.total.members)
            made[language] = (render(translate, language, report), [
                (await store.outbox.attach(f.kind, f.file_name, f.data, at=now), f.caption)
                for f in files])
        text, stored = made[language]
        messages.append(NewMessage(member, member, text))
        messages.extend(NewMessage(member, member, caption, attachment=attachment)
                        for attachment, caption in stored)
    return messages


async def run_due(store: Store, translate: Translator, now: datetime, *,
                  admins: Collection[int] = (),
                  queued: Callable[[], None] | None = None,
                  budget: float = BUDGET_S) -> int:
    """Queue every weekly report due at `now` and not yet in the ledger; returns the messages
    queued. Each report is written with its ledger row in one transaction (`store.runs.record`),
    branch by branch; one that fails is logged and tried again at the next tick.

    A report with its chart and workbook is a second of work for a small branch and many for
    a big one: once `budget` seconds of work are spent (at least one report made), the rest
    waits for the next minute's tick (the ledger says which are left), so that a thousand
    branches sharing Monday's time do not hold the tick, and with it the escalations and
    follow-ups, for a quarter of an hour."""
    schedules = [s for s in await store.schedules.all() if is_timezone(s.timezone)]
    weeks = {s.branch_id: week_of(s, now) for s in schedules}
    candidates = [s for s in schedules if is_due(s, weeks[s.branch_id], now, None)]
    if not candidates:
        return 0
    latest = await store.runs.weeks_since(min(weeks[s.branch_id].monday for s in candidates))
    total = 0
    started = time.perf_counter()
    made = 0
    for schedule in candidates:
        week = weeks[schedule.branch_id]
        if not is_due(schedule, week, now, latest.get(schedule.branch_id)):
            continue
        if made and time.perf_counter() - started >= budget:
            break  # the next tick goes on
        made += 1
        try:
            messages = await weekly_messages(store, translate, schedule.branch_id, week.first,
                                             week.last, now, admins=admins)
        except Exception:
            logger.exception("the weekly report of branch %s failed", schedule.branch_id)
            continue
        written = await store.runs.record(
            [Run(schedule.branch_id, KIND, week.key, messages)], at=now)
        if written and queued is not None:
            queued()
        total += written
    return total
