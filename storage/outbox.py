"""Queries of broadcasts, the outbox and acknowledgements (mixed into `Store`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage.db import Database, Transaction
from storage.rows import BroadcastCounts, BroadcastRow, OutboxItem, Recipient
from storage.times import from_iso, iso

Buttons = list[list[tuple[str, str]]]


@dataclass(frozen=True)
class NewMessage:
    """One message to put in the outbox."""

    chat_id: int
    member_id: int | None
    text: str
    buttons: Buttons | None = None


@dataclass(frozen=True, slots=True)
class OutboxOutcome:
    """What became of one outbox row, to be written by `record_outbox`.

    `state` is the row's new state (sent, failed, unreachable, skipped), or "attempted": a
    failed attempt that will be retried (the row stays pending, its attempts counted).
    """

    row_id: int
    state: str
    message_id: int | None = None
    error: str | None = None
    member_id: int | None = None  # with "unreachable": the member who cannot be reached
    broadcast_id: int | None = None


async def queue_messages(tx: Transaction, kind: str, messages: Sequence[NewMessage],
                         stamp: str) -> None:
    """Insert outbox rows that belong to no broadcast, inside the caller's transaction."""
    if messages:
        await tx.executemany(
            "INSERT INTO outbox(kind, chat_id, member_id, text, buttons, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(kind, m.chat_id, m.member_id, m.text,
              json.dumps(m.buttons, ensure_ascii=False) if m.buttons else None, stamp)
             for m in messages])


