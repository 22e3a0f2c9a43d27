"""The composition root: one ApplicationBuilder chain, then `handlers.register`."""

from __future__ import annotations

import logging
from collections import deque
from datetime import datetime, timedelta, tzinfo
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import Conflict
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    ContextTypes,
    Defaults,
)
from telegram.request import BaseRequest, HTTPXRequest

import handlers
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.i18n import Translator, pick_language
from bot.rules.export.process import remove_left_behind
from bot.rules.upkeep import Upkeep
from bot.runtime.alerts import CHECK_EVERY, AlertMonitor
from bot.runtime.outbox import OutboxWorker
from bot.runtime.ratelimit import RetryingRateLimiter
from bot.runtime.receiving import WatchedRequest
from bot.runtime.scheduler import Scheduler
from bot.runtime.services import Services
from bot.runtime.stores import store_for
from bot.runtime.updates import PerPersonUpdateProcessor
from handlers.broadcasts.progress import progress_reporter
from handlers.core import menus
from handlers.core.alerts import tell_admin
from handlers.core.context import SERVICES_KEY, Context
from handlers.core.sender import telegram_sender

logger = logging.getLogger(__name__)

FrontlineApp = Application[Any, Context, Any, Any, Any, Any]

TICK = "tick"  # the scheduler's one JobQueue job
ALERTS = "alerts"  # the admins' alerts' look, once a minute (bot/runtime/alerts.py)
FIRST_TICK_AFTER = timedelta(seconds=30)
# APScheduler skips a run more than a second late (its misfire grace time): a start-up that
# takes longer (a big database) would lose the jobs due at start. Run them however late,
# once (coalesced).
RUN_LATE: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True}

# Telegram answers getUpdates with 409 Conflict while another process polls with the same
# token. One 409 can be a poll of this bot's own previous run, still open at Telegram after a
# quick restart; three within a minute mean that another bot is polling now. The two would
# each get a random share of the updates (a member's check-in handled by a bot on another
# database), so this one stops polling and `frontline run` says why in one line (exit 2).
CONFLICTS_TO_STOP = 3
CONFLICT_WINDOW = timedelta(seconds=60)
_CONFLICTS_KEY = "polling_conflicts"
_STOPPED_KEY = "stopped_by_conflict"


