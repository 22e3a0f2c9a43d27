"""The files a weekly report carries: the one hook the week's chart and export plug into."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.rules.charts import ChartKind, gather, render
from bot.rules.export import DOCUMENT_MAX, audit
from bot.rules.export.process import build_workbook
from bot.text import esc
from storage.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a weekly report, right after its text, to each of its readers."""

    kind: str  # "photo" or "document": the outbox's attachment kinds
    file_name: str  # "week-2026-03-02.xlsx"
    data: bytes
    caption: str = ""  # in the reader's language; at most 1024 characters


async def weekly_attachments(store: Store, translate: Translator, language: str,
                             branch_id: int, first: date, last: date, *,
                             now: datetime, members: int = 0) -> list[Attachment]:
    """The files the weekly report of `branch_id` over the local days `first`..`last` carries,
    for a reader of `language` (called once per language of its readers): the week's chart
    (the digest's chart over those days, as it stood at the end of `last`) and the week's
    workbook (the export of `branch_id` over `first`..`last`, as `/export` makes it).

    The workbook carries no notes on members (`/export` does, for the one who asks): the
    report's file goes alike to every secretary of the branch and, for the root, to the
    admins, and a note on one of them must not reach them. One over Telegram's 50 MB upload
    limit is left out (logged), as is a file that cannot be made: the report goes without it.
    The workbook of a big subtree (`members`, see `bot.rules.export.process.ISOLATE_FROM`) is
    built in a child process, as `/export` builds, so the bot keeps answering meanwhile.
    """
    branch = await store.branches.get(branch_id)
    if branch is None:
        return []
    files: list[Attachment] = []
    end = datetime.combine(last + timedelta(days=1), time(0), ZoneInfo(branch.timezone))
    as_of = min(now, end - timedelta(seconds=1))
    try:
        series = await gather(store, branch, ChartKind.checkins, (last - first).days + 1, as_of)
        files.append(Attachment(
            "photo", f"week-{branch_id}-{first.isoformat()}.png",
            await render(series, translate, language),
            translate(language, "weekly.chart_caption", branch=esc(branch.name),
                      first=first.isoformat(), last=last.isoformat())))
    except Exception:
        logger.exception("the weekly chart of branch %s failed; the report goes without it",
                         branch_id)
    try:
        workbook = await build_workbook(store, translate, language, branch_id, first, last,
                                        now=now, notes=False, members=members)
        # Every export is audit-logged, this one too: by the weekly report, to its readers.
        await audit(store, None, branch_id, first, last, notes=False, found=workbook,
                    by="weekly", at=now)
        if workbook.size > DOCUMENT_MAX:
            logger.error("the weekly workbook of branch %s is %s bytes, over Telegram's limit;"
                         " the report goes without it", branch_id, workbook.size)
        else:
            files.append(Attachment(
                "document", workbook.file_name, workbook.data,
                translate(language, "weekly.workbook_caption", branch=esc(branch.name),
                          first=first.isoformat(), last=last.isoformat(),
                          sheets=translate(language, "export.sheet_joiner").join(
                              workbook.sheets))))
    except Exception:
        logger.exception("the weekly workbook of branch %s failed; the report goes without it",
                         branch_id)
    return files
