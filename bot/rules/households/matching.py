"""A households file's responsible and backup members, matched as every command names a
member (`bot.rules.naming`): a whole name (the organization's or Telegram's), an @username,
a phone number or a Telegram id, within the branch's subtree. The members every cell may
mean are read in one query (`member_keys`, then `storage.records.members_named`); each cell
must then name exactly one of them (`match_members`), else the row says who it could be."""

from __future__ import annotations

from bot.rules.households.results import Reason, RowError
from bot.rules.households.rows import ParsedRow, is_vulnerable, shown
from bot.rules.naming import Directory, Keys, keys
from storage.households import HouseholdInput
from storage.records import NamedMember

CANDIDATES_SHOWN = 5  # members named in a row's "fits several" reason


def member_keys(rows: list[ParsedRow]) -> Keys:
    """What the rows' responsible and backup cells may name."""
    return keys({row.responsible for row in rows} | {row.backup for row in rows if row.backup})


def _candidates(found: list[NamedMember]) -> str:
    """The members a cell fits, told apart: name · branch and @username (or the id)."""
    names = [f"{m.name} · {m.branch_name} " + (f"@{m.username}" if m.username
                                               else f"#{m.member_id}")
             for m in found[:CANDIDATES_SHOWN]]
    return " / ".join(names) + (" / …" if len(found) > CANDIDATES_SHOWN else "")


def _member(cell: str, directory: Directory, memo: dict[str, list[NamedMember]],
            role: str, reasons: list[Reason]) -> int | None:
    """The one member `cell` names, or None after adding why not to `reasons`."""
    found = memo.get(cell)
    if found is None:
        found = memo[cell] = directory.exact(cell)
    if len(found) == 1:
        return found[0].member_id
    prefix = "" if role == "responsible" else "backup_"
    if found:
        reasons.append(Reason(prefix + "ambiguous", {"who": shown(cell),
                                                     "names": _candidates(found)}))
    else:
        reasons.append(Reason(prefix + "not_member", {"who": shown(cell)}))
    return None


def match_members(rows: list[ParsedRow], found: list[NamedMember],
                  errors: list[RowError]) -> list[HouseholdInput]:
    """The rows whose members are each named exactly once among `found`, as households to
    write; the others go to `errors`, which end up sorted by line. A cell is quoted back as
    written."""
    directory = Directory(found)
    memo: dict[str, list[NamedMember]] = {}
    good: list[HouseholdInput] = []
    for row in rows:
        reasons: list[Reason] = []
        member_id = _member(row.responsible, directory, memo, "responsible", reasons)
        backup_id = (_member(row.backup, directory, memo, "backup", reasons)
                     if row.backup else None)
        if member_id is not None and backup_id is not None and backup_id == member_id:
            # Named two ways (a name and a phone, say): still the same member.
            reasons.append(Reason("backup_is_responsible", {"who": shown(row.backup)}))
        if reasons:
            first, *more = reasons
            errors.append(RowError(row.line, first.key, first.values, tuple(more)))
            continue
        assert member_id is not None
        good.append(HouseholdInput(row.zone, row.label, row.address, row.people, row.notes,
                                   member_id, is_vulnerable(row.notes), backup_id))
    errors.sort(key=lambda e: (e.line or 0))
    return good
