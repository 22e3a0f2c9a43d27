"""Personal join links: one for each person waiting on the roster, and the claims they make.

Decisions (documented in the README):

- A personal link is an invite bound to one roster row (`invites.roster_id`): one use, 30
  days. It is made when a secretary asks (`/link NAME`, `/links`, `frontline roster links`)
  and stored, so asking again shows the same link until it is used, expires or is renewed;
  renewing revokes the person's previous link.
- `/start CODE` with it claims the row in the joining transaction (`storage.moves`): the
  member gets the row's name, phone and notes, and the row's branch and role (a secretary of
  that branch stays one).
- A link cannot tell who tapped it. So every claim is told, through the outbox, to the
  secretaries of the row's branch (or the nearest branch above with some): "张伟's personal
  link was used by Telegram account Li Na (@lina)", with an Undo button. Undo (for whoever
  leads that branch, checked again on the press) puts the row back to waiting, revokes its
  links, takes the membership away if it came from that link (letting go of what the claimer
  held, as a move does), tells the claimer, and offers the secretary a new link for the real
  person.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.i18n import Translator, pick_language
from bot.rules import branches
from bot.rules.callbacks import LinkUndo
from bot.rules.deps import Deps
from bot.rules.invites import deep_link, new_code
from bot.rules.needs import nearest_secretaries
from bot.text import esc
from storage.links import PersonalLink, Unclaimed
from storage.roster import RosterEntry
from storage.rows import NewMessage, Person, full_name
from storage.store import Store

LINK_EXPIRY = timedelta(days=30)

__all__ = ["LINK_EXPIRY", "PersonalLink", "Unclaimed", "account", "claim_notices",
           "link_of", "make_missing", "renew", "undo_claim", "url"]


def url(username: str, link: PersonalLink) -> str:
    """The t.me link of a person's personal link (which must exist)."""
    assert link.code is not None
    return deep_link(username, link.code)


async def make_missing(store: Store, branch_ids: Sequence[int], *, by: int | None,
                       now: datetime, audit_branch: int | None = None) -> int:
    """Make a link for every waiting person of these branches (not the branches below) who
    has no active one, in one transaction; how many were made."""
    missing = await store.links.without_link(branch_ids, now)
    if not missing:
        return 0
    codes = [(roster_id, new_code()) for roster_id in missing]
    return await store.links.make(codes, expires_at=now + LINK_EXPIRY, created_by=by, at=now,
                                  audit_branch=audit_branch if audit_branch is not None
                                  else branch_ids[0] if len(branch_ids) == 1 else None)


async def link_of(store: Store, roster_id: int, *, by: int | None,
                  now: datetime) -> PersonalLink | None:
    """The person's active link, made now if they have none; None if they are not waiting
    (joined, or taken off the roster)."""
    person = await store.links.of_person(roster_id, now)
    if person is not None and person.code is None:
        await store.links.make([(roster_id, new_code())], expires_at=now + LINK_EXPIRY,
                               created_by=by, at=now, audit_branch=person.branch_id)
        person = await store.links.of_person(roster_id, now)
    return person if person is not None and person.code is not None else None


async def renew(store: Store, roster_id: int, *, by: int | None,
                now: datetime) -> PersonalLink | None:
    """A new link for the person, their previous one revoked; None if they are not
    waiting."""
    if not await store.links.renew(roster_id, new_code(), expires_at=now + LINK_EXPIRY,
                                   created_by=by, at=now):
        return None
    return await store.links.of_person(roster_id, now)


def account(translate: Translator, language: str, person: Person) -> str:
    """A Telegram account as a secretary should see it: its own name (not the roster's)
    and its @username, else its id (HTML)."""
    name = esc(full_name(person.first_name, person.last_name))
    if person.username:
        return translate(language, "links.account_username", name=name,
                         username=esc(person.username))
    return translate(language, "links.account_id", name=name, id=person.id)


