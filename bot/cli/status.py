"""`frontline status`: the bot's health from the command line, one fact a line (or `--json`).

Read-only and safe beside a running bot: the database is opened `mode=ro` (never created, no
write, no lock that holds up the bot; `storage.health.ReadOnlyDatabase`) and the bot's hold
is only tested (`bot.runtime.instance.current_holder`). The verdicts are those of the
admins' alerts and `/readyz` (`bot.rules.health`, `bot.rules.late`): the exit code is 0 when
healthy, 1 when delivery is stuck, a scheduled run is late, the last daily backup failed or
is too old (`bot.cli.status_upkeep`) or the schema waits for a migration, so that a script or
a monitoring check can use it; 2 for a mistake in the command or the configuration. Whether
the database can be written is not tested here (that would need a write): the running bot
tells its admins.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.cli import status_upkeep
from bot.cli.common import (
    EXIT_FAILURE,
    EXIT_USAGE,
    CliError,
    database_errors,
    existing_database,
    load,
    local_time,
    now,
)
from bot.config import Config
from bot.i18n import Translator, duration
from bot.rules.health import STUCK_AFTER, outbox_stuck
from bot.rules.late import LateRun, late_runs
from storage.db import schema_version
from storage.health import FAILED_WITHIN, FileSizes, OutboxFacts
from storage.store import Store

LATE_SHOWN = 20  # late runs listed in the text output (--json lists them all)


@dataclass
class Report:
    """What `status` found."""

    database: str
    now: datetime
    version: int
    sizes: FileSizes
    holder: dict[str, Any] | None  # who holds the database (None: nobody)
    outbox: OutboxFacts | None = None  # None: the schema is not current
    stuck: bool = False
    late: list[LateRun] = field(default_factory=list)
    unreachable: int | None = None
    upkeep: status_upkeep.UpkeepFacts | None = None

    @property
    def pending_migrations(self) -> int:
        """Migrations this Frontline would apply."""
        return max(0, schema_version() - self.version)

    @property
    def problems(self) -> list[str]:
        """What is red, in a few words each (empty: healthy)."""
        found = []
        if self.pending_migrations:
            found.append(_count(self.pending_migrations, "migration") + " pending")
        if self.stuck:
            found.append("delivery stuck")
        if self.late:
            found.append(_count(len(self.late), "scheduled run") + " late")
        if self.upkeep is not None and self.upkeep.problem is not None:
            found.append(self.upkeep.problem)
        return found


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def cmd_status(args: argparse.Namespace) -> int:
    """Print the bot's health; 0 if healthy, 1 if not."""
    config = load(args)
    path = existing_database(config)
    from bot.runtime.instance import LockUnavailable, current_holder

    try:
        holding = current_holder(path)
    except LockUnavailable as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    holder = None if holding is None else {
        "pid": holding.pid, "host": holding.host, "command": holding.command,
        "since": holding.since.isoformat() if holding.since else None}
    report = asyncio.run(_gather(config, now(), holder))
    if args.json:
        print(json.dumps(_as_json(report), ensure_ascii=False))
    else:
        for line in _lines(report, config.defaults.timezone):
            print(line)
    return EXIT_FAILURE if report.problems else 0


async def _gather(config: Config, at: datetime, holder: dict[str, Any] | None) -> Report:
    from bot.runtime.stores import store_for

    store = store_for(config, read_only=True)
    with database_errors(config):
        return await _read(store, config, at, holder)


async def _read(store: Store, config: Config, at: datetime,
                holder: dict[str, Any] | None) -> Report:
    """The report's facts from the open store (closed at the end)."""
    try:
        await store.db.initialize()
        version = await store.db.user_version()
        if version > schema_version():
            raise CliError(f"{config.storage.path}: the database has schema version {version}, "
                           f"but this Frontline knows only up to {schema_version()}; use the "
                           "Frontline that wrote it", EXIT_USAGE)
        report = Report(str(config.storage.path), at, version, store.health.file_sizes(),
                        holder)
        if version < schema_version():
            return report  # the other facts need the current tables
        facts = await store.health.outbox(now=at)
        report.outbox = facts
        report.stuck = facts.oldest_pending is not None and outbox_stuck(
            facts.pending, facts.last_delivered, facts.oldest_pending, at)
        report.late = await late_runs(store, at)
        report.unreachable = await store.health.unreachable_members()
        report.upkeep = await status_upkeep.gather(
            store, backups_on=config.backup.folder is not None, now=at)
        return report
    finally:
        await store.shutdown()


