"""The admins' alerts: incidents opened and closed, each told once, and their texts.

Four things are watched (`bot.runtime.alerts` looks once a minute):
- **delivery stuck**: the outbox has had work for `health.STUCK_AFTER` and delivered nothing
  in that time (`health.outbox_stuck` on `storage.health` facts);
- **the database cannot be written**: a small write failed (`Health.probe_write`: another
  program held the lock beyond the busy timeout, the disk is full, the file is read-only);
- **a scheduled run is late** (`bot.rules.late`), each run its own incident;
- **the daily backup failed** (when `[backup] folder` is set): the latest backup in the ledger
  of runs failed (`bot.rules.backups.last_backup`). One incident from the first failed run to
  the next good one, however many days fail in between; it is read from the ledger, not from
  the scheduler's memory, so a failure recorded before a restart is still told after it.

Once per incident: an alert goes to each admin when the condition is first seen, never again
while it lasts; when it is no longer seen, a short "resolved" message goes to the admins who
were told of it. The late runs newly seen at one look are told in one message (the first
`SHOWN` listed), and one "resolved" message follows once no run is late any more. An alert
that could not reach an admin for a passing reason (Telegram's 5xx, a timeout) is tried again
at the next look while the incident lasts; one Telegram refuses (the admin blocked the bot or
never opened it) is given up. A "resolved" message is tried once.

`Incidents` keeps its state in memory only (the database may be what is failing): after a
restart during an incident, the admins are told of it once more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.i18n import Translator, duration
from bot.rules.backups import LastBackup
from bot.rules.health import RUN_LATE_AFTER
from bot.rules.late import LateRun
from bot.text import esc

SHOWN = 10  # late runs listed in one message
STUCK = "stuck"
UNWRITABLE = "unwritable"
LATE = "late"
BACKUP = "backup"


class Delivery(StrEnum):
    """What became of a message to an admin."""

    SENT = "sent"
    REFUSED = "refused"  # Telegram will not deliver it (blocked, no chat): given up
    FAILED = "failed"  # a passing failure: tried again at the next look


@dataclass(frozen=True, slots=True)
class Stuck:
    """The outbox's work that does not move."""

    pending: int
    oldest: datetime  # when the oldest pending message was queued
    last_delivered: datetime | None


@dataclass(frozen=True, slots=True)
class Seen:
    """What one look found wrong (all empty: nothing)."""

    stuck: Stuck | None = None
    unwritable: str | None = None  # `Health.probe_write`'s reason
    late: tuple[LateRun, ...] = ()
    backup: LastBackup | None = None  # the latest daily backup, when it failed
    # False when only the write could be tried (the outbox and the ledger could not be
    # read): the incidents of delivery and late runs stay as they were.
    complete: bool = True


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to one admin: an incident's alert, or that it is over."""

    admin: int
    kind: str  # STUCK, UNWRITABLE, LATE or BACKUP
    resolved: bool = False
    stuck: Stuck | None = None
    unwritable: str | None = None
    backup: LastBackup | None = None
    late: tuple[LateRun, ...] = ()  # the runs it tells of (an alert's)
    keys: tuple[str, ...] = ()  # the incidents it tells of


@dataclass
class _Incident:
    kind: str
    told: set[int] = field(default_factory=set)  # admins told (or given up on)
    reached: set[int] = field(default_factory=set)  # admins the alert reached


