"""What several Bot API methods share: finding the chat a call addresses and the message it
replies to, and posting the bot's message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.sandbox.checks import FORBIDDEN_BLOCKED, ApiError, JSONDict, as_chat_id, bad, check_markup
from bot.sandbox.models import SandboxMessage

if TYPE_CHECKING:
    from bot.sandbox.world import World


def chat_for_send(world: World, params: JSONDict) -> int:
    """The target chat of a call; 400 if unknown, 403 if the user blocked the bot."""
    raw = params.get("chat_id")
    chat_id = as_chat_id(raw)
    if chat_id is None and isinstance(raw, str) and raw.startswith("@"):
        chat_id = _chat_by_username(world, raw[1:])
    if chat_id is None or chat_id not in world.chats:
        raise bad("chat not found")
    if chat_id in world.blocked:
        raise ApiError(403, FORBIDDEN_BLOCKED)
    return chat_id


def _chat_by_username(world: World, username: str) -> int | None:
    for cid, chat in world.chats.items():
        if chat.get("username") == username:
            return cid
    return None


def known_chat(world: World, params: JSONDict, key: str = "chat_id") -> int:
    """The chat named by ``params[key]``; 400 if unknown (blocked or not)."""
    chat_id = as_chat_id(params.get(key))
    if chat_id is None or chat_id not in world.chats:
        raise bad("chat not found")
    return chat_id


def markup_and_reply(
    world: World, chat_id: int, params: JSONDict
) -> tuple[JSONDict | None, int | None]:
    """The checked inline keyboard of a send, and the id of the message it replies to."""
    return check_markup(params.get("reply_markup")), _reply_to(world, chat_id, params)


def _reply_to(world: World, chat_id: int, params: JSONDict) -> int | None:
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
    if (chat_id, int(message_id)) not in world.index:
        if allow:
            return None
        raise bad("message to be replied not found")
    return int(message_id)


@dataclass(slots=True)
class Body:
    """What a bot message carries besides its keyboard: the text (or caption) as sent and as
    stored, its entities and parse mode, and its document, photo or location."""

    text: str | None = None
    wire: str | None = None
    entities: list[JSONDict] | None = None
    parse_mode: str | None = None
    document: JSONDict | None = None
    photo: JSONDict | None = None
    location: JSONDict | None = None
    content: bytes | None = None

    @classmethod
    def of(cls, msg: SandboxMessage) -> Body:
        """The body of an existing message (to copy or forward it)."""
        return cls(msg.text, msg.wire_text, msg.entities, msg.parse_mode, msg.document,
                   msg.photo, msg.location, msg.content)


def post(
    world: World,
    chat_id: int,
    body: Body,
    markup: JSONDict | None = None,
    reply_to: int | None = None,
) -> SandboxMessage:
    """Put the bot's message with ``body`` into the chat."""
    return world.add_message(
        chat_id,
        True,
        world.bot_id,
        body.text,
        wire_text=body.wire,
        entities=body.entities,
        parse_mode=body.parse_mode,
        reply_markup=markup,
        reply_to=reply_to,
        document=body.document,
        photo=body.photo,
        location=body.location,
        content=body.content,
    )
