"""Personal links: `/link NAME` (a QR code picture), its candidates and renewal, `/links`
(the printable sheet) and the refusals of someone who may not."""

from __future__ import annotations

from bot.rules.callbacks import LinkFor, LinkRenew, LinkSheet
from bot.sandbox.harness import SandboxBot
from tests.e2e.org.helpers import code_of, listed, pdf_pages, pdf_texts, pdf_title, qr_text
from tests.helpers import MEM_A1, OUTSIDER, SEC_A, SEC_B, Org, build_org, t


def _alerts(bot: SandboxBot) -> list[str]:
    return [c["text"] for c in bot.sandbox.calls_of("answerCallbackQuery") if c.get("show_alert")]


async def test_link_sends_the_person_a_qr_code_and_keeps_it(bot: SandboxBot, org: Org) -> None:
    roster_id = await listed(bot, org.a1, "张伟", phone="13800138000")
    photo = await bot.send(SEC_A, "/link 张伟")
    assert photo.photo is not None
    code = code_of(photo)
    assert qr_text(photo).endswith(f"?start={code}")
    assert "张伟" in photo.plain and "Alpha-1" in photo.plain
    assert photo.button_list == [(t("links.renew_button"), LinkRenew(roster_id).pack())]
    invite = await bot.store.invites.get(code)
    assert invite is not None and invite.roster_id == roster_id
    assert (invite.uses_left, invite.branch_id, invite.role) == (1, org.a1, "member")
    assert invite.expires_at is not None
    assert (invite.expires_at - bot.clock.now()).days == 30
    # Asked again: the same stored link, not a new one.
    again = await bot.send(SEC_A, "/link 张")
    assert code_of(again) == code
    assert bot.sandbox.count("sendPhoto") == 2


async def test_link_in_english(bot: SandboxBot) -> None:
    org = await build_org(bot, english=(SEC_A,))
    await listed(bot, org.a, "Li Na")
    photo = await bot.send(SEC_A, "/link Li Na")
    assert photo.photo is not None
    assert "Personal join link of Li Na" in photo.plain
    assert qr_text(photo).endswith(code_of(photo))


async def test_several_of_one_name_are_offered_as_buttons(bot: SandboxBot, org: Org) -> None:
    first = await listed(bot, org.a, "张伟", phone="13800138000")
    second = await listed(bot, org.a1, "张伟", phone="13900139999")
    message = await bot.send(SEC_A, "/link 张伟")
    assert message.photo is None
    assert [data for _, data in message.button_list] == [LinkFor(first).pack(),
                                                         LinkFor(second).pack()]
    assert "尾号9999" in message.button_list[1][0]
    photo = await bot.press(SEC_A, LinkFor(second).pack())
    invite = await bot.store.invites.get(code_of(photo))
    assert invite is not None and invite.roster_id == second


async def test_renewing_revokes_the_old_link(bot: SandboxBot, org: Org) -> None:
    await listed(bot, org.a, "张伟")
    old = code_of(await bot.send(SEC_A, "/link 张伟"))
    renewed = await bot.press(SEC_A, t("links.renew_button"))
    new = code_of(renewed)
    assert new != old and t("links.renewed") in renewed.plain
    answer = await bot.send(OUTSIDER, f"/start {old}")
    assert "已作废" in answer.plain and "Sa" in answer.plain
    person = await bot.store.people.get(OUTSIDER)
    assert person is not None and person.branch_id is None


