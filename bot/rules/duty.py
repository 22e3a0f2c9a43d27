"""Members off duty and their households: `/away`, `/back` and the hand-over, as use cases.

Each writes, audits, queues its notices and wakes the outbox in one place (the rules of
what "off duty" means, and the notices' texts, are in `bot.rules.coverage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import local_day
from bot.rules import coverage
from bot.rules.deps import Deps
from storage.coverage import OFF_DUTY_STATUSES, Candidate, OffDuty
from storage.rows import Branch
from storage.store import Store


@dataclass(frozen=True, slots=True)
class Away:
    """What `/away` did: nothing if the member was already away (`since`), else how many
    households they hold and how many of those nobody else holds."""

    since: datetime | None = None
    households: int = 0
    unheld: int = 0


@dataclass(frozen=True, slots=True)
class Back:
    """What `/back` did: whether away was cleared, how many households came back, and the
    member's latest check-in if it still says off duty (asked only for a member's own /back)."""

    changed: bool = False
    returned: int = 0
    still_off: str | None = None

    @property
    def done(self) -> bool:
        """False when the member was neither away nor had households handed."""
        return self.changed or bool(self.returned)


async def _tell_member(deps: Deps, member_id: int, lines: list[tuple[str, dict[str, object]]],
                       now: datetime) -> None:
    """Queue a message to a member marked away or back by a secretary."""
    language = coverage.language_of(deps.translate, await deps.store.people.get(member_id))
    text = "\n".join(deps.translate(language, key, **values) for key, values in lines)
    await coverage.tell(deps.store, member_id, text, now=now)


async def mark_away(deps: Deps, actor_id: int, member_id: int, branch_id: int, *,
                    by_self: bool) -> Away:
    """Mark the member away. By themself with households (and not off duty already): their
    branch's secretaries are told, with the hand-over button. By a secretary: the member is
    told. Audited as `away`."""
    store, now = deps.store, deps.clock.now()
    state = await store.duty.state(member_id)
    if state is not None and state.away_since is not None:
        return Away(since=state.away_since)
    was_off = await store.checkins.latest_status(member_id) in OFF_DUTY_STATUSES
    await store.duty.set_away(member_id, now)
    await store.audit.record(actor_id, "away", branch_id=branch_id, allowed=True,
                             detail={"member": member_id}, at=now)
    households = state.households if state else 0
    unheld = households - (state.handed if state else 0)
    if by_self:
        if households and not was_off:
            await coverage.tell_off_duty(store, deps.translate, member_id, now=now)
            deps.wake_outbox()
    else:
        await _tell_member(deps, member_id, [("coverage.away.told_member", {})], now)
        deps.wake_outbox()
    return Away(households=households, unheld=unheld)


async def mark_back(deps: Deps, actor_id: int, member_id: int, name: str, branch_id: int, *,
                    by_self: bool) -> Back:
    """Clear away and give the handed households back, telling each holder; a secretary's
    `/back` also tells the member. Audited as `back`; nothing done, nothing audited."""
    store, now = deps.store, deps.clock.now()
    changed, returned = await coverage.come_back(store, member_id, at=now)
    count = sum(n for _, n in returned)
    if not changed and not count:
        return Back()
    await store.audit.record(actor_id, "back", branch_id=branch_id, allowed=True,
                             detail={"member": member_id, "returned": count}, at=now)
    await coverage.tell_returned(store, deps.translate, name, returned, now=now)
    still_off = None
    if by_self:
        status = await store.checkins.latest_status(member_id)
        still_off = status if status in OFF_DUTY_STATUSES else None
    else:
        told: list[tuple[str, dict[str, object]]] = [("coverage.away.told_back", {})]
        if count:
            told.append(("coverage.away.back_returned", {"n": count}))
        await _tell_member(deps, member_id, told, now)
    deps.wake_outbox()
    return Back(changed, count, still_off)


async def off_duty_member(store: Store, member_id: int) -> OffDuty | None:
    """The member if they are off duty with households (what a hand-over button acts on)."""
    return await store.duty.off_duty_member(member_id)


async def candidates(store: Store, branch: Branch, now: datetime, *,
                     excluding: int) -> list[Candidate]:
    """Who in the branch could take an off-duty member's households today, on duty first."""
    today = local_day(now, branch.timezone)
    return await store.duty.handover_candidates(branch.id, today, excluding=excluding)


async def hand_over(deps: Deps, actor_id: int, found: OffDuty, branch_id: int,
                    to_id: int) -> int:
    """Hand the off-duty member's households to `to_id` (checked a candidate by the caller
    just before), tell the new holder; audited as `handover`. How many were handed."""
    store, now = deps.store, deps.clock.now()
    count = await store.duty.hand_over(found.member_id, to_id, at=now)
    await store.audit.record(actor_id, "handover", branch_id=branch_id, allowed=True,
                             detail={"member": found.member_id, "to": to_id,
                                     "households": count}, at=now)
    await coverage.tell_holder(store, deps.translate, to_id, found.name, count, now=now)
    deps.wake_outbox()
    return count
