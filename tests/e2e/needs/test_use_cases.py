"""The need use cases called directly on the running bot's parts: what each saves, audits and
wakes (the handlers only render what they return; test_needs.py drives those)."""

from __future__ import annotations

from bot.rules import need_cases
from bot.rules.needs import NeedDraft
from bot.sandbox.harness import SandboxBot
from storage.households import HouseholdInput
from storage.rows import Buttons, Person
from tests.e2e.counting import Counting
from tests.helpers import MEM_A1, MEM_A2, SEC_A, Org


def no_buttons(language: str, need_id: int) -> Buttons:
    return []


async def person(bot: SandboxBot, user_id: int) -> Person:
    found = await bot.store.people.get(user_id)
    assert found is not None
    return found


async def home(bot: SandboxBot, org: Org, responsible: int) -> int:
    await bot.store.households.upsert(org.a, [HouseholdInput(
        "East", "1-101", "Lake Rd 1", 2, "", responsible, False)], at=bot.clock.now())
    return (await bot.store.households.of_branch(org.a))[0].id


async def test_a_need_for_a_household_is_saved_only_while_the_member_holds_it(
        bot: SandboxBot, org: Org) -> None:
    d, household = Counting(bot), await home(bot, org, MEM_A1)
    draft = NeedDraft(category="food", urgency="urgent", for_self=False, for_whom="🏠 1-101",
                      details="rice", household_id=household)
    saved = await need_cases.report(d, await person(bot, MEM_A1), draft, buttons=no_buttons)
    assert saved.need_id is not None and saved.told == 1 and d.wakes == 1
    await home(bot, org, MEM_A2)  # handed over meanwhile
    refused = await need_cases.report(d, await person(bot, MEM_A1), draft, buttons=no_buttons)
    assert refused == need_cases.Reported(None) and d.wakes == 1
    assert [n.id for n in await need_cases.reported_by(bot.store, MEM_A1)] == [saved.need_id]


async def test_a_need_nobody_is_told_of_does_not_wake_the_outbox(bot: SandboxBot,
                                                                 org: Org) -> None:
    d = Counting(bot)  # SEC_A is Alpha's only secretary, and no branch above has one
    draft = NeedDraft(category="medicine", urgency="normal", details="masks")
    saved = await need_cases.report(d, await person(bot, SEC_A), draft, buttons=no_buttons)
    assert saved.need_id is not None and saved.told == 0 and d.wakes == 0


async def test_closing_a_need_audits_once_and_answers_its_status_now(bot: SandboxBot,
                                                                     org: Org) -> None:
    d = Counting(bot)
    draft = NeedDraft(category="food", urgency="normal", details="rice")
    saved = await need_cases.report(d, await person(bot, MEM_A1), draft, buttons=no_buttons)
    assert saved.need_id is not None
    need = await need_cases.get(bot.store, saved.need_id)
    assert need is not None
    d.wakes = 0
    done = await need_cases.close(d, need, "resolved", note="delivered", by=SEC_A)
    assert done == need_cases.StatusChange(True, "resolved") and d.wakes == 1
    again = await need_cases.close(d, need, "cancelled", note="dup", by=SEC_A)
    assert again == need_cases.StatusChange(False, "resolved") and d.wakes == 1
    entries = await bot.store.audit.entries()
    assert [e[1] for e in entries if e[2].startswith("need_")] == [SEC_A]
    closed = await need_cases.get(bot.store, saved.need_id)
    assert closed is not None and closed.status == "resolved"
