"""Needs: reporting one, the lists and closing:
their callback data (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.rules.codec import Button, digits, one_of
from bot.rules.vocab import NeedCategory, NeedStatus, Urgency

_CODE = r"[A-Za-z0-9_-]{8,40}"  # invite codes
_IMPORT = r"[A-Za-z0-9_-]{8}"  # an import waiting for its answer


@dataclass(frozen=True)
class NeedStep(Button, prefix="nd"):
    """A one-word step of the /need conversation: confirm, edit, cancel."""
    step: str = field(metadata=one_of("ok", "edit", "no"))


@dataclass(frozen=True)
class NeedCategoryChoice(Button, prefix="nd:cat"):
    """/need's category."""
    category: str = field(metadata=one_of(*NeedCategory))


@dataclass(frozen=True)
class NeedUrgencyChoice(Button, prefix="nd:urg"):
    """/need's urgency."""
    urgency: str = field(metadata=one_of(*Urgency))


@dataclass(frozen=True)
class NeedWhom(Button, prefix="nd:who"):
    """/need: for me, or for someone else."""
    whom: str = field(metadata=one_of("me", "other"))


@dataclass(frozen=True)
class NeedSkipLocation(Button, prefix="nd:loc:skip"):
    """/need without a location."""


@dataclass(frozen=True)
class NeedForHousehold(Button, prefix="nd:hh"):
    """A category for a need reported for a household (from a visit)."""
    household: int
    category: str = field(metadata=one_of(*NeedCategory))


@dataclass(frozen=True)
class NeedClose(Button, prefix="nd"):
    """Resolve or cancel a need."""
    action: str = field(metadata=one_of(resolved="res", cancelled="can"))
    need: int


@dataclass(frozen=True)
class NeedPage(Button, prefix="nd:pg"):
    """A page of a /needs listing, with its filter ("-" where a filter is not set)."""
    page: int = field(metadata=digits(4))
    branch: int
    category: str = field(metadata=one_of(*NeedCategory, "-"))
    status: str = field(metadata=one_of(*NeedStatus, "-"))
    urgency: str = field(metadata=one_of(*Urgency, "-"))
