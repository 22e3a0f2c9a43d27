"""A households file's rows, checked without the database (`parse`: size, format, header,
each row; the rules are the package's docstring); `matching` then finds their members."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import NamedTuple

from bot.rules.households.files import (
    MAX_ROWS,
    OLE_MAGIC,
    Unreadable,
    Unshown,
    csv_records,
    decode,
    is_xlsx,
    xlsx_records,
)
from bot.rules.households.results import Reason, RowError
from bot.rules.naming import fold

MAX_BYTES = 10 * 1024 * 1024
DELIMITERS = (",", ";", "\t", "\uff0c")  # comma, semicolon, tab, Chinese comma
MAX_PEOPLE = 999
MAX_NAME = 64  # zone and label: shown on buttons
MAX_TEXT = 500  # address and notes
MAX_SHOWN = 40  # a cell quoted back in a reason is cut to this many characters
REQUIRED = ("zone", "label", "people", "responsible")
OPTIONAL = ("address", "notes", "backup")
# The columns of one household typed in chat, in the order of the import file's header.
ROW_COLUMNS = ("zone", "label", "address", "people", "notes", "responsible", "backup")
HEADERS: dict[str, str] = {
    "zone": "zone", "区域": "zone", "网格": "zone", "片区": "zone",
    "label": "label", "户": "label", "门牌": "label", "门牌号": "label", "户号": "label",
    "address": "address", "地址": "address",
    "people": "people", "人数": "people",
    "notes": "notes", "note": "notes", "备注": "notes",
    "responsible": "responsible", "责任人": "responsible",
    "backup": "backup", "备岗": "backup", "备岗人": "backup", "后备责任人": "backup",
}
VULNERABLE_WORDS = (
    "alone", "elderly", "disab", "bedridden", "quarantin", "isolat",
    "独居", "老人", "孤寡", "空巢", "残疾", "卧床", "隔离", "居家观察",
)


class ParsedRow(NamedTuple):
    """A row that passed the checks that need no database (a tuple: 200,000 are made fast)."""

    line: int
    zone: str
    label: str
    address: str
    people: int
    notes: str
    responsible: str  # the cell as written (full-width forms made ASCII): a name, @username,
    backup: str = ""  # phone or id (`bot.rules.naming`); "" for no backup


def is_vulnerable(notes: str) -> bool:
    """True if the notes mention living alone, old age, disability or quarantine."""
    if not notes:
        return False
    text = notes.casefold()
    return any(word in text for word in VULNERABLE_WORDS)


def shown(text: str) -> str:
    """A cell as quoted back in a reason: cut, so one wild cell cannot flood the answer."""
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"


def _nfkc(text: str) -> str:
    """Full-width digits and letters as ASCII (ASCII text is already so: the fast way)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def parse(data: bytes, file_name: str | None = None) -> tuple[list[ParsedRow], list[RowError]]:
    """The rows of a households CSV or XLSX, and every problem found without the database."""
    if len(data) > MAX_BYTES:
        return [], [RowError(None, "too_big", {"size": f"{len(data) / 1024 / 1024:.1f}",
                                               "limit": MAX_BYTES // 1024 // 1024})]
    name = (file_name or "").lower()
    if data.startswith(OLE_MAGIC) or name.endswith(".xls"):
        return [], [RowError(None, "old_excel")]
    try:
        if is_xlsx(data, file_name):
            with xlsx_records(data) as records:
                return check_records(records, xlsx=True)
        text = decode(data)
        if text is None:
            return [], [RowError(None, "not_text")]
        return check_records(csv_records(text, delimiter(text)), xlsx=False)
    except Unreadable as exc:
        return [], [RowError(exc.line, exc.key, exc.values)]


def check_records(records: Iterable[tuple[int, list[str]]], *,
                   xlsx: bool) -> tuple[list[ParsedRow], list[RowError]]:
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    columns: dict[str, int] = {}
    width = 0
    header: list[str] = []
    pick: Callable[[list[str]], tuple[str, ...]] | None = None
    seen: dict[tuple[str, str], int] = {}
    count = 0
    for line, record in records:
        if not "".join(record).strip():
            continue
        if columns:
            count += 1
            if count > MAX_ROWS:
                return [], [RowError(None, "too_many_households", {"max": MAX_ROWS})]
        else:
            header_errors = _read_header(record, columns)
            if header_errors:
                return [], [RowError(line, r.key, r.values) for r in header_errors]
            width, header = len(record), record
            # Where each of ROW_COLUMNS is; a column the header lacks reads the empty cell
            # added after the last one.
            pick = itemgetter(*(columns.get(key, width) for key in ROW_COLUMNS))
            continue
        if xlsx:
            # Cells are separate in a sheet: nothing like a stray comma can shift them.
            record = (record + [""] * width)[:width]
            if _date_cell(line, record, columns, header, errors):
                continue
        assert pick is not None
        row = _check_row(line, record, columns, width, pick, errors)
        if row is None:
            continue
        first = seen.setdefault((row.zone, row.label), line)
        if first != line:
            errors.append(RowError(line, "duplicate", {"label": shown(row.label),
                                                       "zone": shown(row.zone),
                                                       "first": first}))
            continue
        rows.append(row)
    if not columns:
        return [], [RowError(None, "empty_file")]
    if not rows and not errors:
        return [], [RowError(None, "no_rows")]
    return rows, errors


def delimiter(text: str) -> str:
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
        count = sum(HEADERS.get(f.strip().lstrip("\ufeff").casefold()) is not None
                    for f in fields)
        if count > known:
            best, known = candidate, count
    return best


def _date_cell(line: int, record: list[str], columns: dict[str, int], header: list[str],
               errors: list[RowError]) -> bool:
    """True (and the reason in `errors`) if a column read holds a date the sheet shows in a
    way that cannot be told here (see `bot.rules.households.shown`)."""
    for index in columns.values():
        cell = record[index]
        if isinstance(cell, Unshown):
            errors.append(RowError(line, "date_cell", {"column": shown(header[index].strip()),
                                                       "value": str(cell)}))
            return True
    return False


def _read_header(record: list[str], columns: dict[str, int]) -> list[Reason]:
    problems = []
    for index, name in enumerate(record):
        key = HEADERS.get(name.strip().lstrip("\ufeff").casefold())
        if key is None:
            continue  # extra columns are ignored
        if key in columns:
            problems.append(Reason("two_columns", {"column": key,
                                                   "first": shown(record[columns[key]]),
                                                   "second": shown(name)}))
        columns[key] = index
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        problems.append(Reason("missing_columns", {"columns": ", ".join(missing)}))
    if problems:
        columns.clear()
    return problems


def _check_row(line: int, record: list[str], columns: dict[str, int], width: int,
               pick: Callable[[list[str]], tuple[str, ...]],
               errors: list[RowError]) -> ParsedRow | None:
    count = len(record)
    if count > width:
        errors.append(RowError(line, "too_many_fields", {"fields": count, "width": width}))
        return None
    if count < width:
        lacking = [key for key in REQUIRED if columns[key] >= count]
        if lacking:
            errors.append(RowError(line, "row_missing_columns",
                                   {"columns": ", ".join(lacking)}))
            return None
    cells = record + [""] * (width + 1 - count)
    zone, label, address, people_text, notes, responsible, backup = pick(cells)
    zone, label, address, notes = zone.strip(), label.strip(), address.strip(), notes.strip()
    people_text, responsible, backup = people_text.strip(), responsible.strip(), backup.strip()
    digits = _nfkc(people_text)
    people = int(digits) if digits.isascii() and digits.isdigit() else -1
    responsible, backup = _nfkc(responsible).strip(), _nfkc(backup).strip()
    key, backup_key = fold(responsible), fold(backup)
    if (zone and label and len(zone) <= MAX_NAME and len(label) <= MAX_NAME
            and len(address) <= MAX_TEXT and len(notes) <= MAX_TEXT
            and 0 <= people <= MAX_PEOPLE and key and backup_key != key):
        return ParsedRow(line, zone, label, address, people, notes, responsible, backup)
    reasons: list[Reason] = []
    if not zone:
        reasons.append(Reason("empty_zone"))
    if not label:
        reasons.append(Reason("empty_label"))
    if len(zone) > MAX_NAME or len(label) > MAX_NAME:
        reasons.append(Reason("name_too_long", {"max": MAX_NAME}))
    if len(address) > MAX_TEXT or len(notes) > MAX_TEXT:
        reasons.append(Reason("text_too_long", {"max": MAX_TEXT}))
    if not 0 <= people <= MAX_PEOPLE:
        reasons.append(Reason("bad_people", {"max": MAX_PEOPLE, "value": shown(people_text)}))
    if not key:
        reasons.append(Reason("empty_responsible"))
    elif backup_key == key:
        reasons.append(Reason("backup_is_responsible", {"who": shown(backup)}))
    first, *more = reasons
    errors.append(RowError(line, first.key, first.values, tuple(more)))
    return None
