"""The demo's transcript: what users do and what the bot answers, printed as it happens.

Each action (a user's message or tap, a run of the scheduler) is a `Block`: the messages
printed under it, and the messages sent from the outbox rows queued while it ran, which are
the ones it caused in other chats. The outbox is drained after every action, so a message is
printed under the action that queued it, never later under another one.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.sandbox import SandboxMessage
from bot.sandbox.harness import SandboxBot
from handlers.reports.export import pending as exports_pending

_PAGE = re.compile(rb"/Type\s*/Page[^s]")  # a PDF's page objects


@dataclass
class Block:
    """One action and what was printed under it."""

    action: str  # the line printed for it
    chat_id: int | None  # the chat it happened in; None for the scheduler
    queued: int | None = None  # the scheduler's count, as printed
    shown: list[tuple[int, int, bool]] = field(default_factory=list)  # (chat, message, edited)
    caused: set[tuple[int, int]] = field(default_factory=set)  # sent from rows it queued
    first_row: int = 0  # the outbox's last row id before it


class Transcript:
    """Prints what users do and what the bot answers (new and edited messages)."""

    def __init__(self, bot: SandboxBot, out: TextIO, names: dict[int, str],
                 words: dict[str, str]) -> None:
        self.words = words
        self.bot = bot
        self.out = out
        self.names = names
        self.seen: dict[tuple[int, int], int] = {}
        self.blocks: list[Block] = []

    async def _begin(self, action: str, chat_id: int | None,
                     first_row: int | None = None) -> Block:
        """Print an action's line and start its block (`first_row`: the outbox's last row
        id before the action, if it was started before its line could be printed)."""
        self.say(action)
        if first_row is None:
            first_row = await self.bot.store.outbox.last_id()
        block = Block(action, chat_id, first_row=first_row)
        self.blocks.append(block)
        return block

    def say(self, text: str = "") -> None:
        """A line of narration."""
        print(text, file=self.out)

    def section(self, title: str) -> None:
        """A heading, with the clock's local time."""
        local = self.bot.clock.now().astimezone(self._zone()).strftime("%H:%M")
        self.say()
        self.say(f"━━ {title}  [{local}] " + "━" * max(3, 40 - len(title)))

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.bot.config.defaults.timezone)

    def _show(self, message: SandboxMessage, edited: bool) -> None:
        mark = "✎ " if edited else ""
        if self.blocks:
            self.blocks[-1].shown.append((message.chat_id, message.message_id, edited))
        lines = message.plain.splitlines() or [""]
        attached = _attachment(message)
        if attached:
            lines = [attached, *lines] if message.plain else [attached]
        self.say(f"    🤖 {mark}{lines[0]}")
        for line in lines[1:]:
            self.say(f"       {line}")
        for row in message.buttons:
            self.say("       " + "  ".join(f"[{label}]" for label, _ in row))

    def flush(self, chat_id: int) -> None:
        """Print the bot's messages in a chat that are new or edited since last time."""
        for message in self.bot.sandbox.bot_messages(chat_id):
            key = (chat_id, message.message_id)
            if key not in self.seen:
                self._show(message, edited=False)
            elif self.seen[key] != message.edits:
                self._show(message, edited=True)
            self.seen[key] = message.edits

    async def scheduler(self) -> None:
        """The scheduler's run at this moment (what its minute job does)."""
        scheduler = self.bot.services.scheduler
        assert scheduler is not None
        block = Block("", None, first_row=await self.bot.store.outbox.last_id())
        self.blocks.append(block)
        queued = await scheduler.tick()
        block.action, block.queued = "  ⏰ " + self.words["scheduler"].format(n=queued), queued
        self.say(block.action)
        await self.delivered(None)

    async def delivered(self, chat_id: int | None) -> None:
        """Once the outbox has sent what the last action queued: the answers in `chat_id`,
        then every other chat's new messages under its recipient's name, so that each
        message appears under the action that caused it."""
        await self.bot.drain()
        if self.blocks:
            block = self.blocks[-1]
            block.caused = {(chat, message)
                            for chat, message in await self.bot.store.outbox.queued_since(
                                block.first_row) if message is not None}
        if chat_id is not None:
            self.flush(chat_id)
        for other in list(self.bot.sandbox.messages):
            if other == chat_id or not self._unseen(other):
                continue
            self.say(f"    → {self.names.get(other, str(other))}")
            self.flush(other)

    def _unseen(self, chat_id: int) -> bool:
        return any(self.seen.get((chat_id, m.message_id)) != m.edits
                   for m in self.bot.sandbox.bot_messages(chat_id))

    async def send(self, user_id: int, text: str, *, shown: str | None = None) -> None:
        """A user types; print it and the answers."""
        await self._begin(f"  👤 {self.names[user_id]}: {shown or text}", user_id)
        await self.bot.send(user_id, text)
        await asyncio.gather(*exports_pending(self.bot.app.bot_data))  # /export builds aside
        await self.delivered(user_id)

    async def send_document(self, user_id: int, data: bytes, file_name: str,
                            caption: str) -> None:
        """A user sends a file with a caption; print it and the answers."""
        await self._begin(f"  👤 {self.names[user_id]}: 📎 {file_name} — {caption}", user_id)
        await self.bot.send_document(user_id, data, file_name, caption)
        await self.delivered(user_id)

    def flush_group(self, chat_id: int) -> None:
        """Print the bot's new messages in a group."""
        self.flush(chat_id)

    async def send_group(self, user_id: int, chat_id: int, text: str) -> None:
        """A user writes in a group; print it and the answers there."""
        await self._begin(f"  👥 {self.names[user_id]}: {text}", chat_id)
        await self.bot.send(user_id, text, chat_id=chat_id)
        await self.delivered(chat_id)

    async def press_group(self, user_id: int, chat_id: int, button: str) -> None:
        """A user taps a button in a group."""
        first_row = await self.bot.store.outbox.last_id()
        update = self.bot.sandbox.press(user_id, button, chat_id=chat_id)
        shown = self.bot.sandbox.message(chat_id, update["callback_query"]["message"][
            "message_id"])
        label = next((text for text, data in shown.button_list if data == button), button)
        await self._begin(f"  👥 {self.names[user_id]} {self.words['taps']} [{label}]", chat_id,
                          first_row)
        await self.bot.settle()
        answer = self.bot.sandbox.callback_answers.get(update["callback_query"]["id"], {})
        if answer.get("text"):
            self.say(f"    🤖 {self.words['toast']} {answer['text']}")
        await self.delivered(chat_id)

    async def press(self, user_id: int, button: str) -> None:
        """A user taps a button; print it and the answers."""
        first_row = await self.bot.store.outbox.last_id()
        message = self.bot.sandbox.press(user_id, button)
        label = message["callback_query"]["data"]
        for row in self.bot.sandbox.message(user_id, message["callback_query"]["message"][
                "message_id"]).buttons:
            for text, data in row:
                if data == label:
                    label = text
        await self._begin(f"  👤 {self.names[user_id]} {self.words['taps']} [{label}]", user_id,
                          first_row)
        await self.bot.settle()
        answer = self.bot.sandbox.callback_answers.get(message["callback_query"]["id"], {})
        if answer.get("text"):
            self.say(f"    🤖 {self.words['toast']} {answer['text']}")
        await self.delivered(user_id)


def _attachment(message: SandboxMessage) -> str:
    """A line naming what a message carries: a document (name, size, and a PDF's pages) or
    a photo (its size in pixels); empty for text."""
    if message.document is not None:
        name = message.document.get("file_name") or "file"
        size = len(message.content or b"") or int(message.document.get("file_size") or 0)
        pages = len(_PAGE.findall(message.content or b""))
        extra = f", {pages} p." if pages else ""
        return f"📎 {name} ({max(1, round(size / 1024))} KB{extra})"
    if message.photo is not None:
        return f"🖼 {message.photo.get('width', '?')}×{message.photo.get('height', '?')}"
    return ""
