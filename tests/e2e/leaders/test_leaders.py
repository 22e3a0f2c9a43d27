"""Leaders on record: each figure against a scenario played through the bot with the clock
moved, the block in /record (zh and en), and who may see it."""

from __future__ import annotations

from datetime import date, timedelta

from bot.clock import local_day
from bot.rules import callbacks as cb
from bot.rules import leaders, lookup, rhythm
from bot.rules.access import Actor
from bot.rules.records import parse_period
from bot.sandbox.harness import SandboxBot
from storage.households import HouseholdInput
from tests.e2e.broadcasts.test_broadcast import broadcast
from tests.e2e.needs.test_needs import report
from tests.e2e.tasks.test_tasks import assign
from tests.helpers import (
    ADMIN,
    MEM_A1,
    MEM_A1X,
    MEM_A2,
    OUTSIDER,
    SEC_A,
    SEC_A1,
    SEC_B,
    Org,
    build_org,
    make_bot,
    t,
)

ZONE = "Asia/Shanghai"


async def figures(bot: SandboxBot, branch: int) -> leaders.Leadership:
    """The branch's figures over the default period (the last 7 days) at the bot's now."""
    now = bot.clock.now()
    first, last = parse_period(None, local_day(now, ZONE))
    return await leaders.leadership(bot.store, branch, first, last, now=now)


async def assign_need(bot: SandboxBot, secretary: int, need_id: int, member: str) -> None:
    """A secretary gives a task for the need from its notice's button, to one member."""
    bot.sandbox.user_presses(secretary, 1, cb.AssignNeed(need_id).pack(), check=False)
    await bot.settle()
    await bot.press(secretary, cb.AssignStep("keep").pack())
    await bot.press(secretary, cb.AssignStep("skip").pack())
    await bot.press(secretary, cb.AssignStep("skip").pack())
    await bot.press(secretary, member)
    await bot.press(secretary, cb.AssignStep("ok").pack())
    await bot.press(secretary, cb.AssignStep("send").pack())
    await bot.drain()


def line(key: str, value: str, language: str = "zh") -> str:
    """A figure's line of the block, as shown."""
    return t("leaders.line", language, label=t(f"leaders.column.{key}", language), value=value)


# --- the figures ------------------------------------------------------------------------------


async def test_time_to_first_action_on_needs(bot: SandboxBot, org: Org) -> None:
    await report(bot, MEM_A1)
    bot.clock.advance(minutes=10)
    await report(bot, MEM_A2, details="需要退烧药")
    bot.clock.advance(minutes=20)
    await assign_need(bot, SEC_A, 1, "Mia")  # 30 minutes after the first report
    bot.clock.advance(hours=2, minutes=30)  # the second still untouched: 2 h 50 min so far
    lead = await figures(bot, org.a)
    assert (lead.needs, lead.needs_untouched) == (2, 1)
    assert lead.need_first_median == 30
    assert lead.need_first_worst is not None and round(lead.need_first_worst) == 170
    assert lead.tasks_given == 1  # the task for the need, by Alpha's secretary
    root = await figures(bot, org.root)
    assert (root.needs, root.need_first_median, root.need_first_worst) == (0, None, None)
    shown = (await bot.send(ADMIN, "/record @sa")).plain
    assert line("need_first_median", "30 分钟") in shown
    assert line("need_first_worst", "2 小时 50 分钟") in shown
    assert line("needs_untouched", "1") in shown


async def test_escalations_received_and_how_soon_they_were_acted_on(bot: SandboxBot,
                                                                    org: Org) -> None:
    store = bot.store
    await report(bot, MEM_A1X, urgency="critical", details="胰岛素")
    reported = bot.clock.now()
    bot.clock.set(reported + timedelta(minutes=61))  # past Alpha-1's 60 minutes
    await rhythm.run_due(store, bot.services.translate, bot.clock.now())
    need = await store.needs.get(1)
    assert need is not None and need.status == "open"
    bot.clock.advance(minutes=25)
    await assign_need(bot, SEC_A, 1, "Mo")  # Alpha acts 25 minutes after the escalation
    alpha = await figures(bot, org.a)
    assert (alpha.escalations, alpha.escalations_untouched) == (1, 0)
    assert alpha.escalation_median == 25 and alpha.escalation_worst == 25
    assert (alpha.needs, alpha.need_first_median) == (0, None)  # its own members' needs
    alpha_1 = await figures(bot, org.a1)
    assert (alpha_1.needs, alpha_1.need_first_median) == (1, 86)
    assert alpha_1.escalations == 0
    root = await figures(bot, org.root)
    assert root.escalations == 0  # Alpha-1 is no direct sub-branch of the root


