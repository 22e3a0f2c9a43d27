"""Importing households from a CSV file: decoding, columns, row checks, all-or-nothing.

The rules, decided here once for the CLI and (later) the chat upload:

- **Size**: a file over `MAX_BYTES` (10 MB) is refused before it is read further.
- **Encoding**: UTF-8, with or without a byte-order mark; otherwise GB18030 (a superset of
  GBK and GB2312, what Excel on a Chinese Windows writes). Anything else is refused.
- **Layout**: comma-separated, first line the header, quoted fields as Excel writes them.
  Blank lines are skipped. Line numbers are the file's own (the header is line 1), so a
  secretary can find the row in their editor.
- **Columns** (header names, case and surrounding spaces ignored; English or Chinese):
  `zone` 区域/网格/片区, `label` 户/门牌/门牌号/户号, `address` 地址, `people` 人数,
  `notes` 备注, `responsible` 责任人. zone, label, people and responsible are required;
  address and notes may be left out. Other columns are ignored.
- **Rows**: zone and label non-empty; people a whole number from 1 to `MAX_PEOPLE`;
  responsible a member's @username (the @ optional) or numeric Telegram id, who belongs to
  the branch or a branch below it; a (zone, label) pair at most once in the file.
- **Vulnerable**: a household whose notes mention living alone, old age, disability or
  quarantine (`VULNERABLE_WORDS`) is flagged vulnerable, so coverage wants it daily.
- **Writing**: nothing is written unless every row is good; `only_good=True` writes the good
  rows anyway (after the secretary confirms). Households are upserted by (zone, label) and
  zones created as needed, in one transaction.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from storage.households import HouseholdInput
from storage.store import Store

MAX_BYTES = 10 * 1024 * 1024
MAX_PEOPLE = 999
MAX_NAME = 64  # zone and label: shown on buttons
MAX_TEXT = 500  # address and notes

REQUIRED = ("zone", "label", "people", "responsible")
OPTIONAL = ("address", "notes")
HEADERS: dict[str, str] = {
    "zone": "zone", "区域": "zone", "网格": "zone", "片区": "zone",
    "label": "label", "户": "label", "门牌": "label", "门牌号": "label", "户号": "label",
    "address": "address", "地址": "address",
    "people": "people", "人数": "people",
    "notes": "notes", "note": "notes", "备注": "notes",
    "responsible": "responsible", "责任人": "responsible",
}
VULNERABLE_WORDS = (
    "alone", "elderly", "disab", "bedridden", "quarantin", "isolat",
    "独居", "老人", "孤寡", "空巢", "残疾", "卧床", "隔离", "居家观察",
)


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a line of the file (None: the whole file) cannot be imported."""

    line: int | None
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line is not None else self.reason


@dataclass(slots=True)
class ImportResult:
    """What an import did: households created and updated, and the problems found."""

    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    good_rows: int = 0

    @property
    def written(self) -> bool:
        """True if anything was written."""
        return self.created + self.updated > 0


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """A row that passed the checks that need no database."""

    line: int
    zone: str
    label: str
    address: str
    people: int
    notes: str
    responsible: str  # "@username" lowered without the @, or the id's digits


