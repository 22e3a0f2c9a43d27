"""Households: imports, visits, coverage and hand-over:
their callback data (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.rules.codec import Button, digits, one_of, token
from bot.rules.vocab import Outcome

_CODE = r"[A-Za-z0-9_-]{8,40}"  # invite codes
_IMPORT = r"[A-Za-z0-9_-]{8}"  # an import waiting for its answer


@dataclass(frozen=True)
class ImportAnswer(Button, prefix="imp"):
    """Apply (or drop) a checked household import (ok, no) or roster import (roster_...)."""

    token: str = field(metadata=token(_IMPORT))
    answer: str = field(metadata=one_of("ok", "no", roster_ok="rok", roster_no="rno"))


@dataclass(frozen=True)
class VisitPage(Button, prefix="vs:pg"):
    """A page of /visit's households."""

    page: int = field(metadata=digits(4))


@dataclass(frozen=True)
class VisitHousehold(Button, prefix="vs:hh"):
    """The household a visit is for."""

    household: int


@dataclass(frozen=True)
class VisitOutcome(Button, prefix="vs:out"):
    """What the visit found."""

    household: int
    outcome: str = field(metadata=one_of(*Outcome))


@dataclass(frozen=True)
class VisitSkip(Button, prefix="vs:skip"):
    """Log the visit without a note."""

    household: int


@dataclass(frozen=True)
class VisitCancel(Button, prefix="vs:no"):
    """Cancel /visit."""


@dataclass(frozen=True)
class CoverageView(Button, prefix="cv"):
    """/coverage's buttons: a sub-branch's coverage, or a zone's."""

    view: str = field(metadata=one_of(branch="b", zone="z"))
    id: int


@dataclass(frozen=True)
class Handover(Button, prefix="cv"):
    """Start handing over a member's households, or cancel it."""

    step: str = field(metadata=one_of(start="ho", cancel="hn"))
    member: int


@dataclass(frozen=True)
class HandoverStep(Button, prefix="cv"):
    """A hand-over step with a value: a page of candidates, the one picked, the confirmation."""

    step: str = field(metadata=one_of(page="hp", pick="ht", confirm="hy"))
    member: int
    value: int
