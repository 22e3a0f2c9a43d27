"""The daily rhythm's jobs, derived from the database, and the care message's button.

Each branch gets one daily job per run (prompt, reminder, rate escalation, digest) named
`rhythm:<branch>:<kind>`, a cron trigger at the local time in the branch's zone (APScheduler
keeps it at that wall-clock time across DST changes). A job only wakes `bot.rhythm.run_due`:
the ledger decides what is done. A minute tick does the same, for the critical-need
escalations (not tied to a clock time) and for branches made since the jobs were derived.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, CallbackQueryHandler

from bot import rhythm
from bot.services import Services
from handlers.common import reply
from handlers.context import SERVICES_KEY, Context

logger = logging.getLogger(__name__)

PREFIX = "rhythm:"
TICK = "rhythm:tick"


async def run_now(services: Services) -> int:
    """Do whatever is due now and wake the outbox; errors are logged, never raised."""
    try:
        queued = await rhythm.run_due(services.store, services.translate, services.clock.now())
    except Exception:
        logger.exception("the daily rhythm failed")
        return 0
    if queued:
        services.wake_outbox()
    return queued


async def _wake(context: Context) -> None:
    await run_now(context.services)


async def derive_jobs(application: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """(Re)create every branch's daily jobs from the database; returns how many there are."""
    queue = application.job_queue
    assert queue is not None
    services: Services = application.bot_data[SERVICES_KEY]
    for job in queue.jobs():
        if job.name and job.name.startswith(PREFIX) and job.name != TICK:
            job.schedule_removal()
    count = 0
    for schedule in await services.store.schedules():
        try:
            times = rhythm.clock_times(schedule)
        except (ValueError, KeyError):
            logger.error("branch %s has unusable schedule settings", schedule.branch_id)
            continue
        for kind, at in times:
            queue.run_daily(_wake, time=at, name=f"{PREFIX}{schedule.branch_id}:{kind}")
            count += 1
    if not queue.get_jobs_by_name(TICK):
        queue.run_repeating(_wake, interval=60, first=30, name=TICK)
    return count


async def start(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """At start-up: derive the jobs, then catch up once on what was missed."""
    try:
        await derive_jobs(application)
    except Exception:
        logger.exception("could not derive the daily rhythm's jobs")
    await run_now(application.bot_data[SERVICES_KEY])


async def care_need(update: Update, context: Context) -> None:
    """The care message's "I need something" button: point to /need (one tap in the text)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await reply(update, context.t("care.need_hint"))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [CallbackQueryHandler(care_need, pattern=rf"^{rhythm.CARE_NEED}$")]
