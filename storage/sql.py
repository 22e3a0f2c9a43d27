"""The pieces of SQL that more than one query uses, written once.

`tests/test_storage_layout.py` checks that their text appears nowhere else in `storage/`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from storage.rows import Buttons, NewMessage
from storage.transaction import Transaction

# An archived branch (`branches.archived_at`, see bot/rules/branch_changes.py) leaves the tree:
# every walk down the tree steps over it, and so over everything below it (archiving takes the
# whole subtree at once anyway). That one condition, here and in the few walks written out
# elsewhere (`Branches.subtree`, `Schedules.all` and `.own_times`, coverage's tree), is what
# takes it out of the tree view, the menus and pickers, the rollups (/who, /roster, the digest,
# coverage, duty, broadcasts' recipients and linked groups) and the scheduler's due runs. Its
# rows stay (history): a read by id still finds it (`Branches.get` says `archived`), and the
# root a walk starts from is kept as given; the handlers' `scope()` refuses an archived branch
# as a target, so a walk never starts from one.
LIVE = "archived_at IS NULL"


def subtree(root: str = ":root", *, alias: str = "b", only_if: str | None = None) -> str:
    """The CTE `down(id)`: the branch `root` (a parameter or an outer column) and every
    live (not archived) branch below it; with `only_if`, the branches below only where that
    condition holds (e.g. `:sub`, to make it the branch alone). `alias` names `branches`
    inside it."""
    where = f" WHERE {alias}.{LIVE}" + (f" AND {only_if}" if only_if else "")
    return (f"down(id) AS (SELECT {root} UNION ALL SELECT {alias}.id FROM branches {alias}"
            f" JOIN down ON {alias}.parent_id = down.id{where})")


def subtree_tops(root: str = ":root") -> str:
    """The CTE `down(id, top, depth)`: the subtree of `root` (live branches, as `subtree`),
    each branch with the direct sub-branch it lies under (`top`; the root itself for the
    root) and its depth."""
    return (f"down(id, top, depth) AS (SELECT {root}, {root}, 0 UNION ALL"
            " SELECT b.id, CASE down.depth WHEN 0 THEN b.id ELSE down.top END, down.depth + 1"
            f" FROM branches b JOIN down ON b.parent_id = down.id WHERE b.{LIVE})")


def display_name(alias: str = "m") -> str:
    """A member's name: the organization's (`members.name`, from the roster or corrected by a
    secretary) when set, else as Telegram shows it (`storage.rows.display_name` in Python)."""
    return (f"COALESCE({alias}.name, CASE WHEN {alias}.last_name IS NULL THEN {alias}.first_name"
            f" ELSE {alias}.first_name || ' ' || {alias}.last_name END)")


def telegram_name(alias: str = "m") -> str:
    """A member's name as Telegram shows it (first and last), whatever the organization's."""
    return (f"CASE WHEN {alias}.last_name IS NULL THEN {alias}.first_name"
            f" ELSE {alias}.first_name || ' ' || {alias}.last_name END")


def off_duty(alias: str = "m") -> str:
    """Whether member `alias` is off duty: away, or their latest check-in says unwell or
    quarantined."""
    return (f"({alias}.away_since IS NOT NULL OR"
            f" coalesce((SELECT c.status FROM checkins c WHERE c.member_id = {alias}.id"
            " ORDER BY c.day DESC LIMIT 1), '') IN ('unwell', 'quarantined'))")


# Needs by urgency: critical first, then urgent, then normal.
URGENT_FIRST = "CASE n.urgency WHEN 'critical' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END"

# One entry of the audit log: (at, actor, action, branch, allowed, detail).
AUDIT = ("INSERT INTO audit_log(at, actor_id, action, branch_id, allowed, detail)"
         " VALUES (?, ?, ?, ?, ?, ?)")

# One message into the outbox.
_ENQUEUE = ("INSERT INTO outbox(kind, broadcast_id, chat_id, member_id, text, buttons,"
            " media_kind, media_file_id, created_at, attachment_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
CAPTION_LIMIT = 1024  # characters of a photo's or document's caption (Telegram's limit)


async def enqueue(tx: Transaction, kind: str, messages: Sequence[NewMessage], stamp: str, *,
                  broadcast_id: int | None = None, media_kind: str | None = None,
                  media_file_id: str | None = None, placeholder: str | None = None,
                  number: str = "", in_text: bool = True) -> int:
    """Put messages in the outbox inside the caller's transaction; how many.

    With `placeholder`, that text in the buttons' data (and, with `in_text`, in the text)
    becomes `number` (the id of the task or broadcast written in the same transaction).
    Most messages of a big run carry one of a few keyboards: each distinct keyboard is
    turned into JSON once. A message with an attachment whose text is too long for a caption
    becomes two rows: the text, then the attachment without a caption.
    """
    if not messages:
        return 0
    keyboards: dict[int, str] = {}

    def keyboard(buttons: Buttons | None) -> str | None:
        if not buttons:
            return None
        if placeholder:
            return json.dumps([[(label, data.replace(placeholder, number))
                                for label, data in row] for row in buttons],
                              ensure_ascii=False)
        text = keyboards.get(id(buttons))
        if text is None:
            text = keyboards[id(buttons)] = json.dumps(buttons, ensure_ascii=False)
        return text

    rows: list[tuple[Any, ...]] = []
    for m in messages:
        text = m.text.replace(placeholder, number) if placeholder and in_text else m.text
        if m.attachment is not None and len(text) > CAPTION_LIMIT:
            rows.append((kind, broadcast_id, m.chat_id, m.member_id, text,
                         keyboard(m.buttons), None, None, stamp, None))
            rows.append((kind, broadcast_id, m.chat_id, m.member_id, "", None, None, None,
                         stamp, m.attachment))
            continue
        rows.append((kind, broadcast_id, m.chat_id, m.member_id, text, keyboard(m.buttons),
                     media_kind, media_file_id, stamp, m.attachment))
    await tx.executemany(_ENQUEUE, rows)
    return len(rows)
