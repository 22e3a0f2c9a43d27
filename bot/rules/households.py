"""Importing households from a CSV or XLSX file: decoding, columns, row checks, all-or-nothing.

The rules, decided here once for the CLI and the chat upload (`/import households`):

- **Size**: a file over `MAX_BYTES` (10 MB) is refused before it is read further; so is
  one of more than `MAX_ROWS` (200,000) households, about what a 10 MB CSV holds.
- **Format**: a file whose bytes are a ZIP (`PK\\x03\\x04`) or whose name ends in `.xlsx` is an
  Excel workbook; an old binary `.xls` is refused with a hint; anything else is CSV text.
- **Encoding** (CSV): UTF-8, with or without a byte-order mark; otherwise GB18030 (a superset
  of GBK and GB2312, what Excel on a Chinese Windows writes). Anything else is refused.
- **Layout** (CSV): comma-separated, first line the header, quoted fields as Excel writes them.
  Blank lines are skipped. Line numbers are the file's own (the header is line 1), so a
  secretary can find the row in their editor.
- **Layout** (XLSX): the first sheet, read with openpyxl in read-only mode; the first non-empty
  row is the header and line numbers are the sheet's row numbers. Cells become text (a whole
  number stored as 3.0 reads "3", an empty cell ""); only the first `MAX_COLUMNS` columns are
  read. A sheet may have at most `MAX_SHEET_ROWS` (50,000) rows: reading a workbook costs
  about ten times what a CSV line does, so the refusal suggests saving it as CSV. What a
  workbook may cost to read (unpacked sizes, shared strings, CPU) is bounded before
  openpyxl parses anything; see `bot.rules.household_files`.
- **Columns** (header names, case and surrounding spaces ignored; English or Chinese):
  `zone` 区域/网格/片区, `label` 户/门牌/门牌号/户号, `address` 地址, `people` 人数,
  `notes` 备注, `responsible` 责任人, `backup` 备岗/备岗人/后备责任人. zone, label, people
  and responsible are required; address, notes and backup may be left out. Other columns
  are ignored.
- **Rows**: zone and label non-empty; people a whole number from 1 to `MAX_PEOPLE`;
  responsible a member's @username (the @ optional) or numeric Telegram id, who belongs to
  the branch or a branch below it; backup, if not empty, the same kind of member and not
  the responsible one (whether named alike or by username and id); a (zone, label) pair at
  most once in the file.
- **Vulnerable**: a household whose notes mention living alone, old age, disability or
  quarantine (`VULNERABLE_WORDS`) is flagged vulnerable, so coverage wants it daily.
- **Writing** (`bot.rules.household_import`): nothing is written unless every row is good;
  `only_good=True` writes the good rows anyway (after the secretary confirms). Households
  are upserted by (zone, label) and zones created as needed, all or nothing, in short
  pieces that never hold the writer's lock long (see `storage.household_imports`). Every
  column is written on an update: an empty backup (or no backup column) clears the
  household's backup.
- **One row in chat** (`/household add`): the same columns in the same order
  (`ROW_COLUMNS`), separated by `,` or the Chinese `，` (`split_fields`), checked and
  written by the same code as a file's row (`save_household`); only the zone is matched
  ignoring case, to an existing zone of the branch, as `/zone` matches names.
- **Reasons** are catalog keys (`imports.reason.*`) with values, rendered in the reader's
  language by `RowError.render`, so the CLI and the chat share them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from operator import itemgetter
from typing import NamedTuple

from bot.i18n import Translator
from bot.rules.household_files import (
    MAX_ROWS,
    OLE_MAGIC,
    Unreadable,
    csv_records,
    decode,
    is_xlsx,
    xlsx_records,
)
from storage.households import HouseholdInput
from storage.store import Store

MAX_BYTES = 10 * 1024 * 1024
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
REASON = "imports.reason."


@dataclass(frozen=True, slots=True)
class Reason:
    """One problem as a catalog key (under `imports.reason.`) and the values to fill in."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a line of the file (None: the whole file) cannot be imported.

    `key` and `values` name the first reason in the catalog (`imports.reason.<key>`);
    `more` holds further reasons found on the same line.
    """

    line: int | None
    key: str
    values: Mapping[str, object] = field(default_factory=dict)
    more: tuple[Reason, ...] = ()

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """Every reason of this line, the first one first."""
        return (Reason(self.key, self.values), *self.more)

    def render(self, translate: Translator, language: str,
               escape: Callable[[str], str] | None = None) -> str:
        """The reasons in `language`, without the line; `escape` is applied to text values."""
        def fill(value: object) -> object:
            return escape(value) if escape is not None and isinstance(value, str) else value

        return translate(language, "imports.separator").join(
            translate(language, REASON + reason.key,
                      **{name: fill(value) for name, value in reason.values.items()})
            for reason in self.reasons)

    def describe(self, translate: Translator, language: str,
                 escape: Callable[[str], str] | None = None) -> str:
        """`line N: reasons` (or the reasons alone for the whole file) in `language`."""
        reason = self.render(translate, language, escape)
        if self.line is None:
            return reason
        return translate(language, "imports.line", line=self.line, reason=reason)

    def __str__(self) -> str:
        return self.describe(_english(), "en")


@cache
def _english() -> Translator:
    return Translator("en")


@dataclass(slots=True)
class ImportResult:
    """What an import did: households created and updated, and the problems found."""

    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    good_rows: int = 0
    zones: list[str] = field(default_factory=list)  # of the rows written, in file order
    households: list[HouseholdInput] = field(default_factory=list)  # as written

    @property
    def written(self) -> bool:
        """True if anything was written."""
        return self.created + self.updated > 0


class ParsedRow(NamedTuple):
    """A row that passed the checks that need no database (a tuple: 200,000 are made fast)."""

    line: int
    zone: str
    label: str
    address: str
    people: int
    notes: str
    responsible: str  # "@username" lowered without the @, or the id's digits
    backup: str = ""  # the same kind of key; "" for no backup


def is_vulnerable(notes: str) -> bool:
    """True if the notes mention living alone, old age, disability or quarantine."""
    if not notes:
        return False
    text = notes.casefold()
    return any(word in text for word in VULNERABLE_WORDS)


def _shown(text: str) -> str:
    """A cell as quoted back in a reason: cut, so one wild cell cannot flood the answer."""
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"


def _nfkc(text: str) -> str:
    """Full-width digits and letters as ASCII (ASCII text is already so: the fast way)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def _responsible_key(text: str) -> str:
    value = _nfkc(text).strip()
    if value.startswith("@"):
        value = value[1:]
    return value if value.isascii() and value.isdigit() else value.casefold()


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
                return _check_records(records, xlsx=True)
        text = decode(data)
        if text is None:
            return [], [RowError(None, "not_text")]
        return _check_records(csv_records(text), xlsx=False)
    except Unreadable as exc:
        return [], [RowError(exc.line, exc.key, exc.values)]


