"""The check-in note and `/me`'s reads called directly on the running bot's parts."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import local_day
from bot.rules import checkins
from bot.sandbox.harness import SandboxBot
from tests.helpers import MEM_A1, Org

SHANGHAI = "Asia/Shanghai"


async def test_a_note_needs_todays_check_in(bot: SandboxBot, org: Org) -> None:
    services = bot.services
    today = local_day(bot.clock.now(), SHANGHAI)
    assert not await checkins.add_note(services, MEM_A1, SHANGHAI, "late")
    assert not await checkins.checked_in(bot.store, MEM_A1, today)
    assert await checkins.my_day(bot.store, MEM_A1, today) == checkins.MyDay(None, 0)
    person = await bot.store.people.get(MEM_A1)
    assert person is not None
    await checkins.check_in_member(services, person, "on_duty")
    assert await checkins.add_note(services, MEM_A1, SHANGHAI, "at the gate")
    mine = await checkins.my_day(bot.store, MEM_A1, today)
    assert mine.current is not None and mine.current.note == "at the gate" and mine.streak == 1
    bot.clock.advance(days=1)  # a new day: yesterday's check-in takes no note
    assert not await checkins.add_note(services, MEM_A1, SHANGHAI, "next day")
    assert await checkins.my_day(bot.store, MEM_A1, today + timedelta(days=1)) == \
        checkins.MyDay(None, 1)
