"""Broadcasts: acknowledging, the report, the setup:
their callback data (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.rules.codec import Button, one_of

_CODE = r"[A-Za-z0-9_-]{8,40}"  # invite codes
_IMPORT = r"[A-Za-z0-9_-]{8}"  # an import waiting for its answer


@dataclass(frozen=True)
class Ack(Button, prefix="ack"):
    """A member acknowledges a broadcast ("received")."""

    broadcast: int


@dataclass(frozen=True)
class BroadcastReport(Button, prefix="bc"):
    """A secretary's buttons under /broadcasts: who has not acknowledged, or remind them."""

    broadcast: int
    action: str = field(metadata=one_of("who", "remind"))


@dataclass(frozen=True)
class BroadcastSetup(Button, prefix="bcs"):
    """A step of the /broadcast conversation."""

    choice: str = field(metadata=one_of(
        "branch", "subtree", "groups_y", "groups_n", "ack_y", "ack_n", "send", "cancel"))