async def test_who_may_not_is_refused(bot: SandboxBot, org: Org) -> None:
    roster_id = await listed(bot, org.a, "张伟")
    answer = await bot.send(SEC_B, "/link 张伟")  # Beta's secretary: not in their subtree
    assert answer.photo is None and "没有找到" in answer.plain
    answer = await bot.send(MEM_A1, "/link 张伟")
    assert answer.photo is None and "/link" in answer.plain  # secretaries only
    before = bot.sandbox.count("sendPhoto")
    for data in (LinkFor(roster_id).pack(), LinkRenew(roster_id).pack(), "lk:new:x"):
        message = await bot.send(SEC_B, "/me")
        bot.sandbox.user_presses(SEC_B, message.message_id, data, check=False)
        await bot.settle()
    assert bot.sandbox.count("sendPhoto") == before
    alerts = _alerts(bot)
    assert alerts[:2] == [t("deny.outside_scope", branch="Alpha")] * 2
    assert alerts[2:] == [t("button.stale")]
    assert await bot.store.links.of_person(roster_id, bot.clock.now()) is not None
    assert (await bot.store.links.of_person(roster_id, bot.clock.now())).code is None  # type: ignore[union-attr]


async def test_links_sends_the_branch_sheet_and_offers_the_branches_below(
        bot: SandboxBot, org: Org) -> None:
    for n in range(20):
        await listed(bot, org.a, f"王{n:02d}")
    for n in range(3):
        await listed(bot, org.a1, f"李{n}")
    sheet = await bot.send(SEC_A, "/links")
    document = bot.sandbox.bot_messages(SEC_A)[-2]
    assert document.document is not None and document.content is not None
    assert document.document["file_name"] == f"links-{org.a}.pdf"
    assert pdf_pages(document.content) == 2  # 15 a page
    assert 10_000 < len(document.content) < 200_000
    assert "20" in document.plain and "Alpha" in document.plain
    assert pdf_title(document.content) == t("links.sheet_title", branch="Alpha")
    codes = {i.code for i in await bot.store.links.of_branches([org.a], bot.clock.now())}
    assert len(codes) == 20 and None not in codes
    texts = pdf_texts(document.content)
    assert all(f"start={code}".encode() in texts for code in codes if code)
    assert sheet.button_list == [(t("links.sub_button", branch="Alpha-1", n=3),
                                  LinkSheet(org.a1).pack())]
    # The branch below: its own sheet, with its own people only.
    await bot.press(SEC_A, LinkSheet(org.a1).pack())
    below = next(m for m in reversed(bot.sandbox.bot_messages(SEC_A)) if m.document)
    assert below.document is not None and below.document["file_name"] == f"links-{org.a1}.pdf"
    assert below.content is not None and pdf_pages(below.content) == 1
    # Again: no new links, the same ones.
    await bot.send(SEC_A, "/links")
    again = {i.code for i in await bot.store.links.of_branches([org.a], bot.clock.now())}
    assert again == codes


async def test_links_in_english_and_for_an_empty_branch(bot: SandboxBot) -> None:
    org = await build_org(bot, english=(SEC_B,))
    answer = await bot.send(SEC_B, "/links")
    assert answer.plain == t("links.sheet_empty", "en", branch="Beta")
    await listed(bot, org.b, "Mel Two")
    await bot.send(SEC_B, "/links")
    document = bot.sandbox.last(SEC_B)
    assert document.document is not None and document.content is not None
    assert "Not yet joined in “Beta”: 1 person," in document.plain
    assert pdf_pages(document.content) == 1
    assert pdf_title(document.content) == t("links.sheet_title", "en", branch="Beta")


async def test_links_refused_outside_the_subtree(bot: SandboxBot, org: Org) -> None:
    await listed(bot, org.a, "张伟")
    answer = await bot.send(SEC_B, f"/links {org.a}")
    assert answer.document is None and "不在你负责的范围内" in answer.plain
    answer = await bot.send(MEM_A1, "/links")
    assert answer.document is None
    message = await bot.send(SEC_B, "/me")
    bot.sandbox.user_presses(SEC_B, message.message_id, LinkSheet(org.a).pack(), check=False)
    await bot.settle()
    assert bot.sandbox.count("sendDocument") == 0
    assert await bot.store.links.without_link([org.a], bot.clock.now()) != []
