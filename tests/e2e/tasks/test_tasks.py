"""Tasks end to end: /team, /assign, accept / decline / done, /task, follow-ups; parse_due."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import Config
from bot.rules import callbacks as cb
from bot.rules import followup
from bot.rules.tasks import complete, parse_due, title_from_need
from bot.sandbox import SandboxMessage
from bot.sandbox.harness import SandboxBot
from tests.helpers import (
    ADMIN,
    MEM_A1,
    MEM_A1X,
    MEM_A2,
    MEM_B1,
    OUTSIDER,
    SEC_A,
    SEC_A1,
    SEC_B,
    Org,
    build_org,
    t,
)

SHANGHAI = "Asia/Shanghai"
BERLIN = "Europe/Berlin"
# 2026-03-02 08:30 in Shanghai.
NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- parse_due ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("18:00", utc(2026, 3, 2, 10, 0)),          # later today
    ("8:00", utc(2026, 3, 3, 0, 0)),            # passed: tomorrow
    ("08:30", utc(2026, 3, 3, 0, 30)),          # exactly now: tomorrow
    ("18：30", utc(2026, 3, 2, 10, 30)),         # full-width colon
    ("tomorrow 9:00", utc(2026, 3, 3, 1, 0)),
    ("Tomorrow  9:00", utc(2026, 3, 3, 1, 0)),
    ("明天 9:00", utc(2026, 3, 3, 1, 0)),
    ("后天 9:00", utc(2026, 3, 4, 1, 0)),
    ("today 23:59", utc(2026, 3, 2, 15, 59)),
    ("2h", utc(2026, 3, 2, 2, 30)),
    ("30m", utc(2026, 3, 2, 1, 0)),
    ("90 min", utc(2026, 3, 2, 2, 0)),
    ("3d", utc(2026, 3, 5, 0, 30)),
    ("2小时", utc(2026, 3, 2, 2, 30)),
    ("2026-12-01 18:00", utc(2026, 12, 1, 10, 0)),
    ("skip", None),
    ("跳过", None),
    ("-", None),
])
def test_parse_due_in_shanghai(text: str, expected: datetime | None) -> None:
    assert parse_due(text, NOW, SHANGHAI) == expected


@pytest.mark.parametrize("text", [
    "soon", "25:00", "12:60", "tomorrow", "yesterday 9:00", "0h", "2026-02-30 10:00",
    "2020-01-01 10:00", "today 8:00", "2030-01-01 10:00", "9999d", "1 2 3", "h2",
])
def test_parse_due_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_due(text, NOW, SHANGHAI)


def test_parse_due_across_dst_in_berlin() -> None:
    # Saturday 2026-03-28 12:00 CET (UTC+1); clocks jump to CEST (UTC+2) on Sunday at 02:00.
    saturday = utc(2026, 3, 28, 11, 0)
    assert parse_due("tomorrow 9:00", saturday, BERLIN) == utc(2026, 3, 29, 7, 0)
    assert parse_due("18:00", saturday, BERLIN) == utc(2026, 3, 28, 17, 0)
    # 24 hours later is 13:00 local; one wall-clock day later is 12:00 local.
    assert parse_due("24h", saturday, BERLIN) == utc(2026, 3, 29, 11, 0)
    assert parse_due("1d", saturday, BERLIN) == utc(2026, 3, 29, 10, 0)
    # 02:30 does not exist that night: it lands where the clocks moved (03:30 CEST).
    assert parse_due("2026-03-29 02:30", saturday, BERLIN) == utc(2026, 3, 29, 1, 30)
    # Autumn: 02:30 happens twice; the first (CEST) is meant.
    assert parse_due("2026-10-25 02:30", saturday, BERLIN) == utc(2026, 10, 25, 0, 30)


def test_title_from_need_and_completion_rule() -> None:
    assert title_from_need("Food", "rice and oil for  two old people") == (
        "Food: rice and oil for two old people")
    long = title_from_need("Food", "word " * 40)
    assert long.endswith("…") and len(long) <= 61
    assert complete(["done", "declined"])
    assert not complete(["declined", "declined"])
    assert not complete(["done", "accepted"])


# --- helpers ------------------------------------------------------------------------------------

def task_copies(bot: SandboxBot, user: int) -> list[SandboxMessage]:
    """The task cards a member received."""
    return [m for m in bot.sandbox.bot_messages(user) if m.plain.startswith("📋 任务 #")]


async def assign(bot: SandboxBot, secretary: int, title: str, people: tuple[str, ...] = (),
                 *, team: str | None = None, due: str | None = None) -> int:
    """Go through /assign; returns the new task's id."""
    await bot.send(secretary, "/assign")
    await bot.send(secretary, title)
    await bot.press(secretary, cb.AssignStep("skip").pack())
    if due:
        await bot.send(secretary, due)
    else:
        await bot.press(secretary, cb.AssignStep("skip").pack())
    if team:
        await bot.press(secretary, team)
    else:
        for name in people:
            await bot.press(secretary, name)
        await bot.press(secretary, cb.AssignStep("ok").pack())
    done = await bot.press(secretary, cb.AssignStep("send").pack())
    assert done.plain.startswith("✅ 任务 #"), done.plain
    await bot.drain()
    return int(done.plain.split("#")[1].split("「")[0])


