"""Joining, invites and personal links, and the shape of the tree:
their callback data (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.rules.codec import Button, one_of, token

_CODE = r"[A-Za-z0-9_-]{8,40}"  # invite codes
_IMPORT = r"[A-Za-z0-9_-]{8}"  # an import waiting for its answer


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


@dataclass(frozen=True)
class Reshape(Button, prefix="br"):
    """Confirm (or keep) moving a branch under `to` (`was`: its parent when asked, so that a
    button pressed after the tree changed does nothing), or archiving it (`to`, `was`: 0)."""

    branch: int
    to: int
    was: int
    confirm: bool




@dataclass(frozen=True)
class LinkFor(Button, prefix="lk"):
    """/link's candidates: show this roster person's personal link."""

    roster: int


@dataclass(frozen=True)
class LinkRenew(Button, prefix="lk:new"):
    """Make a new personal link for the roster person (their old one is revoked)."""

    roster: int


@dataclass(frozen=True)
class LinkUndo(Button, prefix="lk:undo"):
    """Undo the member's claim of the roster person's link (the wrong person used it)."""

    roster: int
    member: int


@dataclass(frozen=True)
class LinkSheet(Button, prefix="lk:sheet"):
    """/links for a sub-branch: its printable sheet."""

    branch: int


@dataclass(frozen=True)
class InviteRevoke(Button, prefix="ivr"):
    """/invites: revoke a general invite (asked, then confirmed or kept)."""

    code: str = field(metadata=token(_CODE))
    step: str = field(metadata=one_of("ask", "yes", "no"))


@dataclass(frozen=True)
class LinksRevoke(Button, prefix="ivb"):
    """/invites: revoke every active personal link of a branch (asked, then confirmed)."""

    branch: int
    step: str = field(metadata=one_of("ask", "yes", "no"))