async def test_an_escalation_still_untouched_counts_with_its_wait(bot: SandboxBot,
                                                                  org: Org) -> None:
    await report(bot, MEM_A1X, urgency="critical")
    bot.clock.advance(minutes=61)
    await rhythm.run_due(bot.store, bot.services.translate, bot.clock.now())
    bot.clock.advance(minutes=40)
    alpha = await figures(bot, org.a)
    assert (alpha.escalations, alpha.escalations_untouched) == (1, 1)
    assert alpha.escalation_median is None
    assert alpha.escalation_worst is not None and round(alpha.escalation_worst) == 40


async def test_tasks_overdue_with_and_without_a_follow_up(bot: SandboxBot, org: Org) -> None:
    await assign(bot, SEC_A, "巡查东门", ("Mia",), due="30m")
    followed = await assign(bot, SEC_A, "巡查西门", ("Max",), due="30m")
    in_time = await assign(bot, SEC_A, "送药", ("Mia",), due="2h")
    await bot.press(MEM_A1, cb.Task(in_time, "acc").pack())
    await bot.press(MEM_A1, cb.Task(in_time, "done").pack())
    await bot.send(MEM_A1, "已送到")
    await assign(bot, SEC_A1, "值班", ("Mo",), due="30m")  # Alpha-1's secretary's
    bot.clock.advance(hours=1)
    assert "Max" in (await bot.send(SEC_A, "/note @max 巡查未完成，已提醒")).plain
    assert followed
    alpha = await figures(bot, org.a)
    assert (alpha.tasks_given, alpha.tasks_overdue, alpha.tasks_unfollowed) == (3, 2, 1)
    alpha_1 = await figures(bot, org.a1)
    assert (alpha_1.tasks_given, alpha_1.tasks_overdue, alpha_1.tasks_unfollowed) == (1, 1, 1)
    # A close by a secretary after the due time is a follow-up too.
    await bot.send(SEC_A1, "/tasks")
    task = (await bot.store.tasks.open_of(MEM_A1X))[0][0]
    assert await bot.store.tasks.close(task.id, "cancelled", by=SEC_A1, at=bot.clock.now())
    alpha_1 = await figures(bot, org.a1)
    assert (alpha_1.tasks_overdue, alpha_1.tasks_unfollowed) == (1, 0)


async def test_broadcasts_and_their_acknowledgement_rate(bot: SandboxBot, org: Org) -> None:
    sent = await broadcast(bot, SEC_A, "明早八点集合")
    await bot.press(MEM_A1, cb.Ack(sent).pack())
    await bot.press(MEM_A1X, cb.Ack(sent).pack())
    alpha = await figures(bot, org.a)
    assert alpha.broadcasts == 1
    assert alpha.ack_rate == 2 / 4  # Mia, Max, Sb and Mo got it privately
    assert (await figures(bot, org.a1)).ack_rate is None  # Alpha-1's secretary sent none
    shown = (await bot.send(ADMIN, "/record @sa")).plain
    assert line("ack_rate", t("leaders.rate", rate=50)) in shown


def _home(label: str, responsible: int) -> HouseholdInput:
    return HouseholdInput(zone="East", label=label, address="", people=2, notes="",
                          responsible_id=responsible, vulnerable=False)


