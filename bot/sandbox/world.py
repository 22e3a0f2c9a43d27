"""The fake Telegram itself: users, chats, messages and files in memory, the Bot API methods
that act on them, flood control, latency and injected faults (see `bot.sandbox`)."""

from __future__ import annotations

import asyncio
import json
import random
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from telegram.error import TimedOut
from telegram.request import RequestData

from bot.sandbox.checks import (
    BOT_COMMAND_NAME_RE,
    CHAT_NOT_FOUND,
    FAULT_KINDS,
    FLOOD_METHODS,
    FORBIDDEN_BLOCKED,
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    ApiError,
    JSONDict,
    Response,
    SandboxError,
    bad,
    check_markup,
)
from bot.sandbox.html import command_entities, parse_text
from bot.sandbox.models import Fault, SandboxMessage, StoredFile, has_callback, is_callback
from bot.sandbox.request import SandboxRequest

if TYPE_CHECKING:
    from telegram.ext import Application


class Sandbox:
    """An in-memory fake Telegram: users, chats, messages, files, faults.

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
        """Create an empty sandbox.

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
        self._now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
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
        self._users: dict[int, JSONDict] = {}
        self._chats: dict[int, JSONDict] = {}
        self._members: dict[int, dict[int, str]] = {}
        self._blocked: set[int] = set()
        self._next_message_id: dict[int, int] = {}
        self._index: dict[tuple[int, int], SandboxMessage] = {}
        self.messages: dict[int, list[SandboxMessage]] = {}
        self.deleted: list[SandboxMessage] = []
        self._files: dict[str, StoredFile] = {}
        self._file_counter = 0
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.bot_settings: dict[tuple[str, str], JSONDict] = {}
        # updates
        self._updates: deque[JSONDict] = deque()
        self._update_id = 100_000
        self._arrived = asyncio.Event()
        self._drained = asyncio.Event()
        self._callback_counter = 0
        self._open_queries: set[str] = set()
        self.callback_answers: dict[str, JSONDict] = {}
        # recording
        self.calls: list[tuple[str, JSONDict]] = []
        self.refused: list[tuple[str, JSONDict, str]] = []
        self.record_calls = True
        self.get_updates_calls = 0
        # faults
        self._faults: list[Fault] = []
        self._random: tuple[float, tuple[str, ...], frozenset[str], int] | None = None
        self._rng = random.Random(0)
        self._rate: float | None = None
        self._window: deque[float] = deque()
        self._chat_limits = False
        self._last_to_chat: dict[int, float] = {}
        self._to_group: dict[int, deque[float]] = {}
        # network
        self._latency = 0.0
        self._jitter = 0.0
        self._latency_rng = random.Random(0)
        self.arrivals: list[float] | None = None  # loop times at which sends arrived
        self._handlers: dict[str, Callable[[JSONDict, RequestData | None], Any]] = {
            "getMe": lambda p, d: self.bot_user,
            "deleteWebhook": lambda p, d: True,
            "setWebhook": lambda p, d: True,
            "close": lambda p, d: True,
            "logOut": lambda p, d: True,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendLocation": self._send_location,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "getFile": self._get_file,
            "pinChatMessage": self._pin_chat_message,
            "unpinChatMessage": self._pin_chat_message,
            "leaveChat": lambda p, d: True,
            "setChatMenuButton": self._set_bot_setting,
            "setMyDescription": self._set_bot_setting,
            "setMyShortDescription": self._set_bot_setting,
            "setMyName": self._set_bot_setting,
            "getChatMenuButton": self._get_chat_menu_button,
            "getMyName": lambda p, d: {"name": self._setting("setMyName", p, "name")},
            "getMyDescription": lambda p, d: {
                "description": self._setting("setMyDescription", p, "description")
            },
            "getMyShortDescription": lambda p, d: {
                "short_description": self._setting("setMyShortDescription", p, "short_description")
            },
        }

    # ------------------------------------------------------------------ wiring

    def request(self) -> SandboxRequest:
        """Return a new :class:`SandboxRequest` bound to this sandbox.

        Returns:
            A request object for ``ApplicationBuilder().request()`` /
            ``.get_updates_request()``.
        """
        return SandboxRequest(self)

    async def handle(self, url: str, method: str, request_data: RequestData | None) -> Response:
        """Answer one HTTP request (what :meth:`SandboxRequest.do_request` delegates to).

        Args:
            url: The request URL.
            method: The HTTP method.
            request_data: The parameters and files.

        Returns:
            The HTTP status code and payload.
        """
        if method == "GET":
            return self._download(url)
        name = url.rpartition("/")[2]
        params: JSONDict = request_data.parameters if request_data is not None else {}
        if name == "getUpdates":
            self.get_updates_calls += 1
            if self._faults or self._random is not None:
                failure = self._check_faults(name, params)
                if failure is not None:
                    return failure
            return await self._get_updates(params)
        if self.record_calls:
            self.calls.append((name, params))
        if (self._faults or self._random is not None or self._rate is not None
                or self.arrivals is not None):
            failure = self._check_faults(name, params)
            if failure is not None:
                return failure
        handler = self._handlers.get(name)
        if handler is None:
            return bad(f"method not found in sandbox: {name}").response()
        try:
            result = handler(params, request_data)
        except ApiError as exc:
            self.refused.append((name, params, exc.description))
            return exc.response()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # ------------------------------------------------------------------ model

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh",
    ) -> JSONDict:
        """Add (or replace) a user, with their private chat with the bot.

        Args:
            user_id: The user id (positive); also the id of the private chat.
            first_name: First name.
            last_name: Last name.
            username: Username without ``@``.
            language_code: IETF language tag of the user's client.

        Returns:
            The User JSON.
        """
        if user_id <= 0:
            raise SandboxError(f"user ids must be positive, got {user_id}")
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat: JSONDict = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name is not None:
            user["last_name"] = chat["last_name"] = last_name
        if username is not None:
            user["username"] = chat["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        self._users[user_id] = user
        self._chats[user_id] = chat
        self.messages.setdefault(user_id, [])
        return user

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        members: Iterable[int] = (),
        admins: Iterable[int] = (),
        creator: int | None = None,
    ) -> JSONDict:
        """Add (or replace) a group the bot is in.

        Args:
            chat_id: Negative chat id; below ``-1000000000000`` the chat is a supergroup.
            title: The group title.
            members: User ids with status ``"member"``.
            admins: User ids with status ``"administrator"``.
            creator: User id with status ``"creator"``.

        Returns:
            The Chat JSON.
        """
        if chat_id >= 0:
            raise SandboxError(f"group chat ids must be negative, got {chat_id}")
        kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
        chat: JSONDict = {"id": chat_id, "type": kind, "title": title}
        self._chats[chat_id] = chat
        status = dict.fromkeys(members, "member")
        status.update(dict.fromkeys(admins, "administrator"))
        if creator is not None:
            status[creator] = "creator"
        self._members[chat_id] = status
        self.messages.setdefault(chat_id, [])
        return chat

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Set a user's (or the bot's) status in a group.

        Args:
            chat_id: The group.
            user_id: The user (or :attr:`bot_id`).
            status: ``"creator"``, ``"administrator"``, ``"member"``, ``"left"`` or
                ``"kicked"``.
        """
        if status not in ("creator", "administrator", "member", "left", "kicked"):
            raise SandboxError(f"unsupported member status {status!r}")
        self._group(chat_id)[user_id] = status

    def block(self, user_id: int, *, notify: bool = False) -> None:
        """The user blocks the bot: sends to their private chat answer 403.

        Args:
            user_id: The user.
            notify: Also queue the ``my_chat_member`` update Telegram sends (status
                ``"kicked"``).
        """
        self._user(user_id)
        self._blocked.add(user_id)
        if notify:
            self._queue_my_chat_member(user_id, "member", "kicked")

    def unblock(self, user_id: int, *, notify: bool = False) -> None:
        """The user unblocks the bot.

        Args:
            user_id: The user.
            notify: Also queue the ``my_chat_member`` update (status ``"member"``).
        """
        self._user(user_id)
        self._blocked.discard(user_id)
        if notify:
            self._queue_my_chat_member(user_id, "kicked", "member")

    def forget(self, chat_ids: Iterable[int]) -> None:
        """Drop the messages of these chats (benchmarks that send many, to keep memory flat)."""
        for chat_id in chat_ids:
            for message in self.messages.pop(chat_id, []):
                self._index.pop((chat_id, message.message_id), None)

    def is_blocked(self, user_id: int) -> bool:
        """Whether the user has blocked the bot."""
        return user_id in self._blocked

    def user(self, user_id: int) -> JSONDict:
        """The User JSON of an added user (:class:`SandboxError` if unknown)."""
        return self._user(user_id)

    def message(self, chat_id: int, message_id: int) -> SandboxMessage:
        """A message by chat and id (:class:`SandboxError` if it does not exist)."""
        msg = self._index.get((chat_id, message_id))
        if msg is None:
            raise SandboxError(f"no message {message_id} in chat {chat_id}")
        return msg

    def file_content(self, file_id: str) -> bytes:
        """The bytes stored under a file id (:class:`SandboxError` if unknown)."""
        stored = self._files.get(file_id)
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
        key = (self._scope_key(scope), language_code)
        return list(self._commands.get(key, []))

    # ------------------------------------------------------------------ what users do

    def user_sends(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> JSONDict:
        """A user sends a text message; queue the update.

        Args:
            user_id: The sender.
            text: The text; a leading ``/command`` (optionally ``@botname``) gets a
                ``bot_command`` entity.
            chat_id: The chat (default: the private chat with the user).
            reply_to: Id of the message in that chat this one replies to.

        Returns:
            The Update JSON.
        """
        cid = self._user_chat(user_id, chat_id)
        entities = command_entities(text)
        msg = self._add_message(
            cid,
            False,
            user_id,
            text,
            entities=entities,
            reply_to=self._reply_target(cid, reply_to),
        )
        return self._queue({"message": self._message_json(msg)})

    def user_sends_document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
        mime_type: str = "application/octet-stream",
    ) -> JSONDict:
        """A user sends a file; its bytes become downloadable through ``getFile``.

        Args:
            user_id: The sender.
            filename: The file name.
            content: The file bytes.
            caption: Optional caption (a leading command gets a ``bot_command`` entity).
            chat_id: The chat (default: the private chat with the user).
            mime_type: The MIME type.

        Returns:
            The Update JSON.
        """
        cid = self._user_chat(user_id, chat_id)
        document = self._store_file(bytes(content), filename, mime_type)
        entities = command_entities(caption) if caption else None
        msg = self._add_message(
            cid,
            False,
            user_id,
            caption,
            entities=entities,
            document=document,
            content=bytes(content),
        )
        return self._queue({"message": self._message_json(msg)})

    def user_sends_location(
        self, user_id: int, latitude: float, longitude: float, *, chat_id: int | None = None
    ) -> JSONDict:
        """A user shares a location.

        Args:
            user_id: The sender.
            latitude: Latitude.
            longitude: Longitude.
            chat_id: The chat (default: the private chat with the user).

        Returns:
            The Update JSON.
        """
        cid = self._user_chat(user_id, chat_id)
        location = {"latitude": latitude, "longitude": longitude}
        msg = self._add_message(cid, False, user_id, None, location=location)
        return self._queue({"message": self._message_json(msg)})

    def user_presses(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        check: bool = True,
    ) -> JSONDict:
        """A user presses an inline button; queue the ``callback_query`` update.

        Args:
            user_id: The presser.
            message_id: The bot message carrying the button.
            data: The callback data.
            chat_id: The chat (default: the private chat with the user).
            check: Require that the message exists in the chat and has a button with exactly
                this callback data (else :class:`SandboxError`). ``False`` forges a press.

        Returns:
            The Update JSON.
        """
        user = self._user(user_id)
        cid = user_id if chat_id is None else chat_id
        if cid not in self._chats:
            raise SandboxError(f"unknown chat {cid}")
        msg = self._index.get((cid, message_id))
        if check:
            if msg is None or not msg.from_bot:
                raise SandboxError(f"no bot message {message_id} in chat {cid}")
            if not has_callback(msg, data):
                raise SandboxError(
                    f"message {message_id} in chat {cid} has no button with callback_data "
                    f"{data!r}; buttons: {msg.buttons}"
                )
        self._callback_counter += 1
        query_id = f"{self.bot_id}{self._callback_counter:09d}"
        message: JSONDict = (
            self._message_json(msg)
            if msg is not None
            else {"chat": self._chats[cid], "message_id": message_id, "date": 0}
        )
        query: JSONDict = {
            "id": query_id,
            "from": user,
            "message": message,
            "chat_instance": f"{cid * 7919 + self.bot_id}",
            "data": data,
        }
        self._open_queries.add(query_id)
        return self._queue({"callback_query": query})

    def press(self, user_id: int, text_or_data: str, *, chat_id: int | None = None) -> JSONDict:
        """Press a button on the most recent bot message that has a matching one.

        A button matches when its text or callback data equals the argument; failing an exact
        match on a message, when it contains the argument (it must then be unambiguous).

        Args:
            user_id: The presser.
            text_or_data: Button text or callback data, or a part of either.
            chat_id: The chat (default: the private chat with the user).

        Returns:
            The Update JSON.

        Raises:
            SandboxError: No message in the chat has such a button, or the partial match is
                ambiguous.
        """
        cid = user_id if chat_id is None else chat_id
        for msg in reversed(self.messages.get(cid, ())):
            if not msg.from_bot or not msg.reply_markup:
                continue
            candidates = [b for b in msg.button_list if b[1] is not None and is_callback(msg, b)]
            exact = [b for b in candidates if text_or_data in (b[0], b[1])]
            found = exact or [
                b for b in candidates if text_or_data in b[0] or text_or_data in (b[1] or "")
            ]
            datas = {b[1] for b in found}
            if len(datas) > 1:
                raise SandboxError(
                    f"{text_or_data!r} matches several buttons of message {msg.message_id}: "
                    f"{found}"
                )
            if found:
                data = found[0][1]
                assert data is not None
                return self.user_presses(user_id, msg.message_id, data, chat_id=cid)
        raise SandboxError(f"no bot message in chat {cid} has a button matching {text_or_data!r}")

    def pending_updates(self) -> int:
        """The number of queued updates not yet confirmed by a ``getUpdates`` offset."""
        return len(self._updates)

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
                while self._updates:
                    self._drained.clear()
                    await self._drained.wait()
        except TimeoutError as exc:
            raise SandboxError(
                f"{len(self._updates)} update(s) not fetched within {seconds}s; "
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

    # ------------------------------------------------------------------ assertions

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

    # ------------------------------------------------------------------ faults

    def fail(
        self,
        method: str,
        kind: str,
        *,
        times: int = 1,
        chat_id: int | None = None,
        retry_after: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail; failed calls change nothing.

        Args:
            method: The Bot API method (e.g. ``"sendMessage"``).
            kind: ``"429"`` (RetryAfter), ``"500"`` / ``"502"`` (NetworkError), ``"timeout"``
                (TimedOut), ``"403"`` (Forbidden: blocked), ``"400"`` (BadRequest: chat not
                found).
            times: How many calls fail.
            chat_id: Only calls with this ``chat_id`` fail.
            retry_after: Seconds for ``"429"``.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if times < 1:
            raise ValueError("times must be at least 1")
        self._faults.append(Fault(method, kind, times, chat_id, retry_after))

    def clear_faults(self) -> None:
        """Remove scripted and random faults and the rate limit."""
        self._faults.clear()
        self._random = None
        self._rate = None
        self._window.clear()

    def random_faults(
        self,
        rate: float,
        kinds: Sequence[str] = ("429", "500"),
        *,
        methods: Sequence[str] = ("sendMessage",),
        retry_after: int = 1,
        seed: int = 0,
    ) -> None:
        """Make each call of ``methods`` fail with probability ``rate`` (0 turns it off).

        Args:
            rate: Probability in ``[0, 1]``.
            kinds: Fault kinds to choose from uniformly.
            methods: The affected methods.
            retry_after: Seconds for ``"429"``.
            seed: Seed of the random generator (reproducible runs).
        """
        if not 0 <= rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        bad = [k for k in kinds if k not in FAULT_KINDS]
        if bad or not kinds:
            raise ValueError(f"unknown fault kinds {bad}; expected some of {FAULT_KINDS}")
        self._rng = random.Random(seed)
        self._random = (rate, tuple(kinds), frozenset(methods), retry_after) if rate else None

    def rate_limit(self, per_second: float | None, *, per_chat: bool = False) -> None:
        """Simulate flood control for sendMessage/sendPhoto/sendDocument/copyMessage.

        Args:
            per_second: More calls than this within any 1 s window answer 429 with
                ``retry_after=1``; ``None`` turns it off.
            per_chat: Also answer 429 to a second message to one chat within a second, and
                to a 21st message to one group within a minute.
        """
        self._rate = per_second
        self._window.clear()
        self._chat_limits = per_chat and per_second is not None
        self._last_to_chat.clear()
        self._to_group.clear()

    def latency(self, round_trip_ms: float, jitter_ms: float = 0.0, *, seed: int = 0) -> None:
        """Put a network between the bot and the sandbox: every call takes `round_trip_ms`,
        plus up to `jitter_ms` more on the way there (uniformly at random).

        The waits run on the event loop's clock, so under `bot.sandbox.vtime` they cost no real
        time.
        """
        if round_trip_ms < 0 or jitter_ms < 0:
            raise ValueError("latency and jitter must not be negative")
        self._latency = round_trip_ms / 1000
        self._jitter = jitter_ms / 1000
        self._latency_rng = random.Random(seed)

    def _check_faults(self, name: str, params: JSONDict) -> Response | None:
        if self._faults:
            for fault in self._faults:
                if fault.method != name:
                    continue
                if fault.chat_id is not None and _as_chat_id(params.get("chat_id")) != (
                    fault.chat_id
                ):
                    continue
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return _fault_response(fault.kind, fault.retry_after)
        if self._random is not None:
            rate, kinds, methods, retry_after = self._random
            if name in methods and self._rng.random() < rate:
                return _fault_response(self._rng.choice(kinds), retry_after)
        if self._rate is not None and name in FLOOD_METHODS:
            now = asyncio.get_running_loop().time()
            window = self._window
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= self._rate:
                return _fault_response("429", 1)
            if self._chat_limits:
                chat = _as_chat_id(params.get("chat_id")) or 0
                if now - self._last_to_chat.get(chat, -1e9) < 1.0:
                    return _fault_response("429", 1)
                if chat < 0:
                    times = self._to_group.setdefault(chat, deque())
                    while times and now - times[0] >= 60.0:
                        times.popleft()
                    if len(times) >= 20:
                        return _fault_response("429", 60)
                    times.append(now)
                self._last_to_chat[chat] = now
            window.append(now)
        if self.arrivals is not None and name in FLOOD_METHODS:
            self.arrivals.append(asyncio.get_running_loop().time())
        return None

    # ------------------------------------------------------------------ internals: model

    def _user(self, user_id: int) -> JSONDict:
        user = self._users.get(user_id)
        if user is None:
            raise SandboxError(f"unknown user {user_id}; call add_user() first")
        return user

    def _group(self, chat_id: int) -> dict[int, str]:
        members = self._members.get(chat_id)
        if members is None:
            raise SandboxError(f"unknown group {chat_id}; call add_group() first")
        return members

    def _user_chat(self, user_id: int, chat_id: int | None) -> int:
        """Validate a user acting in a chat; joins groups and unblocks private chats."""
        self._user(user_id)
        if chat_id is None or chat_id == user_id:
            self._blocked.discard(user_id)
            return user_id
        members = self._group(chat_id)
        if members.get(user_id) in (None, "left"):
            members[user_id] = "member"
        return chat_id

    def _reply_target(self, chat_id: int, reply_to: int | None) -> int | None:
        if reply_to is not None and (chat_id, reply_to) not in self._index:
            raise SandboxError(f"no message {reply_to} in chat {chat_id} to reply to")
        return reply_to

    def _add_message(
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
        message_id = self._next_message_id.get(chat_id, 0) + 1
        self._next_message_id[chat_id] = message_id
        msg = SandboxMessage(
            chat_id=chat_id,
            message_id=message_id,
            from_bot=from_bot,
            text=text,
            parse_mode=parse_mode,
            reply_markup=reply_markup,
            date=self._now(),
            document=document,
            photo=photo,
            user_id=user_id,
            reply_to=reply_to,
            location=location,
            content=content,
            entities=entities or None,
            wire_text=text if wire_text is None else wire_text,
        )
        self._index[(chat_id, message_id)] = msg
        msgs = self.messages.get(chat_id)
        if msgs is None:
            msgs = self.messages[chat_id] = []
        msgs.append(msg)
        return msg

    def _message_json(self, msg: SandboxMessage, *, nested: bool = True) -> JSONDict:
        data: JSONDict = {
            "message_id": msg.message_id,
            "from": self.bot_sender if msg.from_bot else self._users[msg.user_id or 0],
            "chat": self._chats[msg.chat_id],
            "date": int(msg.date.timestamp()),
        }
        if msg.edit_date is not None:
            data["edit_date"] = int(msg.edit_date.timestamp())
        media = False
        if msg.document is not None:
            data["document"] = msg.document
            media = True
        if msg.photo is not None:
            data["photo"] = [msg.photo]
            media = True
        if msg.location is not None:
            data["location"] = msg.location
        if msg.wire_text is not None:
            if media:
                data["caption"] = msg.wire_text
                if msg.entities:
                    data["caption_entities"] = msg.entities
            else:
                data["text"] = msg.wire_text
                if msg.entities:
                    data["entities"] = msg.entities
        markup = msg.reply_markup
        if markup is not None and "inline_keyboard" in markup:
            data["reply_markup"] = markup
        if nested and msg.reply_to is not None:
            replied = self._index.get((msg.chat_id, msg.reply_to))
            if replied is not None:
                data["reply_to_message"] = self._message_json(replied, nested=False)
        return data

    def _queue(self, payload: JSONDict) -> JSONDict:
        self._update_id += 1
        update = {"update_id": self._update_id, **payload}
        self._updates.append(update)
        self._arrived.set()
        return update

    def _queue_my_chat_member(self, user_id: int, old: str, new: str) -> None:
        user = self._users[user_id]
        date = int(self._now().timestamp())
        old_member: JSONDict = {"status": old, "user": self.bot_sender}
        new_member: JSONDict = {"status": new, "user": self.bot_sender}
        if old == "kicked":
            old_member["until_date"] = 0
        if new == "kicked":
            new_member["until_date"] = 0
        self._queue(
            {
                "my_chat_member": {
                    "chat": self._chats[user_id],
                    "from": user,
                    "date": date,
                    "old_chat_member": old_member,
                    "new_chat_member": new_member,
                }
            }
        )

    def _store_file(self, content: bytes, file_name: str, mime_type: str) -> JSONDict:
        self._file_counter += 1
        file_id = f"SBXDOC{self._file_counter:08d}"
        unique = f"SBXU{self._file_counter:08d}"
        self._files[file_id] = StoredFile(content, file_name, mime_type, unique)
        return {
            "file_id": file_id,
            "file_unique_id": unique,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }

    @staticmethod
    def _scope_key(scope: JSONDict | None) -> str:
        return json.dumps(scope or {"type": "default"}, sort_keys=True)

    # ------------------------------------------------------------------ internals: API

    async def _get_updates(self, params: JSONDict) -> Response:
        offset = params.get("offset")
        if offset is not None:
            self._confirm(int(offset))
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            self._arrived.clear()
            try:
                async with asyncio.timeout(timeout):
                    await self._arrived.wait()
            except TimeoutError:
                pass
        limit = int(params.get("limit") or 100)
        batch = list(islice(self._updates, max(1, min(limit, 100))))
        return 200, json.dumps({"ok": True, "result": batch}).encode()

    def _confirm(self, offset: int) -> None:
        updates = self._updates
        while updates and updates[0]["update_id"] < offset:
            updates.popleft()
        if not updates:
            self._drained.set()

    def _chat_for_send(self, params: JSONDict) -> int:
        """The target chat of a call; 400 if unknown, 403 if the user blocked the bot."""
        raw = params.get("chat_id")
        chat_id = _as_chat_id(raw)
        if chat_id is None and isinstance(raw, str) and raw.startswith("@"):
            chat_id = self._chat_by_username(raw[1:])
        if chat_id is None or chat_id not in self._chats:
            raise bad("chat not found")
        if chat_id in self._blocked:
            raise ApiError(403, FORBIDDEN_BLOCKED)
        return chat_id

    def _chat_by_username(self, username: str) -> int | None:
        for cid, chat in self._chats.items():
            if chat.get("username") == username:
                return cid
        return None

    def _known_chat(self, params: JSONDict, key: str = "chat_id") -> int:
        chat_id = _as_chat_id(params.get(key))
        if chat_id is None or chat_id not in self._chats:
            raise bad("chat not found")
        return chat_id

    def _reply_to(self, chat_id: int, params: JSONDict) -> int | None:
        reply = params.get("reply_parameters")
        message_id: Any = None
        allow = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = allow or bool(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            message_id = params["reply_to_message_id"]
        if message_id is None:
            return None
        if (chat_id, int(message_id)) not in self._index:
            if allow:
                return None
            raise bad("message to be replied not found")
        return int(message_id)

    def _send_message(self, params: JSONDict, _: RequestData | None) -> JSONDict:
        chat_id = self._chat_for_send(params)
        text = params.get("text")
        parse_mode = params.get("parse_mode")
        wire, entities = parse_text(
            text if isinstance(text, str) else "", parse_mode, MAX_TEXT_LENGTH, caption=False
        )
        markup = check_markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat_id, params)
        msg = self._add_message(
            chat_id,
            True,
            self.bot_id,
            text,
            wire_text=wire,
            entities=entities or params.get("entities"),
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to=reply_to,
        )
        return self._message_json(msg)

    def _send_location(self, params: JSONDict, _: RequestData | None) -> JSONDict:
        chat_id = self._chat_for_send(params)
        markup = check_markup(params.get("reply_markup"))
        location = {"latitude": params.get("latitude"), "longitude": params.get("longitude")}
        msg = self._add_message(
            chat_id,
            True,
            self.bot_id,
            None,
            reply_markup=markup,
            location=location,
            reply_to=self._reply_to(chat_id, params),
        )
        return self._message_json(msg)

    def _editable(self, params: JSONDict) -> SandboxMessage:
        if params.get("inline_message_id") is not None:
            raise bad("inline messages are not supported by the sandbox")
        chat_id = self._chat_for_send(params)
        msg = self._index.get((chat_id, int(params.get("message_id") or 0)))
        if msg is None:
            raise bad("message to edit not found")
        if not msg.from_bot:
            raise bad("message can't be edited")
        return msg

    def _edit_message_text(self, params: JSONDict, _: RequestData | None) -> JSONDict:
        msg = self._editable(params)
        if msg.is_media or msg.location is not None:
            raise bad("there is no text in the message to edit")
        text = params.get("text")
        parse_mode = params.get("parse_mode")
        wire, parsed = parse_text(
            text if isinstance(text, str) else "", parse_mode, MAX_TEXT_LENGTH, caption=False
        )
        markup = check_markup(params.get("reply_markup"))
        entities: list[JSONDict] | None = parsed or params.get("entities") or None
        if wire == msg.wire_text and entities == msg.entities and markup == msg.reply_markup:
            raise bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        msg.text = text
        msg.wire_text = wire
        msg.entities = entities
        msg.parse_mode = parse_mode
        msg.reply_markup = markup
        self._edited(msg)
        return self._message_json(msg)

    def _edit_message_caption(self, params: JSONDict, _: RequestData | None) -> JSONDict:
        msg = self._editable(params)
        if not msg.is_media:
            raise bad("there is no caption in the message to edit")
        caption = params.get("caption")
        parse_mode = params.get("parse_mode")
        wire: str | None = None
        entities: list[JSONDict] | None = None
        if caption:
            wire, entities = parse_text(caption, parse_mode, MAX_CAPTION_LENGTH, caption=True)
        markup = check_markup(params.get("reply_markup"))
        if (
            wire == msg.wire_text
            and (entities or None) == msg.entities
            and (markup == msg.reply_markup)
        ):
            raise bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        msg.text = caption
        msg.wire_text = wire
        msg.entities = entities or None
        msg.parse_mode = parse_mode
        msg.reply_markup = markup
        self._edited(msg)
        return self._message_json(msg)

    def _edit_message_reply_markup(self, params: JSONDict, _: RequestData | None) -> JSONDict:
        msg = self._editable(params)
        markup = check_markup(params.get("reply_markup"))
        if markup == msg.reply_markup:
            raise bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        msg.reply_markup = markup
        self._edited(msg)
        return self._message_json(msg)

    def _edited(self, msg: SandboxMessage) -> None:
        msg.edits += 1
        msg.edit_date = self._now()

    def _delete_message(self, params: JSONDict, _: RequestData | None) -> bool:
        chat_id = self._known_chat(params)
        key = (chat_id, int(params.get("message_id") or 0))
        msg = self._index.get(key)
        if msg is None:
            raise bad("message to delete not found")
        self._remove(msg)
        return True

    def _delete_messages(self, params: JSONDict, _: RequestData | None) -> bool:
        chat_id = self._known_chat(params)
        for message_id in params.get("message_ids") or ():
            msg = self._index.get((chat_id, int(message_id)))
            if msg is not None:
                self._remove(msg)
        return True

    def _remove(self, msg: SandboxMessage) -> None:
        del self._index[(msg.chat_id, msg.message_id)]
        self.messages[msg.chat_id].remove(msg)
        self.deleted.append(msg)

    def _answer_callback_query(self, params: JSONDict, _: RequestData | None) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._open_queries:
            raise bad(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad("MESSAGE_TOO_LONG")
        self._open_queries.discard(query_id)
        self.callback_answers[query_id] = params
        return True

    def _upload(
        self, field_name: str, params: JSONDict, request_data: RequestData | None
    ) -> tuple[JSONDict, bytes | None]:
        """Find the file of a sendDocument/sendPhoto call: uploaded, attached or by file_id."""
        value = params.get(field_name)
        part: Any = None
        if request_data is not None and request_data.contains_files:
            files = request_data.multipart_data
            if isinstance(value, str) and value.startswith("attach://"):
                part = files.get(value[len("attach://") :])
            else:
                part = files.get(field_name)
        if part is not None:
            file_name, content, mime_type = part
            if not isinstance(content, bytes):
                content = content.read()
            return self._store_file(content, file_name or field_name, mime_type), content
        if isinstance(value, str) and value in self._files:
            stored = self._files[value]
            return {
                "file_id": value,
                "file_unique_id": stored.unique_id,
                "file_name": stored.file_name,
                "mime_type": stored.mime_type,
                "file_size": len(stored.content),
            }, stored.content
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            name = value.rstrip("/").rpartition("/")[2] or "file"
            return self._store_file(b"", name, "application/octet-stream"), b""
        raise bad(f"wrong file identifier/HTTP URL specified for {field_name}")

    def _send_media(
        self, field_name: str, params: JSONDict, request_data: RequestData | None
    ) -> JSONDict:
        chat_id = self._chat_for_send(params)
        caption = params.get("caption")
        parse_mode = params.get("parse_mode")
        wire: str | None = None
        entities: list[JSONDict] | None = None
        if caption:
            wire, entities = parse_text(caption, parse_mode, MAX_CAPTION_LENGTH, caption=True)
        markup = check_markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat_id, params)
        info, content = self._upload(field_name, params, request_data)
        document = photo = None
        if field_name == "photo":
            photo = {
                "file_id": info["file_id"],
                "file_unique_id": info["file_unique_id"],
                "width": 800,
                "height": 600,
                "file_size": info["file_size"],
            }
        else:
            document = info
        msg = self._add_message(
            chat_id,
            True,
            self.bot_id,
            caption,
            wire_text=wire,
            entities=entities,
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to=reply_to,
            document=document,
            photo=photo,
            content=content,
        )
        return self._message_json(msg)

    def _send_document(self, params: JSONDict, request_data: RequestData | None) -> JSONDict:
        return self._send_media("document", params, request_data)

    def _send_photo(self, params: JSONDict, request_data: RequestData | None) -> JSONDict:
        return self._send_media("photo", params, request_data)

    def _source(self, params: JSONDict, what: str) -> SandboxMessage:
        from_chat = self._known_chat(params, "from_chat_id")
        msg = self._index.get((from_chat, int(params.get("message_id") or 0)))
        if msg is None:
            raise bad(f"message to {what} not found")
        return msg

    def _copy_message(self, params: JSONDict, _: RequestData | None) -> JSONDict:
        chat_id = self._chat_for_send(params)
        src = self._source(params, "copy")
        text, wire, entities, parse_mode = src.text, src.wire_text, src.entities, src.parse_mode
        if "caption" in params and src.is_media:
            text = params["caption"]
            parse_mode = params.get("parse_mode")
            wire, entities = parse_text(text, parse_mode, MAX_CAPTION_LENGTH, caption=True)
        markup = check_markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat_id, params)
        msg = self._add_message(
            chat_id,
            True,
            self.bot_id,
            text,
            wire_text=wire,
            entities=entities,
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to=reply_to,
            document=src.document,
            photo=src.photo,
            location=src.location,
            content=src.content,
        )
        return {"message_id": msg.message_id}

    def _forward_message(self, params: JSONDict, _: RequestData | None) -> JSONDict:
        chat_id = self._chat_for_send(params)
        src = self._source(params, "forward")
        msg = self._add_message(
            chat_id,
            True,
            self.bot_id,
            src.text,
            wire_text=src.wire_text,
            entities=src.entities,
            parse_mode=src.parse_mode,
            document=src.document,
            photo=src.photo,
            location=src.location,
            content=src.content,
        )
        data = self._message_json(msg)
        sender = self.bot_sender if src.from_bot else self._users[src.user_id or 0]
        data["forward_origin"] = {
            "type": "user",
            "date": int(src.date.timestamp()),
            "sender_user": sender,
        }
        return data

    def _send_chat_action(self, params: JSONDict, _: RequestData | None) -> bool:
        self._chat_for_send(params)
        return True

    def _pin_chat_message(self, params: JSONDict, _: RequestData | None) -> bool:
        self._known_chat(params)
        return True

    def _set_my_commands(self, params: JSONDict, _: RequestData | None) -> bool:
        commands = params.get("commands") or []
        if len(commands) > 100:
            raise bad("BOT_COMMANDS_TOO_MUCH")
        clean: list[JSONDict] = []
        for cmd in commands:
            name = cmd.get("command", "")
            if not BOT_COMMAND_NAME_RE.fullmatch(name):
                raise bad("BOT_COMMAND_INVALID")
            description = cmd.get("description", "")
            if not 1 <= len(description) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": description})
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        if clean:
            self._commands[key] = clean
        else:
            self._commands.pop(key, None)
        return True

    def _delete_my_commands(self, params: JSONDict, _: RequestData | None) -> bool:
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        self._commands.pop(key, None)
        return True

    def _get_my_commands(self, params: JSONDict, _: RequestData | None) -> list[JSONDict]:
        return self.commands(params.get("scope"), params.get("language_code") or "")

    def _get_chat(self, params: JSONDict, _: RequestData | None) -> JSONDict:
        chat_id = self._known_chat(params)
        return {
            **self._chats[chat_id],
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _member_json(self, chat_id: int, user_id: int) -> JSONDict:
        if user_id == self.bot_id:
            user = self.bot_user
        else:
            found = self._users.get(user_id)
            if found is None:
                raise bad("user not found")
            user = found
        if chat_id > 0:
            status = "member" if user_id in (chat_id, self.bot_id) else "left"
            if user_id == self.bot_id and chat_id in self._blocked:
                status = "kicked"
        else:
            default = "member" if user_id == self.bot_id else "left"
            status = self._members.get(chat_id, {}).get(user_id, default)
        return _member(status, user)

    def _get_chat_member(self, params: JSONDict, _: RequestData | None) -> JSONDict:
        chat_id = self._known_chat(params)
        return self._member_json(chat_id, int(params.get("user_id") or 0))

    def _get_chat_administrators(self, params: JSONDict, _: RequestData | None) -> list[JSONDict]:
        chat_id = self._known_chat(params)
        if chat_id > 0:
            return [self._member_json(chat_id, chat_id)]
        return [
            self._member_json(chat_id, uid)
            for uid, status in self._members.get(chat_id, {}).items()
            if status in ("creator", "administrator")
            and (uid in self._users or uid == self.bot_id)
        ]

    def _get_chat_member_count(self, params: JSONDict, _: RequestData | None) -> int:
        chat_id = self._known_chat(params)
        if chat_id > 0:
            return 2
        statuses = self._members.get(chat_id, {})
        humans = sum(
            1
            for uid, s in statuses.items()
            if uid != self.bot_id and s in ("creator", "administrator", "member")
        )
        return humans + 1

    def _get_file(self, params: JSONDict, _: RequestData | None) -> JSONDict:
        file_id = str(params.get("file_id"))
        stored = self._files.get(file_id)
        if stored is None:
            raise bad("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.content),
            "file_path": f"sandbox-files/{file_id}/{stored.file_name}",
        }

    def _download(self, url: str) -> Response:
        _, sep, rest = url.partition("sandbox-files/")
        stored = self._files.get(rest.partition("/")[0]) if sep else None
        if stored is None:
            return bad("file not found in sandbox").response()
        return 200, stored.content

    def _set_bot_setting(self, params: JSONDict, _: RequestData | None) -> bool:
        # setChatMenuButton is keyed by chat, the others by language.
        if "menu_button" in params or "chat_id" in params:
            self.bot_settings[("setChatMenuButton", str(params.get("chat_id", "")))] = params
        else:
            for method, key in (
                ("setMyName", "name"),
                ("setMyDescription", "description"),
                ("setMyShortDescription", "short_description"),
            ):
                if key in params or not params:
                    self.bot_settings[(method, str(params.get("language_code", "")))] = params
                    break
        return True

    def _setting(self, method: str, params: JSONDict, key: str) -> str:
        lang = str(params.get("language_code", ""))
        found = self.bot_settings.get((method, lang)) or self.bot_settings.get((method, ""))
        if found is None:
            return str(self.bot_user["first_name"]) if key == "name" else ""
        return str(found.get(key, ""))

    def _get_chat_menu_button(self, params: JSONDict, _: RequestData | None) -> JSONDict:
        found = self.bot_settings.get(("setChatMenuButton", str(params.get("chat_id", ""))))
        if found and found.get("menu_button"):
            return dict(found["menu_button"])
        return {"type": "default"}


# ---------------------------------------------------------------------- helpers


def _as_chat_id(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _fault_response(kind: str, retry_after: int) -> Response:
    if kind == "timeout":
        raise TimedOut("Timed out (sandbox fault)")
    if kind == "429":
        return ApiError(
            429,
            f"Too Many Requests: retry after {retry_after}",
            {"retry_after": retry_after},
        ).response()
    if kind == "500":
        return ApiError(500, "Internal Server Error").response()
    if kind == "502":
        return ApiError(502, "Bad Gateway").response()
    if kind == "403":
        return ApiError(403, FORBIDDEN_BLOCKED).response()
    return ApiError(400, CHAT_NOT_FOUND).response()


def _member(status: str, user: JSONDict) -> JSONDict:
    if status == "creator":
        return {"status": "creator", "user": user, "is_anonymous": False}
    if status == "administrator":
        return {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            "can_manage_chat": True,
            "can_delete_messages": True,
            "can_manage_video_chats": True,
            "can_restrict_members": True,
            "can_promote_members": False,
            "can_change_info": True,
            "can_invite_users": True,
            "can_post_stories": False,
            "can_edit_stories": False,
            "can_delete_stories": False,
            "can_pin_messages": True,
        }
    if status == "kicked":
        return {"status": "kicked", "user": user, "until_date": 0}
    return {"status": status, "user": user}
