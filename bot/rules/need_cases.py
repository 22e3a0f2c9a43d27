"""Needs' use cases and the reads their screens need, as the need handlers call them.

Each use case takes `Deps` first, writes through `bot.rules.needs` (which holds the rules, the
texts and who is told), audits, and wakes the outbox when it queued something, so that a
handler only parses, calls and renders. Rights are checked by the handlers before; what
changes is re-read here (the household a need is for, a need's status by the conditional
write of `storage.needs`).

A module of its own beside `bot.rules.needs` because that one is at 300 lines of rules and
texts; these are the seams the handlers use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.rules import needs, visits
from bot.rules.deps import Deps
from bot.rules.needs import NeedDraft, NeedFilter
from storage.needs import NeedRow
from storage.rows import Branch, Buttons, Person
from storage.store import Store

# --- reads ----------------------------------------------------------------------------------


async def get(store: Store, need_id: int) -> NeedRow | None:
    """A need, or None."""
    return await store.needs.get(need_id)


async def branch(store: Store, branch_id: int) -> Branch | None:
    """The branch a listing is of, or None if it is gone."""
    return await store.branches.get(branch_id)


async def reported_by(store: Store, member_id: int) -> list[NeedRow]:
    """The needs a member reported, newest first (the latest few)."""
    return await store.needs.of_reporter(member_id)


async def listing(store: Store, spec: NeedFilter, page: int) -> tuple[list[NeedRow], int]:
    """One page of `/needs` (`needs.PAGE` needs) and how many match in all."""
    assert spec.branch_id is not None
    return await store.needs.in_subtree(
        spec.branch_id, statuses=spec.statuses, category=spec.category, urgency=spec.urgency,
        limit=needs.PAGE, offset=page * needs.PAGE)


# --- use cases ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reported:
    """What Confirm did: the new need and how many secretaries are told; `need_id` None if it
    was for a household the member no longer holds (nothing saved)."""

    need_id: int | None
    told: int = 0


async def report(deps: Deps, reporter: Person, draft: NeedDraft, *,
                 buttons: Callable[[str, int], Buttons]) -> Reported:
    """Save the need in the reporter's branch and queue the secretaries' notices (with
    `buttons(language, need_id)` under each); a need for a household is saved only while the
    member holds it."""
    if draft.household_id is not None and await visits.held(
            deps.store, reporter.id, draft.household_id) is None:
        return Reported(None)  # handed back, or they moved branch
    need_id, told = await needs.report(deps.store, deps.translate, reporter, draft,
                                       now=deps.clock.now(), buttons=buttons)
    if told:
        deps.wake_outbox()
    return Reported(need_id, told)


@dataclass(frozen=True)
class StatusChange:
    """What Resolve / Cancel did: whether the status changed, and the need's status now."""

    changed: bool
    status: str


async def close(deps: Deps, need: NeedRow, status: str, *, note: str, by: int) -> StatusChange:
    """Resolve or cancel a need with a note: change it (once), audit it, tell its reporter.
    Unchanged (closed meanwhile) if it is not open or assigned any more."""
    now = deps.clock.now()
    if not await needs.change_status(deps.store, deps.translate, need.id, status, note=note,
                                     by=by, now=now):
        current = await deps.store.needs.get(need.id)
        return StatusChange(False, current.status if current else need.status)
    await deps.store.audit.record(by, f"need_{status}", branch_id=need.branch_id, allowed=True,
                                  detail={"need": need.id}, at=now)
    deps.wake_outbox()
    return StatusChange(True, status)