async def states(bot: SandboxBot, task_id: int) -> dict[int, str]:
    return {a.member_id: a.state for a in await bot.store.tasks.assignments(task_id)}


# --- /team --------------------------------------------------------------------------------------

async def test_team_create_list_members_delete(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(SEC_A, "/team")
    assert "还没有突击队" in reply.plain
    assert "已在“Alpha”新建突击队“Shock”" in (await bot.send(SEC_A, "/team add Shock")).plain
    assert "已有突击队" in (await bot.send(SEC_A, "/team add Shock")).plain
    assert "加入" in (await bot.send(SEC_A, "/team Shock add @mia")).plain
    assert "已在突击队" in (await bot.send(SEC_A, "/team Shock add Mia")).plain
    assert "加入" in (await bot.send(SEC_A, f"/team shock add {MEM_A1X}")).plain
    listing = await bot.send(SEC_A, "/team")
    assert "Shock（Alpha，2 人）：Mia、Mo" in listing.plain
    assert "退出" in (await bot.send(SEC_A, "/team Shock remove Mo")).plain
    assert "不在突击队" in (await bot.send(SEC_A, "/team Shock remove Mo")).plain
    # Unknown team, unknown member, a member outside the subtree.
    assert "没有名为“Nope”" in (await bot.send(SEC_A, "/team Nope add Mia")).plain
    for who in ("Zed", "@mel"):  # answered as by every command that names a member
        reply = await bot.send(SEC_A, f"/team Shock add {who}")
        assert reply.plain == t("list.nobody", query=who, branch="Alpha")
    shown = await bot.send(SEC_A, "/team Shock")  # one team: all its members
    assert "突击队 Shock（Alpha）：1 人\n• Mia @mia" in shown.plain
    assert "用法" in (await bot.send(SEC_A, "/team Nope")).plain
    teams = await bot.store.teams.in_subtree(org.a)
    assert [(t.name, [m.member_id for m in t.members]) for t in teams] == [("Shock", [MEM_A1])]
    # SEC_B sees none of Alpha's teams and cannot change them.
    assert "没有名为" in (await bot.send(SEC_B, "/team Shock add @mel")).plain
    assert "已删除" in (await bot.send(SEC_A, "/team Shock delete")).plain
    assert await bot.store.teams.in_subtree(org.a) == []
    actions = [e[2] for e in await bot.store.audit.entries() if e[4]]
    assert {"team_create", "team_add", "team_remove", "team_delete"} <= set(actions)


async def test_team_refused_to_members(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(MEM_A1, "/team add Mine")
    assert "书记" in reply.plain
    assert await bot.store.teams.in_subtree(org.root) == []


# --- /assign and answers ------------------------------------------------------------------------

async def test_assign_flow_accept_decline_done(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A2, "/checkin unwell")
    await bot.send(SEC_A, "/assign")
    await bot.send(SEC_A, "搬运物资")
    await bot.send(SEC_A, "到仓库搬运大米")
    await bot.send(SEC_A, "18:00")
    roster = bot.sandbox.last(SEC_A)
    labels = [label for label, _ in roster.button_list]
    assert "▫️ Max 🤒" in labels  # marked, not preselected
    assert "▫️ Mia" in labels
    assert not any(label.startswith("☑️") for label in labels)
    await bot.press(SEC_A, "Mia")
    await bot.press(SEC_A, "Mo")
    summary = await bot.press(SEC_A, cb.AssignStep("ok").pack())
    assert "分派给 2 人：Mia、Mo" in summary.plain
    assert "⏰ 截止：2026-03-02 18:00" in summary.plain
    await bot.press(SEC_A, cb.AssignStep("send").pack())
    await bot.drain()
    task_id = (await bot.store.tasks.open_of(MEM_A1))[0][0].id
    for user in (MEM_A1, MEM_A1X):
        card = task_copies(bot, user)
        assert len(card) == 1
        assert "搬运物资" in card[0].plain and "到仓库搬运大米" in card[0].plain
        assert card[0].button_list == [("✅ 接受", f"tk:{task_id}:acc"),
                                       ("❌ 拒绝", f"tk:{task_id}:dec")]
    assert task_copies(bot, MEM_A2) == []
    # Accept; a second press changes nothing.
    accepted = await bot.press(MEM_A1, cb.Task(task_id, "acc").pack())
    assert "你已接受" in accepted.plain
    answered = (await bot.store.tasks.assignment(task_id, MEM_A1))
    assert answered is not None and answered.answered_at == bot.clock.now()
    bot.clock.advance(minutes=5)
    again = cb.Task(task_id, "acc").pack()
    bot.sandbox.user_presses(MEM_A1, accepted.message_id, again, check=False)
    await bot.settle()
    part = await bot.store.tasks.assignment(task_id, MEM_A1)
    assert part is not None and part.answered_at == answered.answered_at
    # Decline with a reason: the secretary is told.
    await bot.press(MEM_A1X, cb.Task(task_id, "dec").pack())
    await bot.send(MEM_A1X, "")
    too_long = await bot.send(MEM_A1X, "x" * 301)
    assert "1 到 300" in too_long.plain
    await bot.send(MEM_A1X, "我在隔离")
    await bot.drain()
    told = bot.sandbox.last(SEC_A).plain
    assert told == f"❌ Mo 拒绝了任务 #{task_id}「搬运物资」。\n原因：我在隔离"
    assert (await states(bot, task_id)) == {MEM_A1: "accepted", MEM_A1X: "declined"}
    # Done with a note closes the task (the decline does not count).
    await bot.send(MEM_A1, "/tasks")
    await bot.press(MEM_A1, cb.Task(task_id, "done").pack())
    finished = await bot.send(MEM_A1, "搬完了")
    assert "整个任务也随之完成" in finished.plain
    task = await bot.store.tasks.get(task_id)
    assert task is not None and task.status == "done"
    part = await bot.store.tasks.assignment(task_id, MEM_A1)
    assert part is not None and part.done_note == "搬完了"
    await bot.drain()
    assert "已完成：所有承担人都已完成" in bot.sandbox.last(SEC_A).plain
    # /task shows the progress of each.
    view = bot.sandbox.bot_messages(SEC_A)
    await bot.send(SEC_A, f"/task {task_id}")
    shown = "\n".join(m.plain for m in bot.sandbox.bot_messages(SEC_A)[len(view):])
    assert "Mia：🏁 已完成" in shown and "说明：搬完了" in shown
    assert "Mo：❌ 已拒绝" in shown and "原因：我在隔离" in shown
    assert "状态：🏁 已完成" in shown
    assert (await bot.send(MEM_A1, "/tasks")).plain == "你没有未完成的任务。"


async def test_all_declined_is_not_done_and_skip_proof(bot: SandboxBot, org: Org) -> None:
    task_id = await assign(bot, SEC_A, "巡查", ("Mia",))
    await bot.press(MEM_A1, cb.Task(task_id, "dec").pack())
    await bot.send(MEM_A1, "没空")
    task = await bot.store.tasks.get(task_id)
    assert task is not None and task.status == "open"
    # A declined part cannot be finished or answered again.
    bot.sandbox.user_presses(MEM_A1, 1, cb.Task(task_id, "acc").pack(), check=False)
    await bot.settle()
    assert (await states(bot, task_id)) == {MEM_A1: "declined"}
    other = await assign(bot, SEC_A, "送药", ("Max",))
    await bot.press(MEM_A2, cb.Task(other, "acc").pack())
    await bot.press(MEM_A2, cb.Task(other, "done").pack())
    await bot.press(MEM_A2, cb.TaskSkip().pack())
    task = await bot.store.tasks.get(other)
    assert task is not None and task.status == "done"


async def test_cancel_saves_nothing_and_search(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/assign")
    assert "1 到 100" in (await bot.send(SEC_A, "x" * 101)).plain
    await bot.send(SEC_A, "标题")
    await bot.press(SEC_A, cb.AssignStep("skip").pack())
    assert "看不懂" in (await bot.send(SEC_A, "someday")).plain
    await bot.send(SEC_A, "2h")
    found = await bot.send(SEC_A, "m")
    names = [label for label, data in found.button_list if (data or "").startswith("asg:m:")]
    assert names == ["▫️ Max", "▫️ Mia", "▫️ Mo"]
    assert "已取消" in (await bot.send(SEC_A, "/cancel")).plain
    assert await bot.store.tasks.open_of(MEM_A1) == []
    assert await bot.store.tasks.get(1) is None


async def test_roster_pages(bot: SandboxBot, org: Org) -> None:
    for n in range(10):
        bot.user(400 + n, f"P{n}")
        await bot.join(400 + n, org.a)
    await bot.send(SEC_A, "/assign")
    await bot.send(SEC_A, "T")
    await bot.press(SEC_A, cb.AssignStep("skip").pack())
    first = await bot.press(SEC_A, cb.AssignStep("skip").pack())
    members = [d for _, d in first.button_list if (d or "").startswith("asg:m:")]
    assert len(members) == 8 and ("下一页 ▶️", "asg:pg:1") in first.button_list
    second = await bot.press(SEC_A, cb.AssignPick("pg", 1).pack())  # 13 in Alpha and 2 in Alpha-1
    assert len([d for _, d in second.button_list if (d or "").startswith("asg:m:")]) == 7
    assert "第 2/2 页" in second.plain


async def test_team_assignment_reaches_every_member(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/team add Shock")
    for who in ("@mia", "@max", "@mo"):
        await bot.send(SEC_A, f"/team Shock add {who}")
    task_id = await assign(bot, SEC_A, "抢修", team="Shock")
    assert set(await states(bot, task_id)) == {MEM_A1, MEM_A2, MEM_A1X}
    task = await bot.store.tasks.get(task_id)
    assert task is not None and task.team_id is not None
    for user in (MEM_A1, MEM_A2, MEM_A1X):
        assert len(task_copies(bot, user)) == 1


async def test_assign_from_a_need(bot: SandboxBot, org: Org) -> None:
    now = bot.clock.now().isoformat()
    need_id = await bot.store.db.execute(
        "INSERT INTO needs(branch_id, reporter_id, category, urgency, for_self, details,"
        " created_at, updated_at) VALUES (?, ?, 'food', 'urgent', 1, ?, ?, ?)",
        (org.a, MEM_A2, "需要 大米 和 食用油 两位老人", now, now))
    # Someone else's subtree: refused, nothing starts.
    bot.sandbox.user_presses(SEC_B, 1, cb.AssignNeed(need_id).pack(), check=False)
    await bot.settle()
    assert any(e[2] == "assign" and not e[4] for e in await bot.store.audit.entries())
    bot.sandbox.user_presses(SEC_A, 1, cb.AssignNeed(need_id).pack(), check=False)
    await bot.settle()
    prompt = bot.sandbox.last(SEC_A)
    assert f"为需求 #{need_id} 分派任务" in prompt.plain and "食物：需要 大米" in prompt.plain
    await bot.press(SEC_A, cb.AssignStep("keep").pack())
    await bot.press(SEC_A, cb.AssignStep("skip").pack())
    await bot.press(SEC_A, cb.AssignStep("skip").pack())
    await bot.press(SEC_A, "Mia")
    summary = await bot.press(SEC_A, cb.AssignStep("ok").pack())
    assert f"对应需求 #{need_id}" in summary.plain
    await bot.press(SEC_A, cb.AssignStep("send").pack())
    await bot.drain()
    task = (await bot.store.tasks.open_of(MEM_A1))[0][0]
    assert task.need_id == need_id and task.title.startswith("食物：需要")
    need = await bot.store.needs.get(need_id)
    assert need is not None
    assert need.status == "assigned"
    await bot.press(MEM_A1, cb.Task(task.id, "acc").pack())
    await bot.press(MEM_A1, cb.Task(task.id, "done").pack())
    await bot.send(MEM_A1, "已送到")
    need = await bot.store.needs.get(need_id)
    assert need is not None and need.status == "resolved"


# --- access and forged buttons ------------------------------------------------------------------

async def test_access_refusals_and_forged_buttons(bot: SandboxBot, org: Org) -> None:
    assert "书记" in (await bot.send(MEM_A1, "/assign")).plain
    task_id = await assign(bot, SEC_A, "值班", ("Mia",))
    # Not the assignee: every answer refused, nothing changes.
    for user in (MEM_A2, MEM_B1, SEC_A, OUTSIDER):
        for action in ("acc", "dec", "done"):
            bot.sandbox.user_presses(user, 1, cb.Task(task_id, action).pack(), check=False)
            await bot.settle()
            assert (await states(bot, task_id)) == {MEM_A1: "pending"}
    refusals = [e for e in await bot.store.audit.entries(100) if not e[4]]
    assert len([e for e in refusals if e[2].startswith("task_")]) >= 12
    # Forged: unknown task, malformed data.
    for data in ("tk:999:acc", "tk:999:close", "tk:abc:acc", "tk:1:zzz"):
        bot.sandbox.user_presses(MEM_A1, 1, data, check=False)
        await bot.settle()
    assert (await states(bot, task_id)) == {MEM_A1: "pending"}
    # Done before accepting is refused.
    bot.sandbox.user_presses(MEM_A1, 1, cb.Task(task_id, "done").pack(), check=False)
    await bot.settle()
    assert (await states(bot, task_id)) == {MEM_A1: "pending"}
    # Secretaries outside the branch and members cannot see, mark done or cancel.
    for user in (SEC_B, SEC_A1, MEM_A1):
        assert "Alpha" in (await bot.send(user, f"/task {task_id}")).plain
        for action in ("close", "cancel"):
            bot.sandbox.user_presses(user, 1, cb.Task(task_id, action).pack(), check=False)
            await bot.settle()
    task = await bot.store.tasks.get(task_id)
    assert task is not None and task.status == "open"
    assert "没有这个任务" in (await bot.send(SEC_A, "/task 999")).plain
    assert "请发送：/task" in (await bot.send(SEC_A, "/task x")).plain
    # The secretary cancels; the assignee is told; presses after that change nothing.
    await bot.send(SEC_A, f"/task {task_id}")
    await bot.press(SEC_A, cb.Task(task_id, "cancel").pack())
    await bot.press(SEC_A, cb.TaskCancel(task_id, True).pack())
    await bot.drain()
    assert "已被书记取消" in bot.sandbox.last(MEM_A1).plain
    bot.sandbox.user_presses(SEC_A, 1, cb.Task(task_id, "close").pack(), check=False)
    bot.sandbox.user_presses(MEM_A1, 1, cb.Task(task_id, "acc").pack(), check=False)
    await bot.settle()
    task = await bot.store.tasks.get(task_id)
    assert task is not None and task.status == "cancelled"
    assert (await states(bot, task_id)) == {MEM_A1: "pending"}


async def test_secretary_marks_done(bot: SandboxBot, org: Org) -> None:
    task_id = await assign(bot, SEC_A, "清点", ("Mia", "Max"))
    await bot.send(SEC_A, f"/task {task_id}")
    await bot.press(SEC_A, cb.Task(task_id, "close").pack())
    task = await bot.store.tasks.get(task_id)
    assert task is not None and task.status == "done" and task.closed_by == SEC_A


# --- follow-up ----------------------------------------------------------------------------------

def count(bot: SandboxBot, user: int, text: str) -> int:
    return sum(text in m.plain for m in bot.sandbox.bot_messages(user))


async def test_reminder_then_escalation_once_each(bot: SandboxBot, org: Org) -> None:
    task_id = await assign(bot, SEC_A, "登记", ("Mia", "Max"))
    await bot.press(MEM_A2, cb.Task(task_id, "acc").pack())
    store, translate = bot.store, bot.services.translate
    bot.clock.advance(minutes=119)
    assert await followup.run_due(store, translate, bot.clock.now()) == 0
    bot.clock.advance(minutes=1)
    assert await followup.run_due(store, translate, bot.clock.now()) == 1
    assert await followup.run_due(store, translate, bot.clock.now()) == 0
    await bot.drain()
    assert count(bot, MEM_A1, "提醒：你还没有答复任务") == 1
    assert count(bot, MEM_A2, "提醒") == 0
    bot.clock.advance(hours=2)
    assert await followup.run_due(store, translate, bot.clock.now()) == 1
    assert await followup.run_due(store, translate, bot.clock.now()) == 0
    await bot.drain()
    assert count(bot, SEC_A, f"Mia 还没有答复任务 #{task_id}") == 1
    bot.clock.advance(hours=10)
    assert await followup.run_due(store, translate, bot.clock.now()) == 0
    assert await store.followups.of(task_id) == [(MEM_A1, "remind"), (MEM_A1, "escalate")]


async def test_assignees_with_nothing_more_to_come_are_not_read_again(bot: SandboxBot,
                                                                     org: Org) -> None:
    silent = await assign(bot, SEC_A, "登记", ("Mia",))
    answered = await assign(bot, SEC_A, "送饭", ("Max",), due="3h")
    await bot.press(MEM_A2, cb.Task(answered, "acc").pack())
    store, translate = bot.store, bot.services.translate

    async def watched() -> set[tuple[int, int]]:
        return {(w.task_id,
                 w.assignee.member_id) for w in await store.followups.assignees_to_follow()}

    assert await watched() == {(silent, MEM_A1), (answered, MEM_A2)}
    bot.clock.advance(hours=2)
    assert await followup.run_due(store, translate, bot.clock.now()) == 1  # Mia reminded
    assert await watched() == {(silent, MEM_A1), (answered, MEM_A2)}
    bot.clock.advance(hours=2)  # Mia escalated (no due time: done); Max overdue (accepted)
    assert await followup.run_due(store, translate, bot.clock.now()) == 3
    assert await watched() == set()
    bot.clock.advance(days=30)
    assert await followup.run_due(store, translate, bot.clock.now()) == 0


async def test_answer_window_is_inherited(bot: SandboxBot, org: Org) -> None:
    await bot.store.followups.set_answer_within(org.a, 30)
    await assign(bot, SEC_A1, "A1 的任务", ("Mo",))
    bot.clock.advance(minutes=30)
    assert await followup.run_due(bot.store, bot.services.translate, bot.clock.now()) == 1


async def test_the_job_runs_follow_ups(bot: SandboxBot, org: Org) -> None:
    await assign(bot, SEC_A, "登记", ("Mia",))
    bot.clock.advance(hours=2)
    jobs = bot.app.job_queue.get_jobs_by_name("tick") if bot.app.job_queue else ()
    assert len(jobs) == 1
    await jobs[0].run(bot.app)
    await jobs[0].run(bot.app)
    await bot.drain()
    assert count(bot, MEM_A1, "提醒：你还没有答复任务") == 1


async def test_restart_between_reminder_and_escalation(tmp_path: Path) -> None:
    db = tmp_path / "frontline.db"
    config = Config(admins=frozenset({ADMIN}))
    first = SandboxBot(config, clock=ManualClock(NOW), db_path=db)
    async with first:
        await build_org(first)
        task_id = await assign(first, SEC_A, "登记", ("Mia",))
        first.clock.advance(hours=2)
        assert await followup.run_due(first.store, first.services.translate,
                                      first.clock.now()) == 1
        await first.drain()
        assert count(first, MEM_A1, "提醒") == 1
    clock = first.clock
    second = SandboxBot(config, clock=clock, db_path=db)
    for user, name in ((SEC_A, "Sa"), (MEM_A1, "Mia")):  # the same people, a new sandbox
        second.user(user, name)
    async with second:  # start-up catches up: nothing due yet, nothing repeated
        await second.drain()
        assert second.sandbox.calls_of("sendMessage") == []
        clock.advance(hours=2)
        assert await followup.run_due(second.store, second.services.translate,
                                      clock.now()) == 1
        assert await followup.run_due(second.store, second.services.translate,
                                      clock.now()) == 0
        await second.drain()
        assert count(second, SEC_A, "Mia 还没有答复任务") == 1
    third = SandboxBot(config, clock=clock, db_path=db)
    async with third:
        await third.drain()
        assert third.sandbox.calls_of("sendMessage") == []
        assert await third.store.followups.of(task_id) == [(MEM_A1, "remind"),
                                                           (MEM_A1, "escalate")]


async def test_overdue_flagged_once(bot: SandboxBot, org: Org) -> None:
    task_id = await assign(bot, SEC_A, "送饭", ("Mia", "Max", "Mo"), due="1h")
    await bot.press(MEM_A2, cb.Task(task_id, "acc").pack())
    await bot.press(MEM_A1X, cb.Task(task_id, "acc").pack())
    await bot.press(MEM_A1X, cb.Task(task_id, "done").pack())
    await bot.press(MEM_A1X, cb.TaskSkip().pack())
    store, translate = bot.store, bot.services.translate
    bot.clock.advance(minutes=61)
    # Mia: no reminder yet (window 2h), but overdue; Max overdue; Mo done.
    assert await followup.run_due(store, translate, bot.clock.now()) == 4
    assert await followup.run_due(store, translate, bot.clock.now()) == 0
    await bot.drain()
    assert count(bot, MEM_A1, "已过截止时间") == 1
    assert count(bot, MEM_A2, "已过截止时间") == 1
    assert count(bot, MEM_A1X, "已过截止时间") == 0
    assert count(bot, SEC_A, "已过截止时间") == 2
    overdue_done = [m for m in bot.sandbox.bot_messages(MEM_A2) if "已过截止时间" in m.plain]
    assert overdue_done[0].button_list == [("🏁 完成", f"tk:{task_id}:done")]