_TRANSLATE = Translator("en")


def _ago(report: Report, then: datetime) -> str:
    minutes = max(0.0, (report.now - then).total_seconds() / 60)
    return f"{duration(_TRANSLATE, 'en', minutes)} ago"


def _lines(report: Report, timezone: str) -> list[str]:
    version = f"schema version: {report.version}"
    if report.pending_migrations:
        version += (f", {_count(report.pending_migrations, 'migration')} pending (run "
                    "frontline migrate with the bot stopped, or restart the bot, which "
                    "migrates)")
    else:
        version += ", up to date"
    sizes = report.sizes
    lines = [f"database: {report.database}", version,
             f"database size: {_mb(sizes.total)} (write-ahead log {_mb(sizes.wal)})"]
    if report.holder is None:
        lines.append("bot: not running on this database (nothing holds it)")
    else:
        h = report.holder
        since = f" since {h['since']}" if h["since"] else ""
        pid = f"pid {h['pid']}" if h["pid"] is not None else "a process"
        lines.append(f"bot: held by {pid}{' on ' + h['host'] if h['host'] else ''}{since}"
                     f"{' (' + h['command'] + ')' if h['command'] else ''}")
    facts = report.outbox
    if facts is None:
        lines.append("other facts: they need the current schema")
        lines.append("verdict: unhealthy: " + ", ".join(report.problems))
        return lines
    hours = int(FAILED_WITHIN.total_seconds() // 3600)
    lines.append(f"outbox pending: {facts.pending}")
    lines.append(f"outbox failed: {facts.failed} (of the messages queued in the last {hours} h)")
    lines.append("oldest pending: " + ("none" if facts.oldest_pending is None else
                 f"queued {local_time(facts.oldest_pending, timezone)} "
                 f"({_ago(report, facts.oldest_pending)})"))
    lines.append("last delivery: " + ("none found" if facts.last_delivered is None else
                 f"{local_time(facts.last_delivered, timezone)} "
                 f"({_ago(report, facts.last_delivered)})"))
    if report.stuck:
        lines.append(f"delivery: stuck (messages wait and nothing was delivered for "
                     f"{duration(_TRANSLATE, 'en', STUCK_AFTER.total_seconds() / 60)} or more)")
    else:
        lines.append("delivery: " + ("moving" if facts.pending else "nothing to send"))
    lines.append(f"late runs: {len(report.late) or 'none'}")
    for run in report.late[:LATE_SHOWN]:
        lines.append(f"  {run.kind} of branch {run.branch_id} {run.branch}: due "
                     f"{run.local_due} {run.timezone}")
    if len(report.late) > LATE_SHOWN:
        lines.append(f"  and {len(report.late) - LATE_SHOWN} more")
    if report.upkeep is not None:
        lines.extend(status_upkeep.lines(report.upkeep, timezone))
    lines.append(f"members unreachable: {report.unreachable}")
    problems = report.problems
    lines.append("verdict: " + ("healthy" if not problems else
                                "unhealthy: " + ", ".join(problems)))
    return lines


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _as_json(report: Report) -> dict[str, Any]:
    facts = report.outbox
    return {
        "healthy": not report.problems,
        "problems": report.problems,
        "now": report.now.isoformat(),
        "database": report.database,
        "schema_version": report.version,
        "migrations_pending": report.pending_migrations,
        "size_bytes": report.sizes.total,
        "wal_bytes": report.sizes.wal,
        "held_by": report.holder,
        "outbox": None if facts is None else {
            "pending": facts.pending,
            "failed_last_24h": facts.failed,
            "oldest_pending": _iso(facts.oldest_pending),
            "oldest_pending_age_s": None if facts.oldest_pending is None else
            int((report.now - facts.oldest_pending).total_seconds()),
            "last_delivered": _iso(facts.last_delivered),
            "stuck": report.stuck,
        },
        "late_runs": [{"kind": run.kind, "branch_id": run.branch_id, "branch": run.branch,
                       "due": run.due.astimezone(UTC).isoformat(), "due_local": run.local_due,
                       "timezone": run.timezone} for run in report.late],
        "members_unreachable": report.unreachable,
        **(status_upkeep.as_json(report.upkeep) if report.upkeep is not None else
           {"backups_on": None, "last_backup": None, "last_retention": None}),
    }
