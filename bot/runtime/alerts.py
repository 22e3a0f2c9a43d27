"""The admins' alerts, wired: once a minute (a JobQueue job of its own, beside the scheduler's
tick, so that a tick that hangs is still seen) `AlertMonitor.check` looks at the database and
tells the admins of what started or ended (`bot.rules.alerts` holds the rules, `handlers.core.
alerts` the Telegram call).

Each look: a small write (`Health.probe_write`; it waits up to SQLite's busy timeout when
another program holds the database); the outbox's facts and `health.outbox_stuck`; the late
runs (`bot.rules.late`); when backups are on, the latest daily backup in the ledger
(`bot.rules.backups.last_backup`: one lookup by index). Every incident is logged too (a
warning when it starts, an info line when it ends), so that an operator who watches the log,
or an admin-less bot, sees them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime

from bot.clock import Clock
from bot.i18n import Translator, pick_language
from bot.rules import alerts
from bot.rules.alerts import Delivery, Incidents, Notice, Seen, Stuck
from bot.rules.backups import LastBackup, last_backup
from bot.rules.health import outbox_stuck
from bot.rules.late import late_runs
from storage.store import Store

logger = logging.getLogger(__name__)

CHECK_EVERY = 60.0  # seconds
SendFn = Callable[[int, str], Awaitable[Delivery]]
RESOLVED = {alerts.STUCK: "delivery moves again",
            alerts.UNWRITABLE: "the database can be written again",
            alerts.BACKUP: "the daily backup succeeded again"}


class AlertMonitor:
    """Looks, opens and closes incidents, tells the admins (see the module docstring)."""

    def __init__(self, store: Store, translate: Translator, clock: Clock, send: SendFn, *,
                 admins: Collection[int], locale: str, backups: bool = False) -> None:
        self.store = store
        self.translate = translate
        self.clock = clock
        self.send = send
        self.locale = locale  # for an admin the database does not know yet
        self.backups = backups  # [backup] folder is set: a failed daily backup is told
        self.incidents = Incidents(admins)
        self.checks = 0
        self._unreadable = False  # the last look could not read (logged once)

    async def look(self, now: datetime) -> Seen:
        """What is wrong now."""
        health = self.store.health
        unwritable = await health.probe_write()
        try:
            stuck = None
            facts = await health.outbox(now=now)
            if facts.oldest_pending is not None and outbox_stuck(
                    facts.pending, facts.last_delivered, facts.oldest_pending, now):
                stuck = Stuck(facts.pending, facts.oldest_pending, facts.last_delivered)
            late = tuple(await late_runs(self.store, now))
            failed: LastBackup | None = None
            if self.backups:
                backup = await last_backup(self.store)
                failed = backup if backup is not None and not backup.ok else None
        except Exception:
            if not self._unreadable:
                logger.exception("could not read the outbox or the ledger of runs")
            self._unreadable = True
            return Seen(unwritable=unwritable or "error", complete=False)
        self._unreadable = False
        return Seen(stuck=stuck, unwritable=unwritable, late=late, backup=failed)

    async def check(self) -> list[Notice]:
        """One look; tells the admins what started or ended. Returns the notices sent."""
        self.checks += 1
        now = self.clock.now()
        seen = await self.look(now)
        before = set(self.incidents.open)
        notices = self.incidents.observe(seen)
        self._log(before, seen)
        sent = []
        for notice in notices:
            text = alerts.text(self.translate, await self._language(notice.admin), notice, now)
            outcome = await self.send(notice.admin, text)
            self.incidents.delivered(notice, outcome)
            if outcome is Delivery.SENT:
                sent.append(notice)
        return sent

    async def _language(self, admin: int) -> str:
        try:
            person = await self.store.people.get(admin)
        except Exception:
            return self.locale
        if person is None:
            return self.locale
        return pick_language(person.language, person.telegram_language, self.locale)

    def _log(self, before: set[str], seen: Seen) -> None:
        now_open = set(self.incidents.open)
        for key in sorted(now_open - before):
            if key == alerts.STUCK and seen.stuck is not None:
                logger.warning("alert: delivery stuck: %d messages pending, the oldest queued "
                               "at %s, last delivery at %s", seen.stuck.pending,
                               seen.stuck.oldest.isoformat(), seen.stuck.last_delivered)
            elif key == alerts.UNWRITABLE:
                logger.warning("alert: the database cannot be written (%s)", seen.unwritable)
            elif key == alerts.BACKUP and seen.backup is not None:
                logger.warning("alert: the daily backup of %s failed (%s)", seen.backup.day,
                               seen.backup.error)
        late = [run for run in seen.late if run.key not in before]
        if late:
            logger.warning("alert: %d scheduled runs late, e.g. the %s of branch %d due %s",
                           len(late), late[0].kind, late[0].branch_id, late[0].due.isoformat())
        for key in sorted(before - now_open):
            if key in RESOLVED:
                logger.info("resolved: %s", RESOLVED[key])
        if any(k.startswith("late:") for k in before) and not seen.late:
            logger.info("resolved: no scheduled run is late any more")
