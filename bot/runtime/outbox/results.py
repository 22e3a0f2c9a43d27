"""What one attempt to send came to, and the shapes of the functions the worker is given."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

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


class OutboxEvents(Protocol):
    """Told what the worker does, for the metrics (`bot.runtime.metrics`); `kind` is the
    outbox row's kind (broadcast, rhythm_prompt, ...)."""

    def outcome(self, kind: str, state: str) -> None:
        """An attempt's outcome, as written: sent, failed, unreachable, skipped, or
        attempted (a timeout or 5xx that will be retried)."""

    def retry_after(self, kind: str) -> None:
        """Telegram answered 429: the message is tried again after the pause."""

    def paced(self, kind: str) -> None:
        """A message waited for Telegram's limits (overall, its chat's, a pause) to go out."""

    def paused(self, reason: str, seconds: float) -> None:
        """All sending was paused for `seconds` more: reason "retry_after" (a 429) or
        "trouble" (timeouts and 5xx in a row)."""


class NoEvents:
    """Tells nobody (the default)."""

    def outcome(self, kind: str, state: str) -> None:
        """Nothing."""

    def retry_after(self, kind: str) -> None:
        """Nothing."""

    def paced(self, kind: str) -> None:
        """Nothing."""

    def paused(self, reason: str, seconds: float) -> None:
        """Nothing."""
