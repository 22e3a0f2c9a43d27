"""What a roster file changes (`make_plan`): each good row matched to a person the scope
already has, in memory, with no query per row.

**Matching**: by phone first, else by name within the row's branch (the branch it names,
or the top of the scope when it names none), against the people waiting on the roster and
the members who joined (by the organization's name or the Telegram name). A person is
matched by one row at most: phones are matched first, then names in the file's order, and a
name that two unmatched people of the branch share is refused (give a phone). A phone held
by someone outside the importer's scope is refused (that person is not the importer's to
change, and adding them again would list them twice).

**Outcomes** (each row has exactly one, so the counts add up to the file's rows):
- *new*: nobody matched; added to the roster, waiting, in the branch named (else the top of
  the scope), as a member unless the role says otherwise;
- *updated*: a waiting person whose name, phone, role, branch or notes change, or a member
  whose name, phone or notes change;
- *unchanged*: a match the row changes nothing about;
- *joined, not moved*: a member whose row names another branch or role; their name, phone
  and notes are still updated, but a move goes through /move (which applies the households
  rule), so the row is listed for it;
- *error*: the reason, by line.

An empty cell keeps what is known: a phone is not erased, a person stays in their branch
and role. Notes are the file's when it has free columns (its empty cells clear them), else
they are kept. Two rows naming one name in one branch, one of them without a phone, are
refused (the later one): they could not be told apart when the file comes again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from bot.rules.roster.branches import MEMBER, ROLE_WORDS, Branches, name_key
from bot.rules.roster.rows import CATALOG, PersonRow
from bot.rules.tables import Reason, RowError, shown
from storage.roster_imports import Change, Joined, Waiting


class NotMoved(NamedTuple):
    """A member whose row names another branch or role: listed, not moved."""

    line: int
    name: str
    branch: str  # where they are
    role: str
    wanted_branch: str  # what the file says (their own branch's name if it says nothing)
    wanted_role: str


@dataclass(slots=True)
class Plan:
    """What the file changes, and how its good rows fall."""

    changes: list[Change] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    not_moved: list[NotMoved] = field(default_factory=list)


class _Row(NamedTuple):
    row: PersonRow
    branch: int | None  # named in the file; None: not given
    role: str | None  # named in the file; None: not given or to be read in the final branch


def _error(line: int, reason: Reason, more: tuple[Reason, ...] = ()) -> RowError:
    return RowError(line, reason.key, reason.values, more, CATALOG)


def make_plan(people: list[PersonRow], tree: Branches, waiting: list[Waiting],
              joined: list[Joined], elsewhere: set[str], *, file_notes: bool,
              errors: list[RowError]) -> Plan:
    """Match the rows and decide each one's outcome (see the module docstring); the refused
    rows go to `errors`, which end up sorted by line."""
    rows = _resolve(people, tree, errors)
    by_phone: dict[str, Waiting | Joined] = {w.phone: w for w in waiting if w.phone}
    by_phone.update((m.phone, m) for m in joined if m.phone)  # a member before a waiting row
    by_name: dict[tuple[int, str], list[Waiting | Joined]] = {}
    for w in waiting:
        by_name.setdefault((w.branch_id, name_key(w.name)), []).append(w)
    for m in joined:
        keys = {name_key(m.telegram_name)} | ({name_key(m.name)} if m.name else set())
        for key in keys:
            by_name.setdefault((m.branch_id, key), []).append(m)
    taken: set[tuple[bool, int]] = set()  # (is a member, id)
    matched: dict[int, Waiting | Joined] = {}  # by line
    for item in rows:
        phone = item.row.phone
        if phone is None:
            continue
        found = by_phone.get(phone)
        if found is not None:
            taken.add((isinstance(found, Joined), found.id))
            matched[item.row.line] = found
    plan = Plan()
    for item in rows:
        row = item.row
        found = matched.get(row.line)
        if found is None and row.phone in elsewhere:
            errors.append(_error(row.line, Reason("phone_elsewhere",
                                                  {"phone": shown(row.phone or "")})))
            continue
        if found is None:
            branch = item.branch if item.branch is not None else tree.root_id
            candidates = [c for c in by_name.get((branch, name_key(row.name)), [])
                          if (isinstance(c, Joined), c.id) not in taken]
            if len(set(candidates)) > 1:
                errors.append(_error(row.line, Reason("name_ambiguous", {
                    "name": shown(row.name), "branch": shown(tree.name(branch))})))
                continue
            if candidates:
                found = candidates[0]
                taken.add((isinstance(found, Joined), found.id))
        _decide(plan, item, found, tree, file_notes, errors)
    errors.sort(key=lambda e: e.line or 0)
    return plan


def _resolve(people: list[PersonRow], tree: Branches, errors: list[RowError]) -> list[_Row]:
    """The rows whose branch (and role, where the branch is known) the tree accepts; two
    rows of one name in one branch, one without a phone, refuse the later one."""
    rows: list[_Row] = []
    seen: dict[tuple[int, str], tuple[int, bool]] = {}  # (branch, name) -> (line, phone)
    for row in people:
        branch, refusal = tree.resolve(row.branch)
        role = tree.role(row.role, branch if branch is not None else tree.root_id) \
            if row.role and (branch is not None or not _may_be_a_title(row.role)) else None
        reasons = [r for r in (refusal, role if isinstance(role, Reason) else None) if r]
        if reasons:
            errors.append(_error(row.line, reasons[0], tuple(reasons[1:])))
            continue
        key = (branch if branch is not None else tree.root_id, name_key(row.name))
        first = seen.setdefault(key, (row.line, row.phone is not None))
        if first[0] != row.line and not (first[1] and row.phone is not None):
            errors.append(_error(row.line, Reason("same_name", {
                "name": shown(row.name), "first": first[0]})))
            continue
        rows.append(_Row(row, branch, role if isinstance(role, str) else None))
    return rows


def _may_be_a_title(cell: str) -> bool:
    """True if a role cell is no common word, so it may be a branch's own title, to be
    read once the person's branch is known."""
    return name_key(cell) not in ROLE_WORDS


