"""Issue 14, the daily loop: /task in one message, Cancel task asks first, short answers to
unknown text, commands in groups, the group administrators' menu, /who's reminder button,
/checkin in words."""

from __future__ import annotations

import pytest

from bot.clock import local_day
from bot.i18n import LANGUAGES, Translator
from bot.rules import callbacks as cb
from bot.rules import status_words
from bot.rules.vocab import Status
from bot.sandbox.harness import SandboxBot
from tests.e2e.tasks.test_tasks import assign
from tests.helpers import MEM_A1, MEM_A1X, MEM_A2, MEM_B1, OUTSIDER, SEC_A, SEC_A1, SEC_B, Org, t


async def test_task_view_is_one_message_with_its_buttons(bot: SandboxBot, org: Org) -> None:
    task_id = await assign(bot, SEC_A, "清点", ("Mia", "Mo"))
    await bot.press(MEM_A1X, cb.Task(task_id, "dec").pack())
    await bot.send(MEM_A1X, "在卡口值班")
    before = len(bot.sandbox.bot_messages(SEC_A))
    await bot.send(SEC_A, f"/task {task_id}")
    sent = bot.sandbox.bot_messages(SEC_A)[before:]
    assert len(sent) == 1, [m.plain for m in sent]
    shown = sent[0].plain
    assert "Mia：" in shown and "Mo：" in shown and "原因：在卡口值班" in shown
    assert [label for label, _ in sent[0].button_list] == [t("task.button_close"),
                                                           t("task.button_cancel")]


async def test_cancel_task_asks_first_then_tells_the_assignees(bot: SandboxBot, org: Org) -> None:
    task_id = await assign(bot, SEC_A, "清点", ("Mia", "Mo"))
    await bot.send(SEC_A, f"/task {task_id}")
    told_before = {u: len(bot.sandbox.bot_messages(u)) for u in (MEM_A1, MEM_A1X)}
    # One tap asks; nothing is cancelled and nobody is told yet.
    ask = await bot.press(SEC_A, t("task.button_cancel"))
    await bot.drain()
    assert ask.plain == t("task.cancel_ask", id=task_id, title="清点", n=2)
    assert ask.button_list == [(t("task.button_cancel_yes"), cb.TaskCancel(task_id, True).pack()),
                               (t("task.button_cancel_no"), cb.TaskCancel(task_id, False).pack())]
    task = await bot.store.tasks.get(task_id)
    assert task is not None and task.status == "open"
    assert {u: len(bot.sandbox.bot_messages(u)) for u in told_before} == told_before
    # "Keep it": still open.
    kept = await bot.press(SEC_A, t("task.button_cancel_no"))
    assert kept.plain == t("task.cancel_kept", id=task_id) and kept.button_list == []
    task = await bot.store.tasks.get(task_id)
    assert task is not None and task.status == "open"
    # Ask again and confirm: cancelled, audited, both assignees told.
    await bot.send(SEC_A, f"/task {task_id}")
    await bot.press(SEC_A, t("task.button_cancel"))
    done = await bot.press(SEC_A, t("task.button_cancel_yes"))
    assert done.plain == t("task.now_cancelled", id=task_id, n=2)
    await bot.drain()
    task = await bot.store.tasks.get(task_id)
    assert task is not None and task.status == "cancelled" and task.closed_by == SEC_A
    for user in (MEM_A1, MEM_A1X):
        assert "已被书记取消" in bot.sandbox.last(user).plain
    entries = [e for e in await bot.store.audit.entries(50) if e[2] == "task_cancelled"]
    assert len(entries) == 1
    # The confirmation pressed again changes nothing and tells nobody twice.
    bot.sandbox.user_presses(SEC_A, done.message_id, cb.TaskCancel(task_id, True).pack(),
                             check=False)
    await bot.drain()
    assert sum("已被书记取消" in m.plain for m in bot.sandbox.bot_messages(MEM_A1)) == 1


async def test_unknown_text_is_answered_in_one_line(bot: SandboxBot, org: Org) -> None:
    for user, text in ((MEM_A1, "你好"), (SEC_A, "/frobnicate"), (SEC_A, "/who_is_there")):
        answer = await bot.send(user, text)
        assert len(answer.plain.splitlines()) == 1 and "/help" in answer.plain, answer.plain
    # Someone in no branch yet is also told how to join.
    answer = await bot.send(OUTSIDER, "你好")
    assert answer.plain == t("help.free_text") + "\n" + t("help.not_member")


