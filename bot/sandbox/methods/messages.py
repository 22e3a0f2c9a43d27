"""The bot sends a message: sendMessage, sendLocation, copyMessage, forwardMessage, and
sendChatAction (which shows a "typing" status and sends nothing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.request import RequestData

from bot.sandbox.checks import MAX_CAPTION_LENGTH, JSONDict, bad
from bot.sandbox.html import message_text, parse_text
from bot.sandbox.methods.common import Body, chat_for_send, known_chat, markup_and_reply, post
from bot.sandbox.methods.registry import method
from bot.sandbox.models import SandboxMessage
from bot.sandbox.wire import message_json

if TYPE_CHECKING:
    from bot.sandbox.world import World


@method("sendMessage")
def send_message(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    chat_id = chat_for_send(world, params)
    text = params.get("text")
    parse_mode = params.get("parse_mode")
    wire, entities = message_text(text, parse_mode)
    body = Body(text, wire, entities or params.get("entities"), parse_mode)
    return _send(world, chat_id, params, body)


@method("sendLocation")
def send_location(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    chat_id = chat_for_send(world, params)
    location = {"latitude": params.get("latitude"), "longitude": params.get("longitude")}
    return _send(world, chat_id, params, Body(location=location))


def _send(world: World, chat_id: int, params: JSONDict, body: Body) -> JSONDict:
    """Post the bot's message with its keyboard and reply; answer its Message JSON."""
    msg = post(world, chat_id, body, *markup_and_reply(world, chat_id, params))
    return message_json(world, msg)


@method("copyMessage")
def copy_message(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    chat_id = chat_for_send(world, params)
    src = _source(world, params, "copy")
    body = Body.of(src)
    if "caption" in params and src.is_media:
        caption = params["caption"]
        parse_mode = params.get("parse_mode")
        wire, entities = parse_text(caption, parse_mode, MAX_CAPTION_LENGTH, caption=True)
        body.text, body.wire, body.entities, body.parse_mode = caption, wire, entities, parse_mode
    msg = post(world, chat_id, body, *markup_and_reply(world, chat_id, params))
    return {"message_id": msg.message_id}


@method("forwardMessage")
def forward_message(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    chat_id = chat_for_send(world, params)
    src = _source(world, params, "forward")
    data = message_json(world, post(world, chat_id, Body.of(src)))
    sender = world.bot_sender if src.from_bot else world.users[src.user_id or 0]
    data["forward_origin"] = {
        "type": "user",
        "date": int(src.date.timestamp()),
        "sender_user": sender,
    }
    return data


@method("sendChatAction")
def send_chat_action(world: World, params: JSONDict, _: RequestData | None) -> bool:
    chat_for_send(world, params)
    return True


def _source(world: World, params: JSONDict, what: str) -> SandboxMessage:
    from_chat = known_chat(world, params, "from_chat_id")
    msg = world.index.get((from_chat, int(params.get("message_id") or 0)))
    if msg is None:
        raise bad(f"message to {what} not found")
    return msg
