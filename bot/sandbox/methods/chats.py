"""What the bot asks about chats: getChat, getChatMember, getChatAdministrators,
getChatMemberCount; and leaveChat."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.request import RequestData

from bot.sandbox.checks import JSONDict, bad
from bot.sandbox.methods.common import known_chat
from bot.sandbox.methods.registry import method
from bot.sandbox.wire import member_json

if TYPE_CHECKING:
    from bot.sandbox.world import World


@method("getChat")
def get_chat(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    chat_id = known_chat(world, params)
    return {
        **world.chats[chat_id],
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


def _member(world: World, chat_id: int, user_id: int) -> JSONDict:
    if user_id == world.bot_id:
        user = world.bot_user
    else:
        found = world.users.get(user_id)
        if found is None:
            raise bad("user not found")
        user = found
    if chat_id > 0:
        status = "member" if user_id in (chat_id, world.bot_id) else "left"
        if user_id == world.bot_id and chat_id in world.blocked:
            status = "kicked"
    else:
        default = "member" if user_id == world.bot_id else "left"
        status = world.members.get(chat_id, {}).get(user_id, default)
    return member_json(status, user)


@method("getChatMember")
def get_chat_member(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    chat_id = known_chat(world, params)
    return _member(world, chat_id, int(params.get("user_id") or 0))


@method("getChatAdministrators")
def get_chat_administrators(
    world: World, params: JSONDict, _: RequestData | None
) -> list[JSONDict]:
    chat_id = known_chat(world, params)
    if chat_id > 0:
        return [_member(world, chat_id, chat_id)]
    return [
        _member(world, chat_id, uid)
        for uid, status in world.members.get(chat_id, {}).items()
        if status in ("creator", "administrator")
        and (uid in world.users or uid == world.bot_id)
    ]


@method("getChatMemberCount")
def get_chat_member_count(world: World, params: JSONDict, _: RequestData | None) -> int:
    chat_id = known_chat(world, params)
    if chat_id > 0:
        return 2
    statuses = world.members.get(chat_id, {})
    humans = sum(
        1
        for uid, s in statuses.items()
        if uid != world.bot_id and s in ("creator", "administrator", "member")
    )
    return humans + 1


@method("leaveChat")
def leave_chat(world: World, params: JSONDict, _: RequestData | None) -> bool:
    return True
