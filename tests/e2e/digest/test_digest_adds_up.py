"""The digest adds up (issue 14): one word per urgency, icons that count what they show,
tasks and people each counted as what they are, rates over the members of that day."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.i18n import LANGUAGES, Translator
from bot.sandbox.harness import SandboxBot
from tests.helpers import (
    ADMIN,
    MEM_A1,
    MEM_A1X,
    MEM_A2,
    SEC_A,
    SEC_A1,
    SEC_B,
    Org,
    t,
)

# The texts that name the 🔴 level (need.urg_critical) by a word.
CRITICAL_TEXTS = ("digest.needs", "digest.problem_critical", "rhythm.escalate_need",
                  "settings.label_critical_within_minutes")


@pytest.mark.parametrize("language", LANGUAGES)
def test_critical_is_named_as_the_need_flow_names_it(language: str) -> None:
    translate = Translator()
    critical = translate(language, "need.urg_critical_word")
    urgent = translate(language, "need.urg_urgent_word")
    for key in CRITICAL_TEXTS:
        text = translate.catalogs[language][key]
        assert critical.lower() in text.lower(), (language, key, text)
        assert urgent.lower() not in text.lower(), (language, key, text)


async def need(bot: SandboxBot, branch: int, urgency: str) -> int:
    return await bot.store.needs.create(
        branch_id=branch, reporter_id=MEM_A1X, category="food", urgency=urgency,
        for_self=True, for_whom=None, details="米", location=None, latitude=None,
        longitude=None, at=bot.clock.now() - timedelta(minutes=5))


async def test_digest_counts_the_critical_under_the_need_flows_word(bot: SandboxBot,
                                                                    org: Org) -> None:
    await need(bot, org.a1, "critical")
    await need(bot, org.a1, "urgent")
    plain = (await bot.send(SEC_A, "/digest")).plain
    word = t("need.urg_critical_word")
    assert f"（{word} 1）" in plain  # one 🔴 of the two open needs
    assert f"• Alpha-1：0/2（0%） · {t('digest.problem_critical', n=1)}" in plain
    assert t("digest.problem_critical", n=1) == f"🔴 {word} 1"
    assert f"{t('need.urg_critical')} ·" in plain and f"{t('need.urg_urgent')} ·" in plain


async def test_a_sub_branchs_icons_count_what_they_show(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/checkin unwell")
    await bot.send(MEM_A2, "/checkin quarantined")
    plain = (await bot.send(ADMIN, "/digest")).plain
    assert "• Alpha：2/5（40%） · 🤒 1 · 🏠 1" in plain
    labels = [label for label, _ in (await bot.send(ADMIN, "/digest")).button_list]
    assert all("不适人员" not in label for label in labels)


async def test_tasks_and_people_each_counted_as_what_they_are(bot: SandboxBot,
                                                             org: Org) -> None:
    await bot.store.tasks.create(
        branch_id=org.a, created_by=SEC_A, title="送米", details=None,
        due_at=bot.clock.now() - timedelta(minutes=1), need_id=None, team_id=None,
        assignees=[MEM_A1, MEM_A2, SEC_A], messages=[], placeholder="#",
        at=bot.clock.now() - timedelta(minutes=2))
    plain = (await bot.send(SEC_A, "/digest")).plain
    assert "📌 任务：新派 1 项（3 人）· 接受 0 人" in plain
    assert "逾期 3 人" in plain
    english = Translator()("en", "digest.tasks", tasks=1, assigned=3, accepted=1, declined=0,
                           done=1, overdue=0)
    assert english.startswith("📌 Tasks: 1 new task for 3 people · 1 accepted")


async def test_rates_count_the_members_of_that_day(bot: SandboxBot, org: Org) -> None:
    store = bot.store
    # The first day: the organization began today, there is no day before to compare with.
    first = (await bot.send(ADMIN, "/digest")).plain
    assert "✅ 已报到：0/7（0%）\n" in first and "较前一天" not in first
    # The next day three people join Beta and a branch with nobody in it appears.
    bot.clock.advance(days=1)
    now = bot.clock.now()
    await store.branches.create("Gamma", org.root, at=now)
    for member in (401, 402, 403):
        await store.people.save(member, f"N{member}", None, None, "zh", at=now)
        await store.people.set_membership(member, org.b, "member", at=now)
    await bot.send(SEC_B, "/checkin on_duty")
    plain = (await bot.send(ADMIN, "/digest")).plain
    assert "✅ 已报到：1/10（10%），较前一天 +1（0，0%）" in plain
    # Yesterday, the newcomers were no members: they are not counted then.
    plain = (await bot.send(ADMIN, "/digest 昨天")).plain
    assert "✅ 已报到：0/7（0%）\n" in plain
    lines = plain.splitlines()
    children = lines[lines.index(t("digest.children_header", n=3).strip()) + 1:]
    assert children == ["• Alpha：0/5（0%）", "• Beta：0/2（0%）", "• Gamma：没有成员"]
    # Today an empty branch is shown as such and ranked last, not first (0/0 is no 0%).
    plain = (await bot.send(ADMIN, "/digest")).plain
    assert plain.splitlines()[-3:] == ["• Alpha：0/5（0%）", "• Beta：1/5（20%）",
                                       t("digest.child_empty", branch="Gamma", problems="")]
    await bot.send(SEC_A1, "/checkin on_duty")
    assert "• Alpha-1：1/2（50%）" in (await bot.send(SEC_A, "/digest")).plain
