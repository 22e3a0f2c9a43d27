"""`/member WHO`: the card of a member (the organization's name, Telegram's name and
@username, phone, branch, role, joined, last check-in) with its buttons; for secretaries over
their subtree and admins only."""

from __future__ import annotations

from bot.sandbox.harness import SandboxBot
from tests.e2e.org.steps import audited
from tests.helpers import ADMIN, MEM_A1, MEM_A1X, SEC_A, SEC_B, Org, build_org, make_bot, t


async def test_the_card_of_a_member(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1X, "/checkin unwell")
    card = await bot.send(SEC_A, "/member mo")
    assert card.plain == t(
        "member.card", name="Mo", telegram="Mo", username=" @mo", phone=t("member.no_phone"),
        branch="Alpha-1", role=t("role.member"), joined="2026-03-02",
        last=t("member.last_checkin", day="2026-03-02", status=t("status.unwell")))
    assert [label for label, _ in card.button_list] == [
        t(f"member.button_{b}") for b in ("move", "promote", "name", "phone", "remove")]


async def test_the_card_in_english_shows_the_organizations_name_and_phone() -> None:
    async with make_bot() as bot:
        await build_org(bot, english=(ADMIN,))
        await bot.send(ADMIN, "/rename mia Mia Wong")
        await bot.press(ADMIN, t("member.yes", "en"))
        await bot.send(ADMIN, "/phone mia 138-0013-8000")
        await bot.press(ADMIN, t("member.yes", "en"))
        card = await bot.send(ADMIN, "/member 13800138000")  # found by the phone
        assert card.plain == t(
            "member.card", "en", name="Mia Wong", telegram="Mia", username=" @mia",
            phone="13800138000", branch="Alpha", role=t("role.member", "en"),
            joined="2026-03-02", last=t("member.never", "en"))
        assert t("member.button_step_down", "en") not in [x for x, _ in card.button_list]


async def test_a_member_and_a_sibling_secretary_get_no_card(bot: SandboxBot,
                                                            org: Org) -> None:
    refused = await bot.send(MEM_A1, "/member max")
    assert refused.plain == t("deny.secretary_only", branch="Alpha", command="/member",
                                   title=t("role.secretary"))
    assert refused.button_list == []
    (entry, *_) = await audited(bot, "member")
    assert entry[:3] == (MEM_A1, org.a, False)
    sibling = await bot.send(SEC_B, "/member mia")  # Mia is not in Beta's subtree
    assert "Alpha" not in sibling.plain and sibling.button_list == []
    own = await bot.send(SEC_A, "/member sa")
    assert [label for label, _ in own.button_list] == [
        t(f"member.button_{b}") for b in ("step_down", "name", "phone")]
    assert (await bot.send(SEC_A, "/member")).plain == t("member.member_usage")
