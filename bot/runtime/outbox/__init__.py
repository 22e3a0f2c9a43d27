"""The outbox worker: sends what the outbox holds, paced under Telegram's limits, never lost.

Rows are written before anything is sent (one transaction per broadcast or run), and the
worker keeps several messages in flight, so that its rate is the configured limit and not the
network's round trip. What it has taken but not yet recorded is *claimed* (in memory): at
most `max_in_flight` rows, which bounds what a crash can repeat. Nothing is ever sent twice
otherwise:

- an outcome is recorded in the database before its row may be looked at again; outcomes
  are written in batches, one transaction for all that finished meanwhile;
- when an outcome cannot be written (the database is locked by a long writer, the disk is
  full), the outcome stays in memory, **no new message is started**, the log says why once,
  and the worker tries again with backoff until the write succeeds; then sending resumes;
- a crash loses what was claimed and not recorded: after a restart those rows are pending
  and are sent again (at most `max_in_flight` messages, each at most once more).

Pacing, all measured on the monotonic clock when a request starts:
- overall, at most `rate` messages in any one-second window (Telegram allows about 30/s);
- one message at a time per chat, at most one a second, and 20 a minute to a group; messages
  to one chat go in the order they were queued (a later one never overtakes one that is
  backing off);
- a 429 pauses *all* sending for its `retry_after`, then the same message is tried again;
  it also widens the pacer's margin a little (a network's jitter brings requests sent a
  second apart closer where Telegram counts them), narrowed again after quiet stretches;
- timeouts and 5xx are retried with exponential backoff, up to `max_attempts`, then the
  message is marked failed. One such failure holds back only that chat; several in a row
  mean Telegram is in trouble, and then all sending pauses too;
- 403 and "chat not found" mark the member unreachable: their pending messages are
  skipped, and so are later ones until they write to the bot again.

The worker knows nothing of Telegram: `send` (given by the handlers layer) turns one
outbox item into a `SendResult`.
"""

from bot.runtime.outbox.pacer import (
    CHAT_INTERVAL,
    GROUP_PER_MINUTE,
    MAX_EXTRA,
    NARROW,
    NARROW_AFTER,
    WIDEN,
    WINDOW,
    Pacer,
)
from bot.runtime.outbox.recording import MAX_RECORD_RETRY, RECORD_RETRY
from bot.runtime.outbox.results import (
    NoEvents,
    OutboxEvents,
    Outcome,
    ProgressFn,
    SendFn,
    SendResult,
    SleepFn,
)
from bot.runtime.outbox.state import PAID_KINDS
from bot.runtime.outbox.sweep import BATCH, MAX_PAUSE, TROUBLE_STREAK
from bot.runtime.outbox.worker import OutboxWorker

__all__ = [
    "BATCH",
    "CHAT_INTERVAL",
    "GROUP_PER_MINUTE",
    "MAX_EXTRA",
    "MAX_PAUSE",
    "MAX_RECORD_RETRY",
    "NARROW",
    "NARROW_AFTER",
    "PAID_KINDS",
    "RECORD_RETRY",
    "TROUBLE_STREAK",
    "WIDEN",
    "WINDOW",
    "NoEvents",
    "OutboxEvents",
    "OutboxWorker",
    "Outcome",
    "Pacer",
    "ProgressFn",
    "SendFn",
    "SendResult",
    "SleepFn",
]
