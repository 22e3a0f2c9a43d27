"""Naming a member, one way everywhere (issue 13): a name (the organization's or Telegram's),
an @username, a phone or an id; a name several members share answers with the candidates as
buttons, and the one pressed continues the command, checked again at the press."""

from __future__ import annotations

from datetime import timedelta

from bot.rules.callbacks import AssignPick, AssignStep, MemberPick
from bot.sandbox.harness import SandboxBot
from tests.helpers import MEM_A2, MEM_B1, SEC_A, SEC_B, Org, build_org, t

WEI_A, WEI_A1 = 9101, 9102  # two members called 张伟: in Alpha (@zw1) and in Alpha-1


async def _two_weis(bot: SandboxBot, org: Org) -> None:
    bot.user(WEI_A, "张伟", username="zw1")
    await bot.join(WEI_A, org.a, "member")
    bot.user(WEI_A1, "张伟", username=None)
    await bot.join(WEI_A1, org.a1, "member")


def _label(language: str, member: int, branch: str, username: str = "") -> str:
    name = t("list.same_name", language, name="张伟", id=member)
    return t("list.button", language, name=name, branch=branch, username=username)


def _alert(bot: SandboxBot) -> str:
    return str(bot.sandbox.calls_of("answerCallbackQuery")[-1].get("text") or "")


def _picks(bot: SandboxBot, user: int) -> list[MemberPick]:
    found = [MemberPick.parse(data or "") for _, data in bot.sandbox.last(user).button_list]
    return [pick for pick in found if pick is not None]


async def _conduct(bot: SandboxBot, member: int) -> list[str]:
    now = bot.clock.now()
    entries = await bot.store.records.conduct_entries(member, now - timedelta(days=1),
                                                      now + timedelta(days=1))
    return [e.text for e in entries]


async def test_a_shared_name_offers_buttons_and_the_press_continues_record_and_commend(
        bot: SandboxBot, org: Org) -> None:
    await _two_weis(bot, org)
    asked = await bot.send(SEC_A, "/record 张伟 30d")
    assert asked.plain.startswith(t("list.choose", query="张伟", n=2))
    assert "• 张伟（#9101） @zw1 · Alpha" in asked.plain  # told apart: id, @username, branch
    assert [label for label, _ in asked.button_list] == [
        _label("zh", WEI_A, "Alpha", " @zw1"), _label("zh", WEI_A1, "Alpha-1")]
    shown = await bot.press(SEC_A, _label("zh", WEI_A1, "Alpha-1"))
    assert shown.plain.startswith("📒 张伟 · Alpha-1") and "（30 天）" in shown.plain
    chosen = bot.sandbox.message(SEC_A, asked.message_id)
    assert chosen.plain == t("list.chosen", query="张伟", name=_label("zh", WEI_A1, "Alpha-1"))
    assert chosen.button_list == []  # pressed once; the buttons are gone
    # One more command: the commendation reaches the one chosen, with the words typed.
    await bot.send(SEC_A, "/commend 张伟 连夜 送药")
    saved = await bot.press(SEC_A, _label("zh", WEI_A, "Alpha", " @zw1"))
    assert saved.plain == t("record.commend_saved", name="张伟")
    assert await _conduct(bot, WEI_A) == ["连夜 送药"] and await _conduct(bot, WEI_A1) == []


async def test_in_english_the_team_and_away_continue_with_the_one_pressed(
        bot: SandboxBot) -> None:
    org = await build_org(bot, english=(SEC_A,))
    await _two_weis(bot, org)
    await bot.send(SEC_A, "/team add Shock")
    asked = await bot.send(SEC_A, "/team Shock add 张伟")
    assert asked.plain.startswith(t("list.choose", "en", query="张伟", n=2))
    added = await bot.press(SEC_A, _label("en", WEI_A1, "Alpha-1"))
    assert added.plain == t("team.added", "en", team="Shock", name="张伟")
    teams = await bot.store.teams.in_subtree(org.a)
    assert [[m.member_id for m in team.members] for team in teams] == [[WEI_A1]]
    await bot.send(SEC_A, "/away 张伟")
    away = await bot.press(SEC_A, _label("en", WEI_A, "Alpha", " @zw1"))
    assert away.plain == t("coverage.away.set_member", "en", name="张伟")
    person = await bot.store.people.get(WEI_A)
    assert person is not None and person.away


