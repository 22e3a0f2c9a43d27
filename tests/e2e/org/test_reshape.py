"""`/branch rename`, `/branch move` and the name rule of `/branch add`, through the sandbox, in
Chinese and English: who may, what they are answered, who is told, and buttons that are forged
or pressed after the tree changed."""

from __future__ import annotations

import pytest

from bot.rules import callbacks as cb
from bot.sandbox.harness import SandboxBot
from tests.helpers import (
    ADMIN,
    MEM_A1,
    MEM_A1X,
    MEM_A2,
    MEM_B1,
    SEC_A,
    SEC_A1,
    SEC_B,
    Org,
    build_org,
    make_bot,
    t,
)

LANGUAGES = ("zh", "en")


async def org_in(language: str) -> tuple[SandboxBot, Org]:
    """A started bot whose organization speaks `language` (its caller stops it)."""
    bot = make_bot()
    await bot.start()
    everyone = (ADMIN, SEC_A, SEC_A1, SEC_B, MEM_A1, MEM_A2, MEM_A1X, MEM_B1)
    return bot, await build_org(bot, english=everyone if language == "en" else ())


async def names_under(bot: SandboxBot, branch_id: int) -> list[tuple[str, int]]:
    return [(n.name, n.depth) for n in await bot.store.branches.subtree(branch_id)]


async def audited(bot: SandboxBot, action: str, *, allowed: bool) -> list[object]:
    return [e for e in await bot.store.audit.entries(200) if e[2] == action and e[4] == allowed]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_rename_is_done_at_once_and_the_branchs_secretaries_are_told(
        language: str) -> None:
    bot, org = await org_in(language)
    try:
        reply = await bot.send(SEC_A, f"/branch rename {org.a1} 第一网格 党小组")
        assert reply.plain == t("branch.renamed", language, old="Alpha-1", name="第一网格 党小组",
                                id=org.a1)
        renamed = await bot.store.branches.get(org.a1)
        assert renamed is not None and renamed.name == "第一网格 党小组"
        assert len(await audited(bot, "branch_rename", allowed=True)) == 1
        await bot.drain()
        assert bot.sandbox.last(SEC_A1).plain == t(
            "branch.renamed_notice", language, by="Sa", old="Alpha-1", name="第一网格 党小组",
            id=org.a1)
        # The one who renamed it is answered, not told twice.
        assert not any("Alpha-1" in m.plain and "ℹ️" in m.plain
                       for m in bot.sandbox.bot_messages(SEC_A))
    finally:
        await bot.stop()


async def test_rename_refused_for_a_member_a_sibling_secretary_and_a_taken_name(
        bot: SandboxBot, org: Org) -> None:
    refused = await bot.send(MEM_A1, f"/branch rename {org.a} Sneaky")
    assert refused.plain == t("deny.secretary_only", branch="Alpha", title="书记",
                              command="/branch")
    refused = await bot.send(SEC_B, f"/branch rename {org.a1} Sneaky")
    assert refused.plain == t("deny.outside_scope", branch="Alpha-1")
    refused = await bot.send(ADMIN, f"/branch rename {org.b}  alpha ")
    assert refused.plain == t("branch.same_name", parent="Root", name="Alpha", id=org.a)
    assert await names_under(bot, org.root) == [
        ("Root", 0), ("Alpha", 1), ("Alpha-1", 2), ("Beta", 1)]
    assert await audited(bot, "branch_rename", allowed=True) == []


@pytest.mark.parametrize("language", LANGUAGES)
async def test_add_refuses_a_name_taken_under_the_same_parent(language: str) -> None:
    bot, org = await org_in(language)
    try:
        before = await bot.store.branches.count()
        refused = await bot.send(ADMIN, "/branch add  BETA ")
        assert refused.plain == t("branch.same_name", language, parent="Root", name="Beta",
                                  id=org.b)
        refused = await bot.send(SEC_A, f"/branch add {org.a} alpha-1")
        assert refused.plain == t("branch.same_name", language, parent="Alpha",
                                  name="Alpha-1", id=org.a1)
        assert await bot.store.branches.count() == before
        # The same name under another parent is another branch.
        added = await bot.send(SEC_A, f"/branch add {org.a1} Beta")
        assert added.plain.startswith("✅")
    finally:
        await bot.stop()


@pytest.mark.parametrize("language", LANGUAGES)
async def test_move_asks_then_moves_on_the_button(language: str) -> None:
    bot, org = await org_in(language)
    try:
        ask = await bot.send(ADMIN, f"/branch move {org.a1} {org.b}")
        assert ask.plain == t("branch.move_ask", language, name="Alpha-1", id=org.a1,
                              old="Alpha", parent="Beta", parent_id=org.b, branches=1, members=2)
        assert ask.button_list == [
            (t("branch.button_move", language), cb.Reshape(org.a1, org.b, org.a, True).pack()),
            (t("branch.button_keep", language), cb.Reshape(org.a1, org.b, org.a, False).pack())]
        assert ("Alpha-1", 1) in await names_under(bot, org.a)  # nothing moved yet
        kept = await bot.press(ADMIN, t("branch.button_keep", language))
        assert kept.plain == t("branch.move_kept", language) and kept.button_list == []
        assert ("Alpha-1", 1) in await names_under(bot, org.a)

        await bot.send(ADMIN, f"/branch move {org.a1} {org.b}")
        done = await bot.press(ADMIN, t("branch.button_move", language))
        assert done.plain == t("branch.moved", language, name="Alpha-1", id=org.a1,
                               old="Alpha", parent="Beta")
        assert await names_under(bot, org.b) == [("Beta", 0), ("Alpha-1", 1)]
        assert await names_under(bot, org.a) == [("Alpha", 0)]
        assert len(await audited(bot, "branch_move", allowed=True)) == 1
        await bot.drain()
        assert bot.sandbox.last(SEC_A1).plain == t(
            "branch.moved_notice", language, by="Ada", name="Alpha-1", id=org.a1, old="Alpha",
            parent="Beta")
        # Its members moved with it: Beta's secretary now leads them.
        who = await bot.send(SEC_B, "/who")
        assert "Mo" in who.plain
    finally:
        await bot.stop()


