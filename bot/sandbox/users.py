"""The people on the fake Telegram: users with their private chats, groups and their members,
and who blocked the bot (what they do is in `bot.sandbox.actions`)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.sandbox.checks import JSONDict, SandboxError
from bot.sandbox.world import World

STATUSES = ("creator", "administrator", "member", "left", "kicked")


class Users(World):
    """The users, groups and members of a world."""

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
        self.users[user_id] = user
        self.chats[user_id] = chat
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
        self.chats[chat_id] = chat
        status = dict.fromkeys(members, "member")
        status.update(dict.fromkeys(admins, "administrator"))
        if creator is not None:
            status[creator] = "creator"
        self.members[chat_id] = status
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
        if status not in STATUSES:
            raise SandboxError(f"unsupported member status {status!r}")
        self._group(chat_id)[user_id] = status

    def block(self, user_id: int, *, notify: bool = False) -> None:
        """The user blocks the bot: sends to their private chat answer 403.

        Args:
            user_id: The user.
            notify: Also queue the ``my_chat_member`` update Telegram sends (status
                ``"kicked"``).
        """
        self.user(user_id)
        self.blocked.add(user_id)
        if notify:
            self._queue_my_chat_member(user_id, "member", "kicked")

    def unblock(self, user_id: int, *, notify: bool = False) -> None:
        """The user unblocks the bot.

        Args:
            user_id: The user.
            notify: Also queue the ``my_chat_member`` update (status ``"member"``).
        """
        self.user(user_id)
        self.blocked.discard(user_id)
        if notify:
            self._queue_my_chat_member(user_id, "kicked", "member")

    def is_blocked(self, user_id: int) -> bool:
        """Whether the user has blocked the bot."""
        return user_id in self.blocked

    def user(self, user_id: int) -> JSONDict:
        """The User JSON of an added user (:class:`SandboxError` if unknown)."""
        user = self.users.get(user_id)
        if user is None:
            raise SandboxError(f"unknown user {user_id}; call add_user() first")
        return user

    def _group(self, chat_id: int) -> dict[int, str]:
        members = self.members.get(chat_id)
        if members is None:
            raise SandboxError(f"unknown group {chat_id}; call add_group() first")
        return members

    def _queue_my_chat_member(self, user_id: int, old: str, new: str) -> None:
        user = self.users[user_id]
        date = int(self.now().timestamp())
        old_member: JSONDict = {"status": old, "user": self.bot_sender}
        new_member: JSONDict = {"status": new, "user": self.bot_sender}
        if old == "kicked":
            old_member["until_date"] = 0
        if new == "kicked":
            new_member["until_date"] = 0
        self.queue(
            {
                "my_chat_member": {
                    "chat": self.chats[user_id],
                    "from": user,
                    "date": date,
                    "old_chat_member": old_member,
                    "new_chat_member": new_member,
                }
            }
        )
