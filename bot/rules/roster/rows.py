"""A roster file's rows, checked without the database (`parse`): the file is read by the
households import's reader and rules (`bot.rules.households.files`, `bot.rules.tables`:
size, format, encodings, header, row shapes, limits), then each row's name, phone and free
columns are checked here. Its branch and role are resolved, and the person matched, against
the database by `bot.rules.roster.plan`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.rules.households.files import MAX_BYTES, MAX_ROWS, Unreadable, open_records
from bot.rules.roster.phones import normal_phone
from bot.rules.tables import Layout, Reason, Refused, RowError, Table, shown
from storage.roster import notes_json

CATALOG = "rosterimport"
MAX_NAME = 64  # a name is shown on buttons and printed sheets
MAX_NOTE = 500  # one free column's cell
REQUIRED = ("name",)
COLUMNS = ("name", "phone", "branch", "role")
HEADERS: dict[str, str] = {
    "name": "name", "姓名": "name", "名字": "name",
    "phone": "phone", "mobile": "phone", "电话": "phone", "手机": "phone", "手机号": "phone",
    "手机号码": "phone", "电话号码": "phone", "联系电话": "phone",
    "branch": "branch", "支部": "branch", "所在支部": "branch",
    "role": "role", "身份": "role", "角色": "role",
}
LAYOUT = Layout(HEADERS, REQUIRED, COLUMNS, MAX_ROWS, "too_many_people", CATALOG)

__all__ = ["LAYOUT", "MAX_BYTES", "MAX_ROWS", "Parsed", "PersonRow", "parse"]


class PersonRow(NamedTuple):
    """A row that passed the checks that need no database (a tuple: 100,000 are made fast)."""

    line: int
    name: str
    phone: str | None  # as `normal_phone` writes it; None: no phone given
    branch: str  # the cell as written (stripped); "": not given
    role: str  # the cell as written (stripped); "": not given
    notes: str | None  # the free columns' non-empty cells as JSON; None: none


@dataclass(slots=True)
class Parsed:
    """A roster file checked without the database."""

    people: list[PersonRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0  # the file's rows (its non-blank lines below the header)
    notes: bool = False  # the file has free columns: its notes replace a person's


def _error(line: int | None, key: str, values: dict[str, object] | None = None,
           more: tuple[Reason, ...] = ()) -> RowError:
    return RowError(line, key, values or {}, more, CATALOG)


def parse(data: bytes, file_name: str | None = None) -> Parsed:
    """The people of a roster CSV or XLSX, and every problem found without the database."""
    try:
        with open_records(data, file_name, LAYOUT, MAX_BYTES) as (records, xlsx):
            return check_records(records, xlsx=xlsx)
    except Unreadable as exc:
        return Parsed(errors=[_error(exc.line, exc.key, dict(exc.values))])


def _free_columns(table: Table) -> list[tuple[int, str]]:
    """(index, name) of the columns kept as notes: every column the layout does not know.
    A column without a name is called by its number; a name used twice gets its number."""
    known = set(table.columns.values())
    free: list[tuple[int, str]] = []
    names: set[str] = set()
    for index, header in enumerate(table.header):
        if index in known:
            continue
        name = header.strip().lstrip("\ufeff") or f"#{index + 1}"
        if name in names:
            name = f"{name} #{index + 1}"
        names.add(name)
        free.append((index, name))
    return free


def check_records(records: Iterable[tuple[int, list[str]]], *, xlsx: bool) -> Parsed:
    """The people of the records (see `parse`)."""
    parsed = Parsed()
    people, errors = parsed.people, parsed.errors
    table = Table(LAYOUT)
    free: list[tuple[int, str]] | None = None
    phones: dict[str, int] = {}
    try:
        for line, (name, phone_text, branch, role), cells in table.read(
                records, xlsx=xlsx, errors=errors):
            if free is None:
                free = _free_columns(table)
            name, phone_text = name.strip(), phone_text.strip()
            notes = {column: value for index, column in free if (value := cells[index].strip())}
            phone = normal_phone(phone_text) if phone_text else None
            first = phones.setdefault(phone, line) if phone else line
            long_note = next((c for c, v in notes.items() if len(v) > MAX_NOTE), None)
            if name and len(name) <= MAX_NAME and (phone or not phone_text) and first == line \
                    and long_note is None:
                people.append(PersonRow(line, name, phone, branch.strip(), role.strip(),
                                        notes_json(notes)))
                continue
            reasons: list[Reason] = []
            if not name:
                reasons.append(Reason("empty_name"))
            elif len(name) > MAX_NAME:
                reasons.append(Reason("name_too_long", {"max": MAX_NAME}))
            if phone_text and not phone:
                reasons.append(Reason("bad_phone", {"value": shown(phone_text)}))
            elif first != line:
                reasons.append(Reason("phone_twice", {"phone": shown(phone_text),
                                                      "first": first}))
            if long_note is not None:
                reasons.append(Reason("note_too_long", {"column": shown(long_note),
                                                        "max": MAX_NOTE}))
            head, *more = reasons
            errors.append(_error(line, head.key, dict(head.values), tuple(more)))
    except Refused as exc:
        return Parsed(errors=exc.errors)
    parsed.rows = table.rows
    parsed.notes = bool(free)
    return parsed
