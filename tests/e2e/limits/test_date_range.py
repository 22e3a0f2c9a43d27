"""Dates outside what the data can hold get a clear answer, in the user's language.

Days that may be asked for run from 2000-01-01 (`bot.clock.FIRST_DAY`) to today for what has
happened (a digest, a record's period), and from now to a year ahead for a task's due time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.clock import FIRST_DAY, OutOfRange
from bot.rules import digest
from bot.rules.records import parse_period
from bot.rules.tasks import parse_due
from bot.sandbox.harness import SandboxBot
from tests.helpers import ADMIN, MEM_A1, SEC_A, Org

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["0001-01-01", "1999-12-31", "9999-12-31", "2026-03-03",
                                  "0000-01-01"])
def test_digest_days_out_of_range(text: str) -> None:
    with pytest.raises(OutOfRange) as raised:
        digest.parse_day(text, TODAY)
    assert (raised.value.first, raised.value.last) == (FIRST_DAY, TODAY)


@pytest.mark.parametrize("text", ["0001-01", "9999-12", "0000-01", "1999-12", "2026-04",
                                  "0001-01-01..0001-02-01", "1999-12-31..2000-01-02",
                                  "9999-12-30..9999-12-31", "2026-03-03..2026-03-04"])
def test_record_periods_out_of_range(text: str) -> None:
    with pytest.raises(OutOfRange):
        parse_period(text, TODAY)
    assert parse_period("2000-01", TODAY) == (date(2000, 1, 1), date(2000, 1, 31))


@pytest.mark.parametrize("timezone", ["Asia/Shanghai", "America/Los_Angeles", "Pacific/Kiritimati",
                                      "Etc/GMT+12"])
@pytest.mark.parametrize("text", ["0001-01-01 00:00", "9999-12-31 23:59", "2025-03-01 10:00",
                                  "2027-03-05 10:00", "2000-01-01 00:00"])
def test_due_times_out_of_range(timezone: str, text: str) -> None:
    with pytest.raises(OutOfRange) as raised:
        parse_due(text, NOW, timezone)
    assert raised.value.last.year == 2027


async def test_digest_out_of_range_is_answered(bot: SandboxBot, org: Org) -> None:
    for day in ("0001-01-01", "9999-12-31"):
        reply = await bot.send(SEC_A, f"/digest {day}")
        assert f"没有 {day} 的日报：可以查 2000-01-01 至 2026-03-02（今天）之间的任何一天" \
            in reply.plain
    reply = await bot.send(ADMIN, f"/digest {org.a} 0001-01-01")
    assert "没有 0001-01-01 的日报" in reply.plain


async def test_a_forged_digest_button_out_of_range_is_answered(bot: SandboxBot, org: Org) -> None:
    shown = await bot.send(SEC_A, "/digest")
    for data in (f"dg:{org.a}:00010101", f"dg:{org.a}:99991231:unwell",
                 f"dg:{org.a1}:00010101:silent", f"pg:dglist:{org.a}.00010101.unwell:0"):
        update = bot.sandbox.user_presses(SEC_A, shown.message_id, data, check=False)
        await bot.settle()
        answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
        assert "可以查 2000-01-01 至 2026-03-02（今天）之间" in answer["text"], data
    assert bot.sandbox.refused == []


async def test_record_periods_out_of_range_are_answered(bot: SandboxBot, org: Org) -> None:
    for period in ("0001-01", "9999-12", "0001-01-01..0001-01-07"):
        reply = await bot.send(SEC_A, f"/record @mia {period}")
        assert f"时间段「{period}」超出了可查的范围：须在 2000-01-01 至 2026-03-02（今天）之间" \
            in reply.plain
        reply = await bot.send(MEM_A1, f"/record {period}")
        assert "超出了可查的范围" in reply.plain
    for period in ("2025-01-01..2026-03-01", "400d", "2026-02-30..2026-03-01"):
        for who in (MEM_A1, SEC_A):  # a period that is none: not taken for a member's name
            assert "最长 366 天" in (await bot.send(who, f"/record {period}")).plain
    own = await bot.send(MEM_A1, "/record")
    update = bot.sandbox.user_presses(MEM_A1, own.message_id, f"pg:record:{MEM_A1}.00010101."
                                      "00010107:0", check=False)
    await bot.settle()
    assert "超出了可查的范围" in bot.sandbox.callback_answers[update["callback_query"]["id"]][
        "text"]


async def test_due_times_out_of_range_are_answered(bot: SandboxBot, org: Org) -> None:
    await bot.store.schedules.set_setting(org.a, "timezone", "America/Los_Angeles")
    await bot.send(SEC_A, "/assign")
    await bot.send(SEC_A, "送药")
    await bot.press(SEC_A, "跳过")
    for due in ("0001-01-01 10:00", "9999-12-31 23:59"):
        reply = await bot.send(SEC_A, due)
        assert f"截止时间“{due}”不在可选范围内：须在现在之后，2027-03-02 之前" \
            "（按 America/Los_Angeles 时间）" in reply.plain
    reply = await bot.send(SEC_A, "明天 9:00")  # the step stays: a good time goes on
    assert "由谁承担" in reply.plain


async def test_in_english_too(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/lang")
    await bot.press(SEC_A, "English")
    reply = await bot.send(SEC_A, "/digest 0001-01-01")
    assert "There is no digest for 0001-01-01: ask for any day from 2000-01-01 to 2026-03-02" \
        in reply.plain
    reply = await bot.send(SEC_A, "/record @mia 9999-12")
    assert "The period “9999-12” is outside what can be asked for" in reply.plain
