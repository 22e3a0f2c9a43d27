"""The scheduler: one run at a time of everything that is due, whatever wakes it.

Timers only wake; the ledger decides. `Scheduler.tick` does whatever is due at the clock's
"now" and not yet in the one ledger of runs, through `bot.rules.due.run_due`: the daily rhythm
(prompts, reminders, rate escalations, digests, critical needs), the weekly reports (the root's
also to the configured `admins`) and the task follow-ups.
One JobQueue job calls it once a minute (never one job per branch: a thousand branches
sharing 08:00 are one run, not a thousand), and start-up calls it once to catch up.

One run at a time: a tick that comes while a run is under way (the minute's job while the
08:00 run of a big organization is still writing, the start-up catch-up, a test) does not
start a second run beside it; it asks the running one to go round once more when it is
done, and returns. So each due item is computed once, by one run, whatever the number of
branches and however their times coincide.

Once a day the run also brings SQLite's statistics up to date (`Database.optimize`; start-up
does it too), so that the query planner keeps choosing the indexes as the history grows, and
drops the bytes of the outbox's attachments older than eight days. After the due work, each
run does the organization's daily upkeep when it is due (`bot.rules.upkeep`: the backup,
then retention, through the same ledger); the last backup's result is also kept in
`last_backup` (in memory: the admins' alerts read the ledger instead, which a restart keeps).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.i18n import Translator
from bot.rules import due, upkeep
from bot.rules.backups import BackupResult
from storage.store import Store

logger = logging.getLogger(__name__)

STATISTICS_EVERY = timedelta(days=1)
KEEP_ATTACHMENTS = timedelta(days=8)  # the bytes of files the outbox sent (a chart, ...)


class Scheduler:
    """Runs whatever is due, one run at a time (see the module docstring)."""

    def __init__(self, store: Store, translate: Translator, clock: Clock,
                 wake: Callable[[], None] = lambda: None, *,
                 admins: Collection[int] = (), keep: upkeep.Upkeep | None = None) -> None:
        self.store = store
        self.keep = keep  # the daily backup and retention (None: neither)
        self.last_backup: BackupResult | None = None
        self.admins = frozenset(admins)  # they get the root's weekly report too
        self.translate = translate
        self.clock = clock
        self.wake = wake  # new rows are in the outbox
        self.runs = 0  # runs started (a coalesced tick starts none)
        self.coalesced = 0  # ticks that came while a run was under way
        self.last_run_s = 0.0  # how long the last run took
        # For readiness (`bot.rules.health.tick_late`): when it started, when a tick last
        # came (a coalesced one too: the timer is alive), on the injected clock.
        self.started_at = clock.now()
        self.last_tick: datetime | None = None
        self._busy = False
        self._again = False
        self._done = asyncio.Event()
        self._done.set()
        self._catch_up: asyncio.Task[int] | None = None
        self._statistics_at: datetime | None = None

    @property
    def busy(self) -> bool:
        """True while a run is under way."""
        return self._busy

    async def start(self) -> None:
        """At start-up: bring the statistics up to date, then catch up once on what was
        missed, in the background (updates are answered meanwhile); `idle()` waits for it."""
        await self._statistics(self.clock.now())
        self._catch_up = asyncio.create_task(self.tick(), name="scheduler catch-up")

    async def shutdown(self) -> None:
        """Stop a catch-up still under way (a run stopped between two pieces is resumed by
        the next start: see `bot.rules.rhythm`)."""
        task, self._catch_up = self._catch_up, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task})

    async def idle(self) -> None:
        """Wait until no run is under way (the start-up catch-up included)."""
        if self._catch_up is not None and not self._catch_up.done():
            await asyncio.wait({self._catch_up})
        while self._busy:
            await self._done.wait()

    async def tick(self) -> int:
        """Do whatever is due now; returns the messages queued.

        If a run is under way, start none: the running one goes round once more when it is
        done (with the clock's new "now"), and this returns 0 at once.
        """
        self.last_tick = self.clock.now()
        if self._busy:
            self._again = True
            self.coalesced += 1
            return 0
        self._busy = True
        self._done.clear()
        try:
            queued = 0
            while True:
                self._again = False
                queued += await self._run()
                if not self._again:
                    return queued
        finally:
            self._busy = False
            self._done.set()

    async def _run(self) -> int:
        now = self.clock.now()
        started = time.perf_counter()
        self.runs += 1
        queued = await due.run_due(self.store, self.translate, now, wake=self.wake,
                                   admins=self.admins)
        if queued:
            self.wake()
        if self.keep is not None:
            kept = await upkeep.run_due(self.store, self.keep, now)
            self.last_backup = kept.backup or self.last_backup
        if self._statistics_at is None or now - self._statistics_at >= STATISTICS_EVERY:
            await self._statistics(now)
        self.last_run_s = time.perf_counter() - started
        return queued

    async def _statistics(self, now: datetime) -> None:
        self._statistics_at = now
        try:
            await self.store.db.optimize()
        except Exception:
            logger.exception("could not update the database's statistics")
        # Once a day too: the outbox's files older than a week lose their bytes (Telegram
        # keeps them; a later send goes by file_id).
        try:
            await self.store.outbox.prune_attachments(before=now - KEEP_ATTACHMENTS)
        except Exception:
            logger.exception("could not prune the outbox's old attachments")
