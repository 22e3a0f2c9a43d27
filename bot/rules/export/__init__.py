"""The export: a branch's subtree over a period as an XLSX workbook, for secretaries to hand
upward (`/export`, `frontline export`).

Sheets, in order, each made by one builder of `SHEETS` (`async def build(job) -> None`, see
`job.Job`): the summary (every branch, rolled up), the check-ins (a member a row, a day a
column), the needs, the tasks (an assignee a row), the visits, the members' records, and the
leaders' figures with what each of them counts (`leaders`).

Days are the local days of the exported branch; every instant is shown in the timezone of the
branch of its row. The workbook is written by `xlsx` (a streaming writer) piece by piece, the
reads going through the database's reader connections. The check-ins sheet is written first:
it reads every check-in of the period once and counts what the summary and the records need
(`tally`); the summary is written last and shown first.

Where it runs: `/export` builds in a child process of its own (`process`), which opens the
database read-only, so the bot's event loop shares nothing with the build, not even the GIL;
the command line (its own process) and the weekly report build in their process
(`build_export`), the weekly report's pieces in worker threads.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.rules.access import Actor, may_lead
from bot.rules.export import activity, checkins, leaders, records, summary
from bot.rules.export.job import STYLES, TABS, Job
from bot.rules.export.xlsx import Book
from storage.store import Store

SheetBuilder = Callable[[Job], Awaitable[None]]

# The sheets in the order they are written (the check-ins first, the summary last: see the
# docstring); each takes its place among the tabs by `job.TABS`.
SHEETS: list[SheetBuilder] = [checkins.build, activity.needs, activity.tasks, activity.visits,
                              records.build, leaders.build, summary.build]


@dataclass(frozen=True)
class ExportFile:
    """A finished export: its file name, its size, its sheets' titles (in the reader's
    language) and the rows written in each (headers not counted), and the workbook: `data`,
    or in the file at `path` (then `data` is empty)."""

    file_name: str
    size: int
    sheets: list[str]
    rows: list[int] = field(default_factory=list)
    data: bytes = b""
    path: Path | None = None


DOCUMENT_MAX = 50 * 1024 * 1024  # what a bot may upload to Telegram


class NoBranch(LookupError):
    """The branch to export does not exist (or is archived)."""


def file_name(branch_id: int, branch_name: str, first: date, last: date) -> str:
    """`frontline-<id>[-<ascii name>]-<first>-<last>.xlsx`: ASCII only, so that every phone
    and mail client keeps it."""
    slug = re.sub(r"[^a-z0-9]+", "-", branch_name.lower().encode("ascii", "ignore").decode())
    slug = slug.strip("-")[:30].strip("-")
    middle = f"{branch_id}-{slug}" if slug else str(branch_id)
    return f"frontline-{middle}-{first.isoformat()}-{last.isoformat()}.xlsx"


async def build_export(store: Store, translate: Translator, language: str, root_id: int,
                       first: date, last: date, *, now: datetime, notes: bool,
                       reader_id: int | None = None, path: Path | None = None) -> ExportFile:
    """The workbook of the subtree of `root_id` over its local days `first`..`last`, in
    memory, or written to `path` (a file that exists is replaced).

    Access is the caller's to check (`bot.rules.access.may_lead`). With `notes`, the records
    carry the notes on members (never those on `reader_id`, the reader themself).

    Raises:
        NoBranch: no live branch `root_id`.
    """
    branches = await store.branches.subtree(root_id)
    if not branches:
        raise NoBranch(root_id)
    zone = ZoneInfo(branches[0].timezone)
    job = Job(store=store, translate=translate, language=language, branches=branches,
              first=first, last=last, start=datetime.combine(first, time(0), zone),
              end=datetime.combine(last + timedelta(days=1), time(0), zone), now=now,
              notes=notes, reader_id=reader_id, book=Book(STYLES, path=path))
    members = await store.export.members(root_id)
    order = {b.id: n for n, b in enumerate(branches)}
    job.members = sorted(members, key=lambda m: (order.get(m.branch_id, len(order)),
                                                 m.role != "secretary", m.name, m.id))
    for build in SHEETS:
        await build(job)
    data, size = await asyncio.to_thread(_finish, job.book, path)
    sheets = job.book.sheets
    assert len(sheets) == len(TABS)
    return ExportFile(file_name(root_id, branches[0].name, first, last), size,
                      [title for title, _, _ in sheets], [rows for _, rows, _ in sheets],
                      data=data, path=path)


def _finish(book: Book, path: Path | None) -> tuple[bytes, int]:
    data = book.finish()
    return data, path.stat().st_size if path else len(data)


async def audit(store: Store, actor_id: int | None, branch_id: int, first: date, last: date,
                *, notes: bool, found: ExportFile | None, by: str, at: datetime,
                failed: str | None = None) -> None:
    """Audit-log an export (every one is): who (None: the command line or the weekly
    report), which branch and days, with notes or not, what was made (or why it failed),
    and `by` what ("chat", "cli", "weekly")."""
    detail: dict[str, object] = {"first": first.isoformat(), "last": last.isoformat(),
                                 "notes": notes}
    if found is not None:
        detail.update({"file": found.file_name, "bytes": found.size,
                       "rows": dict(zip(found.sheets, found.rows, strict=True))})
    if failed is not None:
        detail["failed"] = failed
    detail["by"] = by
    await store.audit.record(actor_id, "export", branch_id=branch_id, allowed=True,
                             detail=detail, at=at)


async def export_branch(store: Store, translate: Translator, actor: Actor | None,
                        branch_id: int, first: date, last: date, *, now: datetime,
                        language: str, notes: bool | None = None) -> ExportFile:
    """The export use case in this process (`frontline export`; `/export` builds in a child
    process, `process.exported`): build the workbook and audit it (actor None: the command
    line).

    The caller has checked that `actor` may lead `branch_id` (`bot.rules.access.may_lead`).
    `notes` None: as `bot.rules.records.may_read_notes` decides for a reader of this subtree
    (a secretary of its root or above, or an admin; never their own notes).
    """
    if notes is None:
        notes = actor is not None and await may_lead(store, actor, branch_id)
    found = await build_export(store, translate, language, branch_id, first, last, now=now,
                               notes=notes, reader_id=actor.user_id if actor else None)
    await audit(store, actor.user_id if actor else None, branch_id, first, last, notes=notes,
                found=found, by="chat" if actor else "cli", at=now)
    return found


__all__ = ["DOCUMENT_MAX", "SHEETS", "ExportFile", "Job", "NoBranch", "SheetBuilder", "audit",
           "build_export", "export_branch", "file_name"]
