"""The bot changes its messages: editMessageText, editMessageCaption, editMessageReplyMarkup,
deleteMessage(s), and (un)pinChatMessage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.request import RequestData

from bot.sandbox.checks import NOT_MODIFIED, JSONDict, bad, check_markup
from bot.sandbox.html import caption_text, message_text
from bot.sandbox.methods.common import chat_for_send, known_chat
from bot.sandbox.methods.registry import method
from bot.sandbox.models import SandboxMessage
from bot.sandbox.wire import message_json

if TYPE_CHECKING:
    from bot.sandbox.world import World


@method("editMessageText")
def edit_message_text(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    msg = _editable(world, params)
    if msg.is_media or msg.location is not None:
        raise bad("there is no text in the message to edit")
    text = params.get("text")
    wire, parsed = message_text(text, params.get("parse_mode"))
    return _change(world, msg, params, text, wire, parsed or params.get("entities") or None)


@method("editMessageCaption")
def edit_message_caption(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    msg = _editable(world, params)
    if not msg.is_media:
        raise bad("there is no caption in the message to edit")
    caption = params.get("caption")
    wire, entities = caption_text(caption, params.get("parse_mode"))
    return _change(world, msg, params, caption, wire, entities)


@method("editMessageReplyMarkup")
def edit_message_reply_markup(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    msg = _editable(world, params)
    markup = check_markup(params.get("reply_markup"))
    if markup == msg.reply_markup:
        raise bad(NOT_MODIFIED.removeprefix("Bad Request: "))
    msg.reply_markup = markup
    _edited(world, msg)
    return message_json(world, msg)


def _editable(world: World, params: JSONDict) -> SandboxMessage:
    if params.get("inline_message_id") is not None:
        raise bad("inline messages are not supported by the sandbox")
    chat_id = chat_for_send(world, params)
    msg = world.index.get((chat_id, int(params.get("message_id") or 0)))
    if msg is None:
        raise bad("message to edit not found")
    if not msg.from_bot:
        raise bad("message can't be edited")
    return msg


def _change(
    world: World,
    msg: SandboxMessage,
    params: JSONDict,
    text: str | None,
    wire: str | None,
    entities: list[JSONDict] | None,
) -> JSONDict:
    """Put the checked text (or caption) and keyboard of an edit into ``msg``; 400 if
    nothing changes."""
    markup = check_markup(params.get("reply_markup"))
    if wire == msg.wire_text and entities == msg.entities and markup == msg.reply_markup:
        raise bad(NOT_MODIFIED.removeprefix("Bad Request: "))
    msg.text = text
    msg.wire_text = wire
    msg.entities = entities
    msg.parse_mode = params.get("parse_mode")
    msg.reply_markup = markup
    _edited(world, msg)
    return message_json(world, msg)


def _edited(world: World, msg: SandboxMessage) -> None:
    msg.edits += 1
    msg.edit_date = world.now()


@method("deleteMessage")
def delete_message(world: World, params: JSONDict, _: RequestData | None) -> bool:
    chat_id = known_chat(world, params)
    msg = world.index.get((chat_id, int(params.get("message_id") or 0)))
    if msg is None:
        raise bad("message to delete not found")
    _remove(world, msg)
    return True


@method("deleteMessages")
def delete_messages(world: World, params: JSONDict, _: RequestData | None) -> bool:
    chat_id = known_chat(world, params)
    for message_id in params.get("message_ids") or ():
        msg = world.index.get((chat_id, int(message_id)))
        if msg is not None:
            _remove(world, msg)
    return True


def _remove(world: World, msg: SandboxMessage) -> None:
    del world.index[(msg.chat_id, msg.message_id)]
    world.messages[msg.chat_id].remove(msg)
    world.deleted.append(msg)


@method("pinChatMessage", "unpinChatMessage")
def pin_chat_message(world: World, params: JSONDict, _: RequestData | None) -> bool:
    known_chat(world, params)
    return True
