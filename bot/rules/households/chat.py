"""What a secretary types in chat: one household as the fields of a file's row
(`split_fields`, `save_household`, checked and written by the import's rules), and the words
of a command's arguments, quoted names with spaces included (`command_words`)."""

from __future__ import annotations

from datetime import datetime

from bot.rules.households.matching import match_members, member_keys
from bot.rules.households.results import ImportResult, RowError
from bot.rules.households.rows import ROW_COLUMNS, ParsedRow, check_records
from storage.households import HouseholdInput
from storage.store import Store


async def _resolve(store: Store, branch_id: int, rows: list[ParsedRow],
                   errors: list[RowError]) -> list[HouseholdInput]:
    """The rows whose members belong to the branch's subtree; the others go to `errors`."""
    wanted = member_keys(rows)
    found = await store.records.members_named(branch_id, ids=wanted.ids,
                                              usernames=wanted.usernames,
                                              phones=wanted.phones, names=wanted.names)
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
    rows, errors = check_records(records, xlsx=False)
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