async def test_forged_stale_and_foreign_picks_are_refused(bot: SandboxBot, org: Org) -> None:
    await _two_weis(bot, org)
    await bot.send(SEC_A, "/commend 张伟 守卡口")
    pick = _picks(bot, SEC_A)[0]
    forged = [
        MemberPick("commend", pick.token, MEM_B1),  # not a candidate (and outside Alpha)
        MemberPick("commend", pick.token, MEM_A2),  # in Alpha, but not a candidate
        MemberPick("record", pick.token, WEI_A),  # another command than the one kept
        MemberPick("commend", "AAAAAAAA", WEI_A),  # no such token
    ]
    for button in forged:
        bot.sandbox.user_presses(SEC_A, 1, button.pack(), check=False)
        await bot.settle()
        assert _alert(bot) == t("button.stale"), button
    bot.sandbox.user_presses(SEC_B, 1, pick.pack(), check=False)  # kept in SEC_A's data only
    await bot.settle()
    assert _alert(bot) == t("button.stale")
    assert await _conduct(bot, WEI_A) == [] and await _conduct(bot, WEI_A1) == []
    # The real one works once; pressed again it is stale.
    await bot.press(SEC_A, pick.pack())
    assert await _conduct(bot, pick.member) == ["守卡口"]
    bot.sandbox.user_presses(SEC_A, 1, pick.pack(), check=False)
    await bot.settle()
    assert _alert(bot) == t("button.stale")
    assert await _conduct(bot, pick.member) == ["守卡口"]


async def test_the_press_checks_the_scope_again(bot: SandboxBot, org: Org) -> None:
    await _two_weis(bot, org)
    await bot.send(SEC_A, "/note 张伟 迟到")
    await bot.store.people.set_membership(WEI_A1, org.b, "member", at=bot.clock.now())
    gone = await bot.press(SEC_A, _label("zh", WEI_A1, "Alpha-1"))
    assert gone.plain == t("list.gone", branch="Alpha")
    assert await _conduct(bot, WEI_A1) == []


async def test_a_phone_an_organization_name_and_a_part_of_a_name(bot: SandboxBot,
                                                                 org: Org) -> None:
    await bot.store.db.execute("UPDATE members SET name = '马克思', phone = '13800138000'"
                               " WHERE id = ?", (MEM_A2,))
    for words in ('"+86 138-0013-8000"', "13800138000", "马克思", "克思", "@max", "Max"):
        shown = await bot.send(SEC_A, f"/record {words}")
        assert shown.plain.startswith("📒 马克思 · Alpha"), words
    bot.user(9103, "Ann", last_name="Lee", username=None)  # Telegram's whole name, exactly
    await bot.join(9103, org.a, "member")
    bot.user(9104, "Ann", last_name="Leeds", username=None)
    await bot.join(9104, org.a, "member")
    shown = await bot.send(SEC_A, '/record "Ann Lee" 7d')  # quoted: one name with its space
    assert shown.plain.startswith("📒 Ann Lee · Alpha")
    asked = await bot.send(SEC_A, "/record Ann")  # part of two names: choose
    assert asked.plain.startswith(t("list.choose", query="Ann", n=2))
    # A bare word that is one member's username and another's name is theirs to choose.
    bot.user(9105, "mia", username=None)
    await bot.join(9105, org.a, "member")
    asked = await bot.send(SEC_A, "/record mia")
    assert asked.plain.startswith(t("list.choose", query="mia", n=2))
    assert (await bot.send(SEC_A, "/record @mia")).plain.startswith("📒 Mia · Alpha")


async def test_the_assign_picker_searches_as_every_command_names(bot: SandboxBot,
                                                                 org: Org) -> None:
    await bot.store.db.execute("UPDATE members SET phone = '13800138000' WHERE id = ?",
                               (MEM_A2,))
    await bot.send(SEC_A, "/assign")
    await bot.send(SEC_A, "送药")
    await bot.press(SEC_A, AssignStep("skip").pack())
    await bot.press(SEC_A, AssignStep("skip").pack())
    for words, names in (("138 0013 8000", ["Max"]), ("@mo", ["Mo"]), ("mia", ["Mia"]),
                         ("m", ["Max", "Mia", "Mo"])):
        found = await bot.send(SEC_A, words)
        picks = [(label, AssignPick.parse(data or "")) for label, data in found.button_list]
        shown = [label for label, pick in picks if pick is not None and pick.kind == "m"]
        assert shown == [t("assign.member_off", name=name) for name in names], words


async def test_the_member_changes_take_a_shared_name_by_its_buttons_too(
        bot: SandboxBot, org: Org) -> None:
    await _two_weis(bot, org)
    asked = await bot.send(SEC_A, "/member 张伟")
    assert asked.plain.startswith(t("list.choose", query="张伟", n=2))
    card = await bot.press(SEC_A, _label("zh", WEI_A1, "Alpha-1"))
    assert "Alpha-1" in card.plain
    assert t("member.button_remove") in [label for label, _ in card.button_list]
    asked = await bot.send(SEC_A, "/rename 张伟 张卫")
    confirm = await bot.press(SEC_A, _label("zh", WEI_A, "Alpha", " @zw1"))
    assert "张卫" in confirm.plain and confirm.button_list
