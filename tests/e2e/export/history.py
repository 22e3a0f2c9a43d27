"""A few days of history in the small organization of `tests.helpers.build_org`, made through
the bot where a command exists and written straight into the database where it does not."""

from __future__ import annotations

from bot.sandbox.harness import SandboxBot
from tests.helpers import ADMIN, MEM_A1, MEM_A1X, MEM_A2, SEC_A, Org

PERIOD = "2026-03-02..2026-03-03"


async def make_history(bot: SandboxBot, org: Org) -> None:
    """Check-ins on 03-02 and 03-03 (Shanghai), a need resolved through a task, a task with
    an acceptance and a decline, two visits (one before the period), a commendation and
    notes; the clock ends on 03-03 08:30 in Shanghai."""
    await bot.send(MEM_A1, "/checkin on_duty")
    await bot.send(MEM_A2, "/checkin unwell 发烧")
    bot.clock.advance(days=1)
    await bot.send(MEM_A1, "/checkin quarantined")
    db = bot.store.db
    need = await db.execute(
        "INSERT INTO needs(branch_id, reporter_id, category, urgency, for_self, details, status,"
        " created_at, updated_at, closed_at) VALUES (?, ?, 'food', 'urgent', 1, '大米',"
        " 'resolved', '2026-03-02T02:00:00+00:00', '2026-03-02T05:00:00+00:00',"
        " '2026-03-02T05:00:00+00:00')",
        (org.a, MEM_A1))
    task = await db.execute(
        "INSERT INTO tasks(branch_id, created_by, title, due_at, need_id, created_at)"
        " VALUES (?, ?, '送米', '2026-03-02T10:00:00+00:00', ?, '2026-03-02T02:30:00+00:00')",
        (org.a, SEC_A, need))
    await db.execute(
        "INSERT INTO assignments(task_id, member_id, state, assigned_at, answered_at)"
        " VALUES (?, ?, 'accepted', '2026-03-02T02:30:00+00:00', '2026-03-02T03:15:00+00:00')",
        (task, MEM_A1))
    await db.execute(
        "INSERT INTO assignments(task_id, member_id, state, assigned_at, answered_at,"
        " decline_reason) VALUES (?, ?, 'declined', '2026-03-02T02:30:00+00:00',"
        " '2026-03-02T02:40:00+00:00', '在隔离')", (task, MEM_A2))
    zone = await db.execute("INSERT INTO zones(branch_id, name, created_at) VALUES (?, '三号楼',"
                            " '2026-03-01T00:00:00+00:00')", (org.a1,))
    household = await db.execute(
        "INSERT INTO households(zone_id, label, people, responsible_id, created_at, updated_at)"
        " VALUES (?, '3-402', 2, ?, '2026-03-01T00:00:00+00:00', '2026-03-01T00:00:00+00:00')",
        (zone, MEM_A1X))
    for at, note in (("2026-03-01T02:00:00+00:00", None), ("2026-03-02T04:00:00+00:00", "都好")):
        await db.execute("INSERT INTO visits(household_id, member_id, outcome, note, at)"
                         " VALUES (?, ?, 'well', ?, ?)", (household, MEM_A1X, note, at))
    await bot.send(SEC_A, "/commend @mia 坚守卡口")
    await bot.send(SEC_A, "/note @mia 迟到一次")
    await bot.send(ADMIN, "/note @sa 自我批评")
