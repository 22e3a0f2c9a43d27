"""No input crashes a handler: property tests over parsers and over whole conversations."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.rules import rhythm, when
from bot.rules.invites import parse_duration
from storage.households import HouseholdInput
from tests.helpers import MEM_A1, OUTSIDER, SEC_A, build_org, make_bot

# Text as Telegram delivers it: not empty, not only spaces.
texts = st.text(min_size=1, max_size=400).filter(lambda s: s.strip() != "")
COMMANDS = ["/start", "/checkin", "/who", "/roster", "/branch", "/branch add", "/invite",
            "/lang", "/me", "/help", "/cancel", "",
            # households and coverage
            "/zone", "/zone add", "/zone rename", "/zone remove", "/households", "/household add",
            "/household remove", "/visit", "/coverage", "/away", "/back", "/import",
            "/settings visit", "/digest"]


@given(st.integers(min_value=1, max_value=9999), st.sampled_from("mhdw"))
def test_durations_round_trip(amount: int, unit: str) -> None:
    try:
        delta = parse_duration(f"{amount}{unit}")
    except ValueError:
        assert amount * {"m": 60, "h": 3600, "d": 86400, "w": 604800}[unit] > 366 * 86400
    else:
        assert timedelta(0) < delta <= timedelta(days=366)


@given(st.text(max_size=20))
def test_bad_durations_raise_value_error_only(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_duration(text)


def test_no_message_crashes_a_handler(caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.new_event_loop()
    bot = make_bot()
    loop.run_until_complete(bot.start())
    org = loop.run_until_complete(build_org(bot))
    # Households for the member and the secretary, so /visit and /coverage have work to do.
    homes = [HouseholdInput("East", f"{i}-10{i}", f"{i} Lake Road", 2, "独居" if i else "",
                            MEM_A1 if i % 2 else SEC_A, i == 0) for i in range(4)]
    loop.run_until_complete(bot.store.households.upsert(org.a, homes, at=bot.clock.now()))

    @settings(max_examples=200, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(user=st.sampled_from([MEM_A1, SEC_A, OUTSIDER]),
           command=st.sampled_from(COMMANDS), text=texts)
    def one_message(user: int, command: str, text: str) -> None:
        before = len(bot.sandbox.bot_messages(user))
        message = f"{command} {text}" if command else text
        caplog.clear()
        with caplog.at_level(logging.ERROR):
            loop.run_until_complete(bot.send(user, message[:4096]))
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [], [r.getMessage() for r in errors]
        # Every message in a private chat gets an answer (or a note prompt's reply).
        assert len(bot.sandbox.bot_messages(user)) > before

    try:
        one_message()
    finally:
        loop.run_until_complete(bot.stop())
        loop.close()


@given(st.integers(0, 99), st.integers(0, 99), st.sampled_from(["h", "小时", "hours"]),
       st.sampled_from(["m", "分钟", "min"]))
def test_one_grammar_for_lengths_of_time(hours: int, minutes: int, h: str, m: str) -> None:
    """Invites, due times and settings read lengths of time alike (`bot.rules.when`)."""
    text = (f"{hours}{h}" if hours else "") + (f"{minutes}{m}" if minutes or not hours else "")
    if hours == minutes == 0:
        with pytest.raises(ValueError):
            when.parse_duration(text)
        return
    parsed = when.parse_duration(text)
    assert parsed.total_minutes == hours * 60 + minutes
    assert parse_duration(text) == timedelta(minutes=hours * 60 + minutes)
    assert rhythm.parse_minutes(text) == hours * 60 + minutes
