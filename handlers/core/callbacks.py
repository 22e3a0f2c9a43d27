"""Callback data: short, parsed in one place, never trusted as proof of rights.

Each kind of button has a prefix; the arguments after it are fixed for that prefix.
To change what a button carries, give it a new prefix (`ck2:`) and keep answering the
old one, so that buttons already in members' chats stay meaningful. Telegram allows
64 bytes; every format here stays far below.
"""

from __future__ import annotations

import re

from storage.rows import STATUSES

CHECKIN = "ck"
LANG = "lang"
MOVE = "mv"
INVITE = "inv"
ACK = "ack"  # a member acknowledges a broadcast: ack:<broadcast id>
REPORT = "bc"  # a secretary's buttons under /broadcasts: bc:<broadcast id>:who|remind
SETUP = "bcs"  # the steps of the /broadcast conversation: bcs:<choice>

CHECKIN_PATTERN = rf"^{CHECKIN}:"
CHECKIN_NOTE = f"{CHECKIN}:note"
LANG_PATTERN = rf"^{LANG}:"
MOVE_PATTERN = rf"^{MOVE}:"
INVITE_PATTERN = rf"^{INVITE}:"
ACK_PATTERN = rf"^{ACK}:"
REPORT_PATTERN = rf"^{REPORT}:"
SETUP_PATTERN = rf"^{SETUP}:"
SETUP_CHOICES = ("branch", "subtree", "groups_y", "groups_n", "ack_y", "ack_n", "send", "cancel")
REPORT_ACTIONS = ("who", "remind")

_MOVE = re.compile(rf"^{MOVE}:([A-Za-z0-9_-]{{8,40}}):([yn])$")
_INVITE = re.compile(rf"^{INVITE}:(\d{{1,12}}):([ms])$")
_ACK = re.compile(rf"^{ACK}:(\d{{1,12}})$")
_REPORT = re.compile(rf"^{REPORT}:(\d{{1,12}}):(who|remind)$")


def checkin(status: str) -> str:
    """The button that checks in with `status`."""
    return f"{CHECKIN}:{status}"


def parse_checkin(data: str) -> str | None:
    """The status of a check-in button, or None if the data is not one."""
    prefix, _, status = data.partition(":")
    return status if prefix == CHECKIN and status in STATUSES else None


def lang(code: str) -> str:
    """The button that switches to language `code`."""
    return f"{LANG}:{code}"


def parse_lang(data: str, languages: tuple[str, ...]) -> str | None:
    """The language of a language button, or None."""
    prefix, _, code = data.partition(":")
    return code if prefix == LANG and code in languages else None


def move(code: str, confirm: bool) -> str:
    """The button that confirms (or declines) moving to the branch of invite `code`."""
    return f"{MOVE}:{code}:{'y' if confirm else 'n'}"


def parse_move(data: str) -> tuple[str, bool] | None:
    """(invite code, confirmed) of a move button, or None."""
    match = _MOVE.match(data)
    return (match.group(1), match.group(2) == "y") if match else None


def invite(branch_id: int, role: str) -> str:
    """The button that makes an invite link for `role` in `branch_id`."""
    return f"{INVITE}:{branch_id}:{'s' if role == 'secretary' else 'm'}"


def parse_invite(data: str) -> tuple[int, str] | None:
    """(branch id, role) of an invite button, or None."""
    match = _INVITE.match(data)
    if not match:
        return None
    return int(match.group(1)), "secretary" if match.group(2) == "s" else "member"


def ack(broadcast_id: int | str) -> str:
    """The "received" button of a broadcast (`broadcast_id` may be a placeholder)."""
    return f"{ACK}:{broadcast_id}"


def parse_ack(data: str) -> int | None:
    """The broadcast id of a "received" button, or None."""
    match = _ACK.match(data)
    return int(match.group(1)) if match else None


def report(broadcast_id: int, action: str) -> str:
    """A /broadcasts button: `who` has not acknowledged, or `remind` them."""
    assert action in REPORT_ACTIONS
    return f"{REPORT}:{broadcast_id}:{action}"


def parse_report(data: str) -> tuple[int, str] | None:
    """(broadcast id, action) of a /broadcasts button, or None."""
    match = _REPORT.match(data)
    return (int(match.group(1)), match.group(2)) if match else None


def setup(choice: str) -> str:
    """A button of the /broadcast conversation."""
    assert choice in SETUP_CHOICES
    return f"{SETUP}:{choice}"


def parse_setup(data: str) -> str | None:
    """The choice of a /broadcast conversation button, or None."""
    prefix, _, choice = data.partition(":")
    return choice if prefix == SETUP and choice in SETUP_CHOICES else None
