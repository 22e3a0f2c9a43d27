"""`/branch archive`, through the sandbox, in Chinese and English: refused while someone is left
in the subtree (saying how many), confirmed by a button checked again at the press, and then
gone from the tree view, the menus, the rollups and the scheduler's runs, its history kept."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.rules import callbacks as cb
from bot.rules import rhythm
from bot.sandbox.harness import SandboxBot
from tests.e2e.org.steps import alerts
from tests.e2e.org.test_reshape import LANGUAGES, org_in
from tests.helpers import ADMIN, MEM_A1, MEM_A1X, OUTSIDER, SEC_A, SEC_A1, SEC_B, Org, t


async def emptied(bot: SandboxBot, org: Org) -> None:
    """Alpha-1's people moved up to Alpha."""
    now = bot.clock.now()
    for member, role in ((SEC_A1, "secretary"), (MEM_A1X, "member")):
        await bot.store.people.set_membership(member, org.a, role, at=now)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_archive_waits_for_the_people_to_be_moved_then_asks_and_archives(
        language: str) -> None:
    bot, org = await org_in(language)
    try:
        await bot.store.roster.add(org.a1, "member", "张伟", at=bot.clock.now())
        refused = await bot.send(ADMIN, f"/branch archive {org.a}")
        assert refused.plain == t("branch.archive_not_empty", language, name="Alpha", id=org.a,
                                  members=5, waiting=1)
        await emptied(bot, org)
        refused = await bot.send(ADMIN, f"/branch archive {org.a1}")
        assert refused.plain == t("branch.archive_not_empty", language, name="Alpha-1",
                                  id=org.a1, members=0, waiting=1)
        waiting = (await bot.store.roster.waiting(org.a1))[0]
        await bot.store.roster.remove(waiting.id, at=bot.clock.now())

        ask = await bot.send(ADMIN, f"/branch archive {org.a1}")
        assert ask.plain == t("branch.archive_ask", language, name="Alpha-1", id=org.a1,
                              branches=1)
        assert ask.button_list == [
            (t("branch.button_archive", language), cb.Reshape(org.a1, 0, 0, True).pack()),
            (t("branch.button_keep", language), cb.Reshape(org.a1, 0, 0, False).pack())]
        kept = await bot.press(ADMIN, t("branch.button_keep", language))
        assert kept.plain == t("branch.archive_kept", language)
        still = await bot.store.branches.get(org.a1)
        assert still is not None and not still.archived

        await bot.send(ADMIN, f"/branch archive {org.a1}")
        done = await bot.press(ADMIN, t("branch.button_archive", language))
        assert done.plain == t("branch.archived", language, name="Alpha-1", id=org.a1,
                               branches=1)
        archived = await bot.store.branches.get(org.a1)
        assert archived is not None and archived.archived and archived.name == "Alpha-1"
        entries = [e for e in await bot.store.audit.entries(200)
                   if e[2] == "branch_archive" and e[4]]
        assert [e[3] for e in entries] == [org.a1]
        # The tree view and an act on it by id.
        tree = await bot.send(ADMIN, "/branch")
        assert "Alpha-1" not in tree.plain and "Alpha" in tree.plain
        again = await bot.send(ADMIN, f"/who {org.a1}")
        assert again.plain == t("branch.archived_target", language, name="Alpha-1", id=org.a1)
    finally:
        await bot.stop()


async def test_an_archived_branch_leaves_the_menus_and_the_rollups(
        bot: SandboxBot, org: Org) -> None:
    code = await bot.invite_code(org.a1)
    menu = await bot.send(SEC_A, "/invite")
    await emptied(bot, org)
    before = {
        "roster": (await bot.send(ADMIN, "/roster")).plain,
        "digest": (await bot.send(ADMIN, f"/digest {org.a}")).plain,
    }
    assert all("Alpha-1" in text for text in before.values()), before
    await bot.send(ADMIN, f"/branch archive {org.a1}")
    await bot.press(ADMIN, t("branch.button_archive"))
    # /invite's buttons, /roster, /who, the digest: no Alpha-1.
    buttons = (await bot.send(SEC_A, "/invite")).button_list
    assert [data for _, data in buttons] == [cb.Invite(org.a, "member").pack(),
                                             cb.Invite(org.a, "secretary").pack()]
    for text in ((await bot.send(ADMIN, "/roster")).plain,
                 (await bot.send(ADMIN, "/who")).plain,
                 (await bot.send(ADMIN, f"/digest {org.a}")).plain):
        assert "Alpha-1" not in text
    # Its invite links and the menu's old buttons make no one a member of it.
    joined = await bot.send(OUTSIDER, f"/start {code}")
    assert joined.plain == t("join.revoked")
    update = bot.sandbox.user_presses(SEC_A, menu.message_id,
                                      cb.Invite(org.a1, "member").pack())
    await bot.settle()
    answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
    assert answer["text"] == t("branch.archived_target", name="Alpha-1", id=org.a1)
    refused = await bot.send(SEC_A, f"/invite member {org.a1}")
    assert refused.plain == t("branch.archived_target", name="Alpha-1", id=org.a1)
    person = await bot.store.people.get(OUTSIDER)
    assert person is not None and person.branch_id is None


