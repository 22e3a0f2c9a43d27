"""`/invites`: the subtree's active invites, revoked by a confirmed button, checked again."""

from __future__ import annotations

from bot.rules.callbacks import InviteRevoke, LinksRevoke
from bot.sandbox.harness import SandboxBot
from tests.e2e.org.helpers import listed
from tests.helpers import ADMIN, MEM_A1, OUTSIDER, SEC_A, SEC_B, Org, all_pages, build_org, t


def _alerts(bot: SandboxBot) -> list[str]:
    return [c["text"] for c in bot.sandbox.calls_of("answerCallbackQuery") if c.get("show_alert")]


async def test_invites_lists_and_revokes_a_general_invite(bot: SandboxBot, org: Org) -> None:
    code = await bot.invite_code(org.a1, "member", uses=5)
    other = await bot.invite_code(org.b, "member")  # Beta: not Alpha's secretary's to see
    listing = await bot.send(SEC_A, "/invites")
    assert code[:8] in listing.plain and other[:8] not in listing.plain
    assert "Alpha-1" in listing.plain and "剩 5 次" in listing.plain
    assert "命令行生成" in listing.plain
    assert (t("invite.revoke_button", code=code[:8]), InviteRevoke(code, "ask").pack()) \
        in listing.button_list
    ask = await bot.press(SEC_A, InviteRevoke(code, "ask").pack())
    assert ask.plain.startswith("作废邀请")
    assert (await bot.store.invites.get(code)).revoked is False  # type: ignore[union-attr]
    done = await bot.press(SEC_A, t("invite.yes_revoke"))
    assert done.plain == t("invite.revoked", code=code[:8], branch="Alpha-1")
    assert (await bot.store.invites.get(code)).revoked is True  # type: ignore[union-attr]
    answer = await bot.send(OUTSIDER, f"/start {code}")
    assert answer.plain == t("join.revoked")
    entries = await bot.store.audit.entries(20)
    assert any(e[2] == "invite_revoke" and e[1] == SEC_A and e[4] for e in entries)
    # Pressed again: no longer active, nothing changes.
    bot.sandbox.user_presses(SEC_A, ask.message_id, InviteRevoke(code, "yes").pack(),
                             check=False)
    await bot.settle()
    assert _alerts(bot)[-1] == t("invite.not_active")


async def test_keep_changes_nothing(bot: SandboxBot, org: Org) -> None:
    code = await bot.invite_code(org.a, "member")
    await bot.send(SEC_A, "/invites")
    await bot.press(SEC_A, InviteRevoke(code, "ask").pack())
    kept = await bot.press(SEC_A, t("invite.keep"))
    assert kept.plain == t("invite.kept")
    assert (await bot.store.invites.get(code)).revoked is False  # type: ignore[union-attr]


async def test_personal_links_are_counted_per_branch_and_revoked_together(
        bot: SandboxBot, org: Org) -> None:
    for n in range(4):
        await listed(bot, org.a, f"王{n}")
    await listed(bot, org.a1, "李娜")
    await bot.send(SEC_A, "/links")
    await bot.send(SEC_A, "/invites")
    personal = (await all_pages(bot, SEC_A))[-1]
    assert "Alpha：4 个" in personal and "Alpha-1" not in personal  # only Alpha has links yet
    await bot.press(SEC_A, LinksRevoke(org.a, "ask").pack())
    done = await bot.press(SEC_A, t("invite.yes_revoke"))
    assert done.plain == t("invite.revoked_links", branch="Alpha", n=4, id=org.a)
    people = await bot.store.links.of_branches([org.a], bot.clock.now())
    assert [p.code for p in people] == [None] * 4


async def test_an_admin_sees_every_branch_and_long_lists_are_paged(bot: SandboxBot) -> None:
    org = await build_org(bot, english=(ADMIN,))
    codes = [await bot.invite_code(branch, "member") for branch in (org.a, org.b)
             for _ in range(10)]
    await bot.send(ADMIN, "/invites")
    pages = await all_pages(bot, ADMIN)
    assert len(pages) >= 3  # 8 invites a page, then the personal links
    assert all(any(code[:8] in page for page in pages) for code in codes)
    assert "No active personal links." in pages[-1]


async def test_who_may_not_is_refused(bot: SandboxBot, org: Org) -> None:
    code = await bot.invite_code(org.a, "member")
    answer = await bot.send(MEM_A1, "/invites")
    assert code[:8] not in answer.plain
    answer = await bot.send(SEC_B, f"/invites {org.a}")
    assert "不在你负责的范围内" in answer.plain and code[:8] not in answer.plain
    message = await bot.send(SEC_B, "/me")
    for data in (InviteRevoke(code, "yes").pack(), LinksRevoke(org.a, "yes").pack()):
        bot.sandbox.user_presses(SEC_B, message.message_id, data, check=False)
        await bot.settle()
    bot.sandbox.user_presses(MEM_A1, (await bot.send(MEM_A1, "/me")).message_id,
                             InviteRevoke(code, "yes").pack(), check=False)
    await bot.settle()
    assert _alerts(bot) == [t("deny.outside_scope", branch="Alpha")] * 3
    assert (await bot.store.invites.get(code)).revoked is False  # type: ignore[union-attr]
    bot.sandbox.user_presses(SEC_B, message.message_id, "ivr:short:yes", check=False)
    await bot.settle()
    assert (await bot.store.invites.get(code)).revoked is False  # type: ignore[union-attr]
