"""A raw id is shown only to tell two people with one name apart ("王芳（#9011）、王芳（#9019）"),
never beside a name nobody else in the list has."""

from __future__ import annotations

from bot.text import tell_apart
from tests.helpers import SEC_A, Org, SandboxBot, t

ZH = "{name}（#{id}）"


def test_an_id_only_beside_a_shared_name() -> None:
    assert tell_apart([("王芳", 9011), ("张伟", 9012)], ZH) == ["王芳", "张伟"]
    assert tell_apart([("王芳", 9011), ("王芳", 9019), ("张伟", 7)], ZH) == [
        "王芳（#9011）", "王芳（#9019）", "张伟"]
    assert tell_apart([("<b>", 1)], ZH) == ["&lt;b&gt;"]


async def _two_of_one_name(bot: SandboxBot, branch: int, name: str) -> None:
    for user_id in (9011, 9019):
        bot.user(user_id, name, username=None)
        await bot.join(user_id, branch, "member")


async def test_a_team_asks_which_of_two_of_one_name(bot: SandboxBot, org: Org) -> None:
    a = org.a
    await _two_of_one_name(bot, a, "王芳")
    bot.user(9020, "王芳芳", username=None)
    await bot.join(9020, a, "member")
    await bot.send(SEC_A, "/team add Shock")
    reply = await bot.send(SEC_A, "/team Shock add 王芳")
    assert reply.plain == "\n".join([t("list.choose", query="王芳", n=2),
                                     "• 王芳（#9011） · Alpha", "• 王芳（#9019） · Alpha"])


async def test_a_record_lookup_names_ids_only_for_a_shared_name(bot: SandboxBot,
                                                                org: Org) -> None:
    a = org.a
    bot.user(9031, "Wang Fang", username=None)
    bot.user(9032, "Wang Li", username=None)
    for user_id in (9031, 9032):
        await bot.join(user_id, a, "member")
    reply = await bot.send(SEC_A, "/record Wang")
    assert "• Wang Fang · Alpha" in reply.plain and "• Wang Li · Alpha" in reply.plain
    assert "9031" not in reply.plain and "9032" not in reply.plain
    await _two_of_one_name(bot, a, "Wang Fang")
    reply = await bot.send(SEC_A, "/record Wang Fang")
    assert "#9011" in reply.plain and "#9019" in reply.plain and "#9031" in reply.plain
