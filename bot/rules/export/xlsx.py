"""A small streaming XLSX writer: sheets written one after the other, row by row, straight into
the zip (in memory, or a file), so that memory stays flat however many rows a sheet has.

Why not a library: XlsxWriter in `constant_memory` mode took 24 s (openpyxl's write-only mode
longer) for the check-ins sheet of 100,000 members over 30 days alone, almost all of it in the
per-cell call; this writer makes each row's XML in one pass over its cells (`sheet`) and
writes the same sheet in a few seconds. It writes only what the export needs: numbers, text
(inline), words repeated across a sheet (shared strings), dates and date-times as real date
cells, percentages, a bold header row frozen with an autofilter, column widths, a fill per
style.

A cell is given as a value (None: empty; `str`: text; `Word`: a shared string; `bool`, `int`,
`float`: a number; `datetime`, `date`: a date cell) and, optionally, a style name in a
parallel list. Sheets are written one at a time, each given its place among the tabs, so a
sheet made from what the others counted (the export's summary) can be written last and still
come first. Not thread-safe: one thread writes a book at a time (the export awaits each
piece it hands to a worker thread before the next).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO
from xml.sax.saxutils import quoteattr

from bot.rules.export import parts
from bot.rules.export.cells import BASE_STYLES, Style, Word, column_letter, text_width
from bot.rules.export.parts import styles_xml
from bot.rules.export.sheet import Sheet

__all__ = ["Book", "Sheet", "Style", "Word", "column_letter", "text_width"]


class Book:
    """A workbook being written, into memory (`finish` returns the file) or into `path`."""

    def __init__(self, styles: dict[str, Style] | None = None, *,
                 path: Path | None = None) -> None:
        self._buffer: io.BytesIO | None = None if path else io.BytesIO()
        target: Path | io.BytesIO = path or self._buffer or io.BytesIO()
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED,
                                    compresslevel=1)
        self.styles: dict[str, int] = {}
        self._style_list: list[Style] = [Style()]
        for name, style in {**BASE_STYLES, **(styles or {})}.items():
            self.styles[name] = len(self._style_list)
            self._style_list.append(style)
        self._shared: dict[str, int] = {}
        self._done: list[Sheet] = []  # in the order written
        self._open: Sheet | None = None

    @property
    def sheets(self) -> list[tuple[str, int, int]]:
        """(title, rows written, columns) of each sheet closed, in the tabs' order."""
        return [(s.title, s.rows, len(s.headers)) for s in self._tabs()]

    def _tabs(self) -> list[Sheet]:
        return sorted(self._done, key=lambda s: (s.position, s.number))

    def sheet(self, title: str, headers: Sequence[str], *,
              widths: dict[int, int] | None = None, position: int | None = None) -> Sheet:
        """Start the next sheet (the one before must be closed) with its header row; `widths`
        fixes some columns' widths (in characters) instead of measuring them; `position` is
        its place among the tabs (by default, after those written before it)."""
        assert self._open is None, "close the sheet before starting another"
        number = len(self._done) + 1
        self._open = Sheet(self, title, number, number - 1 if position is None else position,
                           list(headers), widths or {})
        return self._open

    def shared(self, text: str) -> int:
        """The shared string's number."""
        number = self._shared.get(text)
        if number is None:
            number = self._shared[text] = len(self._shared)
        return number

    def part(self, name: str) -> IO[bytes]:
        """A part of the package opened for writing (one at a time)."""
        return self._zip.open(name, "w", force_zip64=True)

    def _closed(self, sheet: Sheet) -> None:
        self._done.append(sheet)
        self._open = None

    def finish(self) -> bytes:
        """Write the workbook's parts and close it; the file (b"" when written to a path)."""
        assert self._open is None, "close the last sheet first"
        z = self._zip
        count = len(self._done)
        z.writestr("[Content_Types].xml", parts.content_types(count))
        z.writestr("_rels/.rels", parts.ROOT_RELS)
        z.writestr("docProps/app.xml", parts.APP)
        z.writestr("docProps/core.xml", parts.CORE)
        z.writestr("xl/workbook.xml", self._workbook_xml())
        z.writestr("xl/_rels/workbook.xml.rels", parts.workbook_rels(count))
        z.writestr("xl/styles.xml", styles_xml(self._style_list))
        z.writestr("xl/sharedStrings.xml", parts.shared_strings(list(self._shared)))
        z.close()
        return self._buffer.getvalue() if self._buffer is not None else b""

    def _workbook_xml(self) -> str:
        tabs = self._tabs()
        sheets = "".join(f'<sheet name={quoteattr(s.title)} sheetId="{s.number}"'
                         f' r:id="rId{s.number}"/>' for s in tabs)
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
            f"{parts.quoted(s.title)}!$A$1:${column_letter(max(len(s.headers) - 1, 0))}"
            f"${s.rows + 1}</definedName>"
            for n, s in enumerate(tabs))
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<workbook xmlns="{parts.NS}" xmlns:r="{parts.R}">'
                "<bookViews><workbookView/></bookViews>"
                f"<sheets>{sheets}</sheets>"
                + (f"<definedNames>{names}</definedNames>" if names else "") + "</workbook>")
