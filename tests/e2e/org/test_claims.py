"""`/start CODE` with a personal link: claiming the person's record, the refusals, and
undoing a claim made by the wrong person."""

from __future__ import annotations

from bot.rules.callbacks import LinkRenew, LinkUndo
from bot.sandbox.harness import SandboxBot
from tests.e2e.org.helpers import code_of, listed
from tests.helpers import MEM_A1, MEM_B1, OUTSIDER, SEC_A, SEC_A1, SEC_B, Org, build_org, t


async def _link(bot: SandboxBot, branch: int, name: str, *, role: str = "member",
                phone: str | None = None, secretary: int = SEC_A) -> tuple[int, str]:
    roster_id = await listed(bot, branch, name, role=role, phone=phone)
    return roster_id, code_of(await bot.send(secretary, f"/link {name}"))


def _alerts(bot: SandboxBot) -> list[str]:
    return [c["text"] for c in bot.sandbox.calls_of("answerCallbackQuery") if c.get("show_alert")]


async def test_claiming_puts_the_account_into_the_persons_record(
        bot: SandboxBot, org: Org) -> None:
    roster_id, code = await _link(bot, org.a1, "张伟", role="secretary", phone="13800138000")
    assert await bot.store.roster.waiting_counts(org.root) == {org.a1: 1}
    welcome = await bot.send(OUTSIDER, f"/start {code}")
    assert welcome.plain.startswith("欢迎，张伟！")
    assert "Alpha-1" in welcome.plain and "书记" in welcome.plain
    person = await bot.store.people.get(OUTSIDER)
    assert person is not None
    assert (person.display_name, person.phone) == ("张伟", "13800138000")
    assert (person.branch_id, person.role) == (org.a1, "secretary")
    entry = await bot.store.roster.get(roster_id)
    assert entry is not None and entry.member_id == OUTSIDER and not entry.waiting
    assert await bot.store.roster.waiting_counts(org.root) == {}
    # The branch's secretary is told who claimed the name, with Undo.
    await bot.drain()
    notice = bot.sandbox.last(SEC_A1)
    assert "张伟" in notice.plain and "Otto" in notice.plain and "@otto" in notice.plain
    assert notice.button_list == [(t("links.undo_button"), LinkUndo(roster_id, OUTSIDER).pack())]


async def test_a_link_works_once(bot: SandboxBot, org: Org) -> None:
    _, code = await _link(bot, org.a, "张伟")
    await bot.send(OUTSIDER, f"/start {code}")
    bot.user(555, "Li", username="lina")
    answer = await bot.send(555, f"/start {code}")
    assert "已经被用过了" in answer.plain and "Sa" in answer.plain
    assert (await bot.store.people.get(555)).branch_id is None  # type: ignore[union-attr]
    again = await bot.send(OUTSIDER, f"/start {code}")
    assert again.plain == t("join.personal_already", branch="Alpha", role="成员")


async def test_expired_revoked_and_removed_links_are_refused(bot: SandboxBot, org: Org) -> None:
    bot.user(555, "Li")
    _, expired = await _link(bot, org.a, "张伟")
    removed_id, removed = await _link(bot, org.a, "李娜")
    revoked_id, revoked = await _link(bot, org.a, "王芳")
    await bot.store.roster.remove(removed_id, at=bot.clock.now())
    await bot.press(SEC_A, LinkRenew(revoked_id).pack())  # the old link is revoked
    answer = await bot.send(555, f"/start {removed}")
    assert "已从名册移出" in answer.plain and "Sa" in answer.plain
    answer = await bot.send(555, f"/start {revoked}")
    assert "已作废" in answer.plain
    bot.clock.advance(days=30, minutes=1)
    answer = await bot.send(555, f"/start {expired}")
    assert "过期" in answer.plain and "Sa" in answer.plain
    assert (await bot.store.people.get(555)).branch_id is None  # type: ignore[union-attr]


async def test_a_member_elsewhere_is_asked_before_moving(bot: SandboxBot, org: Org) -> None:
    roster_id, code = await _link(bot, org.a, "张伟")
    answer = await bot.send(MEM_B1, f"/start {code}")
    assert "Beta" in answer.plain and "Alpha" in answer.plain
    assert (await bot.store.roster.get(roster_id)).waiting  # type: ignore[union-attr]
    welcome = await bot.press(MEM_B1, "转过去")
    assert welcome.plain.startswith("欢迎，张伟！")
    person = await bot.store.people.get(MEM_B1)
    assert person is not None and (person.branch_id, person.display_name) == (org.a, "张伟")


