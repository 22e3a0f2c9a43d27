"""Languages: from Telegram, switched with /lang; command menus per role and language."""

from __future__ import annotations

import asyncio

from bot.rules import callbacks as cb
from bot.sandbox.harness import SandboxBot
from handlers.core.menus import MEMBER_COMMANDS
from tests.helpers import MEM_A1, MEM_A1X, MEM_B1, SEC_A, Org, build_org, make_bot


async def test_language_comes_from_telegram() -> None:
    async with make_bot() as bot:
        await build_org(bot, english=(MEM_A1,))
        reply = await bot.send(MEM_A1, "/checkin")
        assert "One tap checks you in" in reply.plain
        reply = await bot.press(MEM_A1, cb.Checkin("on_duty").pack())
        assert "Checked in: 🟢 On duty" in reply.plain
        reply = await bot.send(MEM_B1, "/checkin")
        assert "点一下即可报到" in reply.plain


async def test_lang_switches_and_is_remembered(bot: SandboxBot, org: Org) -> None:
    menu = await bot.send(MEM_A1, "/lang")
    assert ("English", "lang:en") in menu.button_list
    reply = await bot.press(MEM_A1, cb.Lang("en").pack())
    assert reply.plain == "Language set to English."
    assert "One tap" in (await bot.send(MEM_A1, "/checkin")).plain
    assert "Check-in streak" in (await bot.send(MEM_A1, "/me")).plain
    # The choice wins over Telegram's language code from now on.
    assert (await bot.store.people.get(MEM_A1)).language == "en"  # type: ignore[union-attr]
    await bot.send(MEM_A1, "/lang zh")
    assert "点一下" in (await bot.send(MEM_A1, "/checkin")).plain


async def test_lang_sets_the_persons_menu_in_that_language(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/lang en")
    menu = bot.sandbox.commands({"type": "chat", "chat_id": MEM_A1})
    assert [c["command"] for c in menu] == list(MEMBER_COMMANDS)
    assert menu[0]["description"] == "Daily check-in"


async def test_default_menus_in_both_languages(bot: SandboxBot, org: Org) -> None:
    zh = bot.sandbox.commands({"type": "default"}, "zh")
    en = bot.sandbox.commands({"type": "default"}, "en")
    default = bot.sandbox.commands({"type": "default"})
    assert [c["command"] for c in zh] == list(MEMBER_COMMANDS)
    assert "who" not in MEMBER_COMMANDS and "need" in MEMBER_COMMANDS
    assert zh[0]["description"] == "每日报到" and en[0]["description"] == "Daily check-in"
    assert default == zh  # the configured default language is zh


async def test_secretary_gets_the_secretary_menu(bot: SandboxBot, org: Org) -> None:
    menu = [c["command"] for c in bot.sandbox.commands({"type": "chat", "chat_id": SEC_A})]
    assert {"who", "roster", "invite", "branch"} <= set(menu)
    member_menu = bot.sandbox.commands({"type": "chat", "chat_id": MEM_B1})
    assert "who" not in [c["command"] for c in member_menu]


async def test_secretary_menus_are_restored_at_start_up(bot: SandboxBot, org: Org) -> None:
    # A second bot process on the same database, talking to a fresh Telegram: start-up alone
    # must give every secretary their menu again.
    async with SandboxBot(bot.config, db_path=bot.config.storage.path) as again:
        for _ in range(200):
            if again.sandbox.commands({"type": "chat", "chat_id": SEC_A}):
                break
            await asyncio.sleep(0.01)
        menu = [c["command"] for c in again.sandbox.commands({"type": "chat", "chat_id": SEC_A})]
        assert "who" in menu
        assert again.sandbox.commands({"type": "chat", "chat_id": MEM_B1}) == []


async def test_unknown_command_and_free_text_get_one_line_to_help(bot: SandboxBot,
                                                                   org: Org) -> None:
    reply = await bot.send(MEM_A1, "/frobnicate")
    assert reply.plain == "不认识的命令 /frobnicate。发送 /help 查看你能用的命令。"
    reply = await bot.send(SEC_A, "你好")
    assert reply.plain == "我只认识命令和按钮。发送 /help 查看你能用的命令。"
    await bot.send(MEM_A1, "/lang en")
    reply = await bot.send(MEM_A1, "what now?")
    assert reply.plain == "I understand commands and buttons. Send /help to see the commands " \
        "you can use."
    # /help still gives the whole list, a secretary's commands only to secretaries.
    assert "/who" not in (await bot.send(MEM_A1X, "/help")).plain
    assert "/who" in (await bot.send(SEC_A, "/help")).plain


async def test_cancel_outside_a_conversation(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(MEM_A1, "/cancel")
    assert "无需取消" in reply.plain
