"""Reading a households file into records: CSV text or the first sheet of an XLSX workbook.

The rules of the format (size, encodings, layout) are stated in `bot.households`; this
module only turns bytes into `(line, cells)` records, or raises `Unreadable` with the
reason (a key under `imports.reason.` and its values) why the file cannot be read further.
"""

from __future__ import annotations

import contextlib
import csv
import io
import warnings
import zipfile
from collections.abc import Generator, Iterator, Mapping
from datetime import datetime

MAX_COLUMNS = 50  # of an XLSX sheet
MAX_SHEET_ROWS = 50_000
MAX_UNPACKED = 100 * 1024 * 1024  # an XLSX's parts, unpacked

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


def csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of each CSV record; a record spanning lines has its first line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            yield line, record
    except csv.Error as exc:
        raise Unreadable(start, "bad_csv", {"detail": str(exc)}) from None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return str(value)


@contextlib.contextmanager
def xlsx_records(data: bytes) -> Iterator[Iterator[tuple[int, list[str]]]]:
    """(sheet row, cells as text) of the first sheet of a workbook, closed on leaving."""
    records = _xlsx_records(data)
    try:
        yield records
    finally:
        records.close()


def _xlsx_records(data: bytes) -> Generator[tuple[int, list[str]], None, None]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Unreadable(None, "bad_xlsx") from None
    if unpacked > MAX_UNPACKED:
        raise Unreadable(None, "xlsx_too_big", {"limit": MAX_UNPACKED // 1024 // 1024})
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
                rows = sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
                for number, cells in enumerate(rows, start=1):
                    if number > MAX_SHEET_ROWS:
                        raise Unreadable(None, "too_many_rows", {"max": MAX_SHEET_ROWS})
                    yield number, [_cell_text(value) for value in cells]
            finally:
                book.close()
    except Unreadable:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise Unreadable(None, "bad_xlsx") from None
