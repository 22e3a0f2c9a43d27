"""The fake Telegram's state: the bot, users, chats, messages and files in memory, the queue of
updates the bot has not fetched yet, and what the fake Bot API received (see `bot.sandbox`).

What users do is in `bot.sandbox.users`, the Bot API methods in `bot.sandbox.methods`, faults
in `bot.sandbox.faults`; `bot.sandbox.server.Sandbox` puts them together.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.sandbox.checks import JSONDict, SandboxError
from bot.sandbox.models import SandboxMessage, StoredFile

if TYPE_CHECKING:
    from telegram.ext import Application


class World:
    """The state of a fake Telegram, and what a test reads back from it.

    Attributes:
        token: A ``"<bot_id>:SANDBOX"`` token to pass to ``ApplicationBuilder().token()``.
        bot_user: The bot's User JSON (as ``getMe`` answers).
        messages: Per chat id, all messages in order (users' and the bot's; deleted ones are
            removed and moved to :attr:`deleted`).
        deleted: Messages removed by ``deleteMessage``.
        calls: Every Bot API call as ``(method, parameters)``, in order, including failed
            ones; ``getUpdates`` is not recorded (see :attr:`get_updates_calls`). Clearable.
        record_calls: Set to ``False`` to stop recording :attr:`calls` (benchmarks).
        get_updates_calls: How many ``getUpdates`` calls were answered.
        callback_answers: ``callback_query_id`` -> parameters of ``answerCallbackQuery``.
        refused: Every call the fake Bot API refused by Telegram's own checks (a text too
            long, broken HTML, a bad keyboard, a message not modified, ...), as ``(method,
            parameters, description)``, in order; injected faults are not in it. Clearable.
        bot_settings: The last parameters of setMyName / setMyDescription /
            setMyShortDescription / setChatMenuButton, keyed by ``(method, language_code or
            chat_id)``.
    """

    def __init__(
        self,
        *,
        bot_id: int = 5550001,
        bot_username: str = "frontline_sandbox_bot",
        bot_name: str = "Frontline",
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """Create an empty world (or sandbox).

        Args:
            bot_id: The bot's user id.
            bot_username: The bot's username (without ``@``).
            bot_name: The bot's first name.
            now: Returns an aware datetime used for message dates
                (default: ``datetime.now(UTC)``).
        """
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.token = f"{bot_id}:SANDBOX"
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        # In messages and member updates Telegram describes the bot without getMe's extras.
        self.bot_sender: JSONDict = {
            "id": bot_id, "is_bot": True, "first_name": bot_name, "username": bot_username,
        }
        # Public for the Bot API methods (bot.sandbox.methods), which act on it: users and
        # chats (User and Chat JSON by id), members (per group, user id -> status), blocked
        # (users who blocked the bot), index ((chat id, message id) -> message), files (by
        # file id), bot_commands ((scope, language) -> commands), open_queries (callback
        # queries not answered yet), updates (queued, not confirmed by an offset), arrived
        # (set when an update is queued) and drained (set when the queue is emptied).
        self.users: dict[int, JSONDict] = {}
        self.chats: dict[int, JSONDict] = {}
        self.members: dict[int, dict[int, str]] = {}
        self.blocked: set[int] = set()
        self._next_message_id: dict[int, int] = {}
        self.index: dict[tuple[int, int], SandboxMessage] = {}
        self.messages: dict[int, list[SandboxMessage]] = {}
        self.deleted: list[SandboxMessage] = []
        self.files: dict[str, StoredFile] = {}
        self._file_counter = 0
        self.bot_commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.bot_settings: dict[tuple[str, str], JSONDict] = {}
        # updates
        self.updates: deque[JSONDict] = deque()
        self._update_id = 100_000
        self.arrived = asyncio.Event()
        self.drained = asyncio.Event()
        self._callback_counter = 0
        self.open_queries: set[str] = set()
        self.callback_answers: dict[str, JSONDict] = {}
        # recording
        self.calls: list[tuple[str, JSONDict]] = []
        self.refused: list[tuple[str, JSONDict, str]] = []
        self.record_calls = True
        self.get_updates_calls = 0
        # In a Sandbox the next class in line is Faults, which sets up its own part.
        super().__init__()

    # ------------------------------------------------------------------ reading the model

    def message(self, chat_id: int, message_id: int) -> SandboxMessage:
        """A message by chat and id (:class:`SandboxError` if it does not exist)."""
        msg = self.index.get((chat_id, message_id))
        if msg is None:
            raise SandboxError(f"no message {message_id} in chat {chat_id}")
        return msg

    def file_content(self, file_id: str) -> bytes:
        """The bytes stored under a file id (:class:`SandboxError` if unknown)."""
        stored = self.files.get(file_id)
        if stored is None:
            raise SandboxError(f"unknown file_id {file_id!r}")
        return stored.content

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The bot commands set by ``setMyCommands`` for a scope and language.

        Args:
            scope: A BotCommandScope JSON (default ``{"type": "default"}``).
            language_code: The language ("" for all languages).

        Returns:
            The list of ``{"command", "description"}`` dicts (empty if none set).
        """
        key = (scope_key(scope), language_code)
        return list(self.bot_commands.get(key, []))

    def forget(self, chat_ids: Iterable[int]) -> None:
        """Drop the messages of these chats (benchmarks that send many, to keep memory flat)."""
        for chat_id in chat_ids:
            for message in self.messages.pop(chat_id, []):
                self.index.pop((chat_id, message.message_id), None)

    def bot_messages(self, chat_id: int) -> list[SandboxMessage]:
        """The bot's (not deleted) messages in a chat, in order."""
        return [m for m in self.messages.get(chat_id, ()) if m.from_bot]

    def last(self, chat_id: int) -> SandboxMessage:
        """The bot's last (not deleted) message in a chat.

        Raises:
            SandboxError: The bot has no message there.
        """
        for msg in reversed(self.messages.get(chat_id, ())):
            if msg.from_bot:
                return msg
        raise SandboxError(f"the bot has no message in chat {chat_id}")

    def count(self, method: str) -> int:
        """How many calls of ``method`` are in :attr:`calls` (failed ones included)."""
        return sum(1 for name, _ in self.calls if name == method)

    def calls_of(self, method: str) -> list[JSONDict]:
        """The parameters of every recorded call of ``method``, in order."""
        return [params for name, params in self.calls if name == method]

    # ------------------------------------------------------------------ the updates queue

    def pending_updates(self) -> int:
        """The number of queued updates not yet confirmed by a ``getUpdates`` offset."""
        return len(self.updates)

    def next_update_id(self) -> int:
        """The update id the next queued update will get."""
        return self._update_id + 1

    async def wait_delivered(self, seconds: float = 5.0) -> None:
        """Wait until every queued update has been fetched and confirmed by ``getUpdates``.

        PTB's Updater confirms a batch (by the next call's offset) only after it has put the
        batch into ``application.update_queue``, so afterwards
        ``await application.update_queue.join()`` waits for the handlers.

        Args:
            seconds: How long to wait at most.

        Raises:
            SandboxError: The updates were not confirmed in time (is the Updater polling?).
        """
        try:
            async with asyncio.timeout(seconds):
                while self.updates:
                    self.drained.clear()
                    await self.drained.wait()
        except TimeoutError as exc:
            raise SandboxError(
                f"{len(self.updates)} update(s) not fetched within {seconds}s; "
                "is the updater polling?"
            ) from exc

    async def settle(
        self, application: Application[Any, Any, Any, Any, Any, Any], seconds: float = 5.0
    ) -> None:
        """Wait until all queued updates were delivered and the application handled them.

        Args:
            application: The running application polling this sandbox.
            seconds: How long to wait at most (for each of the two stages).

        Raises:
            SandboxError: Updates were not fetched in time.
            TimeoutError: The handlers did not finish in time.
        """
        await self.wait_delivered(seconds)
        async with asyncio.timeout(seconds):
            await application.update_queue.join()

    def queue(self, payload: JSONDict) -> JSONDict:
        """Queue an update (``{"message": ...}``, ...) for the bot; returns it with its id."""
        self._update_id += 1
        update = {"update_id": self._update_id, **payload}
        self.updates.append(update)
        self.arrived.set()
        return update

    # ------------------------------------------------------------------ changing the model

    def add_message(
        self,
        chat_id: int,
        from_bot: bool,
        user_id: int,
        text: str | None,
        *,
        wire_text: str | None = None,
        entities: list[JSONDict] | None = None,
        parse_mode: str | None = None,
        reply_markup: JSONDict | None = None,
        reply_to: int | None = None,
        document: JSONDict | None = None,
        photo: JSONDict | None = None,
        location: JSONDict | None = None,
        content: bytes | None = None,
    ) -> SandboxMessage:
        """Put a message into a chat, with the chat's next message id."""
        message_id = self._next_message_id.get(chat_id, 0) + 1
        self._next_message_id[chat_id] = message_id
        msg = SandboxMessage(
            chat_id=chat_id,
            message_id=message_id,
            from_bot=from_bot,
            text=text,
            parse_mode=parse_mode,
            reply_markup=reply_markup,
            date=self.now(),
            document=document,
            photo=photo,
            user_id=user_id,
            reply_to=reply_to,
            location=location,
            content=content,
            entities=entities or None,
            wire_text=text if wire_text is None else wire_text,
        )
        self.index[(chat_id, message_id)] = msg
        msgs = self.messages.get(chat_id)
        if msgs is None:
            msgs = self.messages[chat_id] = []
        msgs.append(msg)
        return msg

    def store_file(self, content: bytes, file_name: str, mime_type: str) -> JSONDict:
        """Keep a file's bytes under a new file id; returns its Document JSON."""
        self._file_counter += 1
        file_id = f"SBXDOC{self._file_counter:08d}"
        stored = StoredFile(content, file_name, mime_type, f"SBXU{self._file_counter:08d}")
        self.files[file_id] = stored
        return stored.as_json(file_id)


def scope_key(scope: JSONDict | None) -> str:
    """The key of a BotCommandScope JSON (the default scope when ``None``)."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True)