async def claim_notices(store: Store, translate: Translator, code: str,
                        member_id: int) -> list[NewMessage]:
    """If `code` is a personal link, what the secretaries of its person's branch are told
    when `member_id` joins by it (who claimed which name, with Undo); else nothing."""
    invite = await store.invites.get(code)
    if invite is None or invite.roster_id is None:
        return []
    entry = await store.roster.get(invite.roster_id)
    claimer = await store.people.get(member_id)
    if entry is None or claimer is None:
        return []
    branch = await store.branches.get(entry.branch_id)
    locale = branch.locale if branch else "zh"
    button = LinkUndo(entry.id, member_id).pack()
    messages = []
    for secretary in await nearest_secretaries(store, entry.branch_id, excluding=member_id):
        language = pick_language(secretary.language, secretary.telegram_language, locale)
        text = translate(language, "links.claimed", name=esc(entry.name),
                         account=account(translate, language, claimer),
                         branch=esc(entry.branch_name),
                         role=await branches.role_title(store, entry.branch_id, entry.role,
                                                        language))
        messages.append(NewMessage(secretary.member_id, secretary.member_id, text,
                                   [[(translate(language, "links.undo_button"), button)]]))
    return messages


async def undo_claim(deps: Deps, entry: RosterEntry, member_id: int, *,
                     by: int) -> Unclaimed | None:
    """Undo the member's claim of the roster row (see the module's docstring); the claimer
    is told. None (nothing changed) if the row is no longer claimed by that member."""
    store, translate = deps.store, deps.translate
    claimer = await store.people.get(member_id)
    branch = await store.branches.get(entry.branch_id)
    locale = branch.locale if branch else "zh"
    messages = []
    if claimer is not None:
        language = pick_language(claimer.language, claimer.telegram_language, locale)
        messages.append(NewMessage(member_id, member_id, translate(
            language, "links.undone_you", name=esc(entry.name), branch=esc(entry.branch_name))))
    done = await store.links.unclaim(entry.id, member_id, by=by, at=deps.clock.now(),
                                     reason=translate(locale, "links.undone_reason"),
                                     messages=messages)
    if done is not None:
        deps.wake_outbox()
    return done


async def secretary_names(store: Store, branch_id: int) -> list[str]:
    """The names of the secretaries to ask about a link of this branch (its own, else the
    nearest branch above with some)."""
    return [s.name for s in await nearest_secretaries(store, branch_id)]


async def entry(store: Store, roster_id: int) -> RosterEntry | None:
    """A roster row by id (waiting, claimed or taken off), or None."""
    return await store.roster.get(roster_id)


async def find_waiting(store: Store, root_id: int, query: str,
                       now: datetime) -> list[PersonalLink]:
    """Waiting people of the subtree named `query` (else whose name contains it)."""
    return await store.links.find_waiting(root_id, query, now)


async def people_of(store: Store, branch_ids: Sequence[int],
                    now: datetime) -> list[PersonalLink]:
    """The waiting people of these branches (not below) with their active links."""
    return await store.links.of_branches(branch_ids, now)


async def waiting_here(store: Store, branch_id: int) -> int:
    """How many people of the branch itself (not below) are waiting."""
    return (await store.roster.waiting_counts(branch_id)).get(branch_id, 0)


async def waiting_below(store: Store, branch_id: int) -> list[tuple[int, str, int]]:
    """Each branch right below this one with people waiting in its subtree: (id, name,
    how many), in tree order."""
    counts = await store.roster.waiting_counts(branch_id)
    nodes = await store.branches.subtree(branch_id)
    parent = {node.id: node.parent_id for node in nodes}
    totals: dict[int, int] = {}
    for branch, count in counts.items():
        node: int | None = branch
        while node is not None and parent.get(node) != branch_id and node != branch_id:
            node = parent.get(node)
        if node is not None and node != branch_id:
            totals[node] = totals.get(node, 0) + count
    return [(node.id, node.name, totals[node.id]) for node in nodes if node.id in totals]
