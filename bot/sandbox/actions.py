"""What users do on the fake Telegram: send a text, a file or a location, press an inline
button; each is queued as the update Telegram would send the bot."""

from __future__ import annotations

from bot.sandbox.checks import JSONDict, SandboxError
from bot.sandbox.html import command_entities
from bot.sandbox.models import has_callback, is_callback
from bot.sandbox.users import Users
from bot.sandbox.wire import message_json


class UserActions(Users):
    """A world whose users act."""

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
        if reply_to is not None and (cid, reply_to) not in self.index:
            raise SandboxError(f"no message {reply_to} in chat {cid} to reply to")
        msg = self.add_message(
            cid, False, user_id, text, entities=command_entities(text), reply_to=reply_to
        )
        return self.queue({"message": message_json(self, msg)})

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
        document = self.store_file(bytes(content), filename, mime_type)
        entities = command_entities(caption) if caption else None
        msg = self.add_message(
            cid, False, user_id, caption, entities=entities, document=document,
            content=bytes(content),
        )
        return self.queue({"message": message_json(self, msg)})

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
        msg = self.add_message(cid, False, user_id, None, location=location)
        return self.queue({"message": message_json(self, msg)})

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
        user = self.user(user_id)
        cid = user_id if chat_id is None else chat_id
        if cid not in self.chats:
            raise SandboxError(f"unknown chat {cid}")
        msg = self.index.get((cid, message_id))
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
            message_json(self, msg)
            if msg is not None
            else {"chat": self.chats[cid], "message_id": message_id, "date": 0}
        )
        query: JSONDict = {
            "id": query_id,
            "from": user,
            "message": message,
            "chat_instance": f"{cid * 7919 + self.bot_id}",
            "data": data,
        }
        self.open_queries.add(query_id)
        return self.queue({"callback_query": query})

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

    def _user_chat(self, user_id: int, chat_id: int | None) -> int:
        """Validate a user acting in a chat; joins groups and unblocks private chats."""
        self.user(user_id)
        if chat_id is None or chat_id == user_id:
            self.blocked.discard(user_id)
            return user_id
        members = self._group(chat_id)
        if members.get(user_id) in (None, "left"):
            members[user_id] = "member"
        return chat_id
