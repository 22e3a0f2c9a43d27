"""`/chart`: secretaries over their subtree, in zh and en; bad words answered; a photo."""

from __future__ import annotations

from bot.rules.charts import ChartKind
from bot.sandbox.harness import SandboxBot
from handlers.reports.chart import parse
from tests.helpers import MEM_A1, SEC_A, SEC_B, Org, t


def test_arguments_in_order() -> None:
    assert parse([]) == (None, ChartKind.checkins, None)
    assert parse(["12"]) == ("12", ChartKind.checkins, None)
    assert parse(["12", "30"]) == ("12", ChartKind.checkins, "30")
    assert parse(["coverage", "30"]) == (None, ChartKind.coverage, "30")
    assert parse(["12", "needs", "7"]) == ("12", ChartKind.needs, "7")
    assert parse(["报到", "7天"]) == (None, ChartKind.checkins, "7")
    assert parse(["需求"]) == (None, ChartKind.needs, None)
    assert parse(["pie"]) == "pie"


async def test_chart_in_chinese_is_a_photo_of_the_own_branch(bot: SandboxBot, org: Org) -> None:
    before = bot.sandbox.count("sendPhoto")
    await bot.send(SEC_A, "/chart 覆盖 30")
    assert bot.sandbox.count("sendPhoto") == before + 1
    last = bot.sandbox.last(SEC_A)
    assert last.photo is not None
    assert last.plain == t("chart.asked", "zh", branch="Alpha", what=t("chart.kind_coverage"),
                           days=30, day="2026-03-02")
    png = bot.sandbox.file_content(str(last.photo["file_id"]))
    assert png.startswith(b"\x89PNG")


async def test_chart_in_english_with_a_sub_branch(bot: SandboxBot) -> None:
    from tests.helpers import build_org
    org = await build_org(bot, english=(SEC_A,))
    await bot.send(SEC_A, f"/chart {org.a1} needs 7")
    last = bot.sandbox.last(SEC_A)
    assert last.photo is not None
    assert last.plain == t("chart.asked", "en", branch="Alpha-1",
                           what=t("chart.kind_needs", "en"), days=7, day="2026-03-02")


async def test_bad_words_and_days_are_answered(bot: SandboxBot, org: Org) -> None:
    answer = await bot.send(SEC_A, "/chart pie")
    assert answer.plain.startswith(t("chart.bad_word", "zh", value="pie"))
    answer = await bot.send(SEC_A, "/chart checkins 91")
    assert answer.plain == t("chart.bad_days", "zh", value="91")


async def test_outside_the_subtree_or_a_member_is_refused(bot: SandboxBot, org: Org) -> None:
    before = bot.sandbox.count("sendPhoto")
    await bot.send(SEC_B, f"/chart {org.a}")
    await bot.send(MEM_A1, "/chart")
    assert bot.sandbox.count("sendPhoto") == before
