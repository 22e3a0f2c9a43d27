"""Callback data: every button's data is declared in this package (one module per feature),
as a typed codec (`bot.rules.codec`).

`parse` returns None for anything that is not exactly a button's data, so a handler never
parses text itself. The data is never proof of rights: every handler checks them against the
database. Formats are versioned by their prefix: to change what a button carries, give it a
new prefix (`ck2`) and keep answering the old one, so that buttons already in members' chats
stay meaningful. Telegram allows 64 bytes; `pack` refuses more, and
`tests/unit/test_callbacks.py` checks every codec as a whole (round trip, the pattern, no two
codecs reading the same data).
"""

from __future__ import annotations

from bot.rules.callbacks.broadcasts import Ack, BroadcastReport, BroadcastSetup
from bot.rules.callbacks.checkin import CareNeed, Checkin, CheckinNote, Lang
from bot.rules.callbacks.households import (
    CoverageView,
    Handover,
    HandoverStep,
    ImportAnswer,
    VisitCancel,
    VisitHousehold,
    VisitOutcome,
    VisitPage,
    VisitSkip,
)
from bot.rules.callbacks.members import (
    Leave,
    MemberCancel,
    MemberCard,
    MemberChange,
    MemberMoveTo,
    MemberPhone,
    MemberPick,
)
from bot.rules.callbacks.needs import (
    NeedCategoryChoice,
    NeedClose,
    NeedForHousehold,
    NeedPage,
    NeedSkipLocation,
    NeedStep,
    NeedUrgencyChoice,
    NeedWhom,
)
from bot.rules.callbacks.org import (
    Invite,
    InviteRevoke,
    LinkFor,
    LinkRenew,
    LinkSheet,
    LinksRevoke,
    LinkUndo,
    Move,
    Reshape,
)
from bot.rules.callbacks.reports import DigestButton, PageButton, WhoRemind
from bot.rules.callbacks.tasks import (
    AssignNeed,
    AssignPick,
    AssignStep,
    Task,
    TaskCancel,
    TaskSkip,
)
from bot.rules.codec import LIMIT, Button

__all__ = [
    "LIMIT", "Ack", "AssignNeed", "AssignPick", "AssignStep", "BroadcastReport", "BroadcastSetup",
    "Button", "CareNeed", "Checkin", "CheckinNote", "CoverageView", "DigestButton", "Handover",
    "HandoverStep", "ImportAnswer", "Invite", "InviteRevoke", "Lang", "Leave", "LinkFor",
    "LinkRenew", "LinkSheet", "LinkUndo", "LinksRevoke", "MemberCancel", "MemberCard",
    "MemberChange", "MemberMoveTo", "MemberPhone", "MemberPick", "Move", "NeedCategoryChoice",
    "NeedClose", "NeedForHousehold", "NeedPage", "NeedSkipLocation", "NeedStep",
    "NeedUrgencyChoice", "NeedWhom", "PageButton", "Reshape", "Task", "TaskCancel", "TaskSkip",
    "VisitCancel", "VisitHousehold", "VisitOutcome", "VisitPage", "VisitSkip", "WhoRemind",
]