async def test_an_archived_branch_gets_no_scheduled_runs(bot: SandboxBot, org: Org) -> None:
    await bot.send(ADMIN, "/branch add Gamma")
    gamma = next(n.id for n in await bot.store.branches.subtree(org.root) if n.name == "Gamma")
    await bot.send(ADMIN, f"/branch archive {gamma}")
    await bot.press(ADMIN, t("branch.button_archive"))
    sent = len(bot.sandbox.bot_messages(MEM_A1))
    # The next day past the check-in, the reminder and the digest (08:00, 10:00, 20:00 in
    # Shanghai), the scheduler runs for every live branch, and for Gamma nothing.
    for hour in (8, 10, 20):
        when = datetime(2026, 3, 3, hour, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
        bot.clock.set(when)
        await rhythm.run_due(bot.store, bot.services.translate, when)
    await bot.drain()
    runs = await bot.store.runs.of(org.b)
    assert {("prompt", "2026-03-03"), ("digest", "2026-03-03")} <= set(runs), runs
    assert await bot.store.runs.of(gamma) == []
    assert len(bot.sandbox.bot_messages(MEM_A1)) > sent  # the others were prompted


async def test_forged_and_stale_archive_buttons_change_nothing(
        bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/branch add Gamma")
    gamma = next(n.id for n in await bot.store.branches.subtree(org.a) if n.name == "Gamma")
    ask = await bot.send(SEC_A, f"/branch archive {gamma}")
    for user, key, values in ((SEC_B, "deny.outside_scope", {"branch": "Gamma"}),
                              (MEM_A1, "deny.outside_scope", {"branch": "Gamma"}),
                              (SEC_A1, "deny.outside_scope", {"branch": "Gamma"})):
        update = bot.sandbox.user_presses(user, ask.message_id,
                                          cb.Reshape(gamma, 0, 0, True).pack(), check=False)
        await bot.settle()
        answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
        assert answer.get("show_alert") and answer["text"] == t(key, **values)
    # Someone joins Gamma before the secretary presses: it is no longer empty.
    await bot.join(OUTSIDER, gamma)
    update = bot.sandbox.user_presses(SEC_A, ask.message_id, cb.Reshape(gamma, 0, 0, True).pack())
    await bot.settle()
    answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
    assert answer["text"] == t("branch.archive_not_empty", name="Gamma", id=gamma, members=1,
                               waiting=0)
    kept = await bot.store.branches.get(gamma)
    assert kept is not None and not kept.archived
    # A secretary cannot archive their own branch; nor anyone the root.
    refused = await bot.send(SEC_A, f"/branch archive {org.a}")
    assert refused.plain == t("branch.home_fixed", name="Alpha", id=org.a)
    refused = await bot.send(ADMIN, f"/branch archive {org.root}")
    assert refused.plain == t("branch.root_fixed", name="Root", id=org.root)
    # Once archived, the confirmation pressed again is told so.
    await bot.store.people.set_membership(OUTSIDER, org.a, "member", at=bot.clock.now())
    await bot.send(SEC_A, f"/branch archive {gamma}")
    await bot.press(SEC_A, t("branch.button_archive"))
    update = bot.sandbox.user_presses(SEC_A, ask.message_id, cb.Reshape(gamma, 0, 0, True).pack())
    await bot.settle()
    assert bot.sandbox.callback_answers[update["callback_query"]["id"]]["text"] == t(
        "branch.archived_target", name="Gamma", id=gamma)


async def test_nobody_is_moved_into_an_archived_branch(bot: SandboxBot, org: Org) -> None:
    """An archived branch left the tree: a move into it is refused by command and by a
    forged press of the card's branch picker, and the member stays where they are."""
    await emptied(bot, org)
    await bot.send(ADMIN, f"/branch archive {org.a1}")
    await bot.press(ADMIN, t("branch.button_archive"))
    refused = await bot.send(ADMIN, f"/move @mia {org.a1}")
    assert refused.plain == t("branch.archived_target", name="Alpha-1", id=org.a1)
    await bot.send(ADMIN, "/member mia")
    for forged in (cb.MemberMoveTo(MEM_A1, org.a, "pick", org.a1),
                   cb.MemberChange(MEM_A1, org.a, "move", org.a1)):
        bot.sandbox.user_presses(ADMIN, bot.sandbox.last(ADMIN).message_id, forged.pack(),
                                 check=False)
        await bot.settle()
        assert alerts(bot)[-1] == t("branch.archived_target", name="Alpha-1", id=org.a1)
    person = await bot.store.people.get(MEM_A1)
    assert person is not None and person.branch_id == org.a
