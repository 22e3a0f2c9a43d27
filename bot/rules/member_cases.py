"""The use cases of `bot.rules.members`: move, make secretary or step down, correct the name or
the phone, remove, and leave. Each is called after `members.check` said yes (at the press of the
confirmation); each writes, audits and queues its notices in one transaction, wakes the outbox,
and returns the answer to the actor; None when nothing changed (the member moved meanwhile).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.i18n import pick_language
from bot.rules import moves
from bot.rules.access import Actor
from bot.rules.coverage import language_of
from bot.rules.deps import Deps
from bot.rules.members import Target
from bot.rules.needs import nearest_secretaries
from bot.rules.vocab import Role
from bot.text import esc
from storage.moves import MoveOutcome
from storage.rows import NewMessage, Person


def _by(actor: Actor) -> str:
    return esc(actor.person.display_name if actor.person else str(actor.user_id))


def _tell(deps: Deps, person: Person, key: str, **values: object) -> NewMessage:
    """A message to the member, in their language."""
    text = deps.translate(language_of(deps.translate, person), key, **values)
    return NewMessage(person.id, person.id, text)


@dataclass(frozen=True)
class Changed:
    """What a change did: the answer to the actor (HTML), and the member's role and language
    now (for their command menu)."""

    answer: str
    role: str | None
    language: str


async def _let_go_report(deps: Deps, language: str, outcome: MoveOutcome, target: Target,
                         first: str) -> str:
    """The actor's answer to a move or a removal: `first`, then what was let go."""
    backups = {c.member_id: c for c in await deps.store.people.contacts(
        sorted(outcome.to_backup))}
    return moves.summary(deps.translate, language, outcome, name=target.person.display_name,
                         old_id=target.branch.id, backups=backups, first=first)


async def move(deps: Deps, actor: Actor, target: Target, language: str) -> Changed | None:
    """Move the member to `target.to` as a member (see the module's docstring); None if they
    are no longer where they were (nothing changed)."""
    store, t, new = deps.store, deps.translate, target.to
    assert new is not None
    person, by = target.person, _by(actor)
    old_side = {s.member_id for s in await nearest_secretaries(store, target.branch.id)}
    arriving = [s for s in await nearest_secretaries(store, new.id, excluding=person.id)
                if s.member_id not in old_side | {actor.user_id}]
    values = {"name": target.name, "old": esc(target.branch.name), "branch": esc(new.name),
              "by": by, "id": new.id}
    member_language = language_of(t, person)

    def also(outcome: MoveOutcome) -> Sequence[NewMessage]:
        told = t(member_language, "member.told_moved", **values)
        let_go = moves.mover_line(t, member_language, outcome)
        messages = [NewMessage(person.id, person.id, told + (f"\n{let_go}" if let_go else ""))]
        for secretary in arriving:
            speak = pick_language(secretary.language, secretary.telegram_language, new.locale)
            messages.append(NewMessage(secretary.member_id, secretary.member_id, t(
                speak, "member.arrived", **values)))
        return messages

    outcome = await moves.move(store, t, person.id, branch_id=new.id, role=Role.MEMBER,
                               by=actor.user_id, now=deps.clock.now(), also=also,
                               only_from=target.branch.id)
    if outcome is None or not outcome.moved:
        return None
    deps.wake_outbox()
    answer = await _let_go_report(deps, language, outcome, target,
                                  t(language, "member.moved", **values))
    return Changed(answer, Role.MEMBER, member_language)


async def remove(deps: Deps, actor: Actor, target: Target, language: str) -> Changed | None:
    """Remove the member from the organization (see `bot.rules.moves.remove`); None if they
    are no longer in the branch they were in when asked."""
    t, person = deps.translate, target.person
    values = {"name": target.name, "old": esc(target.branch.name), "by": _by(actor)}
    member_language = language_of(t, person)
    outcome = await moves.remove(
        deps.store, t, person, by=actor.user_id, now=deps.clock.now(),
        also=lambda _: [_tell(deps, person, "member.told_removed", **values)])
    if outcome is None:
        return None
    deps.wake_outbox()
    answer = await _let_go_report(deps, language, outcome, target,
                                  t(language, "member.removed", **values))
    return Changed(answer, None, member_language)


async def leave(deps: Deps, person: Person, branch_id: int, language: str) -> str | None:
    """The member leaves their branch by themself (`/leave`), as a removal; their branch's
    secretaries are told. The answer, or None if they are no longer in `branch_id`."""
    if person.branch_id != branch_id or person.branch_name is None:
        return None
    outcome = await moves.remove(deps.store, deps.translate, person, by=person.id,
                                 now=deps.clock.now())
    if outcome is None:
        return None
    deps.wake_outbox()
    answer = deps.translate(language, "member.left", branch=esc(person.branch_name))
    let_go = moves.mover_line(deps.translate, language, outcome)
    return answer + (f"\n{let_go}" if let_go else "")


async def set_role(deps: Deps, actor: Actor, target: Target, role: Role,
                   language: str) -> Changed | None:
    """Make the member a secretary of their branch, or step them down to member; None if
    nothing changed (they moved, or have that role already)."""
    t, person = deps.translate, target.person
    title = t(language_of(t, person), "role.secretary")
    values = {"name": target.name, "branch": esc(target.branch.name), "by": _by(actor)}
    key = "promoted" if role is Role.SECRETARY else "stepped_down"
    told = [] if person.id == actor.user_id else [
        _tell(deps, person, f"member.told_{key}", **values, title=title)]
    if not await deps.store.people.set_role(person.id, branch_id=target.branch.id, role=role,
                                            by=actor.user_id, at=deps.clock.now(),
                                            messages=told):
        return None
    deps.wake_outbox()
    answer = t(language, f"member.{key}", **values, title=t(language, "role.secretary"))
    return Changed(answer, role, language_of(t, person))


async def rename(deps: Deps, actor: Actor, target: Target, name: str,
                 language: str) -> Changed | None:
    """Set the organization's name for the member (shown everywhere instead of Telegram's);
    None if nothing changed."""
    person = target.person
    values = {"name": esc(name), "old": target.name, "by": _by(actor)}
    told = [] if person.id == actor.user_id else [
        _tell(deps, person, "member.told_renamed", **values)]
    if not await deps.store.people.set_name(person.id, branch_id=target.branch.id, name=name,
                                            by=actor.user_id, at=deps.clock.now(),
                                            messages=told):
        return None
    deps.wake_outbox()
    return Changed(deps.translate(language, "member.renamed", **values), person.role,
                   language_of(deps.translate, person))


async def set_phone(deps: Deps, actor: Actor, target: Target, phone: str,
                    language: str) -> Changed | None:
    """Set the member's phone number (as `normal_phone` writes it); None if nothing changed."""
    person = target.person
    values = {"name": target.name, "phone": esc(phone), "by": _by(actor)}
    told = [] if person.id == actor.user_id else [
        _tell(deps, person, "member.told_phone", **values)]
    if not await deps.store.people.set_phone(person.id, branch_id=target.branch.id,
                                             phone=phone, by=actor.user_id,
                                             at=deps.clock.now(), messages=told):
        return None
    deps.wake_outbox()
    return Changed(deps.translate(language, "member.phoned", **values), person.role,
                   language_of(deps.translate, person))
