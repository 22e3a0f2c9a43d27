"""Joining a branch, moving to another, and leaving the organization: the use cases that
`/start CODE`, a secretary's `/move` and `/remove`, and `/leave` call (`bot.rules.members`).

A member belongs to one branch. When they move, whatever they held for a branch whose
subtree they leave is let go in the same transaction as the membership change, so that from
that moment they no longer see or act for it (every command and button reads the database):

- the households they are responsible for go to the household's backup, if the backup is a
  member of the zone's branch or below (and not the mover); otherwise they are left without a
  responsible member, and count as unattended in `/coverage` and the digest until a secretary
  names one (`/household add`, or a new import);
- they stop backing up households; households handed to them while their responsible member
  is off duty go back to that member (unattended, if that member is still off duty);
- they leave the teams of those branches;
- their pending and accepted parts of open tasks of those branches are declined with the
  reason "moved to <branch>" (the assigning secretary is told; the task stays open for the
  others, or to be reassigned).

What belongs to the new branch or a branch above it is kept (moving from Alpha into
Alpha-1 below it keeps Alpha's households: Alpha-1 is within Alpha). The secretaries of the
branch left (or, if it has none, of the nearest branch above with some) are told in their
language what happened, with `/coverage` of that branch to act on; each backup who became
responsible is told. The move is audit-logged with what was let go.

A member removed by a secretary, or leaving by themself (`remove`), lets go of everything in
the same way (no branch is kept), and their membership goes: they count nowhere from then on,
while their history (check-ins, tasks, records, conduct, visits) stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.i18n import Translator, pick_language
from bot.rules.deps import Deps
from bot.rules.needs import nearest_secretaries
from bot.rules.roster.links import claim_notices
from bot.text import esc
from storage.moves import Compose, MoveOutcome
from storage.rows import Branch, NewMessage, Person, Recipient
from storage.store import Store

__all__ = ["Joined", "MoveOutcome", "join", "join_by_invite", "move", "remove"]

TITLE_MAX = 60


@dataclass(frozen=True)
class Joined:
    """What joining did: what the member let go of, and the member as they are now."""

    outcome: MoveOutcome
    person: Person


async def join(deps: Deps, code: str, member_id: int) -> Joined | None:
    """The joining use case (`/start CODE`, and its Move button): `join_by_invite`, then wake
    the outbox if the move queued notices, and read the member back as they now are. None if
    the invite stopped being usable in the meantime."""
    notices = await claim_notices(deps.store, deps.translate, code, member_id)
    outcome = await join_by_invite(deps.store, deps.translate, code, member_id,
                                   now=deps.clock.now(), also=notices)
    if outcome is None:
        return None
    if outcome.moved or notices:
        deps.wake_outbox()
    person = await deps.store.people.get(member_id)
    assert person is not None and person.branch_id is not None
    return Joined(outcome, person)


async def join_by_invite(store: Store, translate: Translator, code: str, member_id: int, *,
                         now: datetime, also: Sequence[NewMessage] = ()) -> MoveOutcome | None:
    """`/start CODE`: spend the invite and join its branch, moving from another branch if
    the member is in one; None if the invite stopped being usable in the meantime. `also`:
    messages queued with the join (a personal link's notices). The caller wakes the outbox
    (`join` is the use case that does)."""
    return await move(store, translate, member_id, invite=code, by=member_id, now=now,
                      also=(lambda _: list(also)) if also else None)


async def move(store: Store, translate: Translator, member_id: int, *,
               invite: str | None = None, branch_id: int | None = None,
               role: str | None = None, by: int | None, now: datetime,
               also: Compose | None = None, only_from: int | None = None
               ) -> MoveOutcome | None:
    """Put the member in a branch (the invite's, or `branch_id` with `role`), letting go of
    what they held for the branches they leave (see the module's docstring), and queue the
    messages that tell of it, with those `also` makes of the outcome (in the same
    transaction); the caller wakes the outbox. None if the invite is not usable, or (with
    `only_from`) if the member is no longer in that branch.

    A secretary `by` who moves someone else is not told by the outbox (they are answered).
    """
    person = await store.people.get(member_id)
    target: str | None
    if invite is not None:
        found = await store.invites.get(invite)
        target = found.branch_name if found else None
    else:
        branch = await store.branches.get(branch_id) if branch_id is not None else None
        target = branch.name if branch else None
    if target is None:
        return None
    old_id = person.branch_id if person else None
    old = await store.branches.get(old_id) if old_id is not None else None
    if person is None or old is None:
        if only_from is not None:
            return None
        return await store.moves.move_member(member_id, invite=invite, branch_id=branch_id,
                                             role=role,
                                             by=by, at=now, decline_reason="",
                                             compose=also or (lambda _: []))
    words = Wording("move.notice", "move.backup_now_responsible", "move.task_withdrawn",
                    {"branch": esc(target)})
    compose = await notices(store, translate, person, old, by=by, words=words, also=also)
    return await store.moves.move_member(
        member_id, invite=invite, branch_id=branch_id, role=role, by=by, at=now,
        decline_reason=translate(old.locale, "move.declined_reason", branch=target),
        compose=compose, only_from=only_from)


async def remove(store: Store, translate: Translator, person: Person, *, by: int,
                 now: datetime, also: Compose | None = None) -> MoveOutcome | None:
    """Take the member out of their branch (`by` a secretary, or by themself: /leave),
    letting go of everything they held as a move does, and queue the messages that tell of
    it (the branch's secretaries, backups now responsible, givers of withdrawn tasks) with
    those `also` makes; the caller wakes the outbox. None if they are in no branch, or no
    longer in the one `person` says."""
    old = await store.branches.get(person.branch_id) if person.branch_id is not None else None
    if old is None:
        return None
    leaving = by == person.id
    words = Wording("member.left_notice" if leaving else "member.removed_notice",
                    "member.backup_now_responsible", "member.task_withdrawn", {})
    if not leaving:
        actor = await store.people.get(by)
        words.values["by"] = esc(actor.display_name if actor else str(by))
    compose = await notices(store, translate, person, old, by=by, words=words, also=also)
    return await store.moves.remove_member(
        person.id, branch_id=old.id, by=by, at=now, action="leave" if leaving else "remove",
        decline_reason=translate(old.locale, "member.declined_reason", branch=old.name),
        compose=compose)


@dataclass(frozen=True)
class Wording:
    """The texts that tell of a move or a removal: the secretaries' first line, what a backup
    who became responsible is told, what a withdrawn task's giver is told (catalogue keys),
    and the values they take besides the member's name, the branch left and the counts."""

    notice: str
    backup: str
    withdrawn: str
    values: dict[str, str]


async def notices(store: Store, translate: Translator, person: Person, old: Branch, *,
                  by: int | None, words: Wording, also: Compose | None = None) -> Compose:
    """What tells of the member leaving `old` (moved or removed): the messages to the
    branch's secretaries (or the nearest above with some; not `by`, who is answered, unless
    that is the member), to each backup now responsible, and to each giver of a withdrawn
    task, in their languages; then those `also` makes."""
    member_id = person.id
    secretaries = [s for s in await nearest_secretaries(store, old.id, excluding=member_id)
                   if s.member_id != by]
    locales = {c.branch_id: (await store.branches.get(c.branch_id)) for c in secretaries}
    held = await store.households.of_member(member_id)
    creators = {task.created_by for task, _ in await store.tasks.open_of(member_id)}
    others = {h.backup_id for h in held if h.backup_id is not None} | creators
    contacts = {c.member_id: c for c in await store.people.contacts(sorted(others))}
    name, old_name, old_id, locale = person.display_name, old.name, old.id, old.locale
    values = {"name": esc(name), "old": esc(old_name), **words.values}

    def speak(contact: Recipient) -> str:
        return pick_language(contact.language, contact.telegram_language, locale)

    def compose(outcome: MoveOutcome) -> Sequence[NewMessage]:
        if not outcome.moved:
            return list(also(outcome)) if also else []
        messages = []
        told = {by} if by != member_id else set()
        for secretary in secretaries:
            branch = locales.get(secretary.branch_id)
            language = pick_language(secretary.language, secretary.telegram_language,
                                     branch.locale if branch else locale)
            messages.append(NewMessage(secretary.member_id, secretary.member_id, summary(
                translate, language, outcome, name=name, old_id=old_id, backups=contacts,
                first=translate(language, words.notice, **values))))
            told.add(secretary.member_id)
        for backup, count in sorted(outcome.to_backup.items()):
            contact = contacts.get(backup)
            language = speak(contact) if contact else locale
            messages.append(NewMessage(backup, backup, translate(
                language, words.backup, **values, n=count)))
        for withdrawn in outcome.withdrawn:
            contact = contacts.get(withdrawn.created_by)
            if contact is None or withdrawn.created_by in told:
                continue
            messages.append(NewMessage(contact.member_id, contact.member_id, translate(
                speak(contact), words.withdrawn, **values, id=withdrawn.task_id,
                title=esc(withdrawn.title[:TITLE_MAX]))))
        return messages + list(also(outcome) if also else [])

    return compose


def summary(translate: Translator, language: str, outcome: MoveOutcome, *, name: str,
            old_id: int, backups: dict[int, Recipient], first: str) -> str:
    """What the secretaries of the branch left are told (HTML): `first`, then what was let
    go."""
    t = translate
    lines = [first]
    if outcome.to_backup:
        people = t(language, "move.separator").join(
            esc(backups[b].name) if b in backups else str(b) for b in sorted(outcome.to_backup))
        lines.append(t(language, "move.to_backup", n=sum(outcome.to_backup.values()),
                       names=people))
    if outcome.unattended:
        lines.append(t(language, "move.unattended", n=outcome.unattended))
    if outcome.backup_dropped:
        lines.append(t(language, "move.backup_dropped", n=outcome.backup_dropped))
    if outcome.released:
        lines.append(t(language, "move.released", n=outcome.released))
    if outcome.teams:
        lines.append(t(language, "move.teams", n=len(outcome.teams), names=t(
            language, "move.separator").join(esc(n) for n in outcome.teams)))
    if outcome.withdrawn:
        lines.append(t(language, "move.tasks", n=len(outcome.withdrawn), tasks=t(
            language, "move.separator").join(
            f"#{w.task_id} {esc(w.title[:TITLE_MAX])}" for w in outcome.withdrawn)))
    if outcome.households or outcome.released or outcome.backup_dropped:
        lines.append(t(language, "move.act", name=esc(name), id=old_id))
    return "\n".join(lines)


def mover_line(translate: Translator, language: str, outcome: MoveOutcome) -> str | None:
    """What the member who moved is told they let go of, or None if nothing."""
    households = outcome.households + outcome.backup_dropped + outcome.released
    if not (households or outcome.teams or outcome.withdrawn):
        return None
    return translate(language, "move.you", households=households, teams=len(outcome.teams),
                     tasks=len(outcome.withdrawn))
