"""Invites: unguessable codes, expiry and uses, and the rules of joining a branch.

Defaults (decided here, documented in the README): a member invite may be used by any
number of people for 7 days; a secretary invite once, for 7 days. A personal link (an invite
bound to one person of the roster, see `bot.rules.roster.links`) is used once, by that
person, within 30 days; using it claims their roster row, with its branch and role.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.rules import when
from storage.invites import ActiveInvite, LinkCount
from storage.roster import RosterEntry
from storage.rows import Invite, Person
from storage.store import Store

CODE_BYTES = 12  # 16 URL-safe characters; deep-link payloads allow A-Z a-z 0-9 _ -
DEFAULT_EXPIRY = timedelta(days=7)
DEFAULT_USES = {"member": None, "secretary": 1}
_CODE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def new_code() -> str:
    """A fresh unguessable invite code. It never starts with `-`: an operator passes codes
    to `frontline invite revoke CODE`, where a leading `-` reads as an option (one code in
    64 did; codes made before this rule are revoked with `invite revoke -- CODE`)."""
    while True:
        code = secrets.token_urlsafe(CODE_BYTES)
        if not code.startswith("-"):
            return code


def looks_like_code(text: str) -> bool:
    """True if `text` has the shape of an invite code (not proof that it exists)."""
    return bool(_CODE.match(text))


def parse_duration(text: str) -> timedelta:
    """How long an invite lasts: `30m`, `12h`, `7d`, `2w` (`bot.rules.when`), at most a year;
    ValueError otherwise."""
    delta = when.parse_duration(text).delta
    if delta > timedelta(days=366):
        raise ValueError(text)
    return delta


def deep_link(username: str, code: str) -> str:
    """The t.me link that opens the bot and sends `/start <code>`."""
    return f"https://t.me/{username}?start={code}"


async def create_invite(
    store: Store,
    branch_id: int,
    role: str,
    *,
    uses: int | None = -1,
    expires_in: timedelta | None = DEFAULT_EXPIRY,
    created_by: int | None,
    now: datetime,
) -> Invite:
    """Make and store an invite; `uses=-1` means the default for the role."""
    if role not in DEFAULT_USES:
        raise ValueError(role)
    if uses == -1:
        uses = DEFAULT_USES[role]
    code = new_code()
    expires_at = now + expires_in if expires_in else None
    await store.invites.create(code, branch_id, role, uses=uses, expires_at=expires_at,
                               created_by=created_by, at=now)
    await store.audit.record(created_by, "invite", branch_id=branch_id, allowed=True,
                             detail={"role": role, "uses": uses}, at=now)
    invite = await store.invites.get(code)
    assert invite is not None
    return invite


class JoinCheck(Enum):
    """What `/start <code>` would do."""

    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"
    USED_UP = "used_up"
    CLAIMED = "claimed"  # a personal link someone else has used
    REMOVED = "removed"  # a personal link of someone taken off the roster
    ALREADY = "already"  # already in that branch with that role (or higher), or the link's person
    CONFIRM_MOVE = "confirm_move"  # in another branch: ask before moving
    OK = "ok"


@dataclass(frozen=True)
class JoinVerdict:
    """The check and the invite it was about (None for an unknown code); for a personal
    link, the roster row it is bound to."""

    check: JoinCheck
    invite: Invite | None
    entry: RosterEntry | None = None


async def examine(store: Store, code: str, person: Person | None, now: datetime) -> JoinVerdict:
    """Decide what an invite code would do for this person, without changing anything."""
    invite = await store.invites.get(code) if looks_like_code(code) else None
    if invite is None:
        return JoinVerdict(JoinCheck.UNKNOWN, None)
    if invite.roster_id is not None:
        return await _examine_personal(store, invite, person, now)
    if invite.revoked:
        return JoinVerdict(JoinCheck.REVOKED, invite)
    if invite.expires_at is not None and invite.expires_at <= now:
        return JoinVerdict(JoinCheck.EXPIRED, invite)
    same_branch = person is not None and person.branch_id == invite.branch_id
    if same_branch and person is not None and person.role in (invite.role, "secretary"):
        return JoinVerdict(JoinCheck.ALREADY, invite)
    if invite.uses_left is not None and invite.uses_left <= 0:
        return JoinVerdict(JoinCheck.USED_UP, invite)
    if person is not None and person.branch_id is not None \
            and person.branch_id != invite.branch_id:
        return JoinVerdict(JoinCheck.CONFIRM_MOVE, invite)
    return JoinVerdict(JoinCheck.OK, invite)


async def _examine_personal(store: Store, invite: Invite, person: Person | None,
                            now: datetime) -> JoinVerdict:
    """`examine` for a personal link: its person must still be waiting on the roster."""
    assert invite.roster_id is not None
    entry = await store.roster.get(invite.roster_id)
    if entry is None or entry.removed_at is not None:
        return JoinVerdict(JoinCheck.REMOVED, invite, entry)
    if entry.member_id is not None:
        mine = person is not None and entry.member_id == person.id
        return JoinVerdict(JoinCheck.ALREADY if mine else JoinCheck.CLAIMED, invite, entry)
    if invite.revoked:
        return JoinVerdict(JoinCheck.REVOKED, invite, entry)
    if invite.expires_at is not None and invite.expires_at <= now:
        return JoinVerdict(JoinCheck.EXPIRED, invite, entry)
    if invite.uses_left is not None and invite.uses_left <= 0:
        return JoinVerdict(JoinCheck.USED_UP, invite, entry)
    if person is not None and person.branch_id is not None \
            and person.branch_id != entry.branch_id:
        return JoinVerdict(JoinCheck.CONFIRM_MOVE, invite, entry)
    return JoinVerdict(JoinCheck.OK, invite, entry)


async def active(store: Store, root_id: int, now: datetime) -> list[ActiveInvite]:
    """The active general invites of the subtree (`/invites`, `frontline invite list`)."""
    return await store.invites.active(root_id, now)


async def link_counts(store: Store, root_id: int, now: datetime) -> list[LinkCount]:
    """How many active personal links each branch of the subtree has."""
    return await store.invites.link_counts(root_id, now)


async def lookup(store: Store, code: str) -> Invite | None:
    """An invite by its code (whatever its state), or None."""
    return await store.invites.get(code) if looks_like_code(code) else None


def is_active(invite: Invite, now: datetime) -> bool:
    """True if the invite can still be used."""
    return not invite.revoked and (invite.uses_left is None or invite.uses_left > 0) and (
        invite.expires_at is None or invite.expires_at > now)


async def revoke(store: Store, code: str, *, by: int | None, now: datetime) -> Invite | None:
    """Revoke an active invite, audited; the invite, or None if it was not active."""
    invite = await store.invites.get(code) if looks_like_code(code) else None
    if invite is None or not is_active(invite, now) or not await store.invites.revoke(code):
        return None
    await store.audit.record(by, "invite_revoke", branch_id=invite.branch_id, allowed=True,
                             detail={"invite": code[:4], "personal": invite.roster_id is not None},
                             at=now)
    return invite


async def revoke_links(store: Store, branch_id: int, *, by: int | None, now: datetime) -> int:
    """Revoke every active personal link of the branch (not below), audited; how many."""
    count = await store.invites.revoke_links(branch_id, now)
    await store.audit.record(by, "links_revoke", branch_id=branch_id, allowed=True,
                             detail={"revoked": count}, at=now)
    return count