class OutboxQueries:
    """Broadcasts, outbox rows and acks."""

    db: Database

    # --- groups ---------------------------------------------------------------------------

    async def link_group(self, branch_id: int, chat_id: int) -> int | None:
        """Tie a group chat to a branch; returns the branch it was tied to before, if any.

        A group belongs to at most one branch and a branch has at most one group: linking
        moves the group away from its previous branch.
        """
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT id FROM branches WHERE group_chat_id = ?", (chat_id,))
            await tx.execute("UPDATE branches SET group_chat_id = NULL WHERE group_chat_id = ?",
                               (chat_id,))
            await tx.execute("UPDATE branches SET group_chat_id = ? WHERE id = ?",
                               (chat_id, branch_id))
        return int(row[0]) if row else None

    async def unlink_group(self, chat_id: int) -> int | None:
        """Untie a group chat; returns the branch it was tied to, if any."""
        row = await self.db.write_one(
            "UPDATE branches SET group_chat_id = NULL WHERE group_chat_id = ? RETURNING id",
            (chat_id,))
        return int(row[0]) if row else None

    async def branch_of_group(self, chat_id: int) -> int | None:
        """The branch a group chat is linked to, if any."""
        row = await self.db.fetchone("SELECT id FROM branches WHERE group_chat_id = ?",
                                     (chat_id,))
        return int(row[0]) if row else None

    # --- recipients -----------------------------------------------------------------------

    async def recipients(self, branch_id: int, *, subtree: bool) -> list[Recipient]:
        """Members of the branch (and, with `subtree`, of every branch below it)."""
        rows = await self.db.fetchall(
            """WITH RECURSIVE down(id) AS (
                   SELECT :root UNION ALL
                   SELECT b.id FROM branches b JOIN down ON b.parent_id = down.id WHERE :sub)
               SELECT m.id, m.first_name, m.last_name, m.language, m.telegram_language,
                      m.reachable, ms.branch_id
                 FROM down JOIN memberships ms ON ms.branch_id = down.id
                 JOIN members m ON m.id = ms.member_id
                ORDER BY m.id""",
            {"root": branch_id, "sub": int(subtree)})
        return [Recipient(r[0], f"{r[1]} {r[2]}" if r[2] else r[1], r[3], r[4], bool(r[5]),
                          r[6]) for r in rows]

    async def group_chats(self, branch_id: int, *, subtree: bool) -> list[tuple[int, int]]:
        """(branch id, group chat id) of the linked groups of the branch (and below)."""
        rows = await self.db.fetchall(
            """WITH RECURSIVE down(id) AS (
                   SELECT :root UNION ALL
                   SELECT b.id FROM branches b JOIN down ON b.parent_id = down.id WHERE :sub)
               SELECT b.id, b.group_chat_id FROM down JOIN branches b ON b.id = down.id
                WHERE b.group_chat_id IS NOT NULL ORDER BY b.id""",
            {"root": branch_id, "sub": int(subtree)})
        return [(r[0], r[1]) for r in rows]

    # --- broadcasts -----------------------------------------------------------------------

    async def create_broadcast(
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
            number = str(broadcast_id)

            def encoded(buttons: Buttons | None) -> str | None:
                if not buttons:
                    return None
                if placeholder:
                    buttons = [[(label, data.replace(placeholder, number))
                                for label, data in row] for row in buttons]
                return json.dumps(buttons, ensure_ascii=False)

            await tx.executemany(
                """INSERT INTO outbox(kind, broadcast_id, chat_id, member_id, text, buttons,
                       media_kind, media_file_id, created_at)
                   VALUES ('broadcast', ?, ?, ?, ?, ?, ?, ?, ?)""",
                [(broadcast_id, m.chat_id, m.member_id, m.text, encoded(m.buttons),
                  media_kind, media_file_id, stamp) for m in messages])
            await tx.execute(
                "INSERT INTO audit_log(at, actor_id, action, branch_id, allowed, detail)"
                " VALUES (?, ?, 'broadcast', ?, 1, ?)",
                (stamp, author_id, branch_id, json.dumps(
                    {"broadcast": broadcast_id, "scope": scope, "recipients": len(messages)})))
        return broadcast_id

    async def enqueue(self, kind: str, messages: Sequence[NewMessage], *, at: datetime) -> None:
        """Put messages that belong to no broadcast (reminders, prompts) in the outbox."""
        async with self.db.transaction() as tx:
            await queue_messages(tx, kind, messages, iso(at))

    async def enqueue_at_most_every(
        self,
        kind: str,
        messages: Sequence[NewMessage],
        *,
        interval: timedelta,
        action: str,
        subject: tuple[str, int],
        actor_id: int | None,
        branch_id: int | None,
        detail: Mapping[str, object],
        at: datetime,
    ) -> datetime | None:
        """Queue the messages and audit `action` unless it was done on the same subject less
        than `interval` ago; decided inside the write, so two presses at the same moment
        cannot both pass. Returns None when queued, else when it was last done.

        `subject` is (a key of the audit entry's detail, its value), e.g. ("broadcast", 7).
        """
        stamp = iso(at)
        key, value = subject
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT max(at) FROM audit_log WHERE at > ? AND action = ? AND allowed = 1"
                " AND json_extract(detail, '$.' || ?) = ?",
                (iso(at - interval), action, key, value))
            last = from_iso(row[0]) if row and row[0] else None
            if last is not None:
                return last
            await tx.execute(
                "INSERT INTO audit_log(at, actor_id, action, branch_id, allowed, detail)"
                " VALUES (?, ?, ?, ?, 1, ?)",
                (stamp, actor_id, action, branch_id,
                 json.dumps({key: value, **detail}, ensure_ascii=False)))
            await queue_messages(tx, kind, messages, stamp)
        return None

    async def set_broadcast_status_message(self, broadcast_id: int, chat_id: int,
                                           message_id: int) -> None:
        """Remember where the author's progress message is."""
        await self.db.execute(
            "UPDATE broadcasts SET status_chat_id = ?, status_message_id = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id))

    async def broadcast(self, broadcast_id: int) -> BroadcastRow | None:
        """One broadcast."""
        row = await self.db.fetchone(
            """SELECT b.id, b.branch_id, br.name, b.author_id, b.scope, b.body, b.media_kind,
                      b.to_groups, b.ack_required, b.status_chat_id, b.status_message_id,
                      b.created_at, b.finished_at
                 FROM broadcasts b JOIN branches br ON br.id = b.branch_id WHERE b.id = ?""",
            (broadcast_id,))
        return _broadcast(row) if row else None

    async def recent_broadcasts(self, branch_id: int, limit: int = 10) -> list[BroadcastRow]:
        """The latest broadcasts of the branch and the branches below it, newest first."""
        rows = await self.db.fetchall(
            """WITH RECURSIVE down(id) AS (
                   SELECT ? UNION ALL
                   SELECT b.id FROM branches b JOIN down ON b.parent_id = down.id)
               SELECT b.id, b.branch_id, br.name, b.author_id, b.scope, b.body, b.media_kind,
                      b.to_groups, b.ack_required, b.status_chat_id, b.status_message_id,
                      b.created_at, b.finished_at
                 FROM broadcasts b JOIN down ON down.id = b.branch_id
                 JOIN branches br ON br.id = b.branch_id
                ORDER BY b.id DESC LIMIT ?""",
            (branch_id, limit))
        return [_broadcast(r) for r in rows]

    async def broadcast_counts(self, broadcast_id: int) -> BroadcastCounts:
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

    async def finish_broadcast(self, broadcast_id: int, *, at: datetime) -> bool:
        """Mark the broadcast finished once nothing is pending; True the first time only."""
        row = await self.db.write_one(
            """UPDATE broadcasts SET finished_at = ? WHERE id = ? AND finished_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM outbox WHERE broadcast_id = broadcasts.id
                                  AND state = 'pending')
               RETURNING id""", (iso(at), broadcast_id))
        return row is not None

    async def unfinished_broadcasts(self) -> list[int]:
        """Broadcasts whose sending has not finished (to resume after a restart)."""
        rows = await self.db.fetchall(
            "SELECT id FROM broadcasts WHERE finished_at IS NULL ORDER BY id")
        return [r[0] for r in rows]

    async def problem_recipients(self, broadcast_id: int) -> list[tuple[int | None, int, str,
                                                                          str]]:
        """(member id, chat id, name, state) of the recipients that were not reached."""
        rows = await self.db.fetchall(
            """SELECT o.member_id, o.chat_id, COALESCE(m.first_name, ''), o.state
                 FROM outbox o LEFT JOIN members m ON m.id = o.member_id
                WHERE o.broadcast_id = ? AND o.state IN ('failed', 'unreachable', 'skipped')
                ORDER BY o.id""", (broadcast_id,))
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    # --- acknowledgements -----------------------------------------------------------------

    async def is_recipient(self, broadcast_id: int, member_id: int) -> bool:
        """True if the broadcast was addressed to this member (privately or in a group)."""
        row = await self.db.fetchone(
            """SELECT 1 FROM broadcasts b
                WHERE b.id = :b AND (
                    EXISTS (SELECT 1 FROM outbox o WHERE o.broadcast_id = b.id
                            AND o.member_id = :m)
                    OR EXISTS (
                        WITH RECURSIVE down(id) AS (
                            SELECT b.branch_id UNION ALL
                            SELECT x.id FROM branches x JOIN down ON x.parent_id = down.id
                             WHERE b.scope = 'subtree')
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
            """SELECT m.id, m.first_name, m.last_name, m.language, m.telegram_language,
                      m.reachable, COALESCE(ms.branch_id, 0)
                 FROM outbox o JOIN members m ON m.id = o.member_id
                 LEFT JOIN memberships ms ON ms.member_id = m.id
                WHERE o.broadcast_id = ? AND NOT EXISTS (
                      SELECT 1 FROM acks a WHERE a.broadcast_id = o.broadcast_id
                         AND a.member_id = o.member_id)
                ORDER BY m.id""", (broadcast_id,))
        return [Recipient(r[0], f"{r[1]} {r[2]}" if r[2] else r[1], r[3], r[4], bool(r[5]),
                          r[6]) for r in rows]

    # --- the outbox worker ----------------------------------------------------------------

    async def pending_outbox(self, *, after_id: int = 0, limit: int = 500) -> list[OutboxItem]:
        """Pending messages in the order they were queued."""
        rows = await self.db.fetchall(
            """SELECT o.id, o.kind, o.broadcast_id, o.chat_id, o.member_id, o.text, o.buttons,
                      o.media_kind, o.media_file_id, o.attempts, COALESCE(m.reachable, 1)
                 FROM outbox o LEFT JOIN members m ON m.id = o.member_id
                WHERE o.state = 'pending' AND o.id > ? ORDER BY o.id LIMIT ?""",
            (after_id, limit))
        return [OutboxItem(r[0], r[1], r[2], r[3], r[4], r[5],
                           json.loads(r[6]) if r[6] else None, r[7], r[8], r[9], bool(r[10]))
                for r in rows]

    async def record_outbox(self, outcomes: Sequence[OutboxOutcome], *, at: datetime) -> None:
        """Write the outcomes of sent (or skipped) messages, all in one transaction.

        A row is only changed while it is pending, so writing an outcome twice changes
        nothing. An unreachable member is marked so, and their other pending messages are
        skipped.
        """
        stamp = iso(at)
        done = [(o.state, o.message_id, o.error, stamp, o.row_id)
                for o in outcomes if o.state != "attempted"]
        tried = [(o.error, o.row_id) for o in outcomes if o.state == "attempted"]
        gone = sorted({o.member_id for o in outcomes
                       if o.state == "unreachable" and o.member_id is not None})
        async with self.db.transaction() as tx:
            if done:
                await tx.executemany(
                    "UPDATE outbox SET state = ?, message_id = ?, error = ?, done_at = ?,"
                    " attempts = attempts + 1 WHERE id = ? AND state = 'pending'", done)
            if tried:
                await tx.executemany(
                    "UPDATE outbox SET attempts = attempts + 1, error = ?"
                    " WHERE id = ? AND state = 'pending'", tried)
            if gone:
                await tx.executemany(
                    "UPDATE members SET reachable = 0, updated_at = ? WHERE id = ?",
                    [(stamp, member) for member in gone])
                await tx.executemany(
                    "UPDATE outbox SET state = 'skipped', error = 'unreachable', done_at = ?"
                    " WHERE member_id = ? AND state = 'pending'",
                    [(stamp, member) for member in gone])


def _broadcast(row: Sequence[Any]) -> BroadcastRow:
    created = from_iso(row[11])
    assert created is not None
    return BroadcastRow(
        id=row[0], branch_id=row[1], branch_name=row[2], author_id=row[3], scope=row[4],
        body=row[5], media_kind=row[6], to_groups=bool(row[7]), ack_required=bool(row[8]),
        status_chat_id=row[9], status_message_id=row[10], created_at=created,
        finished_at=from_iso(row[12]))
