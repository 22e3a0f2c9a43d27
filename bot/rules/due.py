"""Everything due at a moment, done once: the one `run_due` the scheduler's tick, start-up and
tests call with a "now".

Each kind of due work decides from the one ledger of runs (`storage.runs`, keyed by branch,
kind and local day or subject) what is due and not yet done, and records it with its outbox
rows in one transaction: the daily rhythm (prompts, reminders, rate escalations, digests,
critical needs), the weekly reports (`bot.rules.weekly`) and the task follow-ups (reminders,
escalations, overdue flags). One kind that fails is logged and does not keep the others from
running.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime

from bot.i18n import Translator
from bot.rules import followup, rhythm, weekly
from storage.store import Store

logger = logging.getLogger(__name__)


async def run_due(store: Store, translate: Translator, now: datetime, *,
                  wake: Callable[[], None], admins: Collection[int] = ()) -> int:
    """Do whatever is due at `now` and not yet in the ledger; returns the messages queued.
    `wake` is called as soon as a long run has queued a piece (the outbox starts sending while
    the rest is written); `admins` get the root's weekly report too."""
    kinds: list[tuple[str, Callable[[], Awaitable[int]]]] = [
        ("the daily rhythm", lambda: rhythm.run_due(store, translate, now, queued=wake)),
        ("the weekly report", lambda: weekly.run_due(store, translate, now, admins=admins,
                                                     queued=wake)),
        ("task follow-up", lambda: followup.run_due(store, translate, now)),
    ]
    queued = 0
    for name, run in kinds:
        try:
            queued += await run()
        except Exception:
            logger.exception("%s failed", name)
    return queued
