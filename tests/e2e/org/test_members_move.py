"""`/move` and the card's Move: confirmed by a button, the member told, the new branch's
secretaries told, the member in the new branch's /roster; what they held let go by the move's
households rule; a secretary moves only within their subtree, never themself."""

from __future__ import annotations

from datetime import timedelta

from bot.rules.vocab import Role
from bot.sandbox.harness import SandboxBot
from handlers.core.menus import MEMBER_COMMANDS
from storage.households import HouseholdInput
from tests.e2e.org.steps import alerts, audited, confirm
from tests.helpers import (
    ADMIN,
    MEM_A1,
    MEM_A2,
    SEC_A,
    SEC_A1,
    SEC_B,
    Org,
    build_org,
    make_bot,
    t,
)


async def _homes(bot: SandboxBot, org: Org) -> None:
    """Mia is responsible for 1-101 (backup Max) and 1-102 (no backup) in Alpha's zone."""
    await bot.store.households.upsert(org.a, [
        HouseholdInput("East", "1-101", "Lake Rd 1", 2, "", MEM_A1, False, MEM_A2),
        HouseholdInput("East", "1-102", "Lake Rd 2", 1, "", MEM_A1, False, None)],
        at=bot.clock.now() - timedelta(days=1))


async def test_an_admin_moves_a_member_by_command(bot: SandboxBot, org: Org) -> None:
    await _homes(bot, org)
    asked = await bot.send(ADMIN, f"/move @mia {org.b}")
    assert asked.plain.startswith(t("member.confirm_move", name="Mia", old="Alpha",
                                     branch="Beta").splitlines()[0])
    done = await confirm(bot, ADMIN)
    assert done.plain.splitlines()[0] == t("member.moved", name="Mia", old="Alpha",
                                           branch="Beta")
    assert t("move.to_backup", n=1, names="Max") in done.plain  # the households rule
    assert t("move.unattended", n=1) in done.plain
    person = await bot.store.people.get(MEM_A1)
    assert person is not None and (person.branch_id, person.role) == (org.b, "member")
    homes = {h.label: h for h in await bot.store.households.of_branch(org.a)}
    assert homes["1-101"].responsible_id == MEM_A2 and homes["1-102"].responsible_id is None
    await bot.drain()
    told = t("member.told_moved", by="Ada", old="Alpha", branch="Beta")
    assert bot.sandbox.last(MEM_A1).plain.startswith(told)
    assert bot.sandbox.last(SEC_B).plain == t("member.arrived", name="Mia", by="Ada",
                                               old="Alpha", branch="Beta", id=org.b)
    assert bot.sandbox.last(SEC_A).plain.splitlines()[0] == t(
        "move.notice", name="Mia", old="Alpha", branch="Beta")
    assert bot.sandbox.last(MEM_A2).plain.startswith("🏠 Mia 已调往「Beta」")
    roster = await bot.send(SEC_B, "/roster")
    assert "Mia" in roster.plain
    assert "Mia" not in (await bot.send(SEC_A, "/roster")).plain
    (entry, *_) = await audited(bot, "move")
    assert entry[:3] == (ADMIN, org.a, True) and entry[3]["to"] == org.b


async def test_a_move_in_english() -> None:
    async with make_bot() as bot:
        org = await build_org(bot, english=(ADMIN, MEM_A1, SEC_B))
        asked = await bot.send(ADMIN, f"/move Mia #{org.b}")
        assert asked.plain.startswith(t("member.confirm_move", "en", name="Mia", old="Alpha",
                                         branch="Beta").splitlines()[0])
        done = await confirm(bot, ADMIN, "en")
        assert done.plain == t("member.moved", "en", name="Mia", old="Alpha", branch="Beta")
        await bot.drain()
        assert bot.sandbox.last(MEM_A1).plain == t("member.told_moved", "en", by="Ada",
                                                   old="Alpha", branch="Beta")
        assert bot.sandbox.last(SEC_B).plain == t("member.arrived", "en", name="Mia",
                                                   by="Ada", old="Alpha", branch="Beta",
                                                   id=org.b)
        assert "Mia" in (await bot.send(SEC_B, "/roster")).plain


async def test_the_cards_move_button_picks_a_branch_in_pages(bot: SandboxBot,
                                                            org: Org) -> None:
    """Alpha's secretary moves Max to a branch below Alpha: the picker lists Alpha's subtree
    (not Beta), 8 a page."""
    now = bot.clock.now()
    below = [await bot.store.branches.create(f"Group {n}", org.a1, at=now) for n in range(9)]
    await bot.send(SEC_A, "/member max")
    picker = await bot.press(SEC_A, t("member.button_move"))
    labels = [label for label, _ in picker.button_list]
    assert picker.plain.startswith(t("member.pick_branch", name="Max", branch="Alpha"))
    assert t("member.page", page=1, pages=2) in picker.plain
    assert f"· Alpha-1 #{org.a1}" in labels and not any("Beta" in x or "Alpha #" in x
                                                       for x in labels)
    second = await bot.press(SEC_A, t("member.next"))
    assert second.message_id == picker.message_id
    assert t("member.page", page=2, pages=2) in second.plain
    asked = await bot.press(SEC_A, f"#{below[-1]}")
    assert asked.plain.startswith(t("member.confirm_move", name="Max", old="Alpha",
                                     branch="Group 8").splitlines()[0])
    await confirm(bot, SEC_A)
    person = await bot.store.people.get(MEM_A2)
    assert person is not None and person.branch_id == below[-1]


async def test_a_secretary_moves_only_within_their_subtree_and_not_themself(
        bot: SandboxBot, org: Org) -> None:
    answer = await bot.send(SEC_A, f"/move mia {org.b}")
    assert answer.plain == t("deny.outside_scope", branch="Beta")
    (entry, *_) = await audited(bot, "member_move")
    assert entry[:3] == (SEC_A, org.b, False)
    answer = await bot.send(SEC_A, f"/move sa {org.a1}")
    assert answer.plain == t("member.use_leave")
    answer = await bot.send(SEC_A, "/move mia x9")
    assert answer.plain == t("branch.bad_id", value="x9")
    answer = await bot.send(SEC_A, f"/move mia {org.a}")
    assert answer.plain == t("member.already_there", name="Mia", branch="Alpha")
    # Sb leads Alpha-1 only: Mia of Alpha is not theirs to move, even into Alpha-1.
    await bot.send(SEC_A1, f"/move mia {org.a1}")
    person = await bot.store.people.get(MEM_A1)
    assert person is not None and person.branch_id == org.a
    assert not [e for e in await audited(bot, "move")]
    assert alerts(bot) == []


async def test_moving_a_secretary_warns_and_makes_them_a_member_there(
        bot: SandboxBot, org: Org) -> None:
    asked = await bot.send(ADMIN, f"/move sa {org.b}")
    assert t("member.last_secretary", name="Sa", branch="Alpha") in asked.plain
    await confirm(bot, ADMIN)
    person = await bot.store.people.get(SEC_A)
    assert person is not None and (person.branch_id, person.role) == (org.b, Role.MEMBER)
    menu = bot.sandbox.calls_of("setMyCommands")[-1]
    assert menu["scope"]["chat_id"] == SEC_A
    assert [c["command"] for c in menu["commands"]] == list(MEMBER_COMMANDS)
    # Alpha has no secretary now; Alpha's members are told of nothing, Root's admin acts.
    assert await bot.store.people.branch_secretaries(org.a) == []