GROUP = -1001000000042


async def test_commands_in_a_group_are_answered(bot: SandboxBot, org: Org) -> None:
    bot.sandbox.add_group(GROUP, "Alpha 群", members=[SEC_A, MEM_A1, OUTSIDER])
    private = ("💬 打开私聊", "https://t.me/frontline_sandbox_bot")
    # /help there says what works there, with the way to the private chat.
    shown = await bot.send(MEM_A1, "/help", chat_id=GROUP)
    assert shown.plain == t("group.help")
    assert shown.button_list == [private]
    # What belongs there works there.
    linked = await bot.send(SEC_A, "/linkgroup", chat_id=GROUP)
    assert "已绑定到「Alpha」" in linked.plain
    # Everything else: one line to use the private chat, with the button; in the sender's
    # language; a command addressed to another bot is left to it.
    for user, text in ((MEM_A1, "/checkin"), (SEC_A, "/who@frontline_sandbox_bot"),
                       (OUTSIDER, "/frobnicate"), (MEM_A1, "/start")):
        answer = await bot.send(user, text, chat_id=GROUP)
        command = text.split("@")[0]
        assert answer.plain == t("group.private_only", command=command), answer.plain
        assert answer.button_list == [private]
    before = len(bot.sandbox.bot_messages(GROUP))
    await bot.send(MEM_A1, "/who@another_bot", chat_id=GROUP)
    await bot.send(MEM_A1, "大家好", chat_id=GROUP)
    assert len(bot.sandbox.bot_messages(GROUP)) == before
    await bot.send(MEM_A1, "/lang en")
    answer = await bot.send(MEM_A1, "/tasks", chat_id=GROUP)
    assert answer.plain == t("group.private_only", "en", command="/tasks")
    # Nothing was done in the group: no check-in was recorded.
    assert await bot.store.checkins.latest_status(MEM_A1) is None


async def test_group_administrators_have_linkgroup_in_their_menu(bot: SandboxBot,
                                                                  org: Org) -> None:
    admins = {"type": "all_chat_administrators"}
    for language, link in (("zh", "把本群绑定到我的支部"), ("en", "Link this group to my branch")):
        menu = bot.sandbox.commands(admins, language)
        assert [c["command"] for c in menu] == ["linkgroup", "unlinkgroup", "help"]
        assert menu[0]["description"] == link
        groups = bot.sandbox.commands({"type": "all_group_chats"}, language)
        assert [c["command"] for c in groups] == ["help"]
    assert bot.sandbox.commands(admins) == bot.sandbox.commands(admins, "zh")


@pytest.mark.parametrize(("text", "status", "note"), [
    ("/checkin 身体不适 头疼", "unwell", "头疼"),
    ("/checkin 🤒 身体不适 头疼", "unwell", "头疼"),
    ("/checkin 不舒服", "unwell", None),
    ("/checkin 生病", "unwell", None),
    ("/checkin sick", "unwell", None),
    ("/checkin 隔离", "quarantined", None),
    ("/checkin 隔离中", "quarantined", None),
    ("/checkin quarantine", "quarantined", None),
    ("/checkin 在岗", "on_duty", None),
    ("/checkin On duty at the gate", "on_duty", "at the gate"),
    ("/checkin on-duty", "on_duty", None),
    ("/checkin 🟢", "on_duty", None),
    ("/checkin 可调用", "available", None),
    ("/checkin Available", "available", None),
    ("/checkin 休息 今天轮休", "off", "今天轮休"),
    ("/checkin day off", "off", None),
])
async def test_checkin_in_words(bot: SandboxBot, org: Org, text: str, status: str,
                                note: str | None) -> None:
    await bot.send(MEM_A1, text)
    day = local_day(bot.clock.now(), "Asia/Shanghai")
    saved = await bot.store.checkins.get(MEM_A1, day)
    assert saved is not None and (saved.status, saved.note) == (status, note)


async def test_every_button_word_names_its_status() -> None:
    translate = Translator()
    for status in Status:
        for language in LANGUAGES:
            label = translate(language, f"status.{status}")
            assert status_words.status_of(translate, label.split()) == (status,
                                                                       len(label.split()))
            assert status_words.status_of(translate, [label.split()[-1]]) is not None
    # No word names two statuses.
    seen: dict[str, Status] = {}
    for status, words in status_words.SYNONYMS.items():
        for word in words:
            assert seen.setdefault(status_words.normal(word), status) == status, word


