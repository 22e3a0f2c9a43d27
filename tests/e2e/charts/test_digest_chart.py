"""The daily digest carries the chart: a photo to each secretary right after the digest text,
uploaded once and then sent by file_id; Telegram's faults as for texts; no chart, still a
digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.rules import rhythm
from bot.rules.charts import digest as chart_digest
from bot.sandbox.harness import SandboxBot
from tests.helpers import SEC_A, SEC_A1, SEC_B, Org, t

SEC_A2 = 205
# 2026-03-02 20:00 in Shanghai: the digest's time.
EVENING = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def second_secretary(bot: SandboxBot, org: Org) -> None:
    bot.user(SEC_A2, "Sd", username="sd", language_code="en")
    await bot.join(SEC_A2, org.a, "secretary")


async def digest_run(bot: SandboxBot) -> None:
    """The digest's tick, then the next minute's (the chart's)."""
    for at in (EVENING, EVENING + timedelta(minutes=1)):
        bot.clock.set(at)
        await rhythm.run_due(bot.store, bot.services.translate, at)
    assert bot.services.outbox is not None
    bot.services.outbox.wake()
    await bot.drain()


def photos_to(bot: SandboxBot, chat: int) -> list[dict[str, object]]:
    return [p for p in bot.sandbox.calls_of("sendPhoto") if int(str(p["chat_id"])) == chat]


async def test_each_secretary_gets_the_chart_after_the_digest_uploaded_once(
        bot: SandboxBot, org: Org) -> None:
    await second_secretary(bot, org)
    await digest_run(bot)
    for secretary, lang in ((SEC_A, "zh"), (SEC_A2, "en")):
        messages = bot.sandbox.bot_messages(secretary)
        header = t("digest.header", lang, branch="Alpha", day="2026-03-02")
        at = next(i for i, m in enumerate(messages) if m.plain.startswith(header))
        photo = messages[at + 1]
        assert photo.photo is not None, "the chart comes right after the digest"
        assert photo.plain == t("chart.caption", lang, branch="Alpha", day="2026-03-02")
    first, second = photos_to(bot, SEC_A)[0], photos_to(bot, SEC_A2)[0]
    # Two languages, two images: each uploaded once. Same language: by file_id.
    assert "photo" not in first and "photo" not in second  # uploaded, not by file_id


async def test_second_secretary_of_one_language_gets_it_by_file_id(
        bot: SandboxBot, org: Org) -> None:
    bot.user(SEC_A2, "Sd", username="sd", language_code="zh")
    await bot.join(SEC_A2, org.a, "secretary")
    await digest_run(bot)
    sent = photos_to(bot, SEC_A) + photos_to(bot, SEC_A2)
    assert len(sent) == 2
    uploads = [p for p in sent if "photo" not in p]
    assert len(uploads) == 1, "uploaded once"
    by_id = [p for p in sent if str(p.get("photo", "")).startswith("SBX")]
    assert len(by_id) == 1
    image = bot.sandbox.file_content(str(by_id[0]["photo"]))
    assert image.startswith(b"\x89PNG")


async def test_faults_on_the_photo_are_retried_or_mark_unreachable(
        bot: SandboxBot, org: Org) -> None:
    await second_secretary(bot, org)
    bot.sandbox.fail("sendPhoto", "500", chat_id=SEC_A, times=2)
    bot.sandbox.fail("sendPhoto", "429", chat_id=SEC_A2, retry_after=2)
    await digest_run(bot)
    assert bot.sandbox.last(SEC_A).photo is not None
    assert bot.sandbox.last(SEC_A2).photo is not None


async def test_blocked_secretary_is_unreachable_and_the_other_still_gets_it(
        bot: SandboxBot, org: Org) -> None:
    await second_secretary(bot, org)
    bot.sandbox.fail("sendPhoto", "403", chat_id=SEC_A)
    await digest_run(bot)
    person = await bot.store.people.get(SEC_A)
    assert person is not None and not person.reachable
    assert bot.sandbox.last(SEC_A2).photo is not None


async def test_a_failing_chart_still_sends_the_digest(
        bot: SandboxBot, org: Org, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("no chart today")

    monkeypatch.setattr(chart_digest, "gather", broken)
    await digest_run(bot)
    header = t("digest.header", "zh", branch="Alpha", day="2026-03-02")
    assert any(m.plain.startswith(header) for m in bot.sandbox.bot_messages(SEC_A))
    assert not photos_to(bot, SEC_A)
    assert "the digest's chart of branch" in caplog.text


async def test_the_chart_is_drawn_once_a_day_not_every_minute(
        bot: SandboxBot, org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ledger's digest_chart row is read back: later ticks neither send nor draw it."""
    drawn: list[int] = []
    gather = chart_digest.gather

    async def counted(store: object, branch: Any, *args: object) -> object:
        drawn.append(branch.id)
        return await gather(store, branch, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(chart_digest, "gather", counted)
    await digest_run(bot)
    once = sorted(drawn)
    assert org.a in once and len(once) == len(set(once))
    for minutes in (2, 3, 60):
        at = EVENING + timedelta(minutes=minutes)
        bot.clock.set(at)
        assert await rhythm.run_due(bot.store, bot.services.translate, at) == 0
    assert sorted(drawn) == once


async def test_a_tick_draws_charts_for_its_budget_then_leaves_the_rest_to_the_next(
        bot: SandboxBot, org: Org) -> None:
    """With no time to spend on charts, each tick draws one (never none) while the digests
    all go at their time; the ledger keeps the other charts due, and every branch gets its
    chart once."""
    store, translate = bot.store, bot.services.translate
    branches = (org.root, org.a, org.a1, org.b)
    day = "2026-03-02"

    async def done(kind: str) -> set[int]:
        return {b for b in branches if (kind, day) in await store.runs.of(b)}

    bot.clock.set(EVENING)
    await rhythm.run_due(store, translate, EVENING, chart_budget=0)
    assert await done("digest") == set(branches)
    drawn: list[set[int]] = []
    for minutes in range(1, len(branches) + 3):
        at = EVENING + timedelta(minutes=minutes)
        bot.clock.set(at)
        await rhythm.run_due(store, translate, at, chart_budget=0)
        drawn.append(await done("digest_chart"))
    assert [len(d) for d in drawn] == [1, 2, 3, 4, 4, 4]
    assert bot.services.outbox is not None
    bot.services.outbox.wake()
    await bot.drain()
    for secretary in (SEC_A, SEC_A1, SEC_B):
        assert len(photos_to(bot, secretary)) == 1
