"""`/role` (and the card's button): make a member secretary of their branch, or step a
secretary down, in place; confirmed, audited, the member told and their menu changed; the last
secretary of a branch may step down (warned), themself too."""

from __future__ import annotations

from bot.sandbox.harness import SandboxBot
from handlers.core.menus import MEMBER_COMMANDS, SECRETARY_COMMANDS
from tests.e2e.org.steps import audited, confirm
from tests.helpers import MEM_A1, MEM_A1X, SEC_A, SEC_A1, Org, build_org, make_bot, t


def _menu_of(bot: SandboxBot, user: int) -> list[str]:
    menu = next(c for c in reversed(bot.sandbox.calls_of("setMyCommands"))
                if c.get("scope", {}).get("chat_id") == user)
    return [c["command"] for c in menu["commands"]]


async def test_a_secretary_makes_a_member_secretary(bot: SandboxBot, org: Org) -> None:
    title = t("role.secretary")
    asked = await bot.send(SEC_A, "/role mia 书记")
    assert asked.plain == t("member.confirm_promote", name="Mia", branch="Alpha", title=title)
    done = await confirm(bot, SEC_A)
    assert done.plain == t("member.promoted", name="Mia", branch="Alpha", title=title)
    person = await bot.store.people.get(MEM_A1)
    assert person is not None and (person.branch_id, person.role) == (org.a, "secretary")
    assert _menu_of(bot, MEM_A1) == list(SECRETARY_COMMANDS)
    await bot.drain()
    assert bot.sandbox.last(MEM_A1).plain == t("member.told_promoted", by="Sa", branch="Alpha",
                                               title=title)
    (entry, *_) = await audited(bot, "role")
    assert entry == (SEC_A, org.a, True, {"member": MEM_A1, "role": "secretary"})
    # She leads Alpha now: /who lists its members for her.
    who = (await bot.send(MEM_A1, "/who")).plain
    assert "• Max @max" in who


async def test_stepping_down_the_last_secretary_in_english() -> None:
    async with make_bot() as bot:
        org = await build_org(bot, english=(SEC_A, SEC_A1))
        asked = await bot.send(SEC_A, "/role Sb member")
        assert asked.plain.splitlines() == [
            t("member.confirm_step_down", "en", name="Sb", branch="Alpha-1",
              title="secretary"),
            t("member.last_secretary", "en", name="Sb", branch="Alpha-1")]
        done = await confirm(bot, SEC_A, "en")
        assert done.plain == t("member.stepped_down", "en", name="Sb", branch="Alpha-1",
                               title="secretary")
        assert await bot.store.people.branch_secretaries(org.a1) == []
        assert _menu_of(bot, SEC_A1) == list(MEMBER_COMMANDS)
        await bot.drain()
        assert bot.sandbox.last(SEC_A1).plain == t(
            "member.told_stepped_down", "en", by="Sa", branch="Alpha-1", title="secretary")


async def test_a_secretary_steps_down_themself(bot: SandboxBot, org: Org) -> None:
    title = t("role.secretary")
    asked = await bot.send(SEC_A, "/role sa 成员")
    assert asked.plain.splitlines() == [
        t("member.confirm_step_down_self", branch="Alpha", title=title),
        t("member.last_secretary", name="Sa", branch="Alpha")]
    await confirm(bot, SEC_A)
    person = await bot.store.people.get(SEC_A)
    assert person is not None and person.role == "member"
    assert (await bot.send(SEC_A, "/role mia 书记")).plain.startswith(
        t("deny.secretary_only", branch="Alpha", command="/role", title=t("role.secretary")))


async def test_what_role_does_not_take(bot: SandboxBot, org: Org) -> None:
    assert (await bot.send(SEC_A, "/role mia boss")).plain == t("member.bad_role",
                                                                value="boss")
    assert (await bot.send(SEC_A, "/role mia member")).plain == t(
        "member.already_member", name="Mia", branch="Alpha")
    assert (await bot.send(SEC_A, "/role sb secretary")).plain == t(
        "member.already_secretary", name="Sb", branch="Alpha-1")
    assert (await bot.send(SEC_A, "/role mia")).plain == t("member.role_usage")
    # The card offers the same, by its state: Mo (a member of Alpha-1) can be made secretary.
    card = await bot.send(SEC_A, "/member mo")
    assert t("member.button_promote") in [label for label, _ in card.button_list]
    asked = await bot.press(SEC_A, t("member.button_promote"))
    assert asked.plain == t("member.confirm_promote", name="Mo", branch="Alpha-1",
                            title=t("role.secretary"))
    await confirm(bot, SEC_A)
    person = await bot.store.people.get(MEM_A1X)
    assert person is not None and person.role == "secretary"
