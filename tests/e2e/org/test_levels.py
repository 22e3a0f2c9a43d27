"""What the levels and their leaders are called (`/branch levels`, `/branch titles`, `/branch
title`), through the sandbox, in Chinese and English, and the texts that name a branch's
secretary role by it: /me, joining, /start, invites, the tree view, refusals."""

from __future__ import annotations

import pytest

from bot.sandbox.harness import SandboxBot
from tests.e2e.org.test_reshape import LANGUAGES, org_in
from tests.helpers import ADMIN, MEM_A1, MEM_A1X, SEC_A, SEC_A1, SEC_B, Org, t

NEWCOMER = 777


def role_line(bot: SandboxBot, user: int) -> str:
    """The role line of the user's last /me card."""
    card = bot.sandbox.last(user).plain.splitlines()
    return card[2]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_group_leader_is_called_what_the_organization_calls_them(
        language: str) -> None:
    bot, org = await org_in(language)
    try:
        answer = await bot.send(ADMIN, "/branch levels 街道党工委／社区党委 / 网格党小组")
        assert answer.plain.startswith(t("branch.levels_set", language))
        assert t("branch.level_line", language, depth=3, level="网格党小组",
                 title=t("role.secretary", language)) in answer.plain
        answer = await bot.send(ADMIN, "/branch titles -/-/组长")
        assert answer.plain.startswith(t("branch.titles_set", language))
        assert t("branch.level_line", language, depth=3, level="网格党小组",
                 title="组长") in answer.plain
        # The tree view names each level.
        tree = (await bot.send(ADMIN, "/branch")).plain
        assert t("branch.node_level", language, name="Alpha-1", level="网格党小组", id=org.a1,
                 members=2) in tree
        # /me: the 党小组's secretary is its 组长; the 社区党委's a 书记; a member a member.
        role = t("me.card", language, name="", branch="", role="{role}", day="", status="",
                 streak=0).splitlines()[2]
        for user, expected in ((SEC_A1, "组长"), (SEC_A, t("role.secretary", language)),
                               (MEM_A1X, t("role.member", language))):
            await bot.send(user, "/me")
            assert role_line(bot, user) == role.replace("{role}", expected)
        # Joining as its secretary, and greeting them again.
        bot.user(NEWCOMER, "Neu", language_code=language)
        code = await bot.invite_code(org.a1, "secretary")
        welcome = await bot.send(NEWCOMER, f"/start {code}")
        assert welcome.plain.startswith(t("join.welcome", language, name="Neu",
                                          branch="Alpha-1", role="组长").splitlines()[0])
        again = await bot.send(NEWCOMER, "/start")
        assert again.plain == t("start.welcome_back", language, name="Neu", branch="Alpha-1",
                                role="组长")
        # Invites: the 党小组's secretary button and link say 组长.
        buttons = (await bot.send(SEC_A, "/invite")).button_list
        assert [label for label, _ in buttons][1::2] == [t("role.secretary", language), "组长"]
        link = await bot.send(SEC_A, f"/invite secretary {org.a1}")
        assert "Alpha-1 · 组长" in link.plain.splitlines()[0]
        # A member of the 党小组 asking for a leader's command is told who may.
        refused = await bot.send(MEM_A1X, "/who")
        assert refused.plain == t("deny.secretary_only", language, branch="Alpha-1",
                                  title="组长", command="/who")
    finally:
        await bot.stop()


async def test_one_branch_names_its_own_level_and_leaders(bot: SandboxBot, org: Org) -> None:
    answer = await bot.send(SEC_A, f"/branch title {org.a1} 党小组 组长")
    assert answer.plain == t("branch.title_set", name="Alpha-1", id=org.a1, level="党小组",
                             title="组长")
    await bot.send(SEC_A1, "/me")
    assert role_line(bot, SEC_A1) == "身份：组长"
    await bot.send(SEC_A, "/me")
    assert role_line(bot, SEC_A) == "身份：书记"
    # Names with spaces, split at a slash; "-" is the level's (here: the catalogue's).
    answer = await bot.send(SEC_A, f"/branch title {org.a1} Party group/Group leader")
    assert answer.plain == t("branch.title_set", name="Alpha-1", id=org.a1,
                             level="Party group", title="Group leader")
    answer = await bot.send(SEC_A, f"/branch title {org.a1} - -")
    assert answer.plain == t("branch.title_set", name="Alpha-1", id=org.a1, level="支部",
                             title="书记")
    await bot.send(SEC_A1, "/me")
    assert role_line(bot, SEC_A1) == "身份：书记"
    entries = [e for e in await bot.store.audit.entries(50) if e[2] == "branch_title" and e[4]]
    assert len(entries) == 3


async def test_naming_is_refused_outside_ones_rights(bot: SandboxBot, org: Org) -> None:
    # Only an admin or the root's secretaries name the whole tree's levels.
    refused = await bot.send(SEC_A, "/branch levels 甲/乙")
    assert refused.plain == t("branch.levels_forbidden")
    refused = await bot.send(SEC_A, "/branch titles 书记/组长")
    assert refused.plain == t("branch.levels_forbidden")
    refused = await bot.send(MEM_A1, "/branch levels")
    assert refused.plain == t("deny.secretary_only", branch="Alpha", title="书记",
                              command="/branch")
    assert await bot.store.levels.all() == []
    denied = [e for e in await bot.store.audit.entries(50) if e[2] == "branch_levels"]
    assert denied and not any(e[4] for e in denied)
    # One branch's names: by whoever leads it, not a sibling's secretary nor a member.
    refused = await bot.send(SEC_B, f"/branch title {org.a1} 党小组 组长")
    assert refused.plain == t("deny.outside_scope", branch="Alpha-1")
    refused = await bot.send(MEM_A1, f"/branch title {org.a} 党小组 组长")
    assert refused.plain == t("deny.secretary_only", branch="Alpha", title="书记",
                              command="/branch")
    named = await bot.store.levels.of_branches([org.a, org.a1])
    assert all(n.level_name is None and n.leader_title is None for n in named.values())
    # Too long.
    refused = await bot.send(ADMIN, "/branch levels " + "长" * 21)
    assert refused.plain == t("branch.levels_too_long", max=20, levels=12)
    # A secretary of the root may.
    bot.user(NEWCOMER, "Neu")
    await bot.join(NEWCOMER, org.root, "secretary")
    answer = await bot.send(NEWCOMER, "/branch levels 街道党工委/社区党委")
    assert answer.plain.startswith(t("branch.levels_set"))
    assert [lv.name for lv in await bot.store.levels.all()] == ["街道党工委", "社区党委"]
