"""Plain rows that storage returns: frozen dataclasses, no Telegram, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

STATUSES = ("on_duty", "available", "unwell", "quarantined", "off")
ROLES = ("member", "secretary")

Buttons = list[list[tuple[str, str]]]


def full_name(first_name: str, last_name: str | None) -> str:
    """First and last name as Telegram shows them."""
    return f"{first_name} {last_name}" if last_name else first_name


def display_name(name: str | None, first_name: str, last_name: str | None) -> str:
    """A member's name: the organization's when set, else Telegram's
    (`storage.sql.display_name` in SQL)."""
    return name or full_name(first_name, last_name)


@dataclass(frozen=True)
class NewMessage:
    """One message to put in the outbox."""

    chat_id: int
    member_id: int | None
    text: str
    buttons: Buttons | None = None
    # An attachment stored beforehand (`Outbox.attach`): sent as a photo or document with
    # `text` as its caption.
    attachment: int | None = None


@dataclass(frozen=True, slots=True)
class Branch:
    """A branch with its effective settings (inherited values filled in)."""

    id: int
    parent_id: int | None
    name: str
    timezone: str
    locale: str
    checkin_time: str
    reminder_time: str
    digest_time: str
    group_chat_id: int | None
    archived: bool = False  # left the tree (see `storage.sql.subtree`); its rows stay


@dataclass(frozen=True, slots=True)
class BranchNode:
    """A branch inside a subtree listing: depth 0 is the subtree's root."""

    id: int
    parent_id: int | None
    name: str
    depth: int
    timezone: str
    members: int
    # What the organization calls the branch's level and its secretaries: the branch's own
    # name, else its level's (table `levels`); None: neither is set (the catalogue's word).
    level_name: str | None = None
    leader_title: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """Someone the bot knows, with their membership if they have one."""

    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language: str | None
    telegram_language: str | None
    reachable: bool
    branch_id: int | None
    role: str | None
    branch_name: str | None
    timezone: str | None
    locale: str | None
    last_checkin_day: date | None = None
    last_checkin_status: str | None = None
    away: bool = False  # marked away (see bot/rules/coverage.py)
    name: str | None = None  # the organization's name for them (roster), None: Telegram's
    phone: str | None = None

    @property
    def display_name(self) -> str:
        """The organization's name for them when set, else Telegram's."""
        return display_name(self.name, self.first_name, self.last_name)


@dataclass(frozen=True, slots=True)
class Invite:
    """An invite code."""

    code: str
    branch_id: int
    branch_name: str
    role: str
    uses_left: int | None
    expires_at: datetime | None
    created_by: int | None
    revoked: bool
    roster_id: int | None = None  # a personal link: the roster row it is bound to


@dataclass(frozen=True, slots=True)
class Checkin:
    """One member's check-in of one day."""

    member_id: int
    day: date
    status: str
    note: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RosterRow:
    """A member of a subtree with their status on their branch's local day."""

    member_id: int
    name: str
    username: str | None
    role: str
    branch_id: int
    reachable: bool
    status: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Recipient:
    """A member to send to (a broadcast's recipient, a task's assignee, a secretary to tell):
    whom, in which language, and, where the query reads them, whether they can be reached
    and the branch they belong to (0: none, or not read)."""

    member_id: int
    name: str
    language: str | None
    telegram_language: str | None
    reachable: bool = True
    branch_id: int = 0


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One message waiting in the outbox."""

    id: int
    kind: str
    broadcast_id: int | None
    chat_id: int
    member_id: int | None
    text: str
    buttons: list[list[list[str]]] | None
    media_kind: str | None
    media_file_id: str | None
    attempts: int
    reachable: bool = True
    attachment: int | None = None  # see `NewMessage.attachment`


@dataclass(frozen=True, slots=True)
class BroadcastRow:
    """A broadcast as stored."""

    id: int
    branch_id: int
    branch_name: str
    author_id: int
    scope: str
    body: str | None
    media_kind: str | None
    to_groups: bool
    ack_required: bool
    status_chat_id: int | None
    status_message_id: int | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class BroadcastCounts:
    """Where a broadcast stands."""

    total: int
    sent: int
    pending: int
    failed: int
    unreachable: int
    groups: int
    acknowledged: int
    members: int


@dataclass(frozen=True, slots=True)
class DigestCounts:
    """The figures of one part of a subtree: the digest's own branch, or a sub-branch's subtree."""

    branch_id: int
    name: str
    members: int = 0
    checked: int = 0
    checked_before: int = 0  # checked in the day before
    on_duty: int = 0
    available: int = 0
    unwell: int = 0
    quarantined: int = 0
    off: int = 0
    silent: int = 0  # no check-in that day nor the day before
    needs_opened: int = 0
    needs_resolved: int = 0
    needs_open: int = 0
    needs_open_critical: int = 0
    needs_stale: int = 0  # open, and opened more than a day before as_of
    assigned: int = 0
    accepted: int = 0
    declined: int = 0
    done: int = 0
    overdue: int = 0  # assignments (people), like assigned .. done
    members_before: int = 0  # members the day before (the denominator of checked_before)
    tasks: int = 0  # tasks with someone assigned that day (assigned counts the people)


@dataclass(frozen=True, slots=True)
class DigestPerson:
    """A member named in a digest: unwell, quarantined, or silent for two days or more."""

    kind: str  # 'unwell', 'quarantined' or 'silent'
    member_id: int
    name: str
    branch_name: str
    last_day: date | None  # their last check-in before the day


@dataclass(frozen=True, slots=True)
class DigestNeed:
    """An open need in a digest."""

    id: int
    urgency: str
    category: str
    branch_name: str
    created_at: str
    details: str


@dataclass(frozen=True, slots=True)
class DigestDecline:
    """An assignment declined that day."""

    task_id: int
    title: str
    name: str
    branch_name: str
    reason: str | None
