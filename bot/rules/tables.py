"""What every import of a table file shares (the households import and the roster import):
the rows under a header (`Table`), why a row or a file is refused (`RowError`), and running
a big parse without the cycle collector (`quickly`).

A kind of file is described by its `Layout`: the header names it knows (in any language,
any case, surrounding spaces ignored), the columns a row must have, the columns a row is
read as, the most rows it may hold and the catalogue section its reasons are rendered from
(`imports` for households, `rosterimport` for the roster). The bytes are read into records
by `bot.rules.households.files` (CSV text or an XLSX's first sheet, with its limits), which
both imports use; its name is historical.

A `Table` reads the records: blank lines skipped, the first other line the header (a header
name known twice, or a required column missing, refuses the file), then each row: in a
workbook, a date cell whose shown text cannot be told refuses its row; in a CSV, a row with
more fields than the header, or too few to reach a required column, is refused; more rows
than `max_rows` refuse the file, and so does a file without a header or without a row. Line
numbers are the file's own (the header is line 1), so a secretary finds the row in their
editor.
"""

from __future__ import annotations

import csv
import gc
import io
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from typing import ParamSpec, TypeVar

from bot.i18n import Translator

DELIMITERS = (",", ";", "\t", "\uff0c")  # comma, semicolon, tab, Chinese comma
MAX_SHOWN = 40  # a cell quoted back in a reason is cut to this many characters
# Column keys are named as files spell them, the same in every language.
COLUMN_NAMES = ", "

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Reason:
    """One problem as a catalog key (under `<catalog>.reason.`) and the values to fill in."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a line of the file (None: the whole file) cannot be imported.

    `key` and `values` name the first reason in the catalog (`<catalog>.reason.<key>`);
    `more` holds further reasons found on the same line; `catalog` is the import's section
    of the catalogue (`imports`: households), which also gives the line's form and the
    separator between reasons.
    """

    line: int | None
    key: str
    values: Mapping[str, object] = field(default_factory=dict)
    more: tuple[Reason, ...] = ()
    catalog: str = "imports"

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """Every reason of this line, the first one first."""
        return (Reason(self.key, self.values), *self.more)

    def render(self, translate: Translator, language: str,
               escape: Callable[[str], str] | None = None) -> str:
        """The reasons in `language`, without the line; `escape` is applied to text values."""
        def fill(value: object) -> object:
            return escape(value) if escape is not None and isinstance(value, str) else value

        return translate(language, f"{self.catalog}.separator").join(
            translate(language, f"{self.catalog}.reason.{reason.key}",
                      **{name: fill(value) for name, value in reason.values.items()})
            for reason in self.reasons)

    def describe(self, translate: Translator, language: str,
                 escape: Callable[[str], str] | None = None) -> str:
        """`line N: reasons` (or the reasons alone for the whole file) in `language`."""
        reason = self.render(translate, language, escape)
        if self.line is None:
            return reason
        return translate(language, f"{self.catalog}.line", line=self.line, reason=reason)

    def __str__(self) -> str:
        return self.describe(_english(), "en")


@cache
def _english() -> Translator:
    return Translator("en")


class Unshown(str):
    """A workbook's date cell whose shown text cannot be told (see
    `bot.rules.households.shown`): the text is the date in ISO form, for the reason that
    refuses its row."""

    __slots__ = ()


class Refused(Exception):
    """The whole file is refused: `errors` say why (the header's problems, too many rows,
    no header or no row)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors[0].key)
        self.errors = errors


@dataclass(frozen=True)
class Layout:
    """What a kind of table file holds (see the module docstring)."""

    headers: Mapping[str, str]  # a header name, casefolded -> its column key
    required: tuple[str, ...]
    columns: tuple[str, ...]  # what a row is read as, in this order (at least two)
    max_rows: int
    too_many: str  # the reason beyond `max_rows` rows, with {max}
    catalog: str = "imports"

    def key(self, name: str) -> str | None:
        """The column key of a header name, or None if it names no known column."""
        return self.headers.get(name.strip().lstrip("\ufeff").casefold())

    def error(self, line: int | None, key: str, values: Mapping[str, object] | None = None,
              more: tuple[Reason, ...] = ()) -> RowError:
        """A refusal rendered from this layout's catalogue."""
        return RowError(line, key, values or {}, more, self.catalog)


def shown(text: str) -> str:
    """A cell as quoted back in a reason: cut, so one wild cell cannot flood the answer."""
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"