def _check_records(records: Iterable[tuple[int, list[str]]], *,
                   xlsx: bool) -> tuple[list[ParsedRow], list[RowError]]:
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    columns: dict[str, int] = {}
    width = 0
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
            width = len(record)
            # Where each of ROW_COLUMNS is; a column the header lacks reads the empty cell
            # added after the last one.
            pick = itemgetter(*(columns.get(key, width) for key in ROW_COLUMNS))
            continue
        if xlsx:
            # Cells are separate in a sheet: nothing like a stray comma can shift them.
            record = (record + [""] * width)[:width]
        assert pick is not None
        row = _check_row(line, record, columns, width, pick, errors)
        if row is None:
            continue
        first = seen.setdefault((row.zone, row.label), line)
        if first != line:
            errors.append(RowError(line, "duplicate", {"label": _shown(row.label),
                                                       "zone": _shown(row.zone),
                                                       "first": first}))
            continue
        rows.append(row)
    if not columns:
        return [], [RowError(None, "empty_file")]
    if not rows and not errors:
        return [], [RowError(None, "no_rows")]
    return rows, errors


def _read_header(record: list[str], columns: dict[str, int]) -> list[Reason]:
    problems = []
    for index, name in enumerate(record):
        key = HEADERS.get(name.strip().lstrip("\ufeff").casefold())
        if key is None:
            continue  # extra columns are ignored
        if key in columns:
            problems.append(Reason("two_columns", {"column": key,
                                                   "first": _shown(record[columns[key]]),
                                                   "second": _shown(name)}))
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
    people = int(digits) if digits.isascii() and digits.isdigit() else 0
    key = _responsible_key(responsible)
    backup_key = _responsible_key(backup) if backup else ""
    if (zone and label and len(zone) <= MAX_NAME and len(label) <= MAX_NAME
            and len(address) <= MAX_TEXT and len(notes) <= MAX_TEXT
            and 1 <= people <= MAX_PEOPLE and key and backup_key != key):
        return ParsedRow(line, zone, label, address, people, notes, key, backup_key)
    reasons: list[Reason] = []
    if not zone:
        reasons.append(Reason("empty_zone"))
    if not label:
        reasons.append(Reason("empty_label"))
    if len(zone) > MAX_NAME or len(label) > MAX_NAME:
        reasons.append(Reason("name_too_long", {"max": MAX_NAME}))
    if len(address) > MAX_TEXT or len(notes) > MAX_TEXT:
        reasons.append(Reason("text_too_long", {"max": MAX_TEXT}))
    if not 1 <= people <= MAX_PEOPLE:
        reasons.append(Reason("bad_people", {"max": MAX_PEOPLE, "value": _shown(people_text)}))
    if not key:
        reasons.append(Reason("empty_responsible"))
    elif backup_key == key:
        reasons.append(Reason("backup_is_responsible", {"who": _shown(_who(key))}))
    first, *more = reasons
    errors.append(RowError(line, first.key, first.values, tuple(more)))
    return None


def _who(key: str) -> str:
    """A member's key as quoted back: the id's digits, or the @username."""
    return key if key.isdigit() else "@" + key


