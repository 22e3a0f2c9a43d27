"""One sheet of the export's XLSX writer (`xlsx.Book.sheet`): rows written in order, each row's
XML made in one pass over its cells, straight into the zip.

Where the time goes: a workbook of 100,000 members over 30 days has some five million cells,
three million of them the check-ins' status words. Each cell's text is its column's opening
(`<c r="C`), the row's number, and a tail that for a word in a style is the same in every row
(made once, then looked up); numbers, texts and dates are formatted in one f-string each. A
`Run` (the check-ins' days) is a row's stretch of words from a `Palette` made once per sheet:
its cells are joined in one comprehension, several times faster than cell by cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any

from bot.rules.export import parts
from bot.rules.export.cells import (
    EPOCH,
    WIDTH_MAX,
    WIDTH_MIN,
    WIDTH_ROWS,
    Word,
    clean,
    column_letter,
    text_width,
)

if TYPE_CHECKING:
    from bot.rules.export.xlsx import Book

_EPOCH_DAY = EPOCH.date()
_SPARE_COLUMNS = 64  # cells a row may have beyond its headers


class Palette:
    """Words in styles a sheet writes in runs (`Run`), each under a key (a check-in status):
    the tail of each key's cell (style, shared string) is made once."""

    def __init__(self, tails: dict[str, str]) -> None:
        self.tails = tails

    def run(self, keys: list[str | None]) -> Run:
        """A stretch of consecutive cells, one per key (None: an empty cell)."""
        return Run(self, keys)


class Run:
    """Consecutive cells of a row, each the word of its key in a `Palette` (see `Sheet.write`),
    in the place of one value; its style is its palette's."""

    __slots__ = ("keys", "palette")

    def __init__(self, palette: Palette, keys: list[str | None]) -> None:
        self.palette, self.keys = palette, keys


