"""Durations read as a person says them ("不到 1 分钟", not "0 小时 0 分"; "1 hour", not
"1 h 0 min"), through one helper (`bot.i18n.duration`), in both languages."""

from __future__ import annotations

import re

import pytest

from bot.i18n import Translator, catalog, duration

T = Translator()


@pytest.mark.parametrize(("minutes", "zh", "en"), [
    (0, "不到 1 分钟", "under a minute"),
    (0.4, "不到 1 分钟", "under a minute"),
    (1, "1 分钟", "1 minute"),
    (45, "45 分钟", "45 minutes"),
    (60, "1 小时", "1 hour"),
    (61, "1 小时 1 分钟", "1 hour 1 minute"),
    (565, "9 小时 25 分钟", "9 hours 25 minutes"),
    (24 * 60, "1 天", "1 day"),
    (26 * 60 + 59, "1 天 2 小时", "1 day 2 hours"),
    (3 * 24 * 60 + 60, "3 天 1 小时", "3 days 1 hour"),
])
def test_a_duration_reads_naturally(minutes: float, zh: str, en: str) -> None:
    assert duration(T, "zh", minutes) == zh
    assert duration(T, "en", minutes) == en


# A duration spelled from its parts in a text ("{hours} 小时 {minutes} 分", "{h} h {m} min"):
# it reads "0 小时 0 分" for a short one. Durations go through `duration` instead.
PARTS = re.compile(r"\{\w+\}\s*小时\s*\{\w+\}\s*分|\{\w+\}\s*h\s*\{\w+\}\s*min"
                   r"|\{\w+:hour\|hours\}\s*\{\w+:minute\|minutes\}")


def test_no_text_spells_a_duration_from_its_parts() -> None:
    found = [f"{lang} {key}" for lang in ("zh", "en")
             for key, text in sorted(catalog(lang).items())
             if PARTS.search(text) and not key.startswith("duration.")]
    assert found == []
    assert PARTS.search("响应时间中位数：{hours} 小时 {minutes} 分")
    assert PARTS.search("Median time to answer: {hours} h {minutes} min")
    assert PARTS.search("about {h:hour|hours} {m:minute|minutes}")


def test_a_need_reported_under_a_minute_ago_is_just_now() -> None:
    from datetime import UTC, datetime, timedelta

    from bot.rules.needs import age

    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert age(T, "zh", now - timedelta(seconds=30), now) == "刚刚"
    assert age(T, "en", now, now) == "just now"
    assert age(T, "zh", now - timedelta(minutes=5), now) == "5 分钟前"
