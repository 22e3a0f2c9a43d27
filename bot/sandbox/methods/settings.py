"""The bot itself: getMe, close and logOut, its commands (set/delete/getMyCommands), its
name and descriptions (setMy* / getMy*) and the chat menu button."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.request import RequestData

from bot.sandbox.checks import BOT_COMMAND_NAME_RE, JSONDict, bad
from bot.sandbox.methods.registry import method
from bot.sandbox.world import scope_key

if TYPE_CHECKING:
    from bot.sandbox.world import World


@method("getMe")
def get_me(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    return world.bot_user


@method("close", "logOut")
def close(world: World, params: JSONDict, _: RequestData | None) -> bool:
    return True


@method("setMyCommands")
def set_my_commands(world: World, params: JSONDict, _: RequestData | None) -> bool:
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
    key = (scope_key(params.get("scope")), params.get("language_code") or "")
    if clean:
        world.bot_commands[key] = clean
    else:
        world.bot_commands.pop(key, None)
    return True


@method("deleteMyCommands")
def delete_my_commands(world: World, params: JSONDict, _: RequestData | None) -> bool:
    key = (scope_key(params.get("scope")), params.get("language_code") or "")
    world.bot_commands.pop(key, None)
    return True


@method("getMyCommands")
def get_my_commands(world: World, params: JSONDict, _: RequestData | None) -> list[JSONDict]:
    return world.commands(params.get("scope"), params.get("language_code") or "")


@method("setChatMenuButton", "setMyDescription", "setMyShortDescription", "setMyName")
def set_bot_setting(world: World, params: JSONDict, _: RequestData | None) -> bool:
    # setChatMenuButton is keyed by chat, the others by language.
    if "menu_button" in params or "chat_id" in params:
        world.bot_settings[("setChatMenuButton", str(params.get("chat_id", "")))] = params
    else:
        for name, key in (
            ("setMyName", "name"),
            ("setMyDescription", "description"),
            ("setMyShortDescription", "short_description"),
        ):
            if key in params or not params:
                world.bot_settings[(name, str(params.get("language_code", "")))] = params
                break
    return True


def _setting(world: World, name: str, params: JSONDict, key: str) -> str:
    lang = str(params.get("language_code", ""))
    found = world.bot_settings.get((name, lang)) or world.bot_settings.get((name, ""))
    if found is None:
        return str(world.bot_user["first_name"]) if key == "name" else ""
    return str(found.get(key, ""))


@method("getMyName")
def get_my_name(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    return {"name": _setting(world, "setMyName", params, "name")}


@method("getMyDescription")
def get_my_description(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    return {"description": _setting(world, "setMyDescription", params, "description")}


@method("getMyShortDescription")
def get_my_short_description(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    key = "short_description"
    return {key: _setting(world, "setMyShortDescription", params, key)}


@method("getChatMenuButton")
def get_chat_menu_button(world: World, params: JSONDict, _: RequestData | None) -> JSONDict:
    found = world.bot_settings.get(("setChatMenuButton", str(params.get("chat_id", ""))))
    if found and found.get("menu_button"):
        return dict(found["menu_button"])
    return {"type": "default"}