class Incidents:
    """The open incidents, and who was told of them (see the module docstring)."""

    def __init__(self, admins: Iterable[int]) -> None:
        self.admins = sorted(set(admins))
        self.open: dict[str, _Incident] = {}
        self._late_reached: set[int] = set()  # admins told of a late run since none was late

    def observe(self, seen: Seen) -> list[Notice]:
        """Open and close incidents from one look; the messages to send now."""
        current: dict[str, str] = {}
        if seen.stuck is not None:
            current[STUCK] = STUCK
        if seen.unwritable is not None:
            current[UNWRITABLE] = UNWRITABLE
        if seen.backup is not None:
            current[BACKUP] = BACKUP
        runs = {run.key: run for run in seen.late}
        current.update({key: LATE for key in runs})
        notices: list[Notice] = []
        for key in [k for k in self.open if k not in current]:
            if not seen.complete and key != UNWRITABLE:
                continue
            closed = self.open.pop(key)
            if closed.kind != LATE:
                notices.extend(Notice(admin, closed.kind, resolved=True)
                               for admin in sorted(closed.reached))
        if seen.complete and not runs and self._late_reached:
            notices.extend(Notice(admin, LATE, resolved=True)
                           for admin in sorted(self._late_reached))
            self._late_reached.clear()
        for key, kind in current.items():
            self.open.setdefault(key, _Incident(kind))
        for admin in self.admins:
            for kind, now_seen in ((STUCK, seen.stuck), (UNWRITABLE, seen.unwritable),
                                   (BACKUP, seen.backup)):
                incident = self.open.get(kind)
                if now_seen is not None and incident is not None and admin not in incident.told:
                    notices.append(Notice(admin, kind, stuck=seen.stuck,
                                          unwritable=seen.unwritable, backup=seen.backup,
                                          keys=(kind,)))
            untold = [run for key, run in runs.items() if admin not in self.open[key].told]
            if untold:
                notices.append(Notice(admin, LATE, late=tuple(untold),
                                      keys=tuple(run.key for run in untold)))
        return notices

    def delivered(self, notice: Notice, outcome: Delivery) -> None:
        """Record what became of a notice: an alert sent or refused is not sent again."""
        if notice.resolved or outcome is Delivery.FAILED:
            return
        for key in notice.keys:
            incident = self.open.get(key)
            if incident is None:
                continue
            incident.told.add(notice.admin)
            if outcome is Delivery.SENT:
                incident.reached.add(notice.admin)
                if incident.kind == LATE:
                    self._late_reached.add(notice.admin)


KIND_KEYS: Mapping[str, str] = {"prompt": "alert.kind_prompt", "reminder": "alert.kind_reminder",
                                "digest": "alert.kind_digest", "weekly": "alert.kind_weekly"}
REASON_KEYS: Mapping[str, str] = {
    "locked": "alert.reason_locked", "full": "alert.reason_full",
    "readonly": "alert.reason_readonly", "error": "alert.reason_error"}


def text(translate: Translator, language: str, notice: Notice, now: datetime) -> str:
    """The message of a notice in the admin's language."""
    t = translate
    if notice.resolved:
        return t(language, {STUCK: "alert.stuck_resolved", UNWRITABLE: "alert.unwritable_resolved",
                            LATE: "alert.late_resolved", BACKUP: "alert.backup_resolved"
                            }[notice.kind])
    if notice.kind == STUCK and notice.stuck is not None:
        stuck = notice.stuck
        waited = duration(t, language, (now - stuck.oldest).total_seconds() / 60)
        if stuck.last_delivered is None:
            last = t(language, "alert.stuck_never")
        else:
            last = t(language, "alert.stuck_quiet", quiet=duration(
                t, language, (now - stuck.last_delivered).total_seconds() / 60))
        return t(language, "alert.stuck", n=stuck.pending, waited=waited, quiet=last)
    if notice.kind == BACKUP and notice.backup is not None:
        return t(language, "alert.backup_failed", day=notice.backup.day,
                 reason=esc(notice.backup.error or t(language, "alert.reason_error")))
    if notice.kind == UNWRITABLE:
        reason = t(language, REASON_KEYS.get(notice.unwritable or "error", "alert.reason_error"))
        return t(language, "alert.unwritable", reason=reason)
    after = duration(t, language, RUN_LATE_AFTER.total_seconds() / 60)
    lines = [t(language, "alert.late", n=len(notice.late), after=after)]
    for run in notice.late[:SHOWN]:
        lines.append(t(language, "alert.late_line", kind=t(language, KIND_KEYS[run.kind]),
                       branch=esc(run.branch), id=run.branch_id, due=run.local_due,
                       timezone=run.timezone))
    if len(notice.late) > SHOWN:
        lines.append(t(language, "alert.late_more", n=len(notice.late) - SHOWN))
    lines.append(t(language, "alert.late_hint"))
    return "\n".join(lines)
