"""Callback data: every button's data is declared here, as a typed codec (`bot.rules.codec`).

`parse` returns None for anything that is not exactly a button's data, so a handler never
parses text itself. The data is never proof of rights: every handler checks them against the
database. Formats are versioned by their prefix: to change what a button carries, give it a
new prefix (`ck2`) and keep answering the old one, so that buttons already in members' chats
stay meaningful. Telegram allows 64 bytes; `pack` refuses more, and `tests/test_callbacks.py`
checks every codec as a whole (round trip, the pattern, no two codecs reading the same data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.i18n import LANGUAGES
from bot.rules.codec import LIMIT, Button, digits, one_of, token
from bot.rules.vocab import NeedCategory, NeedStatus, Outcome, Status, Urgency

__all__ = ["LIMIT", "Button"]

_CODE = r"[A-Za-z0-9_-]{8,40}"  # invite codes
_IMPORT = r"[A-Za-z0-9_-]{8}"  # an import waiting for its answer

# --- the daily check-in ----------------------------------------------------------------------


@dataclass(frozen=True)
class Checkin(Button, prefix="ck"):
    """A status button of the check-in (also under the daily prompt)."""

    status: str = field(metadata=one_of(*Status))


@dataclass(frozen=True)
class CheckinNote(Button, prefix="ck:note"):
    """"Add a note" under a check-in's answer."""


@dataclass(frozen=True)
class CareNeed(Button, prefix="care:need"):
    """The care message's "report a need" button."""


@dataclass(frozen=True)
class Lang(Button, prefix="lang"):
    """Switch to a language."""

    code: str = field(metadata=one_of(*LANGUAGES))


# --- joining and the organization --------------------------------------------------------------


@dataclass(frozen=True)
class Move(Button, prefix="mv"):
    """Confirm (or decline) moving to the branch of an invite."""

    code: str = field(metadata=token(_CODE))
    confirm: bool


@dataclass(frozen=True)
class Invite(Button, prefix="inv"):
    """Make an invite link for a role in a branch."""

    branch: int
    role: str = field(metadata=one_of(member="m", secretary="s"))


# --- broadcasts ------------------------------------------------------------------------------


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


# --- needs -----------------------------------------------------------------------------------


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


# --- tasks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task(Button, prefix="tk"):
    """An assignee's answer (accept, decline, done) or a secretary's (close, cancel)."""

    task: int
    action: str = field(metadata=one_of("acc", "dec", "done", "close", "cancel"))


@dataclass(frozen=True)
class TaskCancel(Button, prefix="tkx"):
    """"Cancel this task?" under `/task`: yes (the assignees are told), or keep it."""

    task: int
    confirm: bool


@dataclass(frozen=True)
class TaskSkip(Button, prefix="tkp:skip"):
    """Finish a task without a note or photo."""


@dataclass(frozen=True)
class AssignStep(Button, prefix="asg"):
    """A one-word step of /assign."""

    step: str = field(metadata=one_of("keep", "skip", "ok", "all", "send", "cancel"))


@dataclass(frozen=True)
class AssignPick(Button, prefix="asg"):
    """In /assign's roster: a member, a page, or a team."""

    kind: str = field(metadata=one_of("m", "pg", "team"))
    value: int


@dataclass(frozen=True)
class AssignNeed(Button, prefix="asg:need"):
    """"Assign" under a need: /assign with the need's title."""

    need: int


# --- households, visits, coverage ------------------------------------------------------------


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


# --- reports ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestButton(Button, prefix="dg"):
    """A digest's buttons: a sub-branch's digest, or its unwell / silent members."""

    branch: int
    day: date
    kind: str | None = field(default=None, metadata=one_of("unwell", "silent"))


@dataclass(frozen=True)
class WhoRemind(Button, prefix="who:rm"):
    """/who's "remind them now": the daily reminder to the branch's subtree's silent members."""
    branch: int


@dataclass(frozen=True)
class PageButton(Button, prefix="pg"):
    """◀ ▶ of a long list: the view's name, its argument and the page."""

    view: str = field(metadata=token(r"[a-z]{1,8}"))
    argument: str = field(metadata=token(r"[0-9A-Za-z_.-]{0,40}"))
    page: int = field(metadata=digits(5))