def build_application(
    config: Config,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    clock: Clock | None = None,
    outbox_rate: float | None = None,
    paid_rate: float | None = None,
    create_database: bool = False,
) -> FrontlineApp:
    """Build the bot: the real PTB Application, on Telegram or on the sandbox's requests.

    The database must exist (`frontline init` makes it) unless `create_database`, which the
    sandbox uses for its temporary one: a typo in `[storage] path` must not quietly start an
    empty organization.
    """
    services = Services(config=config, store=store_for(config), clock=clock or SystemClock(),
                        translate=Translator(config.defaults.locale))
    metrics = services.metrics  # (bot/runtime/metrics.py)
    metrics.watch_store(services.store)

    async def post_init(application: FrontlineApp) -> None:
        await services.store.initialize(create=create_database)
        remove_left_behind()  # workbooks of an earlier run killed while sending one
        # The outbox worker resumes whatever an earlier run left pending.
        telegram = config.telegram
        services.outbox = OutboxWorker(
            services.store, services.clock,
            telegram_sender(application.bot, services.store.outbox),
            rate=outbox_rate or telegram.max_messages_per_second,
            paid_rate=paid_rate or (telegram.paid_max_messages_per_second
                                    if telegram.paid_broadcast else None),
            progress=progress_reporter(application.bot, services), events=metrics)
        # Direct replies and the outbox share Telegram's budget: each reply the rate limiter
        # lets through is counted by the outbox's pacer, which then waits its turn.
        limiter = application.bot.rate_limiter
        if isinstance(limiter, RetryingRateLimiter):
            limiter.on_send = services.outbox.pacer.count_direct
            limiter.on_event = metrics.reply_event
        await services.outbox.initialize()
        queue = application.job_queue
        assert queue is not None
        # Menus are a courtesy: set them from the job queue once running, so start-up never
        # waits on them. However long start-up took, the job still runs (no misfire).
        queue.run_once(_set_menus, when=0, name="set_menus", job_kwargs=RUN_LATE)
        # Everything scheduled (the daily rhythm, weekly reports, task follow-ups): the
        # statistics, one catch-up run in the background, then one tick a minute (see
        # bot/runtime/scheduler.py).
        services.scheduler = Scheduler(services.store, services.translate, services.clock,
                                       services.wake_outbox, admins=config.admins,
                                       keep=Upkeep.of(config))
        await services.scheduler.start()
        queue.run_repeating(_tick, interval=60, first=first_tick(queue.scheduler.timezone),
                            name=TICK, job_kwargs={**RUN_LATE, "max_instances": 2})
        # The admins' alerts: a job of its own, so that a tick that hangs is still seen.
        services.alerts = AlertMonitor(
            services.store, services.translate, services.clock,
            lambda admin, text: tell_admin(application.bot, admin, text),
            admins=config.admins, locale=config.defaults.locale,
            backups=config.backup.folder is not None)
        queue.run_repeating(_check_alerts, interval=CHECK_EVERY, first=CHECK_EVERY,
                            name=ALERTS, job_kwargs=RUN_LATE)

    async def post_stop(application: FrontlineApp) -> None:
        if services.scheduler is not None:
            await services.scheduler.shutdown()
        # Stop sending while the bot can still finish the message in flight.
        if services.outbox is not None:
            await services.outbox.shutdown()

    async def post_shutdown(application: FrontlineApp) -> None:
        await services.store.shutdown()

    builder = (
        ApplicationBuilder()
        .token(token or config.telegram.token)
        .context_types(ContextTypes(context=Context))
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        # Direct replies: wait out a 429's retry_after, retry 5xx; at most 20/min into a
        # group. Overall pacing is left to the outbox, where bulk sending happens.
        .rate_limiter(RetryingRateLimiter(overall_max_rate=0, group_max_rate=20,
                                          group_time_period=60, max_retries=2))
        # Concurrent across people, in order for each person (see bot/runtime/updates.py).
        .concurrent_updates(PerPersonUpdateProcessor(observe=metrics.update_handled))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    if config.telegram.base_url:
        root = config.telegram.base_url.rstrip("/")
        builder = builder.base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
    if request is not None:
        builder = builder.request(request)
    # getUpdates through a request object that notes each answer: readiness's "updates
    # arrive" (bot/runtime/receiving.py). PTB's own default otherwise (one connection).
    builder = builder.get_updates_request(WatchedRequest(
        get_updates_request or HTTPXRequest(connection_pool_size=1), services.receiving.polled))
    application: FrontlineApp = builder.build()
    application.bot_data[SERVICES_KEY] = services
    # Before the features' error handler, which would log every 409 with a traceback.
    application.add_error_handler(_on_polling_conflict)
    handlers.register(application)
    return application


def first_tick(timezone: tzinfo) -> datetime:
    """The tick's first run: the start of a wall-clock minute at least `FIRST_TICK_AFTER`
    away (the catch-up has just run), so that the ticks come at the top of each minute and a
    run due at 08:00 starts at 08:00:00."""
    soon = datetime.now(timezone) + FIRST_TICK_AFTER
    return soon.replace(second=0, microsecond=0) + timedelta(minutes=1)


def stopped_by_conflict(application: FrontlineApp) -> str | None:
    """Telegram's words if polling was stopped because another process polls, else None."""
    reason: str | None = application.bot_data.get(_STOPPED_KEY)
    return reason


async def _on_polling_conflict(update: object, context: Context) -> None:
    """A 409 Conflict from getUpdates: stop polling once another process keeps polling.

    Other errors pass on to the next error handler.
    """
    error = context.error
    if update is not None or not isinstance(error, Conflict):
        return
    seen: deque[datetime] = context.bot_data.setdefault(_CONFLICTS_KEY, deque())
    now = context.clock.now()
    seen.append(now)
    while now - seen[0] > CONFLICT_WINDOW:
        seen.popleft()
    logger.debug("getUpdates: 409 Conflict (%d within %s)", len(seen), CONFLICT_WINDOW)
    if len(seen) >= CONFLICTS_TO_STOP and _STOPPED_KEY not in context.bot_data:
        context.bot_data[_STOPPED_KEY] = error.message
        # Stopping makes one last getUpdates, which gets the same 409: said already.
        _quiet_conflicts(logging.getLogger("telegram.ext.Updater"))
        context.application.stop_running()
    raise ApplicationHandlerStop  # handled: no traceback from the general error handler


class _DropConflicts(logging.Filter):
    """Drops log records about a 409 Conflict."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], Conflict))


def _quiet_conflicts(target: logging.Logger) -> None:
    if not any(isinstance(f, _DropConflicts) for f in target.filters):
        target.addFilter(_DropConflicts())


async def _tick(context: Context) -> None:
    scheduler = context.services.scheduler
    if scheduler is not None:
        await scheduler.tick()


async def _check_alerts(context: Context) -> None:
    alerts = context.services.alerts
    if alerts is not None:
        await alerts.check()


async def _set_menus(context: Context) -> None:
    application, services = context.application, context.services
    try:
        await menus.set_defaults(application.bot, services.translate,
                                 services.config.defaults.locale)
        for user_id, chosen, telegram_language in await services.store.people.secretaries():
            language = pick_language(chosen, telegram_language, services.config.defaults.locale)
            await menus.set_for_person(application.bot, services, user_id, "secretary",
                                       language)
    except Exception:
        logger.exception("could not set the command menus")
