"""Command menus per role and language, set with BotCommandScope.

Everyone sees the member commands (default scope, one list per language); in a group, /help
(all group chats) and, for the group's administrators, /linkgroup and /unlinkgroup. A secretary
gets their own chat-scoped list in their language; so does a member who picked a
language with /lang that differs from their Telegram app's.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError

from bot.i18n import LANGUAGES, Translator
from handlers.core.context import Context

logger = logging.getLogger(__name__)

MEMBER_COMMANDS = ("checkin", "visit", "need", "tasks", "households", "away", "me", "record",
                   "lang", "help", "leave")
SECRETARY_COMMANDS = ("checkin", "who", "digest", "chart", "export", "roster", "needs", "assign",
                      "tasks", "broadcast", "broadcasts", "team", "record", "commend", "note",
                      "invite", "link", "links", "invites",
                      "branch", "settings", "zone", "households", "import", "coverage", "visit",
                      "away", "need", "me", "lang", "help", "member", "move", "role", "rename",
                      "phone", "remove", "leave")
GROUP_COMMANDS = ("help",)  # in a group, what works there: the rest is for the private chat
GROUP_ADMIN_COMMANDS = ("linkgroup", "unlinkgroup", "help")


def commands(translate: Translator, language: str, names: tuple[str, ...]) -> list[BotCommand]:
    """The menu entries for `names` in `language`."""
    return [BotCommand(name, translate(language, f"command.{name}")) for name in names]


async def set_defaults(bot: Bot, translate: Translator, default_language: str) -> None:
    """The member menu for everyone in a private chat, per Telegram client language; in
    groups, /help for everyone and /linkgroup, /unlinkgroup for the group's administrators."""
    menus: list[tuple[BotCommandScope, tuple[str, ...]]] = [
        (BotCommandScopeDefault(), MEMBER_COMMANDS),
        (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
        (BotCommandScopeAllChatAdministrators(), GROUP_ADMIN_COMMANDS)]
    for scope, names in menus:
        await bot.set_my_commands(commands(translate, default_language, names), scope=scope)
        for language in LANGUAGES:
            await bot.set_my_commands(commands(translate, language, names), scope=scope,
                                      language_code=language)


async def set_for_person(bot: Bot, context: Context | Any, user_id: int, role: str | None,
                         language: str) -> None:
    """Give one person the menu of their role in their language (never fails the caller)."""
    translate: Translator = context.translate
    names = SECRETARY_COMMANDS if role == "secretary" else MEMBER_COMMANDS
    try:
        await bot.set_my_commands(commands(translate, language, names),
                                  scope=BotCommandScopeChat(user_id))
    except TelegramError as exc:
        logger.warning("could not set the command menu of a user: %s", exc)
