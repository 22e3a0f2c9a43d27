"""Who may import a roster, and where: a secretary into their subtree, an admin anywhere;
refusals for a member, a secretary outside the scope, forged and foreign buttons; the
households import beside it answers its own caption as before."""

from __future__ import annotations

from bot.rules.callbacks import ImportAnswer
from bot.sandbox.harness import SandboxBot
from tests.e2e.org.steps import import_counts
from tests.helpers import ADMIN, MEM_A1, SEC_A, SEC_A1, SEC_B, Org, t

CAPTION = "/import roster"
ROSTER = "姓名,支部\n王芳,Alpha-1\n李强,Beta\n"


async def _names(bot: SandboxBot, branch: int) -> list[str]:
    return sorted(e.name for e in await bot.store.roster.waiting(branch))


def _alert(bot: SandboxBot) -> str:
    """The text of the last answer to a button press."""
    return str(list(bot.sandbox.callback_answers.values())[-1].get("text", ""))


async def test_an_admin_imports_anywhere(bot: SandboxBot, org: Org) -> None:
    preview = await bot.send_document(ADMIN, ROSTER.encode(), "r.csv", CAPTION)
    assert preview.plain.startswith(t("rosterimport.preview", file="r.csv", rows=2,
        counts=import_counts(new=2)))
    done = await bot.press(ADMIN, t("rosterimport.button_ok"))
    assert t("rosterimport.waiting", n=2, id=org.root) in done.plain
    assert await _names(bot, org.root) == ["李强", "王芳"]


async def test_a_secretary_outside_the_branch_is_refused(bot: SandboxBot, org: Org) -> None:
    refused = await bot.send_document(SEC_B, ROSTER.encode(), "r.csv", f"{CAPTION} #{org.a}")
    assert "「Alpha」不在你负责的范围内" in refused.plain
    assert bot.sandbox.count("getFile") == 0
    # Into their own subtree, a row naming a branch above it is refused by line.
    preview = await bot.send_document(SEC_A1, ROSTER.encode(), "r.csv", CAPTION)
    assert t("rosterimport.line", line=3, reason=t("rosterimport.reason.branch_outside",
                                                   value="Beta")) in preview.plain
    member = await bot.send_document(MEM_A1, ROSTER.encode(), "r.csv", CAPTION)
    assert not member.buttons and bot.sandbox.count("getFile") == 1
    assert await _names(bot, org.root) == []


async def test_forged_and_foreign_buttons_write_nothing(bot: SandboxBot, org: Org) -> None:
    preview = await bot.send_document(SEC_A, "姓名\n王芳\n".encode(), "r.csv", CAPTION)
    ok = preview.button_list[0][1]
    assert ok is not None
    forged = ImportAnswer("AAAAAAAA", "roster_ok").pack()
    bot.sandbox.user_presses(SEC_A, preview.message_id, forged, check=False)
    await bot.settle()
    assert _alert(bot) == t("rosterimport.stale")
    # Someone else pressing the secretary's own button (a secretary above, a member).
    for other in (SEC_B, MEM_A1):
        bot.sandbox.user_presses(other, preview.message_id, ok, check=False)
        await bot.settle()
        assert _alert(bot) == t("rosterimport.stale")
    # The households import's answer with the roster's token does not import it either.
    token = ImportAnswer.parse(ok)
    assert token is not None
    bot.sandbox.user_presses(SEC_A, preview.message_id, ImportAnswer(token.token, "ok").pack(),
                             check=False)
    await bot.settle()
    assert await _names(bot, org.root) == []
    assert not [e for e in await bot.store.audit.entries() if e[2] == "roster_import"]
    # The real press still works once, and only once.
    await bot.press(SEC_A, t("rosterimport.button_ok"))
    bot.sandbox.user_presses(SEC_A, preview.message_id, ok, check=False)
    await bot.settle()
    assert _alert(bot) == t("rosterimport.stale")
    assert await _names(bot, org.root) == ["王芳"]


async def test_a_secretary_who_stepped_down_cannot_confirm(bot: SandboxBot, org: Org) -> None:
    preview = await bot.send_document(SEC_A, "姓名\n王芳\n".encode(), "r.csv", CAPTION)
    assert preview.buttons
    await bot.store.people.set_membership(SEC_A, org.a, "member", at=bot.clock.now())
    answer = await bot.press(SEC_A, t("rosterimport.button_ok"))
    assert "不在你负责的范围内" in (answer.plain + _alert(bot))
    assert await _names(bot, org.root) == []


async def test_the_captions_go_to_their_own_import(bot: SandboxBot, org: Org) -> None:
    households = "zone,label,people,responsible\nBuilding 1,1-101,2,@mia\n"
    reply = await bot.send_document(SEC_A, households.encode(), "h.csv", "/import households")
    assert "新增 1 户" in reply.plain
    reply = await bot.send_document(SEC_A, ROSTER.encode(), "r.csv",
                                    f"/IMPORT@{bot.sandbox.bot_username} Roster #{org.a1}")
    assert reply.plain.startswith(t("rosterimport.preview", file="r.csv", rows=2,
        counts=import_counts(new=1, errors=1)))
    usage = await bot.send(SEC_A, "/import roster")
    assert usage.plain == t("rosterimport.usage", limit=10)
    usage = await bot.send(SEC_A, "/import")
    assert usage.plain == t("imports.usage", limit=10)
    reply = await bot.send_document(SEC_A, ROSTER.encode(), "r.csv", "/import rosters")
    assert reply.plain == t("imports.usage", limit=10)
    help_text = (await bot.send(SEC_A, "/help")).plain
    assert t("rosterimport.help") in help_text and t("imports.help") in help_text
    assert t("rosterimport.help") not in (await bot.send(MEM_A1, "/help")).plain