class Sheet:
    """One sheet being written: rows in order, then `close`. The first `WIDTH_ROWS` rows are
    held back to measure the columns' widths, then everything streams into the zip."""

    def __init__(self, book: Book, title: str, number: int, position: int,
                 headers: list[str], widths: dict[int, int]) -> None:
        self.book, self.title, self.number, self.headers = book, title, number, headers
        self.position = position  # the sheet's place among the tabs (0: the first)
        self.rows = 0
        self._fixed = widths
        self._widths = [text_width(h) + 2 for h in headers]  # room for the filter's arrow
        columns = max(len(headers), 1) + _SPARE_COLUMNS
        self._openings = [f'<c r="{column_letter(i)}' for i in range(columns)]
        self._no_styles: list[str | None] = [None] * columns
        # A style's attribute, closing the cell's reference: '" s="3"' (None: '"').
        self._attrs: dict[str | None, str] = {
            None: '"', **{name: f'" s="{n}"' for name, n in book.styles.items()}}
        self._word_tails: dict[str | None, dict[str, str]] = {}
        self._held: list[str] | None = []
        self._stream: IO[bytes] | None = None
        head = self._attrs["header"]
        cells = "".join(f'{self._openings[i]}1{head} t="inlineStr"><is><t>{clean(h)}</t></is>'
                        "</c>" for i, h in enumerate(headers))
        self._head_row = f'<row r="1">{cells}</row>'

    def palette(self, words: dict[str, tuple[Word, str | None]]) -> Palette:
        """A palette of words (each under a key, in a style) for this sheet's runs."""
        return Palette({key: f'{self._attrs[name]} t="s"><v>{self.book.shared(word)}</v></c>'
                        for key, (word, name) in words.items()})

    def write(self, rows: Iterable[Sequence[Any]],
              styles: Iterable[Sequence[str | None] | None] | None = None) -> None:
        """Write rows; `styles`, if given, has one list of style names (or None) per row, one
        per value (a `Run` is one value, however many cells it spans)."""
        openings, attrs, word_tails = self._openings, self._attrs, self._word_tails
        shared = self.book.shared
        out: list[str] = []
        style_rows = iter(styles) if styles is not None else None
        for values in rows:
            self.rows += 1
            r = str(self.rows + 1)
            names = next(style_rows) if style_rows is not None else None
            if names is None:
                names = self._no_styles
            cells: list[str] = []
            add = cells.append
            i = 0  # the cell's column: a run spans several
            for at, value in enumerate(values):
                if value is None:
                    i += 1
                    continue
                kind = type(value)
                name = names[at]
                if kind is Word:
                    tails = word_tails.get(name)
                    if tails is None:
                        tails = word_tails[name] = {}
                    tail = tails.get(value)
                    if tail is None:
                        tail = tails[value] = f'{attrs[name]} t="s"><v>{shared(value)}</v></c>'
                    add(openings[i] + r + tail)
                elif kind is str:
                    if value:
                        add(f'{openings[i]}{r}{attrs[name]} t="inlineStr"><is><t'
                            f' xml:space="preserve">{clean(value)}</t></is></c>')
                elif kind is int or kind is float:
                    add(f"{openings[i]}{r}{attrs[name]}><v>{value!r}</v></c>")
                elif kind is Run:
                    keys, run_tails = value.keys, value.palette.tails
                    add("".join([openings[c] + r + run_tails[k]
                                 for c, k in enumerate(keys, i) if k is not None]))
                    i += len(keys)
                    continue
                elif kind is bool:
                    add(f'{openings[i]}{r}{attrs[name]} t="b"><v>{int(value)}</v></c>')
                elif kind is datetime:
                    serial = (value.replace(tzinfo=None) - EPOCH).total_seconds() / 86400
                    add(f"{openings[i]}{r}{attrs[name or 'datetime']}><v>{serial!r}</v></c>")
                elif kind is date:
                    add(f"{openings[i]}{r}{attrs[name or 'date']}>"
                        f"<v>{(value - _EPOCH_DAY).days}</v></c>")
                else:
                    raise TypeError(f"a cell cannot hold {kind.__name__}")
                i += 1
            out.append(f'<row r="{r}">{"".join(cells)}</row>')
            if self._held is not None:
                self._measure(values)
        if self._held is not None:
            self._held.extend(out)
            if self.rows >= WIDTH_ROWS:
                self._start()
        elif out:
            assert self._stream is not None
            self._stream.write("".join(out).encode())

    def _measure(self, values: Sequence[Any]) -> None:
        widths = self._widths
        i = 0
        for value in values:
            if isinstance(value, Run):  # its columns' widths are fixed by the caller
                i += len(value.keys)
                continue
            if i < len(widths) and value is not None:
                if isinstance(value, str):
                    width = text_width(value.split("\n", 1)[0])
                elif isinstance(value, datetime):
                    width = 16
                elif isinstance(value, date):
                    width = 10
                else:
                    width = len(f"{value:.1f}" if isinstance(value, float) else str(value))
                if width + 1 > widths[i]:
                    widths[i] = width + 1
            i += 1

    def _start(self) -> None:
        """Open the sheet's part in the zip, with the widths measured so far."""
        held = self._held or []
        self._held = None
        cols = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{self._width(i)}" customWidth="1"/>'
            for i in range(len(self.headers)))
        self._stream = self.book.part(f"xl/worksheets/sheet{self.number}.xml")
        tab = ' tabSelected="1"' if self.position == 0 else ""
        self._stream.write(
            (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet'
             f' xmlns="{parts.NS}" xmlns:r="{parts.R}"><sheetViews>'
             f'<sheetView{tab} workbookViewId="0">'
             '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
             '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView>'
             '</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
             + (f"<cols>{cols}</cols>" if cols else "")
             + f"<sheetData>{self._head_row}{''.join(held)}").encode())

    def _width(self, index: int) -> int:
        if index in self._fixed:
            return self._fixed[index]
        return max(WIDTH_MIN, min(self._widths[index], WIDTH_MAX))

    def close(self) -> None:
        """End the sheet: the autofilter over the header and every row written."""
        if self._held is not None:
            self._start()
        assert self._stream is not None
        last = column_letter(max(len(self.headers) - 1, 0))
        self._stream.write(f'</sheetData><autoFilter ref="A1:{last}{self.rows + 1}"/>'
                           "</worksheet>".encode())
        self._stream.close()
        self.book._closed(self)