def nfkc(text: str) -> str:
    """Full-width digits and letters as ASCII (ASCII text is already so: the fast way)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def delimiter(text: str, layout: Layout) -> str:
    """The delimiter of a CSV text: of the comma, semicolon, tab and Chinese comma, the one
    that splits the header (the first non-blank line) into the most known column names; a
    tie (or none known) is the comma."""
    first = next((line for line in io.StringIO(text, newline=None) if line.strip()), "")
    best, known = ",", 0
    for candidate in DELIMITERS:
        try:
            fields = next(csv.reader([first.rstrip("\n")], delimiter=candidate), [])
        except csv.Error:  # a stray line break: the reading proper will say so
            continue
        count = sum(layout.key(f) is not None for f in fields)
        if count > known:
            best, known = candidate, count
    return best


class Table:
    """The rows of one file under its header (see the module docstring).

    After `read` has started, `header` is the header's cells, `columns` where each known
    column is, `width` the header's length and `rows` how many rows (non-blank lines after
    the header) were read.
    """

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.header: list[str] = []
        self.columns: dict[str, int] = {}
        self.width = 0
        self.rows = 0

    def read(self, records: Iterable[tuple[int, list[str]]], *, xlsx: bool,
             errors: list[RowError]) -> Iterator[tuple[int, tuple[str, ...], list[str]]]:
        """(line, the layout's columns, every cell) of each row whose shape is right; rows
        refused for their shape go to `errors`. Raises `Refused` for the whole file.

        The cells of a row reach one past the header's width: a column the header lacks
        reads that empty cell."""
        layout = self.layout
        pick: Callable[[list[str]], tuple[str, ...]] | None = None
        width = 0
        for line, record in records:
            if not "".join(record).strip():
                continue
            if pick is None:
                self._read_header(line, record)
                width = self.width = len(record)
                self.header = record
                pick = itemgetter(*(self.columns.get(key, width) for key in layout.columns))
                continue
            self.rows += 1
            if self.rows > layout.max_rows:
                raise Refused([layout.error(None, layout.too_many, {"max": layout.max_rows})])
            if xlsx:
                # Cells are separate in a sheet: nothing like a stray comma can shift them.
                record = (record + [""] * width)[:width]
                if self._date_cell(line, record, errors):
                    continue
            count = len(record)
            if count > width:
                errors.append(layout.error(line, "too_many_fields",
                                           {"fields": count, "width": width}))
                continue
            if count < width:
                lacking = [key for key in layout.required if self.columns[key] >= count]
                if lacking:
                    errors.append(layout.error(line, "row_missing_columns",
                                               {"columns": COLUMN_NAMES.join(lacking)}))
                    continue
            cells = record + [""] * (width + 1 - count)
            yield line, pick(cells), cells
        if pick is None:
            raise Refused([layout.error(None, "empty_file")])
        if not self.rows:
            raise Refused([layout.error(None, "no_rows")])

    def _read_header(self, line: int, record: list[str]) -> None:
        layout, columns = self.layout, self.columns
        problems = []
        for index, name in enumerate(record):
            key = layout.key(name)
            if key is None:
                continue  # a column the layout does not know
            if key in columns:
                problems.append(Reason("two_columns", {"column": key,
                                                       "first": shown(record[columns[key]]),
                                                       "second": shown(name)}))
            columns[key] = index
        missing = [key for key in layout.required if key not in columns]
        if missing:
            problems.append(Reason("missing_columns", {"columns": COLUMN_NAMES.join(missing)}))
        if problems:
            columns.clear()
            raise Refused([layout.error(line, r.key, r.values) for r in problems])

    def _date_cell(self, line: int, record: list[str], errors: list[RowError]) -> bool:
        """True (and the reason in `errors`) if a column read holds a date the sheet shows in
        a way that cannot be told here (see `bot.rules.households.shown`)."""
        for index in self.columns.values():
            cell = record[index]
            if isinstance(cell, Unshown):
                errors.append(self.layout.error(line, "date_cell", {
                    "column": shown(self.header[index].strip()), "value": str(cell)}))
                return True
        return False


_gc_lock = threading.Lock()
_gc_paused = 0  # calls of `quickly` under way that paused the cycle collector


def quickly(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `work` with Python's cycle collector paused.

    Parsing a file makes hundreds of thousands of small objects that all live on, so the
    collector runs again and again over a growing heap without freeing anything: nearly half
    the time of a 200,000-row parse. The rows hold no cycles; collection resumes after.
    """
    global _gc_paused
    with _gc_lock:
        mine = _gc_paused > 0 or gc.isenabled()  # else someone else turned it off: theirs
        if mine:
            _gc_paused += 1
            gc.disable()
    if not mine:
        return work(*args, **kwargs)
    try:
        return work(*args, **kwargs)
    finally:
        with _gc_lock:
            _gc_paused -= 1
            if _gc_paused == 0:
                gc.enable()