async def test_households_overdue_hours_and_coverage(bot: SandboxBot, org: Org) -> None:
    store, now = bot.store, bot.clock.now()  # 2026-03-02 08:30 in Shanghai
    added = now - timedelta(days=3, hours=1)  # 02-27 07:30
    await store.households.upsert(org.a, [_home("1-101", MEM_A1), _home("1-102", MEM_A2)],
                                  at=added)
    await store.households.upsert(org.a, [_home("1-103", MEM_A1)], at=now - timedelta(hours=2))
    ids = {h.label: h.id for h in await store.households.of_branch(org.a)}
    # 1-101: overdue from 02-28 00:00 (a day after the day it was added) until reached at
    # 02-28 10:00 (10 h), then again from 03-02 00:00 until now (8.5 h).
    await store.households.record_visit(ids["1-101"], MEM_A1, "well", None,
                                        at=now - timedelta(days=1, hours=22, minutes=30))
    # 1-102: nobody answered: still overdue since 02-28 00:00 (56.5 h).
    await store.households.record_visit(ids["1-102"], MEM_A2, "no_answer", None,
                                        at=now - timedelta(days=1))
    # 1-103: added this morning, reached: never overdue, covered today.
    await store.households.record_visit(ids["1-103"], MEM_A1, "well", None,
                                        at=now - timedelta(hours=1))
    alpha = await figures(bot, org.a)
    assert alpha.households_overdue == 2
    assert alpha.overdue_hours is not None and round(alpha.overdue_hours, 6) == 75
    assert alpha.overdue_longest is not None and round(alpha.overdue_longest, 6) == 56.5
    assert alpha.coverage == 1 / 3
    root = await figures(bot, org.root)
    assert root.coverage == 1 / 3  # the subtree's
    assert root.households_overdue is None  # no households of its own
    shown = (await bot.send(ADMIN, "/record @sa")).plain
    assert line("overdue_longest", "2 天 8 小时") in shown
    assert line("overdue_hours", t("leaders.household_hours", n=75)) in shown
    assert line("coverage", t("leaders.rate", rate=33)) in shown


async def test_households_interval_is_inherited_and_vulnerable_ones_are_daily(
        bot: SandboxBot, org: Org) -> None:
    store, now = bot.store, bot.clock.now()
    await store.schedules.set_setting(org.root, "visit_every_days", 2)  # inherited by Alpha
    added = now - timedelta(days=3, hours=1)  # 02-27 07:30, never reached since
    frail = HouseholdInput(zone="East", label="1-104", address="", people=1, notes="",
                           responsible_id=MEM_A1, vulnerable=True)
    await store.households.upsert(org.a, [_home("1-101", MEM_A1), frail], at=added)
    alpha = await figures(bot, org.a)
    # 1-101 every 2 days: overdue from 03-01 00:00 (32.5 h); 1-104 daily: from 02-28 (56.5 h).
    assert alpha.households_overdue == 2
    assert alpha.overdue_hours == 32.5 + 56.5 and alpha.overdue_longest == 56.5
    # A period that ended before either fell overdue: none overdue, though it had households.
    first = last = date(2026, 2, 27)
    earlier = await leaders.leadership(store, org.a, first, last, now=now)
    assert (earlier.households_overdue, earlier.overdue_hours) == (0, 0)


