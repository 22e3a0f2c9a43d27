"""The broadcast use cases called directly on a real database (`bot.rules.broadcasts`): Send
re-checks rights and writes nothing when refused, the outbox is woken once the status message
is attached, acknowledgements count once, reminders keep their pace; and the handlers of
handlers/broadcasts/ calling them rather than the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import ManualClock
from bot.i18n import Translator
from bot.rules import broadcasts
from bot.rules.access import Actor
from bot.rules.broadcasts import Acknowledged, Draft, Sending
from storage.outbox import OutboxOutcome
from storage.store import Store
from tests.helpers import MORNING

SA, SB, MIA, MAX = 201, 203, 301, 302


@dataclass
class Deps:
    """What a use case needs, with the outbox's wakes counted."""

    store: Store
    translate: Translator = field(default_factory=Translator)
    clock: ManualClock = field(default_factory=lambda: ManualClock(MORNING))
    wakes: int = 0

    def wake_outbox(self) -> None:
        self.wakes += 1


async def _person(store: Store, user_id: int, branch_id: int, role: str,
                  now: datetime) -> Actor:
    await store.people.save(user_id, f"P{user_id}", None, None, "zh", at=now)
    await store.people.set_membership(user_id, branch_id, role, at=now)
    return Actor(user_id, await store.people.get(user_id), False, "zh")


async def _org(deps: Deps) -> tuple[int, int, Actor, Actor]:
    """Root with Alpha (secretary SA, members MIA and MAX) and Beta (secretary SB)."""
    store, now = deps.store, deps.clock.now()
    root = await store.branches.create("Root", None, at=now)
    a = await store.branches.create("Alpha", root, at=now)
    b = await store.branches.create("Beta", root, at=now)
    sa = await _person(store, SA, a, "secretary", now)
    sb = await _person(store, SB, b, "secretary", now)
    await _person(store, MIA, a, "member", now)
    await _person(store, MAX, a, "member", now)
    return a, b, sa, sb


async def test_send_rechecks_rights_and_wakes_once_the_status_message_is_known(
        store: Store) -> None:
    deps = Deps(store)
    a, b, sa, sb = await _org(deps)
    draft = Draft(a, "Alpha", "P201", body="集合")
    assert await broadcasts.scope_sizes(store, a, SA) == (2, 2)
    refused = await broadcasts.queue(deps, sb, draft)  # Beta's secretary, Alpha's draft
    assert refused.result is Sending.OUTSIDE_SCOPE
    nobody = await broadcasts.queue(deps, sb, Draft(b, "Beta", "P203", body="x"))
    assert nobody.result is Sending.NOBODY  # the author alone: no copy
    assert await broadcasts.recent(store, a) == [] and deps.wakes == 0
    assert [e[2] for e in await store.audit.entries()] == []
    queued = await broadcasts.queue(deps, sa, draft)
    assert (queued.result, queued.total) == (Sending.QUEUED, 2)
    assert deps.wakes == 0  # not before the author's status message is attached
    reports: list[tuple[int, bool]] = []

    async def report(broadcast_id: int, finished: bool) -> None:
        reports.append((broadcast_id, finished))

    await broadcasts.attach_status(deps, queued.broadcast_id, SA, 77, report_finished=report)
    assert deps.wakes == 1 and reports == []  # not through yet: the outbox reports
    status = await broadcasts.status(store, queued.broadcast_id, finished=False)
    assert status is not None and status.counts.pending == 2 and status.problems is None
    assert (status.row.status_chat_id, status.row.status_message_id) == (SA, 77)
    assert await broadcasts.pending_through(store, queued.broadcast_id, None) == 2
    # Once through (delivered by the outbox meanwhile), attaching gives the final report.
    sent = [OutboxOutcome(item.id, "sent", message_id=item.id)
            for item in await store.outbox.pending()]
    await store.outbox.record(sent, at=deps.clock.now())
    assert await store.broadcasts.finish(queued.broadcast_id, at=deps.clock.now())
    await broadcasts.attach_status(deps, queued.broadcast_id, SA, 78, report_finished=report)
    assert reports == [(queued.broadcast_id, True)] and deps.wakes == 2


async def test_acknowledgements_count_once_and_reminders_keep_their_pace(store: Store) -> None:
    deps = Deps(store)
    a, _, sa, _ = await _org(deps)
    queued = await broadcasts.queue(deps, sa, Draft(a, "Alpha", "P201", body="集合"))
    silent = await broadcasts.queue(deps, sa, Draft(a, "Alpha", "P201", body="x",
                                                    ack_required=False))
    assert await broadcasts.acknowledge(deps, silent.broadcast_id, MIA, MIA) \
        is Acknowledged.NOT_FOR_YOU  # no acknowledgement asked
    assert await broadcasts.acknowledge(deps, queued.broadcast_id, SB, SB) \
        is Acknowledged.NOT_FOR_YOU  # outside the broadcast's scope
    assert await broadcasts.acknowledge(deps, queued.broadcast_id, MIA, MIA) \
        is Acknowledged.THANKS
    assert await broadcasts.acknowledge(deps, queued.broadcast_id, MIA, MIA) \
        is Acknowledged.ALREADY
    row = await broadcasts.get(store, queued.broadcast_id)
    assert row is not None
    assert [p.member_id for p in await broadcasts.unacknowledged(store, row.id)] == [MAX]
    wakes = deps.wakes
    first = await broadcasts.remind(deps, row, SA, default_locale="en")
    assert (first.queued, first.wait_minutes, deps.wakes) == (1, None, wakes + 1)
    deps.clock.advance(minutes=4)
    early = await broadcasts.remind(deps, row, SA, default_locale="en")
    assert (early.queued, early.wait_minutes, deps.wakes) == (0, 6, wakes + 1)
    deps.clock.advance(minutes=6)
    assert (await broadcasts.remind(deps, row, SA, default_locale="en")).queued == 1
    reminded = [e for e in await store.audit.entries() if e[2] == broadcasts.REMIND_ACTION]
    assert len(reminded) == 2 and all(e[4] for e in reminded)
    await broadcasts.acknowledge(deps, row.id, MAX, MAX)
    deps.clock.advance(minutes=30)
    everyone = await broadcasts.remind(deps, row, SA, default_locale="en")
    assert (everyone.queued, everyone.wait_minutes, deps.wakes) == (0, None, wakes + 2)
    listed = await broadcasts.recent(store, a)
    assert [(x.row.id, x.counts.acknowledged) for x in listed] == [
        (silent.broadcast_id, 0), (queued.broadcast_id, 2)]
