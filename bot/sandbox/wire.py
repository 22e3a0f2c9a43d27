"""How the fake Telegram shows its model on the wire: the Message JSON (with the message it
replies to) and the ChatMember JSON, as the Bot API sends them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.sandbox.checks import JSONDict
from bot.sandbox.models import SandboxMessage

if TYPE_CHECKING:
    from bot.sandbox.world import World


def message_json(world: World, msg: SandboxMessage, *, nested: bool = True) -> JSONDict:
    """The Message JSON of ``msg``; ``nested`` includes the message it replies to."""
    data: JSONDict = {
        "message_id": msg.message_id,
        "from": world.bot_sender if msg.from_bot else world.users[msg.user_id or 0],
        "chat": world.chats[msg.chat_id],
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
        replied = world.index.get((msg.chat_id, msg.reply_to))
        if replied is not None:
            data["reply_to_message"] = message_json(world, replied, nested=False)
    return data


def member_json(status: str, user: JSONDict) -> JSONDict:
    """The ChatMember JSON of ``user`` with ``status`` (an administrator's usual rights)."""
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