def _decide(plan: Plan, item: _Row, found: Waiting | Joined | None, tree: Branches,
            file_notes: bool, errors: list[RowError]) -> None:
    """One row's outcome, into `plan` (or its refusal into `errors`)."""
    row = item.row
    branch = item.branch if item.branch is not None else (
        found.branch_id if found is not None else tree.root_id)
    role: str | None = item.role
    if role is None and row.role:  # a title, read in the branch the person ends up in
        title = tree.role(row.role, branch)
        if isinstance(title, Reason):
            errors.append(_error(row.line, title))
            return
        role = title
    if found is None:
        plan.new += 1
        plan.changes.append(Change(None, None, branch, role or MEMBER, row.name, row.phone,
                                   row.notes if file_notes else None))
        return
    phone = row.phone or found.phone
    notes = row.notes if file_notes else found.notes
    if isinstance(found, Waiting):
        change = Change(found.id, None, branch, role or found.role, row.name, phone, notes)
        if change[2:] == (found.branch_id, found.role, found.name, found.phone, found.notes):
            plan.unchanged += 1
        else:
            plan.updated += 1
            plan.changes.append(change)
        return
    changed = (row.name, phone, notes) != (found.name, found.phone, found.notes)
    if changed:
        plan.changes.append(Change(None, found.id, found.branch_id, found.role, row.name,
                                   phone, notes))
    if branch != found.branch_id or (role is not None and role != found.role):
        plan.not_moved.append(NotMoved(row.line, row.name, tree.name(found.branch_id),
                                       found.role, tree.name(branch), role or found.role))
    elif changed:
        plan.updated += 1
    else:
        plan.unchanged += 1
