"""Broadcasts: written with their outbox rows, followed, acknowledged."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage import sql
from storage.db import Database
from storage.rows import BroadcastCounts, BroadcastRow, NewMessage, Recipient
from storage.times import from_iso, iso

_COLUMNS = """b.id, b.branch_id, br.name, b.author_id, b.scope, b.body, b.media_kind,
       b.to_groups, b.ack_required, b.status_chat_id, b.status_message_id,
       b.created_at, b.finished_at"""

# The members a broadcast `b` was addressed to: its branch, and the branches below it if
# its scope is the subtree.
_WHOLE_SCOPE = sql.subtree("b.branch_id", alias="x", only_if="b.scope = 'subtree'")


def _recipient(r: Sequence[Any]) -> Recipient:
    return Recipient(r[0], r[1], r[2], r[3], bool(r[4]), r[5])


class Broadcasts:
    """Broadcasts, their recipients, progress and acknowledgements."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def recipients(self, branch_id: int, *, subtree: bool) -> list[Recipient]:
        """Members of the branch (and, with `subtree`, of every branch below it)."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree(only_if=":sub")}
               SELECT m.id, {sql.display_name('m')}, m.language, m.telegram_language,
                      m.reachable, ms.branch_id
                 FROM down JOIN memberships ms ON ms.branch_id = down.id
                 JOIN members m ON m.id = ms.member_id
                ORDER BY m.id""",
            {"root": branch_id, "sub": int(subtree)})
        return [_recipient(r) for r in rows]

    async def create(
        self,
        *,
        branch_id: int,
        author_id: int,
        scope: str,
        body: str | None,
        media_kind: str | None,
        media_file_id: str | None,
        to_groups: bool,
        ack_required: bool,
        messages: Sequence[NewMessage],
        status_chat_id: int | None,
        status_message_id: int | None,
        at: datetime,
        placeholder: str | None = None,
    ) -> int:
        """Write the broadcast, one outbox row per recipient and the audit entry, in one
        transaction.

        With `placeholder`, that text in the buttons' data is replaced by the new broadcast's
        id (an acknowledgement button names its broadcast): done in the same transaction, so
        the worker never sees a row with the placeholder.
        """
        stamp = iso(at)
        async with self.db.transaction() as tx:
            broadcast_id = (await tx.execute(
                """INSERT INTO broadcasts(branch_id, author_id, scope, body, media_kind,
                       media_file_id, to_groups, ack_required, status_chat_id,
                       status_message_id, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (branch_id, author_id, scope, body, media_kind, media_file_id, int(to_groups),
                 int(ack_required), status_chat_id, status_message_id, stamp))).lastrowid
            assert broadcast_id is not None
            await sql.enqueue(tx, "broadcast", messages, stamp, broadcast_id=broadcast_id,
                              media_kind=media_kind, media_file_id=media_file_id,
                              placeholder=placeholder, number=str(broadcast_id), in_text=False)
            await tx.execute(sql.AUDIT, (stamp, author_id, "broadcast", branch_id, 1, json.dumps(
                {"broadcast": broadcast_id, "scope": scope, "recipients": len(messages)})))
        return broadcast_id

    async def set_status_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        """Remember where the author's progress message is."""
        await self.db.execute(
            "UPDATE broadcasts SET status_chat_id = ?, status_message_id = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id))

    async def get(self, broadcast_id: int) -> BroadcastRow | None:
        """One broadcast."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM broadcasts b JOIN branches br ON br.id = b.branch_id"
            " WHERE b.id = ?",
            (broadcast_id,))
        return _broadcast(row) if row else None

    async def recent(self, branch_id: int, limit: int = 10) -> list[BroadcastRow]:
        """The latest broadcasts of the branch and the branches below it, newest first."""
        rows = await self.db.fetchall(
            f"""WITH RECURSIVE {sql.subtree()}
               SELECT {_COLUMNS}
                 FROM broadcasts b JOIN down ON down.id = b.branch_id
                 JOIN branches br ON br.id = b.branch_id
                ORDER BY b.id DESC LIMIT :limit""",
            {"root": branch_id, "limit": limit})
        return [_broadcast(r) for r in rows]

    async def counts(self, broadcast_id: int) -> BroadcastCounts:
        """How far a broadcast got, and how many acknowledged it."""
        row = await self.db.fetchone(
            """SELECT count(*),
                      count(*) FILTER (WHERE state = 'sent'),
                      count(*) FILTER (WHERE state = 'pending'),
                      count(*) FILTER (WHERE state = 'failed'),
                      count(*) FILTER (WHERE state IN ('unreachable', 'skipped')),
                      count(*) FILTER (WHERE member_id IS NULL),
                      (SELECT count(*) FROM acks WHERE broadcast_id = :b),
                      count(*) FILTER (WHERE member_id IS NOT NULL)
                 FROM outbox WHERE broadcast_id = :b""",
            {"b": broadcast_id})
        return BroadcastCounts(*row)

    async def pending_through(self, broadcast_id: int, kinds: frozenset[str] | None = None
                              ) -> int:
        """Pending rows queued up to the broadcast's last one (of `kinds`, if given): what
        the outbox sends before the broadcast is through."""
        kind_filter = ("" if kinds is None else
                       " AND kind IN (SELECT value FROM json_each(:kinds))")
        row = await self.db.fetchone(
            f"""SELECT count(*) FROM outbox WHERE state = 'pending'
                  AND id <= (SELECT max(id) FROM outbox WHERE broadcast_id = :b){kind_filter}""",
            {"b": broadcast_id, "kinds": json.dumps(sorted(kinds or ()))})
        return int(row[0])

    async def finish(self, broadcast_id: int, *, at: datetime) -> bool:
        """Mark the broadcast finished once nothing is pending; True the first time only."""
        row = await self.db.write_one(
            """UPDATE broadcasts SET finished_at = ? WHERE id = ? AND finished_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM outbox WHERE broadcast_id = broadcasts.id
                                  AND state = 'pending')
               RETURNING id""", (iso(at), broadcast_id))
        return row is not None

    async def unfinished(self) -> list[int]:
        """Broadcasts whose sending has not finished (to resume after a restart)."""
        rows = await self.db.fetchall(
            "SELECT id FROM broadcasts WHERE finished_at IS NULL ORDER BY id")
        return [r[0] for r in rows]

    async def problem_recipients(self, broadcast_id: int) -> list[tuple[int | None, int, str,
                                                                          str]]:
        """(member id, chat id, name, state) of the recipients that were not reached."""
        rows = await self.db.fetchall(
            f"""SELECT o.member_id, o.chat_id, COALESCE({sql.display_name('m')}, ''), o.state
                 FROM outbox o LEFT JOIN members m ON m.id = o.member_id
                WHERE o.broadcast_id = ? AND o.state IN ('failed', 'unreachable', 'skipped')
                ORDER BY o.id""", (broadcast_id,))
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    # --- acknowledgements -----------------------------------------------------------------

    async def is_recipient(self, broadcast_id: int, member_id: int) -> bool:
        """True if the broadcast was addressed to this member (privately or in a group)."""
        row = await self.db.fetchone(
            f"""SELECT 1 FROM broadcasts b
                WHERE b.id = :b AND (
                    EXISTS (SELECT 1 FROM outbox o WHERE o.broadcast_id = b.id
                            AND o.member_id = :m)
                    OR EXISTS (
                        WITH RECURSIVE {_WHOLE_SCOPE}
                        SELECT 1 FROM down JOIN memberships ms ON ms.branch_id = down.id
                         WHERE ms.member_id = :m))""",
            {"b": broadcast_id, "m": member_id})
        return row is not None

    async def acknowledge(self, broadcast_id: int, member_id: int, chat_id: int, *,
                          at: datetime) -> bool:
        """Record that the member acknowledged; False if they already had."""
        row = await self.db.write_one(
            "INSERT INTO acks(broadcast_id, member_id, chat_id, at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING 1",
            (broadcast_id, member_id, chat_id, iso(at)))
        return row is not None

    async def unacknowledged(self, broadcast_id: int) -> list[Recipient]:
        """Members the broadcast was sent to privately who have not acknowledged it."""
        rows = await self.db.fetchall(
            f"""SELECT m.id, {sql.display_name('m')}, m.language, m.telegram_language,
                      m.reachable, COALESCE(ms.branch_id, 0)
                 FROM outbox o JOIN members m ON m.id = o.member_id
                 LEFT JOIN memberships ms ON ms.member_id = m.id
                WHERE o.broadcast_id = ? AND NOT EXISTS (
                      SELECT 1 FROM acks a WHERE a.broadcast_id = o.broadcast_id
                         AND a.member_id = o.member_id)
                ORDER BY m.id""", (broadcast_id,))
        return [_recipient(r) for r in rows]


def _broadcast(row: Sequence[Any]) -> BroadcastRow:
    created = from_iso(row[11])
    assert created is not None
    return BroadcastRow(
        id=row[0], branch_id=row[1], branch_name=row[2], author_id=row[3], scope=row[4],
        body=row[5], media_kind=row[6], to_groups=bool(row[7]), ack_required=bool(row[8]),
        status_chat_id=row[9], status_message_id=row[10], created_at=created,
        finished_at=from_iso(row[12]))