def decode(data: bytes) -> str | None:
    """The text of the file as UTF-8 (BOM or not) or else GB18030; None if neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def is_vulnerable(notes: str) -> bool:
    """True if the notes mention living alone, old age, disability or quarantine."""
    text = notes.casefold()
    return any(word in text for word in VULNERABLE_WORDS)


def _responsible_key(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).strip()
    if value.startswith("@"):
        value = value[1:]
    return value if value.isascii() and value.isdigit() else value.casefold()


def parse(data: bytes) -> tuple[list[ParsedRow], list[RowError]]:
    """The rows of a households CSV, and every problem found without the database."""
    if len(data) > MAX_BYTES:
        return [], [RowError(None, f"the file is {len(data) / 1024 / 1024:.1f} MB; "
                                   f"the limit is {MAX_BYTES // 1024 // 1024} MB")]
    text = decode(data)
    if text is None:
        return [], [RowError(None, "the file is neither UTF-8 nor GBK text; save it as "
                                   "CSV UTF-8")]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    columns: dict[str, int] = {}
    width = 0
    seen: dict[tuple[str, str], int] = {}
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if not columns:
                header_errors = _read_header(record, columns)
                if header_errors:
                    return [], [RowError(line, reason) for reason in header_errors]
                width = len(record)
                continue
            row = _check_row(line, record, columns, width, errors)
            if row is None:
                continue
            first = seen.setdefault((row.zone, row.label), line)
            if first != line:
                errors.append(RowError(line, f"label {row.label!r} in zone {row.zone!r} "
                                             f"already appears on line {first}"))
                continue
            rows.append(row)
    except csv.Error as exc:
        return [], [RowError(start, f"not readable as CSV ({exc})")]
    if not columns:
        return [], [RowError(None, "the file is empty (expected a header line and rows)")]
    if not rows and not errors:
        return [], [RowError(None, "the file has a header but no households")]
    return rows, errors


def _read_header(record: list[str], columns: dict[str, int]) -> list[str]:
    problems = []
    for index, name in enumerate(record):
        key = HEADERS.get(name.strip().lstrip("\ufeff").casefold())
        if key is None:
            continue  # extra columns are ignored
        if key in columns:
            problems.append(f"two columns mean {key}: {record[columns[key]]!r} and {name!r}")
        columns[key] = index
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        problems.append("missing column(s): " + ", ".join(missing)
                        + " (expected: zone, label, address, people, notes, responsible)")
    if problems:
        columns.clear()
    return problems


def _check_row(line: int, record: list[str], columns: dict[str, int], width: int,
               errors: list[RowError]) -> ParsedRow | None:
    if len(record) > width:
        errors.append(RowError(line, f"{len(record)} fields but the header has {width} "
                                     "(a comma inside an unquoted field?)"))
        return None
    lacking = [key for key in REQUIRED if columns[key] >= len(record)]
    if lacking:
        errors.append(RowError(line, "missing column(s): " + ", ".join(lacking)))
        return None

    def cell(key: str) -> str:
        index = columns.get(key)
        return record[index].strip() if index is not None and index < len(record) else ""

    zone, label, people_text = cell("zone"), cell("label"), cell("people")
    address, notes, responsible = cell("address"), cell("notes"), cell("responsible")
    reasons = []
    if not zone:
        reasons.append("empty zone")
    if not label:
        reasons.append("empty label")
    if len(zone) > MAX_NAME or len(label) > MAX_NAME:
        reasons.append(f"zone and label may have at most {MAX_NAME} characters")
    if len(address) > MAX_TEXT or len(notes) > MAX_TEXT:
        reasons.append(f"address and notes may have at most {MAX_TEXT} characters")
    digits = unicodedata.normalize("NFKC", people_text)
    people = int(digits) if digits.isascii() and digits.isdigit() else 0
    if not 1 <= people <= MAX_PEOPLE:
        reasons.append(f"people must be a whole number from 1 to {MAX_PEOPLE}, "
                       f"got {people_text!r}")
    key = _responsible_key(responsible)
    if not key:
        reasons.append("empty responsible (a member's @username or Telegram id)")
    if reasons:
        errors.append(RowError(line, "; ".join(reasons)))
        return None
    return ParsedRow(line, zone, label, address, people, notes, key)


async def import_households(store: Store, branch_id: int, data: bytes, *, now: datetime,
                            only_good: bool = False) -> ImportResult:
    """Check the file's rows and write them all, or nothing (unless `only_good`).

    Responsible members must belong to `branch_id` or a branch below it.
    """
    rows, errors = parse(data)
    keys = {row.responsible for row in rows}
    found = await store.members_in_subtree(
        branch_id, ids=[int(k) for k in keys if k.isdigit()],
        usernames=[k for k in keys if not k.isdigit()])
    members: dict[str, int] = {str(member_id): member_id for member_id, _ in found}
    members.update({name.casefold(): member_id for member_id, name in found if name})
    good: list[HouseholdInput] = []
    for row in rows:
        member_id = members.get(row.responsible)
        if member_id is None:
            shown = row.responsible if row.responsible.isdigit() else "@" + row.responsible
            errors.append(RowError(row.line, f"responsible {shown} is not a member of this "
                                             "branch or a branch below it"))
            continue
        good.append(HouseholdInput(row.zone, row.label, row.address, row.people, row.notes,
                                   member_id, is_vulnerable(row.notes)))
    errors.sort(key=lambda e: (e.line or 0))
    result = ImportResult(errors=errors, good_rows=len(good))
    if good and (only_good or not errors):
        result.created, result.updated = await store.upsert_households(branch_id, good, at=now)
    return result