async def test_an_unknown_status_is_refused_with_the_choices_in_the_users_words(
        bot: SandboxBot, org: Org) -> None:
    refused = await bot.send(MEM_A1, "/checkin 出差")
    assert refused.plain == t("checkin.bad_status", value="出差",
                              choices="在岗、可调用、身体不适、隔离中、休息")
    await bot.send(MEM_A1, "/lang en")
    refused = await bot.send(MEM_A1, "/checkin travelling")
    assert "on_duty" not in refused.plain
    assert refused.plain == t("checkin.bad_status", "en", value="travelling",
                              choices="On duty, Available, Unwell, Quarantined, Off")
    assert await bot.store.checkins.latest_status(MEM_A1) is None


def reminders(bot: SandboxBot, user: int) -> int:
    return sum(m.plain.startswith("⏰") and "还没有报到" in m.plain
               for m in bot.sandbox.bot_messages(user))


async def test_who_reminds_the_silent_once_an_hour(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/checkin 在岗")
    silent = (SEC_A, MEM_A2, SEC_A1, MEM_A1X)  # Alpha's subtree but Mia
    who = await bot.send(SEC_A, "/who")
    label = t("who.button_remind", n=4)
    assert (label, cb.WhoRemind(org.a).pack()) in who.button_list
    done = await bot.press(SEC_A, label)
    assert done.plain == t("who.reminded", branch="Alpha", n=4)
    await bot.drain()
    assert [reminders(bot, u) for u in (*silent, MEM_A1, MEM_B1)] == [1, 1, 1, 1, 0, 0]
    last = bot.sandbox.last(MEM_A1X)
    assert cb.Checkin("on_duty").pack() in [data for _, data in last.button_list]
    audited = [e for e in await bot.store.audit.entries(50) if e[2] == "who_remind"]
    assert [(e[1], e[3], e[4]) for e in audited] == [(SEC_A, org.a, True)]
    assert '"reminded": 4' in (audited[0][5] or "")
    # Within the hour: refused with the wait, nobody reminded twice; the sub-branch's
    # secretary pressing for their own branch is a branch of its own.
    bot.clock.advance(minutes=20)
    update = bot.sandbox.press(SEC_A, cb.WhoRemind(org.a).pack())
    await bot.drain()
    answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
    assert answer["text"] == t("who.remind_wait", branch="Alpha", minutes=40)
    assert [reminders(bot, u) for u in silent] == [1, 1, 1, 1]
    # After the hour, again; those who checked in since are left alone.
    bot.clock.advance(minutes=41)
    await bot.send(MEM_A2, "/checkin 在岗")
    await bot.send(SEC_A, "/who")
    again = await bot.press(SEC_A, t("who.button_remind", n=3))
    assert again.plain == t("who.reminded", branch="Alpha", n=3)
    await bot.drain()
    assert [reminders(bot, u) for u in silent] == [2, 1, 2, 2]


async def test_who_reminder_is_for_secretaries_of_the_branch(bot: SandboxBot, org: Org) -> None:
    for user in (SEC_B, SEC_A1, MEM_A1):
        update = bot.sandbox.user_presses(user, 1, cb.WhoRemind(org.a).pack(), check=False)
        await bot.drain()
        answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
        assert answer.get("show_alert"), answer
    assert [reminders(bot, u) for u in (SEC_A, MEM_A2, MEM_A1X)] == [0, 0, 0]
    assert [e for e in await bot.store.audit.entries(50) if e[2] == "who_remind"] == []
    # Nobody left to remind: said so, nothing audited.
    for user in (SEC_A, MEM_A1, MEM_A2, SEC_A1, MEM_A1X):
        await bot.send(user, "/checkin 在岗")
    update = bot.sandbox.user_presses(SEC_A, 1, cb.WhoRemind(org.a).pack(), check=False)
    await bot.drain()
    assert bot.sandbox.callback_answers[update["callback_query"]["id"]]["text"] == \
        t("who.remind_nobody")
    assert "⏰" not in "".join(label for label, _ in (await bot.send(SEC_A, "/who")).button_list)