async def test_checkin_rate_of_the_subtree(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/checkin on_duty")
    await bot.send(SEC_A1, "/checkin available")
    # Everyone joined this morning: one day each. Alpha's subtree: Sa, Mia, Max, Sb, Mo.
    assert (await figures(bot, org.a)).checkin_rate == 2 / 5
    assert (await figures(bot, org.a1)).checkin_rate == 1 / 2
    assert (await figures(bot, org.root)).checkin_rate == 2 / 7
    bot.clock.advance(days=1)
    await bot.send(MEM_A1, "/checkin on_duty")
    assert (await figures(bot, org.a)).checkin_rate == 3 / 10


async def test_the_tree_in_tree_order_matches_each_branch(bot: SandboxBot, org: Org) -> None:
    await report(bot, MEM_A1X)
    await bot.send(MEM_A1, "/checkin on_duty")
    bot.clock.advance(hours=1)
    now = bot.clock.now()
    first, last = parse_period(None, local_day(now, ZONE))
    tree = await leaders.leadership_tree(bot.store, org.root, first, last, now=now)
    assert [(node.id, node.depth) for node, _ in tree] == [
        (org.root, 0), (org.a, 1), (org.a1, 2), (org.b, 1)]
    for node, lead in tree:
        assert lead == await leaders.leadership(bot.store, node.id, first, last, now=now)
    assert [key for key, _ in leaders.LEADERS_COLUMNS] == [
        f for f in leaders.Leadership.__dataclass_fields__][3:]
    assert {unit for _, unit in leaders.LEADERS_COLUMNS} == {"count", "minutes", "hours",
                                                             "rate"}
    for key, _ in leaders.LEADERS_COLUMNS:
        assert leaders.value(tree[2][1], key) == getattr(tree[2][1], key)
        assert t(f"leaders.about.{key}") and t(f"leaders.about.{key}", "en")


# --- the block in /record and who sees it -------------------------------------------------------


async def test_who_sees_a_secretarys_leadership(bot: SandboxBot, org: Org) -> None:
    header = t("leaders.header", branch="Alpha-1", title="书记", first="2026-02-24",
               last="2026-03-02")
    assert header in (await bot.send(ADMIN, "/record @sb")).plain
    assert header in (await bot.send(SEC_A, "/record @sb")).plain  # a secretary above
    assert header in (await bot.send(SEC_A1, "/record")).plain  # themself
    # A fellow secretary of the same branch reads the record, not the leadership.
    bot.user(OUTSIDER, "Otto", username="otto")
    await bot.join(OUTSIDER, org.a1, "secretary")
    shown = (await bot.send(OUTSIDER, "/record @sb")).plain
    assert "Sb · Alpha-1" in shown and header not in shown
    # Outside the scope, or a member: no record at all; a member's own shows no block.
    assert header not in (await bot.send(SEC_B, "/record @sb")).plain
    own = (await bot.send(MEM_A1X, "/record")).plain
    assert "Mo · Alpha-1" in own and t("leaders.column.needs") not in own
    assert t("leaders.column.needs") not in (await bot.send(SEC_A, "/record @mia")).plain


async def test_may_see_is_read_from_the_database(bot: SandboxBot, org: Org) -> None:
    store = bot.store

    async def actor(user: int, *, admin: bool = False) -> Actor:
        return Actor(user, await lookup.person(store, user), admin, "zh")

    secretary = await lookup.person(store, SEC_A1)
    member = await lookup.person(store, MEM_A1X)
    assert secretary is not None and member is not None
    assert await leaders.may_see(store, await actor(SEC_A1), secretary)
    assert await leaders.may_see(store, await actor(SEC_A), secretary)
    assert await leaders.may_see(store, await actor(ADMIN, admin=True), secretary)
    assert not await leaders.may_see(store, await actor(MEM_A1X), secretary)
    assert not await leaders.may_see(store, await actor(MEM_A1), secretary)
    assert not await leaders.may_see(store, await actor(SEC_B), secretary)
    assert not await leaders.may_see(store, await actor(SEC_A1), member)  # no secretary
    # Sa above Alpha-1 sees Sb; Sb below does not see Sa.
    alpha = await lookup.person(store, SEC_A)
    assert alpha is not None and not await leaders.may_see(store, await actor(SEC_A1), alpha)


async def test_none_this_period_in_chinese_and_english() -> None:
    async with make_bot() as bot:
        await build_org(bot, english=(SEC_A,))
        zh = (await bot.send(ADMIN, "/record @sc")).plain
        assert line("need_first_median", t("leaders.none")) in zh
        assert line("ack_rate", t("leaders.none")) in zh
        assert line("households_overdue", t("leaders.none")) in zh
        assert line("tasks_given", "0") in zh
        en = (await bot.send(SEC_A, "/record @sb")).plain
        assert t("leaders.header", "en", branch="Alpha-1", title="secretary",
                 first="2026-02-24", last="2026-03-02") in en
        assert line("escalation_worst", t("leaders.none", "en"), "en") in en
        assert line("checkin_rate", t("leaders.rate", "en", rate=0), "en") in en
