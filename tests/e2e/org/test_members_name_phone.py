"""`/rename` and `/phone` (and the card's Correct name / Correct phone, which ask for the new
one): the organization's name is shown everywhere instead of Telegram's; a phone is written one
way (`normal_phone`), a bad one answered; a claimed roster row stays as it was."""

from __future__ import annotations

from bot.sandbox.harness import SandboxBot
from storage.roster import claim
from storage.times import iso
from tests.e2e.org.steps import audited, confirm
from tests.helpers import MEM_A1, MEM_A2, SEC_A, Org, build_org, make_bot, t


async def test_rename_shows_the_new_name_everywhere(bot: SandboxBot, org: Org) -> None:
    store = bot.store
    row = await store.roster.add(org.a, "member", "王小米", phone="13800138000",
                                 at=bot.clock.now())
    async with store.db.transaction() as tx:
        assert await claim(tx, row, MEM_A1, iso(bot.clock.now()))
    asked = await bot.send(SEC_A, "/rename mia 王晓敏")
    assert asked.plain == t("member.confirm_rename", name="王小米", new="王晓敏")
    done = await confirm(bot, SEC_A)
    assert done.plain == t("member.renamed", old="王小米", name="王晓敏")
    roster = await bot.send(SEC_A, "/roster")
    assert "王晓敏" in roster.plain and "王小米" not in roster.plain
    claimed = await store.roster.get(row)
    assert claimed is not None and claimed.name == "王小米"  # the roster row is history
    await bot.drain()
    assert bot.sandbox.last(MEM_A1).plain == t("member.told_renamed", by="Sa", name="王晓敏")
    (entry, *_) = await audited(bot, "rename")
    assert entry == (SEC_A, org.a, True, {"member": MEM_A1, "name": "王晓敏"})
    assert (await bot.send(SEC_A, "/rename mia 王晓敏")).plain == t("member.unchanged",
                                                                  name="王晓敏")


async def test_phone_is_written_one_way_and_a_bad_one_is_answered(bot: SandboxBot,
                                                                  org: Org) -> None:
    bad = await bot.send(SEC_A, "/phone max 12-ab")
    assert bad.plain == t("member.bad_phone", value="12-ab")
    asked = await bot.send(SEC_A, "/phone max +86 138 0013 8000")
    assert asked.plain == t("member.confirm_phone", name="Max", phone="13800138000")
    done = await confirm(bot, SEC_A)
    assert done.plain == t("member.phoned", name="Max", phone="13800138000")
    person = await bot.store.people.get(MEM_A2)
    assert person is not None and person.phone == "13800138000"
    (entry, *_) = await audited(bot, "phone")
    assert entry == (SEC_A, org.a, True, {"member": MEM_A2})  # no number in the audit log
    await bot.drain()
    assert bot.sandbox.last(MEM_A2).plain == t("member.told_phone", by="Sa",
                                               phone="13800138000")
    assert (await bot.send(SEC_A, "/phone max")).plain == t("member.phone_usage")


async def test_the_card_asks_for_the_new_name_and_phone_in_english() -> None:
    async with make_bot() as bot:
        await build_org(bot, english=(SEC_A, MEM_A1))
        await bot.send(SEC_A, "/member mia")
        asked = await bot.press(SEC_A, t("member.button_name", "en"))
        assert asked.plain == t("member.ask_name", "en", name="Mia")
        assert (await bot.send(SEC_A, "x" * 41)).plain == t("member.bad_name", "en", max=40)
        confirmation = await bot.send(SEC_A, "  Mia   Wong ")
        assert confirmation.plain == t("member.confirm_rename", "en", name="Mia",
                                       new="Mia Wong")
        done = await confirm(bot, SEC_A, "en")
        assert done.plain == t("member.renamed", "en", old="Mia", name="Mia Wong")
        await bot.drain()
        assert bot.sandbox.last(MEM_A1).plain == t("member.told_renamed", "en", by="Sa",
                                                   name="Mia Wong")
        # Correct phone, then /cancel: nothing changes.
        await bot.send(SEC_A, "/member mia")
        asked = await bot.press(SEC_A, t("member.button_phone", "en"))
        assert asked.plain == t("member.ask_phone", "en", name="Mia Wong")
        assert (await bot.send(SEC_A, "/cancel")).plain == t("member.cancelled", "en")
        assert (await bot.send(SEC_A, "+49 30 1234567")).plain == t("help.free_text", "en")
        person = await bot.store.people.get(MEM_A1)
        assert person is not None and (person.name, person.phone) == ("Mia Wong", None)
