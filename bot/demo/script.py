"""`frontline demo`: a scripted day of a small organization, on the sandbox, as a transcript.

Everything is real but Telegram: the Application, the handlers, SQLite (in a temporary
directory) and the rules. The clock is moved by the script.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TextIO

from bot.clock import ManualClock
from bot.config import Config, DefaultsConfig
from bot.demo.texts import (
    DECLINE,
    DONE,
    HOUSEHOLDS,
    NEED,
    NOTICE,
    ROSTER,
    VISIT_NEED,
    VISIT_NOTE,
    WHOM,
)
from bot.demo.transcript import Block, Transcript
from bot.i18n import Translator
from bot.rules import callbacks as button
from bot.rules.invites import create_invite
from bot.sandbox.harness import SandboxBot

ADMIN, SEC, SUBSEC = 9001, 9002, 9003
MEMBERS = {
    "zh": [(9011, "王芳"), (9012, "李强"), (9013, "张伟"), (9014, "陈静"), (9015, "刘洋")],
    "en": [(9011, "Amina"), (9012, "Ben"), (9013, "Chen"), (9014, "Dana"), (9015, "Eli")],
}
NAMES = {
    "zh": {"org": "东湖街道党工委", "branch": "东湖社区党支部", "group": "第一网格党小组",
           "admin": "管理员", "sec": "赵书记", "subsec": "孙丽", "late": "英文成员 Sam",
           "taps": "点击", "opens": "点开邀请链接", "own_link": "点开自己的个人链接",
           "toast": "（提示）", "levels": "街道党工委/社区党支部/网格党小组",
           "titles": "书记/书记/组长",
           "scheduler": "调度器发出的消息：{n} 条"},
    "en": {"org": "East Lake Committee", "branch": "East Lake Branch", "group": "Grid 1 Group",
           "admin": "Admin", "sec": "Secretary Zhao", "subsec": "Sun Li",
           "late": "Sam", "taps": "taps", "opens": "opens the invite link",
           "own_link": "opens their personal link",
           "levels": "Committee/Branch/Group", "titles": "secretary/secretary/leader",
           "toast": "(toast)", "scheduler": "messages queued by the scheduler: {n}"},
}
HEAD = {
    "zh": ["Frontline 演示：东湖社区的一天（内置沙盒，无需令牌，不联网）",
           "1. 管理员建立组织，给各层级命名；书记凭邀请链接加入",
           "2. 书记上传名册，发出个人链接；成员凭自己的链接加入"
           "（一人尚未加入，一人用了过期的邀请）",
           "3. 08:00 调度发出报到提示：一键选择状态，可加备注",
           "4. 10:00 提醒未报到的人；书记查看谁还没报到",
           "5. 补报、改报、切换语言，再查一次",
           "6. 书记关联网格群，发布通知，成员确认收到",
           "7. 成员报告需求，书记指派任务：一人拒绝，一人接受并完成",
           "8. 责任区住户：书记上传住户表，成员走访，一户需要帮助，隔离成员的住户移交",
           "9. 20:00 每日汇总：支部的由调度自动发送，全组织的随时可查",
           "10. 向上报告：汇总之后附上图表；书记导出本支部的表格，再看一张图表",
           "演示结束：以上每条消息都经过真实的 PTB Application 与 SQLite。"],
    "en": ["Frontline demo: a day at East Lake (built-in sandbox: no token, no network)",
           "1. The admin sets up the organization and names its levels; a secretary joins by "
           "invite link",
           "2. The secretary uploads the roster and sends personal links; members join by their "
           "own link (one has not yet; one tries an expired invite)",
           "3. 08:00 the scheduler prompts everyone: one tap checks in, a note is optional",
           "4. 10:00 the silent are reminded; the secretary asks who has not checked in",
           "5. Late check-ins, a change of status, a language switch, and /who again",
           "6. A group is linked; the secretary broadcasts; members acknowledge",
           "7. A need is reported and assigned: one member declines, another does it",
           "8. Households: the secretary uploads the list, members visit, one household "
           "needs help, a quarantined member's households are handed over",
           "9. 20:00 the daily digest: the branch's sent by the scheduler, the root's on demand",
           "10. Reporting upward: the digest's chart follows; the secretary exports the "
           "branch's workbook and asks for a chart",
           "End of demo: every message above went through the real PTB Application and SQLite."],
}


async def run_demo(*, language: str = "zh", out: TextIO) -> list[Block]:
    """Play the scripted day and print the transcript; return its actions (`Block`)."""
    names = NAMES[language]
    head = HEAD[language]
    # 07:55 in Shanghai on a Monday.
    clock = ManualClock(datetime(2026, 3, 1, 23, 55, tzinfo=UTC))
    # The organization's own language is the demo's: a group (and anyone whose Telegram
    # speaks neither language) is written to in it.
    config = Config(admins=frozenset({ADMIN}), defaults=DefaultsConfig(locale=language))
    async with SandboxBot(config, clock=clock) as bot:
        people = {ADMIN: names["admin"], SEC: names["sec"], SUBSEC: names["subsec"]}
        bot.user(ADMIN, names["admin"], language_code=language)
        bot.user(SEC, names["sec"], language_code=language)
        bot.user(SUBSEC, names["subsec"], language_code=language)
        for user_id, name in MEMBERS[language]:
            bot.user(user_id, name, username=f"m{user_id}", language_code=language)
            people[user_id] = name
        late = 9016
        bot.user(late, names["late"], language_code="zh")
        people[late] = names["late"]
        show = Transcript(bot, out, people, names)
        show.say(head[0])

        # 1. The admin's `frontline init` (done here directly), then invites by chat.
        show.section(head[1])
        store, now = bot.store, clock.now()
        org = await store.branches.create(names["org"], None, at=now)
        show.say(f"  $ frontline init --org {names['org']}   → #{org}")
        await show.send(ADMIN, f"/branch add {names['branch']}")
        branch = org + 1
        await show.send(ADMIN, f"/branch levels {names['levels']}")
        await show.send(ADMIN, f"/branch titles {names['titles']}")
        await show.send(ADMIN, f"/invite secretary {branch}")
        code = _code(bot.sandbox.last(ADMIN).plain)
        await show.send(SEC, f"/start {code}", shown=f"/start {code}  ({names['opens']})")
        await show.send(SEC, f"/branch add {names['group']}")
        group = branch + 1

        # 2. The roster, personal links, members joining by their own link.
        show.section(head[2])
        translate = Translator()
        roster = ROSTER[language].format(branch=names["branch"], group=names["group"])
        await show.send_document(SEC, roster.encode(), "roster.csv", "/import roster")
        await show.press(SEC, translate(language, "rosterimport.button_ok"))
        await show.send(SEC, "/links")
        await show.press(SEC, translate(language, "links.sub_button", branch=names["group"],
                                        n=4))
        joining = [*MEMBERS[language], (SUBSEC, names["subsec"])]
        for user_id, name in joining:
            waiting = [e for e in await store.roster.waiting(org) if e.name == name]
            link = await store.links.of_person(waiting[0].id, clock.now())
            assert link is not None
            await show.send(user_id, f"/start {link.code}",
                            shown=f"/start {link.code}  ({names['own_link']})")
        # Sam is not on the roster: a general invite, first an expired one (made a month ago,
        # valid for a week), then the group's open one.
        open_code = await bot.invite_code(group, "member", expires_in=None)
        stale = await create_invite(store, group, "member", created_by=None,
                                    now=now - timedelta(days=30), expires_in=timedelta(days=7))
        await show.send(late, f"/start {stale.code}")
        await show.send(late, f"/start {open_code}")

        # 3. Morning check-in.
        clock.advance(minutes=5)
        show.section(head[3])
        first, second, third, fourth, _fifth = (uid for uid, _ in MEMBERS[language])
        await show.scheduler()
        await show.press(first, button.Checkin("on_duty").pack())
        await show.send(second, "/checkin")
        await show.press(second, button.Checkin("unwell").pack())
        await show.press(second, button.CheckinNote().pack())
        await show.send(second, "发烧 38.2℃，在家休息" if language == "zh" else
                        "fever 38.2°C, resting at home")
        await show.send(fourth, "/checkin quarantined")
        await show.send(SUBSEC, "/checkin")
        await show.press(SUBSEC, button.Checkin("on_duty").pack())

        # 4. The reminder to the silent; the secretary looks.
        clock.advance(hours=2)
        show.section(head[4])
        await show.scheduler()
        await show.send(SEC, "/who")
        await show.send(SUBSEC, f"/who {branch}")

        # 5. Late and changed check-ins.
        clock.advance(minutes=20)
        show.section(head[5])
        await show.send(third, "/checkin")
        await show.press(third, button.Checkin("available").pack())
        await show.send(first, "/checkin")
        await show.press(first, button.Checkin("off").pack())
        await show.send(late, "/lang")
        await show.press(late, button.Lang("en").pack())
        await show.send(late, "/checkin")
        await show.press(late, button.Checkin("on_duty").pack())
        await show.send(SEC, "/who")
        await show.send(SEC, "/roster")
        await show.send(third, "/me")

        # 6. A linked group, a broadcast through the outbox, acknowledgements.
        clock.advance(minutes=40)
        show.section(head[6])
        group_chat = -1001000000001
        bot.sandbox.add_group(group_chat, names["group"], members=[SUBSEC, fourth, _fifth, late])
        show.names[group_chat] = "👥 " + names["group"]
        await show.send_group(SUBSEC, group_chat, "/linkgroup")
        await show.send(SEC, "/broadcast")
        await show.send(SEC, NOTICE[language])
        await show.press(SEC, button.BroadcastSetup("subtree").pack())
        await show.press(SEC, button.BroadcastSetup("groups_y").pack())
        await show.press(SEC, button.BroadcastSetup("ack_y").pack())
        await show.press(SEC, button.BroadcastSetup("send").pack())
        await show.press(first, button.Ack(1).pack())
        await show.press(third, button.Ack(1).pack())
        await show.press_group(late, group_chat, button.Ack(1).pack())
        await show.send(SEC, "/broadcasts")
        await show.press(SEC, button.BroadcastReport(1, "who").pack())

        # 7. A need, a task for it, a decline, an accept, done, the need resolved.
        clock.advance(minutes=30)
        show.section(head[7])
        await show.send(second, "/need")
        await show.press(second, button.NeedCategoryChoice("medicine").pack())
        await show.press(second, button.NeedUrgencyChoice("urgent").pack())
        await show.press(second, button.NeedWhom("other").pack())
        await show.send(second, WHOM[language])
        await show.send(second, NEED[language])
        await show.press(second, button.NeedSkipLocation().pack())
        await show.press(second, button.NeedStep("ok").pack())
        await show.press(SEC, button.AssignNeed(1).pack())
        await show.press(SEC, button.AssignStep("keep").pack())
        await show.press(SEC, button.AssignStep("skip").pack())
        await show.send(SEC, "2h")
        await show.press(SEC, MEMBERS[language][0][1])
        await show.press(SEC, MEMBERS[language][2][1])
        await show.press(SEC, button.AssignStep("ok").pack())
        await show.press(SEC, button.AssignStep("send").pack())
        await show.press(third, button.Task(1, "dec").pack())
        await show.send(third, DECLINE[language])
        await show.press(first, button.Task(1, "acc").pack())
        await show.press(first, button.Task(1, "done").pack())
        await show.send(first, DONE[language])
        await show.send(SEC, f"/record @m{first}")

        # 8. A zone's households: imported, visited, one needing help, a hand-over.
        clock.advance(hours=2)
        show.section(head[8])
        await households_scene(bot, show, language, first=first, third=third, fourth=fourth)

        # 9. The evening digest: the branch's, sent by the scheduler; the root's, on demand.
        clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
        show.section(head[9])
        await show.scheduler()
        await show.send(ADMIN, "/digest")

        # 10. The digest's chart (the next minute's run), the branch's workbook, a chart.
        clock.advance(minutes=1)
        show.section(head[10])
        await show.scheduler()
        await show.send(SEC, "/export")
        await show.send(SEC, "/chart needs")
        show.say()
        show.say(head[11])
    return show.blocks


async def households_scene(bot: SandboxBot, show: Transcript, language: str, *, first: int,
                           third: int, fourth: int) -> None:
    """The secretary uploads a zone's households; a member visits two, one needs help; the
    households of the member in quarantine are handed to their group's leader."""
    await show.send_document(SEC, HOUSEHOLDS[language].format(third=third, first=first,
                                                              fourth=fourth).encode(),
                             "households.csv", "/import households")
    homes = {h.label: h.id for h in await bot.store.households.of_member(third)}
    await show.send(third, "/visit")
    await show.press(third, button.VisitHousehold(homes["3-101"]).pack())
    await show.press(third, button.VisitOutcome(homes["3-101"], "well").pack())
    await show.press(third, button.VisitSkip(homes["3-101"]).pack())
    await show.send(third, "/visit 3-102")
    await show.press(third, button.VisitOutcome(homes["3-102"], "needs_help").pack())
    await show.send(third, VISIT_NOTE[language])
    await show.press(third, button.NeedForHousehold(homes["3-102"], "medicine").pack())
    await show.press(third, button.NeedUrgencyChoice("urgent").pack())
    await show.send(third, VISIT_NEED[language])
    await show.press(third, button.NeedStep("ok").pack())
    await show.send(SEC, "/coverage")
    await show.press(SEC, button.Handover("start", fourth).pack())
    await show.press(SEC, button.HandoverStep("pick", fourth, SUBSEC).pack())
    await show.press(SEC, button.HandoverStep("confirm", fourth, SUBSEC).pack())
    await show.send(SUBSEC, "/households")


def _code(text: str) -> str:
    """The invite code in an invite message."""
    for line in text.splitlines():
        if "start=" in line:
            return line.rsplit("start=", 1)[1].strip()
    raise ValueError("no invite link in the message")
