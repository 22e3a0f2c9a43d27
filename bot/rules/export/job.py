"""What every sheet builder of an export gets: the period, the subtree, its members in order,
the reader's language, and the workbook, with the writing done in a worker thread.

A sheet builder is `async def build(job: Job) -> None`: it reads through `job.store` (in
pieces, see `storage.export`; `prefetched` reads the next piece while one is written) and
hands each piece to `job.write`, which turns the rows into cells and writes them in a worker
thread, so that the event loop keeps answering everyone. Sheets are written in the order of
`SHEETS` (bot.rules.export) and shown in the order of `TABS`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.rules.export.tally import Tally
from bot.rules.export.xlsx import Book, Sheet, Style, Word
from storage.export import ExportMember
from storage.rows import BranchNode
from storage.store import Store

PIECE = 2000  # members (or needs, tasks, visits) read and written at a time
# The sheets in the order of the workbook's tabs (each titled by `export.sheet.<key>`).
TABS = ("summary", "checkins", "needs", "tasks", "visits", "records", "leaders",
        "leaders_about")
T = TypeVar("T")
R = TypeVar("R")

# The fill of each check-in status (and of a day without one), as on the check-in buttons.
STATUS_FILLS = {
    "on_duty": "C6EFCE",
    "available": "DDEBF7",
    "unwell": "F8CBAD",
    "quarantined": "FFE699",
    "off": "EDEDED",
    "checked_in": "E2EFDA",  # a day whose status is no longer kept (retention)
    "none": "FFC7CE",
}
STYLES = {status: Style(fill=rgb) for status, rgb in STATUS_FILLS.items()}

Rows = list[Sequence[Any]]
Styles = list[Sequence[str | None] | None]


@dataclass
class Job:
    """One export being built."""

    store: Store
    translate: Translator
    language: str
    branches: list[BranchNode]  # the subtree in tree order; the first is its root
    first: date
    last: date
    start: datetime  # the period's instants [start, end) in the root's timezone
    end: datetime
    now: datetime
    notes: bool
    reader_id: int | None
    members: list[ExportMember] = field(default_factory=list)  # in tree order, then by name
    book: Book = field(default_factory=lambda: Book(STYLES))
    rows: dict[str, int] = field(default_factory=dict)  # sheet title -> rows written
    tally: Tally | None = None  # counted by the check-ins sheet (see `tally`)
    _zones: dict[int, ZoneInfo] = field(default_factory=dict)

    @property
    def root(self) -> BranchNode:
        """The branch exported."""
        return self.branches[0]

    @property
    def as_of(self) -> datetime:
        """When "still open" and "overdue" are judged: the period's end, or now."""
        return min(self.end, self.now)

    @property
    def days(self) -> list[date]:
        """The period's local days."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def t(self, key: str, **values: object) -> str:
        """A text of the catalogue in the reader's language."""
        return self.translate(self.language, key, **values)

    def word(self, key: str) -> Word:
        """A catalogue's word written once in the workbook (a status, a category)."""
        return Word(self.t(key))

    def branch_name(self, branch_id: int) -> str:
        """The branch's name ('' if it is not in the subtree)."""
        node = self.by_id.get(branch_id)
        return node.name if node else ""

    @property
    def by_id(self) -> dict[int, BranchNode]:
        """The subtree's branches by id."""
        cached = self.__dict__.get("_by_id")
        if cached is None:
            cached = self.__dict__["_by_id"] = {b.id: b for b in self.branches}
        return cached

    def zone(self, branch_id: int) -> ZoneInfo:
        """The branch's timezone (the root's for a branch outside the subtree)."""
        found = self._zones.get(branch_id)
        if found is None:
            node = self.by_id.get(branch_id, self.root)
            found = self._zones[branch_id] = ZoneInfo(node.timezone)
        return found

    def local(self, stamp: object, branch_id: int) -> datetime | None:
        """A stored instant as the branch's local date-time (naive, as a cell holds it)."""
        if not isinstance(stamp, str) or not stamp:
            return None
        return datetime.fromisoformat(stamp).astimezone(self.zone(branch_id)).replace(
            tzinfo=None)

    def sheet(self, key: str, headers: Sequence[str], *,
              widths: dict[int, int] | None = None) -> Sheet:
        """Start the sheet titled by the catalogue's `export.sheet.<key>`, in its place among
        the tabs (`TABS`)."""
        return self.book.sheet(sheet_title(self.t(f"export.sheet.{key}")), headers,
                               widths=widths, position=TABS.index(key))

    async def write(self, sheet: Sheet, make: Callable[[], tuple[Rows, Styles | None]]) -> None:
        """Make a piece's rows (and styles) and write them, in a worker thread."""
        await asyncio.to_thread(_write, sheet, make)

    async def close(self, sheet: Sheet) -> None:
        """End a sheet, in a worker thread (it writes the rows held back to measure)."""
        await asyncio.to_thread(sheet.close)
        self.rows[sheet.title] = sheet.rows


def _write(sheet: Sheet, make: Callable[[], tuple[Rows, Styles | None]]) -> None:
    rows, styles = make()
    sheet.write(rows, styles)


def sheet_title(text: str) -> str:
    """A name Excel accepts for a sheet: none of []:*?/\\, at most 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:31] or "Sheet"


def minutes(later: datetime | None, earlier: datetime | None) -> float | None:
    """Minutes from `earlier` to `later`, to one decimal (None if either is missing)."""
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds() / 60, 1)


def hours(later: datetime | None, earlier: datetime | None) -> float | None:
    """Hours from `earlier` to `later`, to one decimal."""
    found = minutes(later, earlier)
    return None if found is None else round(found / 60, 1)


def pieces(items: Sequence[T], size: int = PIECE) -> Iterable[Sequence[T]]:
    """`items` in consecutive slices of `size`."""
    for at in range(0, len(items), size):
        yield items[at:at + size]


async def prefetched(items: Iterable[T], read: Callable[[T], Awaitable[R]]
                     ) -> AsyncIterator[tuple[T, R]]:
    """(item, what `read` found for it) for each item in order, the next one read while the
    caller writes the one given (SQLite's part of a read runs beside the writing thread)."""
    waiting: list[tuple[T, asyncio.Future[R]]] = []
    try:
        for item in items:
            waiting.append((item, asyncio.ensure_future(read(item))))
            if len(waiting) > 1:
                done, reading = waiting.pop(0)
                yield done, await reading
        while waiting:
            done, reading = waiting.pop(0)
            yield done, await reading
    finally:
        for _, reading in waiting:
            reading.cancel()