async def test_a_secretary_moves_within_their_scope_but_not_their_own_branch(
        bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/branch add Gamma")
    gamma = next(n.id for n in await bot.store.branches.subtree(org.a) if n.name == "Gamma")
    await bot.send(SEC_A, f"/branch move {gamma} {org.a1}")
    await bot.press(SEC_A, t("branch.button_move"))
    assert await names_under(bot, org.a) == [("Alpha", 0), ("Alpha-1", 1), ("Gamma", 2)]
    # Their own branch is moved by someone above them.
    refused = await bot.send(SEC_A1, f"/branch move {org.a1} {gamma}")
    assert refused.plain == t("branch.home_fixed", name="Alpha-1", id=org.a1)
    # Not into a branch they do not lead.
    refused = await bot.send(SEC_A, f"/branch move {gamma} {org.b}")
    assert refused.plain == t("deny.outside_scope", branch="Beta")
    refusals = [e for e in await bot.store.audit.entries(200) if not e[4]]
    assert [(e[1], e[3]) for e in refusals] == [(SEC_A, org.b), (SEC_A1, org.a1)]
    # Not under itself or its own subtree; never the root.
    refused = await bot.send(ADMIN, f"/branch move {org.a} {gamma}")
    assert refused.plain == t("branch.move_under_itself", name="Alpha", id=org.a,
                              parent="Gamma")
    refused = await bot.send(ADMIN, f"/branch move {org.root} {org.b}")
    assert refused.plain == t("branch.root_fixed", name="Root", id=org.root)
    refused = await bot.send(ADMIN, f"/branch move {org.a1} {org.a}")
    assert refused.plain == t("branch.move_already", name="Alpha-1", id=org.a1, parent="Alpha")
    # Nor where a branch of its name is.
    await bot.send(ADMIN, f"/branch add {org.b} gamma")
    twin = next(n.id for n in await bot.store.branches.subtree(org.b) if n.name == "gamma")
    refused = await bot.send(ADMIN, f"/branch move {gamma} {org.b}")
    assert refused.plain == t("branch.same_name", parent="Beta", name="gamma", id=twin)
    assert await names_under(bot, org.a) == [("Alpha", 0), ("Alpha-1", 1), ("Gamma", 2)]


async def test_member_and_sibling_secretary_cannot_move(bot: SandboxBot, org: Org) -> None:
    refused = await bot.send(MEM_A1, f"/branch move {org.a1} {org.b}")
    assert refused.plain == t("deny.secretary_only", branch="Alpha", title="书记",
                              command="/branch")
    refused = await bot.send(SEC_B, f"/branch move {org.a1} {org.b}")
    assert refused.plain == t("deny.outside_scope", branch="Alpha-1")
    assert await names_under(bot, org.b) == [("Beta", 0)]


async def test_forged_and_stale_move_buttons_change_nothing(bot: SandboxBot, org: Org) -> None:
    ask = await bot.send(ADMIN, f"/branch move {org.a1} {org.b}")
    # A sibling's secretary and a member press a button they were never shown.
    for user in (SEC_B, MEM_A1):
        update = bot.sandbox.user_presses(user, ask.message_id,
                                          cb.Reshape(org.a1, org.b, org.a, True).pack(),
                                          check=False)
        await bot.settle()
        answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
        assert answer.get("show_alert") and answer["text"] == t("deny.outside_scope",
                                                                branch="Alpha-1")
    assert await names_under(bot, org.b) == [("Beta", 0)]
    assert len(await audited(bot, "branch_move", allowed=False)) == 2
    # The tree changes before the admin presses: the old button does nothing.
    await bot.send(ADMIN, f"/branch move {org.a1} {org.root}")
    await bot.press(ADMIN, t("branch.button_move"))
    assert await names_under(bot, org.root) == [
        ("Root", 0), ("Alpha", 1), ("Alpha-1", 1), ("Beta", 1)]
    update = bot.sandbox.user_presses(ADMIN, ask.message_id,
                                      cb.Reshape(org.a1, org.b, org.a, True).pack())
    await bot.settle()
    answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
    assert answer["text"] == t("branch.changed", name="Alpha-1", id=org.a1)
    assert await names_under(bot, org.b) == [("Beta", 0)]
    # Data that is no button at all.
    update = bot.sandbox.user_presses(ADMIN, ask.message_id, "br:x:1", check=False)
    await bot.settle()
    assert bot.sandbox.callback_answers[update["callback_query"]["id"]]["text"] == t(
        "button.stale")
