"""A households file's rows, checked without the database (`parse`: size, format, header,
each row, read by the shared `bot.rules.tables.Table`; the rules are the package's
docstring); `matching` then finds their members."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from bot.rules.households.files import MAX_BYTES, MAX_ROWS, Unreadable, open_records
from bot.rules.households.results import Reason, RowError
from bot.rules.naming import fold
from bot.rules.tables import Layout, Refused, Table, nfkc, shown

MAX_PEOPLE = 999
MAX_NAME = 64  # zone and label: shown on buttons
MAX_TEXT = 500  # address and notes
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
LAYOUT = Layout(HEADERS, REQUIRED, ROW_COLUMNS, MAX_ROWS, "too_many_households")
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




def parse(data: bytes, file_name: str | None = None) -> tuple[list[ParsedRow], list[RowError]]:
    """The rows of a households CSV or XLSX, and every problem found without the database."""
    try:
        with open_records(data, file_name, LAYOUT, MAX_BYTES) as (records, xlsx):
            return check_records(records, xlsx=xlsx)
    except Unreadable as exc:
        return [], [RowError(exc.line, exc.key, exc.values)]


def check_records(records: Iterable[tuple[int, list[str]]], *,
                   xlsx: bool) -> tuple[list[ParsedRow], list[RowError]]:
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    try:
        for line, cells, _ in Table(LAYOUT).read(records, xlsx=xlsx, errors=errors):
            row = _check_row(line, cells, errors)
            if row is None:
                continue
            first = seen.setdefault((row.zone, row.label), line)
            if first != line:
                errors.append(RowError(line, "duplicate", {"label": shown(row.label),
                                                           "zone": shown(row.zone),
                                                           "first": first}))
                continue
            rows.append(row)
    except Refused as exc:
        return [], exc.errors
    return rows, errors


def _check_row(line: int, cells: tuple[str, ...], errors: list[RowError]) -> ParsedRow | None:
    zone, label, address, people_text, notes, responsible, backup = cells
    zone, label, address, notes = zone.strip(), label.strip(), address.strip(), notes.strip()
    people_text, responsible, backup = people_text.strip(), responsible.strip(), backup.strip()
    digits = nfkc(people_text)
    people = int(digits) if digits.isascii() and digits.isdigit() else -1
    responsible, backup = nfkc(responsible).strip(), nfkc(backup).strip()
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
