"""`/settings weeklyday` and `/settings weekly`: shown, set, inherited, refused, in zh and en."""

from __future__ import annotations

import pytest

from bot.rules import rhythm
from bot.sandbox.harness import SandboxBot
from tests.helpers import ADMIN, MEM_A1, SEC_A, SEC_A1, SEC_B, Org, build_org, make_bot, t


def card_line(column: str, value: str, word: str, language: str = "zh",
              inherited: bool = False) -> str:
    """A line of the /settings card, as shown."""
    shown = value + (t("settings.inherited", language) if inherited else "")
    return t("settings.line", language, label=t(f"settings.label_{column}", language),
             value=f"{shown} · {word}")


async def test_shown_set_and_inherited(bot: SandboxBot, org: Org) -> None:
    card = (await bot.send(SEC_A1, "/settings")).plain.splitlines()
    assert card_line("weekly_day", "周一", "weeklyday", inherited=True) in card
    assert card_line("weekly_time", "20:00", "weekly", inherited=True) in card
    for words, value in (("weeklyday 周五", "fri"), ("weeklyday Thursday", "thu"),
                         ("weeklyday thurs", "thu"), ("weeklyday 星期六", "sat"),
                         ("weeklyday SUN", "sun")):
        answer = await bot.send(SEC_A, f"/settings {words}")
        assert answer.plain == t("settings.saved", label=t("settings.label_weekly_day"),
                                 branch="Alpha", value=t(f"weekly.day_{value}")), words
    answer = await bot.send(SEC_A, "/settings weekly 7:05")
    assert answer.plain == t("settings.saved", label=t("settings.label_weekly_time"),
                             branch="Alpha", value="07:05")
    card = (await bot.send(SEC_A1, "/settings")).plain.splitlines()
    assert card_line("weekly_day", "周日", "weeklyday", inherited=True) in card
    assert card_line("weekly_time", "07:05", "weekly", inherited=True) in card
    card = (await bot.send(SEC_A, "/settings")).plain.splitlines()
    assert card_line("weekly_day", "周日", "weeklyday") in card
    own = {s.column: s for s in await bot.store.schedules.settings(org.a)}
    assert (own["weekly_day"].own, own["weekly_time"].own) == ("sun", "07:05")
    below = {s.column: s for s in await bot.store.schedules.settings(org.a1)}
    assert (below["weekly_day"].own, below["weekly_day"].effective) == (None, "sun")
    assert (below["weekly_time"].own, below["weekly_time"].effective) == (None, "07:05")
    # Back to inheriting: the default, Monday at the digest time (Alpha's own, now 21:00).
    await bot.send(SEC_A, "/settings digest 21:00")
    answer = await bot.send(SEC_A, "/settings weekly inherit")
    assert answer.plain == t("settings.cleared", label=t("settings.label_weekly_time"),
                             branch="Alpha", value="21:00")
    answer = await bot.send(SEC_A, "/settings weeklyday 继承")
    assert answer.plain == t("settings.cleared", label=t("settings.label_weekly_day"),
                             branch="Alpha", value="周一")
    audit = [e for e in await bot.store.audit.entries() if e[2] == "settings"]
    assert len(audit) == 9 and all(e[4] for e in audit)


async def test_refused(bot: SandboxBot, org: Org) -> None:
    for words, key in (("weeklyday funday", "settings.bad_weekday"),
                       ("weeklyday mon,tue", "settings.bad_weekday"),
                       ("weeklyday 8", "settings.bad_weekday"),
                       ("weekly 25:00", "settings.bad_time"),
                       ("weekly soon", "settings.bad_time")):
        answer = await bot.send(SEC_A, f"/settings {words}")
        assert answer.plain == t(key, value=words.split(" ", 1)[1]), words
    answer = await bot.send(SEC_A, "/settings weekly")
    assert answer.plain == t("settings.missing_value", value="weekly")
    assert "书记" in (await bot.send(MEM_A1, "/settings weekly 09:00")).plain
    answer = await bot.send(SEC_B, f"/settings {org.a} weeklyday fri")
    assert t("weekly.day_fri") not in answer.plain
    own = {s.column: s for s in await bot.store.schedules.settings(org.a)}
    assert own["weekly_day"].own is None and own["weekly_time"].own is None


async def test_in_english() -> None:
    async with make_bot() as bot:
        await build_org(bot, english=(ADMIN, SEC_A))
        card = (await bot.send(SEC_A, "/settings")).plain.splitlines()
        assert card_line("weekly_day", "Monday", "weeklyday", "en", inherited=True) in card
        answer = await bot.send(SEC_A, "/settings weeklyday fri")
        assert answer.plain == t("settings.saved", "en",
                                 label="Weekly report day", branch="Alpha", value="Friday")
        answer = await bot.send(SEC_A, "/settings weeklyday someday")
        assert answer.plain == ("“someday” is not a day of the week: write e.g. mon, fri or "
                                "friday.")


@pytest.mark.parametrize(("text", "day"), [
    ("mon", "mon"), ("Monday", "mon"), ("tues", "tue"), ("wed", "wed"), ("周四", "thu"),
    ("星期五", "fri"), ("周天", "sun"), ("  sat ", "sat")])
def test_parse_weekday(text: str, day: str) -> None:
    assert rhythm.parse_weekday(text) == day


@pytest.mark.parametrize("text", ["", "mo", "m", "day", "funday", "sat,sun", "周八", "7"])
def test_parse_weekday_refuses(text: str) -> None:
    with pytest.raises(rhythm.BadValue):
        rhythm.parse_weekday(text)
