"""Naming a member: one way, wherever a command or a file needs one (issue 13).

A member is named within a subtree by a name (the organization's, `members.name`, or
Telegram's), an @username, a phone number (written as `bot.rules.roster.phones.normal_phone`
writes it, whatever the spacing) or a Telegram id. What the words name:

- `@name` is a username, and nothing else;
- other words name exactly the members whose id, phone, username (the @ left out) or whole
  name they are, ignoring ASCII case: one such member is the one named; several are the
  candidates to choose from;
- in chat, when nobody is named exactly, part of a name does it if one member has it
  (`/record 伟`), else those who have it are the candidates. A file's cell must name a
  member exactly (`Directory`): a part of a name in a sheet of thousands is a mistake
  waiting to happen.

`resolve` answers for a command (`storage.records.find_members` ranks the matches in SQL);
`Directory` for the cells of a households file, against the members a single query found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import local_day
from bot.rules.roster.phones import normal_phone
from storage.records import MemberMatch, NamedMember
from storage.roster import RosterEntry
from storage.rows import RosterRow
from storage.store import Store

CANDIDATES_MAX = 10  # candidates offered (as buttons) before "name them more exactly"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """Words as compared: stripped, ASCII letters lowered (as SQLite's `COLLATE NOCASE` and
    `lower()` do, so that Python and SQL agree)."""
    return text.strip().translate(_ASCII_LOWER)


@dataclass(frozen=True)
class Named:
    """What some words name: one member, or the candidates (none: nobody has that name)."""

    member: MemberMatch | None = None
    candidates: list[MemberMatch] = field(default_factory=list)
    more: bool = False  # there are more candidates than `candidates` holds


def decide(query: str, found: Sequence[MemberMatch]) -> Named:
    """The member `query` names among `found` (as `find_members` ranks them), or the
    candidates."""
    text = query.strip()
    if text.startswith("@"):
        tiers = [[m for m in found if m.rank == 0]]
    else:
        tiers = [[m for m in found if m.rank <= 1], [m for m in found if m.rank == 2]]
    for tier in tiers:
        if len(tier) == 1:
            return Named(tier[0])
        if tier:
            return Named(None, tier[:CANDIDATES_MAX], len(tier) > CANDIDATES_MAX)
    return Named()


async def resolve(store: Store, root_id: int, query: str) -> Named:
    """The member of `root_id`'s subtree that `query` names, or the candidates."""
    text = query.strip()
    if not text:
        return Named()
    found = await store.records.find_members(root_id, text, limit=CANDIDATES_MAX + 1,
                                             phone=normal_phone(text))
    return decide(text, found)


async def search(store: Store, root_id: int, query: str, limit: int) -> list[MemberMatch]:
    """Members of `root_id`'s subtree the words may mean, for a list to choose from: those
    named exactly first, then those with part of it in their name (an @username: that
    member alone), at most `limit`."""
    text = query.strip()
    if not text:
        return []
    found = await store.records.find_members(root_id, text, limit=limit,
                                             phone=normal_phone(text))
    return [m for m in found if m.rank == 0] if text.startswith("@") else found


async def member_in(store: Store, root_id: int, member_id: int) -> MemberMatch | None:
    """The member, if they belong to `root_id`'s subtree (checked again when a candidate's
    button is pressed); else None."""
    return await store.records.member_in_subtree(root_id, member_id)


@dataclass(frozen=True)
class Keys:
    """What a set of cells may name, to find the members in one query."""

    ids: list[int]
    usernames: list[str]
    phones: list[str]
    names: list[str]


def keys(cells: Iterable[str]) -> Keys:
    """The ids, usernames, phones and names that `cells` may be (see the module's rules)."""
    ids: set[int] = set()
    usernames: set[str] = set()
    phones: set[str] = set()
    names: set[str] = set()
    for cell in cells:
        text = fold(cell)
        if not text:
            continue
        if text.startswith("@"):
            usernames.add(text[1:])
            continue
        if text.isascii() and text.isdigit() and len(text) < 19:
            ids.add(int(text))
        phone = normal_phone(text)
        if phone is not None:
            phones.add(phone)
        usernames.add(text)
        names.add(text)
    return Keys(sorted(ids), sorted(usernames), sorted(phones), sorted(names))


class Directory:
    """The members a file's cells may name, looked up by what names them exactly."""

    def __init__(self, members: Iterable[NamedMember]) -> None:
        self._by: dict[str, list[NamedMember]] = defaultdict(list)
        self._usernames: dict[str, list[NamedMember]] = defaultdict(list)
        for member in members:
            words = {str(member.member_id), fold(member.name), fold(member.telegram_name)}
            if member.phone:
                words.add(member.phone)
            if member.username:
                words.add(fold(member.username))
                self._usernames[fold(member.username)].append(member)
            for word in words:
                self._by[word].append(member)

    def exact(self, cell: str) -> list[NamedMember]:
        """The members `cell` names exactly (one, or the candidates; none: nobody)."""
        text = fold(cell)
        if not text:
            return []
        if text.startswith("@"):
            return list(self._usernames.get(text[1:], ()))
        found = {m.member_id: m for m in self._by.get(text, ())}
        phone = normal_phone(text)
        if phone is not None and phone != text:
            found.update((m.member_id, m) for m in self._by.get(phone, ()))
        return sorted(found.values(), key=lambda m: (m.name, m.member_id))


@dataclass(frozen=True)
class Found:
    """Who `/roster WORDS` finds: members with today's status (best match first), and people
    of the roster not yet joined; `more` when there were more than the limit."""

    members: list[tuple[MemberMatch, RosterRow]]
    waiting: list[RosterEntry]
    more: bool = False


async def find_people(store: Store, root_id: int, query: str, now: datetime,
                      limit: int) -> Found:
    """Members of `root_id`'s subtree the words may mean (`search`) with their status on
    their branch's local day, and the roster's people not yet joined by that name or phone."""
    text = query.strip()
    matches = await search(store, root_id, text, limit + 1)
    nodes = await store.branches.subtree(root_id)
    days = {node.id: local_day(now, node.timezone) for node in nodes}
    rows = {r.member_id: r for r in await store.rollup.of_members(
        [m.member_id for m in matches[:limit]], days)}
    members = [(m, rows[m.member_id]) for m in matches[:limit] if m.member_id in rows]
    waiting: list[RosterEntry] = []
    if text and not text.startswith("@"):
        waiting = await store.rollup.waiting_named(root_id, text, normal_phone(text),
                                                   limit + 1)
    return Found(members, waiting[:limit], len(matches) > limit or len(waiting) > limit)
