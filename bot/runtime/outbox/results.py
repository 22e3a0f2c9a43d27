"""What one attempt to send came to, and the shapes of the functions the worker is given."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from storage.rows import OutboxItem


class Outcome(Enum):
    """What happened to one attempt to send."""

    SENT = "sent"
    RETRY_AFTER = "retry_after"  # 429: wait, then try the same message again
    TRANSIENT = "transient"  # timeout, 5xx: back off and retry, up to a limit
    UNREACHABLE = "unreachable"  # 403, chat not found: the member cannot be reached
    FAILED = "failed"  # any other refusal: give up on this message


@dataclass(frozen=True)
class SendResult:
    """The outcome of one attempt."""

    outcome: Outcome
    message_id: int | None = None
    retry_after: float = 0.0
    error: str | None = None


SendFn = Callable[[OutboxItem, bool], Awaitable[SendResult]]  # (item, as a paid broadcast)
ProgressFn = Callable[[int, bool], Awaitable[None]]
SleepFn = Callable[[float], Awaitable[None]]
