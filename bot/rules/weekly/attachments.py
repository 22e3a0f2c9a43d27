"""The files a weekly report carries: the one hook the week's chart and export plug into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.i18n import Translate
from storage.store import Store


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a weekly report, right after its text, to each of its readers."""

    kind: str  # "photo" or "document": the outbox's attachment kinds
    file_name: str  # "week-2026-03-02.xlsx"
    data: bytes
    caption: str = ""  # in the reader's language; at most 1024 characters


async def weekly_attachments(store: Store, translate: Translate, language: str,
                             branch_id: int, first: date, last: date, *,
                             now: datetime) -> list[Attachment]:
    """The files the weekly report of `branch_id` over the local days `first`..`last` carries,
    for a reader of `language` (called once per language of its readers).

    TODO(issue 15): return the week's chart (a "photo": the branch's check-in rate over
    `first`..`last`, `bot.rules.charts.chart_png`) and the week's XLSX export (a "document":
    the export of `branch_id` over `first`..`last`, as `/export` makes it), each with a
    short caption in `language`; then turn each into the outbox's attachment where the
    messages are made (`bot.rules.weekly.runs.attachment_message`).
    """
    return []
