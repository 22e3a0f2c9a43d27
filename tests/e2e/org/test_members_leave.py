"""`/leave`: a member leaves their branch after confirming, as a removal (what they held let go,
their record kept); their branch's secretaries are told; a secretary may leave, warned when they
are the last one."""

from __future__ import annotations

from datetime import timedelta

from bot.rules import callbacks as cb
from bot.sandbox.harness import SandboxBot
from handlers.core.menus import MEMBER_COMMANDS
from storage.households import HouseholdInput
from tests.e2e.org.steps import alerts, audited
from tests.helpers import MEM_A1, MEM_A2, SEC_A, SEC_A1, Org, build_org, make_bot, t


async def test_a_member_leaves(bot: SandboxBot, org: Org) -> None:
    await bot.store.households.upsert(org.a, [
        HouseholdInput("East", "1-101", "Lake Rd 1", 2, "", MEM_A1, False, MEM_A2)],
        at=bot.clock.now() - timedelta(days=1))
    asked = await bot.send(MEM_A1, "/leave")
    assert asked.plain == t("member.leave_confirm", branch="Alpha")
    done = await bot.press(MEM_A1, t("member.leave_yes"))
    assert done.plain.splitlines()[0] == t("member.left", branch="Alpha")
    person = await bot.store.people.get(MEM_A1)
    assert person is not None and person.branch_id is None
    (home,) = await bot.store.households.of_branch(org.a)
    assert home.responsible_id == MEM_A2
    (entry, *_) = await audited(bot, "leave")
    assert entry[:3] == (MEM_A1, org.a, True)
    await bot.drain()
    notice = bot.sandbox.last(SEC_A).plain.splitlines()
    assert notice[0] == t("member.left_notice", name="Mia", old="Alpha")
    assert t("move.to_backup", n=1, names="Max") in notice
    assert "Mia" not in (await bot.send(SEC_A, "/roster")).plain
    menu = bot.sandbox.calls_of("setMyCommands")[-1]
    assert menu["scope"]["chat_id"] == MEM_A1
    assert [c["command"] for c in menu["commands"]] == list(MEMBER_COMMANDS)
    # Out of the branch, /leave has nothing to leave; the old button is stale.
    assert (await bot.send(MEM_A1, "/leave")).plain == t("checkin.not_member")
    bot.sandbox.user_presses(MEM_A1, asked.message_id, cb.Leave(org.a, True).pack(), check=False)
    await bot.settle()
    assert alerts(bot)[-1] == t("member.stale")


async def test_staying_in_english() -> None:
    async with make_bot() as bot:
        org = await build_org(bot, english=(MEM_A1,))
        asked = await bot.send(MEM_A1, "/leave")
        assert asked.plain == t("member.leave_confirm", "en", branch="Alpha")
        stayed = await bot.press(MEM_A1, t("member.leave_no", "en"))
        assert stayed.plain == t("member.stayed", "en", branch="Alpha")
        person = await bot.store.people.get(MEM_A1)
        assert person is not None and person.branch_id == org.a
        await bot.send(MEM_A1, "/leave")
        done = await bot.press(MEM_A1, t("member.leave_yes", "en"))
        assert done.plain == t("member.left", "en", branch="Alpha")


async def test_the_last_secretary_leaving_is_warned(bot: SandboxBot, org: Org) -> None:
    asked = await bot.send(SEC_A1, "/leave")
    assert asked.plain.splitlines()[-1] == t("member.last_secretary", name="Sb",
                                             branch="Alpha-1")
    await bot.press(SEC_A1, t("member.leave_yes"))
    assert await bot.store.people.branch_secretaries(org.a1) == []
    await bot.drain()
    # Alpha-1 has no secretary left: the nearest above (Alpha's) is told.
    assert bot.sandbox.last(SEC_A).plain == t("member.left_notice", name="Sb", old="Alpha-1")
