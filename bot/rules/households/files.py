"""Reading a table file into records: CSV text or the first sheet of an XLSX workbook.

Every import of a table uses it (households, the roster: see `bot.rules.tables`); it lives
here because the households import came first. The rules of the format (size, encodings,
layout) are stated in `bot.rules.households`; this module only turns bytes into
`(line, cells)` records (`open_records`), or raises `Unreadable` with the reason (a key
under the import's `<catalog>.reason.` and its values) why the file cannot be read further.

**What a workbook may cost.** An XLSX is a ZIP of XML parts, and a tiny one can unpack to
a huge one: a 0.22 MB workbook with 88 MB of shared strings once took 29 s of CPU and
510 MB. So before openpyxl parses anything, the ZIP's directory is read and the workbook
refused beyond: `MAX_UNPACKED` in all; a worksheet's XML over `MAX_SHEET_BYTES`; the
shared strings (`xl/sharedStrings.xml`, which openpyxl loads whole) over
`MAX_SHARED_BYTES`; any other XML part over `MAX_PART_BYTES`; more than
`MAX_SHARED_STRINGS` shared strings in all (`<si>` elements counted in one streaming pass
over every part but the sheets, without parsing them, so renaming the part does not get
past the count). ZIP sizes are the ones declared in the directory; Python's zipfile never
unpacks more than declared (a lying entry fails its checksum), so the bounds hold for what
openpyxl reads. Then the first sheet is read row by row: more than `MAX_SHEET_ROWS` rows,
or more than `MAX_SHEET_CPU_S` seconds of this thread's CPU, are refused too. Memory
follows from these bounds: at most `MAX_SHARED_BYTES` of text in at most
`MAX_SHARED_STRINGS` strings, the sheet streamed.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import time
import warnings
import zipfile
import zlib
from collections.abc import Generator, Iterator, Mapping
from datetime import date, datetime
from datetime import time as clock_time
from typing import Any

from bot.rules.households.shown import CJK_DATE_IDS, date_text
from bot.rules.tables import Layout, Unshown, delimiter

MB = 1024 * 1024
MAX_BYTES = 10 * MB  # a file sent in chat or imported from the command line
MAX_ROWS = 200_000  # rows (households, people) in one file: a 10 MB CSV holds about as many
MAX_COLUMNS = 50  # of an XLSX sheet
# Reading a sheet costs about ten times as much per row as a CSV line (openpyxl), so a
# workbook holds fewer households than a CSV (`MAX_ROWS`).
MAX_SHEET_ROWS = 50_000
MAX_UNPACKED = 100 * MB  # all of an XLSX's parts, unpacked
MAX_SHEET_BYTES = 64 * MB  # one worksheet's XML: 50,000 rows of 50 columns fit
MAX_SHARED_BYTES = 16 * MB  # the shared strings' XML
MAX_SHARED_STRINGS = 500_000  # 10 distinct texts in each of 50,000 rows
MAX_PART_BYTES = 4 * MB  # any other XML part openpyxl reads (workbook, styles, theme, ...)
MAX_SHEET_CPU_S = 30.0  # CPU seconds to read the workbook; 50,000 rows take about 5

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc)


class Unreadable(Exception):
    """The file cannot be read further: `key` (under `imports.reason.`) and `values` say why,
    `line` where (None: the whole file)."""

    def __init__(self, line: int | None, key: str,
                 values: Mapping[str, object] | None = None) -> None:
        super().__init__(key)
        self.line = line
        self.key = key
        self.values: Mapping[str, object] = values or {}


def decode(data: bytes) -> str | None:
    """The text of the file as UTF-8 (BOM or not) or else GB18030; None if neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def is_xlsx(data: bytes, file_name: str | None = None) -> bool:
    """True if the file is to be read as an Excel workbook (ZIP bytes, or named .xlsx)."""
    return data.startswith(ZIP_MAGIC) or (file_name or "").lower().endswith(".xlsx")


