"""The outbox: messages waiting to be sent, and what became of them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage import sql
from storage.db import Database
from storage.rows import NewMessage, OutboxItem
from storage.times import from_iso, iso


@dataclass(frozen=True, slots=True)
class OutboxOutcome:
    """What became of one outbox row, to be written by `Outbox.record`.

    `state` is the row's new state (sent, failed, unreachable, skipped), or "attempted": a
    failed attempt that will be retried (the row stays pending, its attempts counted).
    """

    row_id: int
    state: str
    message_id: int | None = None
    error: str | None = None
    member_id: int | None = None  # with "unreachable": the member who cannot be reached
    broadcast_id: int | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the outbox sends: its bytes until Telegram has it (then its file_id)."""

    id: int
    kind: str  # 'photo' or 'document'
    file_name: str
    data: bytes | None  # None once pruned
    file_id: str | None


ATTACHMENT_KINDS = ("photo", "document")


class Outbox:
    """Outbox rows: queued, read by the worker, their outcomes written."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def enqueue(self, kind: str, messages: Sequence[NewMessage], *, at: datetime) -> None:
        """Put messages that belong to no broadcast (reminders, prompts) in the outbox."""
        async with self.db.transaction() as tx:
            await sql.enqueue(tx, kind, messages, iso(at))

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
            await tx.execute(sql.AUDIT, (stamp, actor_id, action, branch_id, 1,
                                         json.dumps({key: value, **detail}, ensure_ascii=False)))
            await sql.enqueue(tx, kind, messages, stamp)
        return None

    async def pending(self, *, after_id: int = 0, limit: int = 500) -> list[OutboxItem]:
        """Pending messages in the order they were queued."""
        rows = await self.db.fetchall(
            """SELECT o.id, o.kind, o.broadcast_id, o.chat_id, o.member_id, o.text, o.buttons,
                      o.media_kind, o.media_file_id, o.attempts, COALESCE(m.reachable, 1),
                      o.attachment_id
                 FROM outbox o LEFT JOIN members m ON m.id = o.member_id
                WHERE o.state = 'pending' AND o.id > ? ORDER BY o.id LIMIT ?""",
            (after_id, limit))
        return [OutboxItem(r[0], r[1], r[2], r[3], r[4], r[5],
                           json.loads(r[6]) if r[6] else None, r[7], r[8], r[9], bool(r[10]),
                           r[11])
                for r in rows]

    async def attach(self, kind: str, file_name: str, data: bytes, *, at: datetime) -> int:
        """Store a file to send (`NewMessage.attachment`); its id.

        Stored before the messages that send it, in a transaction of its own: the bytes are
        written once however many recipients, and the writer's lock is not held while a run
        is made. One whose messages were never queued (a run another start had done) is
        pruned with the others.
        """
        if kind not in ATTACHMENT_KINDS:
            raise ValueError(f"kind must be one of {ATTACHMENT_KINDS}")
        return await self.db.execute(
            "INSERT INTO attachments(kind, file_name, data, created_at) VALUES (?, ?, ?, ?)",
            (kind, file_name, data, iso(at)))

    async def attachment(self, attachment_id: int) -> Attachment | None:
        """An attachment by id, with its bytes (None once pruned)."""
        row = await self.db.fetchone(
            "SELECT id, kind, file_name, data, file_id FROM attachments WHERE id = ?",
            (attachment_id,))
        return Attachment(row[0], row[1], row[2], row[3], row[4]) if row else None

    async def attachment_sent(self, attachment_id: int, file_id: str) -> None:
        """Keep the file_id Telegram gave the uploaded attachment: later recipients get it
        by file_id."""
        await self.db.execute(
            "UPDATE attachments SET file_id = ? WHERE id = ? AND file_id IS NULL",
            (file_id, attachment_id))

    async def prune_attachments(self, *, before: datetime) -> int:
        """Drop the bytes of attachments stored before `before`; how many."""
        written = await self.db.execute_counted(
            "UPDATE attachments SET data = NULL WHERE data IS NOT NULL AND created_at < ?",
            (iso(before),))
        return written.rowcount

    async def last_id(self) -> int:
        """The id of the last row queued (0 if none): what is queued later has a greater one."""
        row = await self.db.fetchone("SELECT COALESCE(max(id), 0) FROM outbox")
        return int(row[0])

    async def queued_since(self, after_id: int) -> list[tuple[int, int | None]]:
        """(chat, Telegram message id or None if not sent) of each row queued after
        `after_id`, in order: what the demo's transcript attributes to the last action."""
        rows = await self.db.fetchall(
            "SELECT chat_id, message_id FROM outbox WHERE id > ? ORDER BY id", (after_id,))
        return [(int(r[0]), r[1]) for r in rows]

    async def record(self, outcomes: Sequence[OutboxOutcome], *, at: datetime) -> None:
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
