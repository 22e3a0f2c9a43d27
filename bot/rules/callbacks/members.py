"""Members: the card and its changes, /leave, a candidate for a name:
their callback data (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.rules.codec import Button, one_of, token

_CODE = r"[A-Za-z0-9_-]{8,40}"  # invite codes
_IMPORT = r"[A-Za-z0-9_-]{8}"  # an import waiting for its answer


_CHANGES = {"move": "mv", "secretary": "s", "member": "m", "remove": "rm", "name": "n"}


@dataclass(frozen=True)
class MemberCard(Button, prefix="mb"):
    """A button of a member's card (/member): move (the branch picker), make secretary or step
    down, remove (the confirmation), correct the name or the phone (asks for it); `branch` is
    the member's branch when the card was shown."""
    member: int
    branch: int
    action: str = field(metadata=one_of(**_CHANGES, phone="p"))


@dataclass(frozen=True)
class MemberMoveTo(Button, prefix="mb:to"):
    """The branch picker of a move: a page of branches (`page`), or the one picked (`to`)."""
    member: int
    branch: int
    kind: str = field(metadata=one_of(page="p", pick="b"))
    value: int


@dataclass(frozen=True)
class MemberChange(Button, prefix="mb:ok"):
    """Confirm a change to a member as it was asked: the member, their branch then (a button
    made before they moved is stale), the change and its value (a move: the new branch; a
    name: the key of the name kept for the confirmation; else 0)."""
    member: int
    branch: int
    action: str = field(metadata=one_of(**_CHANGES))
    value: int


@dataclass(frozen=True)
class MemberPhone(Button, prefix="mb:ph"):
    """Confirm a member's new phone number (as `normal_phone` writes it)."""
    member: int
    branch: int
    phone: str = field(metadata=token(r"\+?[0-9]{5,15}"))


@dataclass(frozen=True)
class MemberCancel(Button, prefix="mb:no"):
    """Cancel a change to a member: nothing is changed."""
    member: int


@dataclass(frozen=True)
class Leave(Button, prefix="lv"):
    """/leave's answer: leave the branch (the one the member was in when asked), or stay."""
    branch: int
    confirm: bool

@dataclass(frozen=True)
class MemberPick(Button, prefix="nm"):
    """A candidate for a name: the command kept under `token` goes on with this member."""
    command: str = field(metadata=token(r"[a-z]{1,12}"))
    token: str = field(metadata=token(r"[A-Za-z0-9_-]{8}"))
    member: int