async def test_undo_takes_the_wrong_person_out_and_offers_a_new_link(
        bot: SandboxBot, org: Org) -> None:
    roster_id, code = await _link(bot, org.a, "张伟")
    await bot.send(OUTSIDER, f"/start {code}")
    await bot.drain()
    done = await bot.press(SEC_A, t("links.undo_button"))
    assert "Otto" in done.plain and "张伟" in done.plain and "Alpha" in done.plain
    person = await bot.store.people.get(OUTSIDER)
    assert person is not None and person.branch_id is None and person.name is None
    entry = await bot.store.roster.get(roster_id)
    assert entry is not None and entry.waiting
    invite = await bot.store.invites.get(code)
    assert invite is not None and invite.revoked
    await bot.drain()
    told = bot.sandbox.last(OUTSIDER)
    assert "撤销" in told.plain and "张伟" in told.plain
    answer = await bot.send(OUTSIDER, f"/start {code}")
    assert "已作废" in answer.plain
    assert done.button_list == [(t("links.new_link_button", name="张伟"),
                                 LinkRenew(roster_id).pack())]
    fresh = await bot.press(SEC_A, LinkRenew(roster_id).pack())
    assert fresh.photo is not None and code_of(fresh) != code
    entries = await bot.store.audit.entries(50)
    assert any(e[2] == "link_undo" and e[1] == SEC_A and e[4] for e in entries)


async def test_undo_refused_to_a_member_a_sibling_and_a_forged_button(
        bot: SandboxBot, org: Org) -> None:
    roster_id, code = await _link(bot, org.a, "张伟")
    await bot.send(OUTSIDER, f"/start {code}")
    for presser in (MEM_A1, SEC_B, SEC_A1):  # a member, a sibling's and a sub-branch's secretary
        message = await bot.send(presser, "/me")
        bot.sandbox.user_presses(presser, message.message_id,
                                 LinkUndo(roster_id, OUTSIDER).pack(), check=False)
        await bot.settle()
    assert _alerts(bot) == [t("deny.outside_scope", branch="Alpha")] * 3
    person = await bot.store.people.get(OUTSIDER)
    assert person is not None and person.branch_id == org.a
    # Stale: a claim that no longer stands (another member's id) changes nothing.
    message = await bot.send(SEC_A, "/me")
    bot.sandbox.user_presses(SEC_A, message.message_id, LinkUndo(roster_id, MEM_A1).pack(),
                             check=False)
    await bot.settle()
    assert _alerts(bot)[-1] == t("links.undone_stale")
    assert (await bot.store.people.get(MEM_A1)).branch_id == org.a  # type: ignore[union-attr]
    # Forged data of no button at all.
    bot.sandbox.user_presses(SEC_A, message.message_id, "lk:undo:1:x", check=False)
    await bot.settle()
    assert (await bot.store.people.get(OUTSIDER)).branch_id == org.a  # type: ignore[union-attr]


async def test_undo_in_english_and_twice(bot: SandboxBot) -> None:
    org = await build_org(bot, english=(SEC_B, OUTSIDER))
    roster_id, code = await _link(bot, org.b, "Li Na", secretary=SEC_B)
    await bot.send(OUTSIDER, f"/start {code}")
    await bot.drain()
    notice = bot.sandbox.last(SEC_B)
    assert "The personal link of “Li Na” was used by Telegram account Otto (@otto)" \
        in notice.plain
    done = await bot.press(SEC_B, "↩️ Undo")
    assert done.plain.startswith("Undone: Otto (@otto) has left “Beta”")
    await bot.drain()
    assert "undid your joining" in bot.sandbox.last(OUTSIDER).plain
    message = await bot.send(SEC_B, "/me")
    bot.sandbox.user_presses(SEC_B, message.message_id, LinkUndo(roster_id, OUTSIDER).pack(),
                             check=False)
    await bot.settle()
    assert _alerts(bot)[-1] == t("links.undone_stale", "en")


async def test_claim_keeps_a_secretary_a_secretary(bot: SandboxBot, org: Org) -> None:
    """A secretary of the branch who taps the person's link (their own, listed as a member)
    keeps their role and takes the roster's name."""
    _, code = await _link(bot, org.a, "赵书记")
    welcome = await bot.send(SEC_A, f"/start {code}")
    assert welcome.plain.startswith("欢迎，赵书记！")
    person = await bot.store.people.get(SEC_A)
    assert person is not None and (person.branch_id, person.role) == (org.a, "secretary")