def member_keys(rows: list[ParsedRow]) -> tuple[list[int], list[str]]:
    """The ids and @usernames the rows name as responsible or backup members."""
    keys = {row.responsible for row in rows} | {row.backup for row in rows if row.backup}
    return [int(k) for k in keys if k.isdigit()], [k for k in keys if not k.isdigit()]


def match_members(rows: list[ParsedRow], found: list[tuple[int, str | None]],
                  errors: list[RowError]) -> list[HouseholdInput]:
    """The rows whose members are among `found` (id, username), as households to write;
    the others go to `errors`, which end up sorted by line."""
    members: dict[str, int] = {str(member_id): member_id for member_id, _ in found}
    members.update({name.casefold(): member_id for member_id, name in found if name})
    good: list[HouseholdInput] = []
    for row in rows:
        member_id = members.get(row.responsible)
        backup_id = members.get(row.backup) if row.backup else None
        if member_id is None or (row.backup and (backup_id is None or backup_id == member_id)):
            reasons: list[Reason] = []
            if member_id is None:
                reasons.append(Reason("not_member", {"who": _shown(_who(row.responsible))}))
            if row.backup and backup_id is None:
                reasons.append(Reason("backup_not_member", {"who": _shown(_who(row.backup))}))
            elif backup_id is not None and backup_id == member_id:
                # One named by @username, the other by id: still the same member.
                reasons.append(Reason("backup_is_responsible",
                                      {"who": _shown(_who(row.backup))}))
            first, *more = reasons
            errors.append(RowError(row.line, first.key, first.values, tuple(more)))
            continue
        good.append(HouseholdInput(row.zone, row.label, row.address, row.people, row.notes,
                                   member_id, is_vulnerable(row.notes), backup_id))
    errors.sort(key=lambda e: (e.line or 0))
    return good


async def _resolve(store: Store, branch_id: int, rows: list[ParsedRow],
                   errors: list[RowError]) -> list[HouseholdInput]:
    """The rows whose members belong to the branch's subtree; the others go to `errors`."""
    ids, usernames = member_keys(rows)
    found = await store.people.in_subtree(branch_id, ids=ids, usernames=usernames)
    return match_members(rows, found, errors)


QUOTE = '"'
SEPARATORS = (",", "\uff0c")  # the ASCII comma and the full-width Chinese one


def split_fields(text: str) -> list[str] | None:
    """The fields of one household typed in chat, or None if a quote is left open.

    Fields are separated by `,` or `，`; a field may be quoted with `"` as in a CSV file
    (`""` inside quotes is one quote), so that it can hold a comma. Fields are stripped.
    """
    fields: list[str] = []
    current: list[str] = []
    quoted = False
    index = 0
    while index < len(text):
        char = text[index]
        if quoted:
            if char == QUOTE and text[index + 1:index + 2] == QUOTE:
                current.append(QUOTE)
                index += 1
            elif char == QUOTE:
                quoted = False
            else:
                current.append(char)
        elif char == QUOTE and not "".join(current).strip():
            current, quoted = [], True
        elif char in SEPARATORS:
            fields.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
    if quoted:
        return None
    fields.append("".join(current).strip())
    return fields


async def save_household(store: Store, branch_id: int, fields: list[str], *,
                         now: datetime) -> ImportResult:
    """Check one household given as the fields of a file's row (in `ROW_COLUMNS` order) by
    the import's rules, and create or update it; the zone is matched ignoring case.

    The result has at most one error (for line 1) and, if written, the household.
    """
    records = [(0, list(ROW_COLUMNS)), (1, fields)]
    rows, errors = _check_records(records, xlsx=False)
    good = await _resolve(store, branch_id, rows, errors)
    result = ImportResult(errors=errors, good_rows=len(good))
    for item in good:
        zone = await store.zones.named(branch_id, item.zone)
        if zone is not None:
            item = item._replace(zone=zone.name)
        result.created, result.updated = await store.households.upsert(branch_id, [item],
                                                                       at=now)
        result.zones, result.households = [item.zone], [item]
    return result


# Quotes that may wrap a name with spaces in a command: "…", “…” and 「…」.
QUOTES = {'"': '"', "\u201c": "\u201d", "\u300c": "\u300d"}


def command_words(text: str) -> list[str] | None:
    """The words of a command's arguments, or None if a quote is left open.

    Words are separated by spaces; a word starting with a quote (`"`, `“` or `「`) runs to
    its closing quote (`"`, `”` or `」`) and may hold spaces, e.g. `"Building 3"`. A quote
    inside a word is a character like any other (`O'Brien`, `东“湖”`).
    """
    words: list[str] = []
    index, length = 0, len(text)
    while index < length:
        if text[index].isspace():
            index += 1
            continue
        close = QUOTES.get(text[index])
        word: list[str] = []
        if close is not None:
            end = text.find(close, index + 1)
            if end < 0:
                return None
            word.append(text[index + 1:end])
            index = end + 1
        while index < length and not text[index].isspace():
            word.append(text[index])
            index += 1
        words.append("".join(word))
    return words