def csv_records(text: str, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of each CSV record; a record spanning lines has its first line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            yield line, record
    except csv.Error as exc:
        raise Unreadable(start, "bad_csv", {"detail": str(exc)}) from None


def _cell_text(cell: Any) -> str:
    """A cell as the sheet shows it: a date through its number format (or `Unshown`)."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (date, clock_time)):
        shown = date_text(value, cell.number_format)
        if shown is None:
            return Unshown(value.isoformat(sep=" ", timespec="minutes")
                           if isinstance(value, datetime) else value.isoformat())
        return shown
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        style = cell.style_array if cell.has_style else None
        if style is not None and style.numFmtId in CJK_DATE_IDS:
            # A date in a format openpyxl does not know: the serial, which no one typed.
            from openpyxl.utils.datetime import from_excel

            return Unshown(str(from_excel(value).date()))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@contextlib.contextmanager
def open_records(data: bytes, file_name: str | None, layout: Layout, max_bytes: int
                 ) -> Iterator[tuple[Iterator[tuple[int, list[str]]], bool]]:
    """The records of a table file, and True if it is a workbook (closed on leaving).

    Raises `Unreadable` for a file over `max_bytes`, an old binary .xls, or text that is
    neither UTF-8 nor GB18030; a CSV's delimiter is the one that splits the header into the
    most of `layout`'s column names (`bot.rules.tables.delimiter`).
    """
    if len(data) > max_bytes:
        raise Unreadable(None, "too_big", {"size": f"{len(data) / MB:.1f}",
                                           "limit": max_bytes // MB})
    if data.startswith(OLE_MAGIC) or (file_name or "").lower().endswith(".xls"):
        raise Unreadable(None, "old_excel")
    if is_xlsx(data, file_name):
        with xlsx_records(data) as records:
            yield records, True
    else:
        text = decode(data)
        if text is None:
            raise Unreadable(None, "not_text")
        yield csv_records(text, delimiter(text, layout)), False


@contextlib.contextmanager
def xlsx_records(data: bytes) -> Iterator[Iterator[tuple[int, list[str]]]]:
    """(sheet row, cells as text) of the first sheet of a workbook, closed on leaving."""
    records = _xlsx_records(data)
    try:
        yield records
    finally:
        records.close()


# The start of a shared string's element, <si> (possibly with a namespace prefix).
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
_OVERLAP = 64  # bytes kept from one block to the next, so a tag cut in two is still seen


def inspect_xlsx(data: bytes) -> None:
    """Refuse a workbook whose parts would cost too much to read (see the module docstring)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_UNPACKED:
                raise Unreadable(None, "xlsx_too_big", {"limit": MAX_UNPACKED // MB})
            strings = 0
            for info in infos:
                if _inspect_part(info):
                    # Count shared strings in every part but the sheets: [Content_Types].xml,
                    # not the name, tells openpyxl which part holds them.
                    strings += _shared_strings(archive, info, MAX_SHARED_STRINGS - strings)
                if strings > MAX_SHARED_STRINGS:
                    raise Unreadable(None, "xlsx_strings_too_big", {
                        "limit": MAX_SHARED_BYTES // MB, "max": MAX_SHARED_STRINGS})
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error):
        raise Unreadable(None, "bad_xlsx") from None


def _inspect_part(info: zipfile.ZipInfo) -> bool:
    """Refuse a part too big for what it is; True if it may hold shared strings."""
    name = info.filename.lower()
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        if info.file_size > MAX_SHEET_BYTES:
            raise Unreadable(None, "xlsx_sheet_too_big", {"limit": MAX_SHEET_BYTES // MB})
        return False
    if name == "xl/sharedstrings.xml":
        if info.file_size > MAX_SHARED_BYTES:
            raise Unreadable(None, "xlsx_strings_too_big", {"limit": MAX_SHARED_BYTES // MB,
                                                            "max": MAX_SHARED_STRINGS})
    elif name.endswith((".xml", ".rels", ".vml")) and info.file_size > MAX_PART_BYTES:
        raise Unreadable(None, "xlsx_part_too_big", {"part": info.filename[-60:],
                                                     "limit": MAX_PART_BYTES // MB})
    return True


def _shared_strings(archive: zipfile.ZipFile, info: zipfile.ZipInfo, most: int) -> int:
    """How many shared strings (<si> elements) a part holds, stopping past `most`."""
    count, tail = 0, b""
    with archive.open(info) as part:
        while count <= most and (chunk := part.read(MB)):
            block = tail + chunk
            # Tags wholly inside `tail` were counted with the block before.
            count += len(_SHARED_STRING.findall(block)) - len(_SHARED_STRING.findall(tail))
            tail = block[-_OVERLAP:]
    return count


def _xlsx_records(data: bytes) -> Generator[tuple[int, list[str]], None, None]:
    import openpyxl

    started = time.thread_time()
    inspect_xlsx(data)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read: not our business.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not book.worksheets:
                    raise Unreadable(None, "empty_file")
                sheet = book.worksheets[0]
                sheet.reset_dimensions()  # trust the rows, not a stale <dimension> tag
                rows = sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS)
                for number, cells in enumerate(rows, start=1):
                    if number > MAX_SHEET_ROWS:
                        raise Unreadable(None, "too_many_rows", {"max": MAX_SHEET_ROWS,
                                                                 "csv": MAX_ROWS})
                    if number % 256 == 0 and time.thread_time() - started > MAX_SHEET_CPU_S:
                        raise Unreadable(None, "xlsx_too_slow",
                                         {"seconds": int(MAX_SHEET_CPU_S)})
                    yield number, [_cell_text(cell) for cell in cells]
            finally:
                book.close()
    except Unreadable:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise Unreadable(None, "bad_xlsx") from None
