"""`frontline status`'s lines on the organization's daily upkeep: the last backup and the last
retention run, read from the ledger of runs (`bot.rules.backups.last_backup`, the retention
row's counts), and whether the backups are red (`bot.rules.backups.backup_problem`, the rule
the admins' alerts share for a failed backup).

The text: `last backup: 2026-03-02 03:30 Asia/Shanghai ok (frontline-20260302-033000.db,
48.1 MB)`, or `... FAILED (<reason>)`, or `none (backups are off: set [backup] folder)`, or
`none yet`; `last retention: 2026-03-02 03:30 Asia/Shanghai (120 outbox messages deleted, ...)`
with the counts that are not 0, `nothing was old enough` when all are, `under way` while a
big run goes on over several ticks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.cli.common import local_time
from bot.rules.backups import LastBackup, backup_problem, last_backup
from bot.rules.retention import KIND as RETENTION
from storage.runs import Upkeep
from storage.store import Store

# The retention run's counts (`bot.rules.retention.COUNTS`) as the line names them.
COUNT_NAMES: Mapping[str, str] = {
    "outbox_deleted": "outbox messages deleted",
    "outbox_emptied": "broadcast deliveries emptied",
    "attachments_deleted": "attachments deleted",
    "audit_deleted": "audit entries deleted",
    "checkins_anonymised": "check-ins' statuses removed",
    "days_counted": "days' counts kept",
    "needs_cleared": "needs' texts cleared",
    "visits_cleared": "visits' notes cleared",
    "answers_cleared": "assignments' notes cleared",
    "pages_freed": "pages given back",
}


@dataclass(frozen=True, slots=True)
class UpkeepFacts:
    """The last backup and the last retention run, as the ledger has them."""

    backups_on: bool  # [backup] folder is set
    backup: LastBackup | None
    retention: Upkeep | None
    problem: str | None  # what is red about the backups (None: nothing)


async def gather(store: Store, *, backups_on: bool, now: datetime) -> UpkeepFacts:
    """Read the facts (two lookups by the ledger's (kind, day) index)."""
    backup = await last_backup(store)
    retention = await store.runs.latest_upkeep(RETENTION)
    return UpkeepFacts(backups_on, backup, retention,
                       backup_problem(backup, on=backups_on, now=now))


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def counts(run: Upkeep) -> dict[str, int]:
    """The retention run's counts, as recorded."""
    return {key: int(n) for key, n in dict(run.detail).get("counts", {}).items()}


def lines(facts: UpkeepFacts, timezone: str) -> list[str]:
    """The two lines."""
    backup = facts.backup
    if backup is None:
        line = "none yet" if facts.backups_on else "none (backups are off: set [backup] folder)"
    else:
        line = local_time(backup.at, timezone)
        if backup.ok:
            line += f" ok ({backup.file}, {_mb(backup.size)}"
            line += f"; {backup.pruned} older deleted)" if backup.pruned else ")"
        else:
            line += f" FAILED ({backup.error or 'see the log'})"
        if not facts.backups_on:
            line += "; backups are off now (set [backup] folder)"
        elif facts.problem is not None and backup.ok:
            line += f": {facts.problem}"
    out = [f"last backup: {line}"]
    run = facts.retention
    if run is None:
        out.append("last retention: none yet")
    else:
        found = counts(run)
        done = ", ".join(f"{n} {name}" for key, name in COUNT_NAMES.items()
                         if (n := found.get(key, 0)))
        what = done or "nothing was old enough"
        if not run.done:
            what = f"under way; so far: {what}"
        out.append(f"last retention: {local_time(run.at, timezone)} ({what})")
    return out


def as_json(facts: UpkeepFacts) -> dict[str, Any]:
    """`last_backup` and `last_retention` for `--json`."""
    backup = facts.backup
    run = facts.retention
    return {
        "backups_on": facts.backups_on,
        "last_backup": None if backup is None else {
            "day": backup.day, "at": backup.at.isoformat(), "ok": backup.ok,
            "file": backup.file, "size_bytes": backup.size if backup.ok else None,
            "pruned": backup.pruned, "error": backup.error},
        "last_retention": None if run is None else {
            "day": run.day, "at": run.at.isoformat(), "done": run.done, "counts": counts(run)},
    }
