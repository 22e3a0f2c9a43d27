"""Broadcasts end to end: the /broadcast conversation, delivery, acknowledgements, reports."""

from __future__ import annotations

import re

import pytest

from bot.rules import callbacks as cb
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
    make_bot,
)

ALPHA_SUBTREE = (MEM_A1, MEM_A2, SEC_A1, MEM_A1X)  # SEC_A is the author: no copy
OUTSIDE_ALPHA = (MEM_B1, SEC_B, ADMIN, OUTSIDER)
GROUP = -1001234567890


async def compose(bot: SandboxBot, user: int, text: str, *, scope: str = "subtree",
                  groups: bool | None = None, ack: bool = True) -> SandboxMessage:
    """Go through /broadcast up to the preview; returns the message with Send / Cancel."""
    await bot.send(user, "/broadcast")
    await bot.send(user, text)
    await bot.press(user, cb.BroadcastSetup(scope).pack())
    if groups is not None:
        await bot.press(user, cb.BroadcastSetup("groups_y").pack() if groups else "bcs:groups_n")
    return await bot.press(user, cb.BroadcastSetup("ack_y").pack() if ack else "bcs:ack_n")


async def broadcast(bot: SandboxBot, user: int, text: str, **choices: bool | str) -> int:
    """Compose, send, let the outbox deliver; returns the broadcast's id."""
    await compose(bot, user, text, **choices)  # type: ignore[arg-type]
    await bot.press(user, cb.BroadcastSetup("send").pack())
    await bot.drain()
    rows = await bot.store.broadcasts.recent(1, limit=1)
    assert rows, "the broadcast was saved"
    return rows[0].id


def received(bot: SandboxBot, chat_id: int) -> list[SandboxMessage]:
    """The broadcast copies in a chat (their text starts with the 📣 header)."""
    return [m for m in bot.sandbox.bot_messages(chat_id)
            if m.plain.startswith("📣 ") and "·" in m.plain.splitlines()[0]]


def send_photo(bot: SandboxBot, user: int, caption: str | None) -> None:
    """A user sends a photo with a caption (the sandbox has a helper for documents only)."""
    sandbox = bot.sandbox
    info = sandbox._store_file(b"\x89PNG fake", "photo.jpg", "image/jpeg")
    photo = {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"],
             "width": 800, "height": 600, "file_size": info["file_size"]}
    message = sandbox._add_message(user, False, user, caption, photo=photo)
    sandbox._queue({"message": sandbox._message_json(message)})


async def outbox_count(bot: SandboxBot) -> int:
    return len(bot.sandbox.calls_of("sendMessage")) + len(bot.sandbox.calls_of("sendPhoto"))


# --- the conversation ------------------------------------------------------------------------


async def test_subtree_broadcast_reaches_exactly_the_subtree_with_a_button(
        bot: SandboxBot, org: Org) -> None:
    preview = await compose(bot, SEC_A, "明早八点 <b>集合</b> & 出发")
    assert "将发给 4 名成员、0 个群" in preview.plain
    shown = bot.sandbox.bot_messages(SEC_A)[-2]
    assert shown.plain == "📣 Alpha · Sa\n\n明早八点 <b>集合</b> & 出发"
    await bot.press(SEC_A, cb.BroadcastSetup("send").pack())
    await bot.drain()
    broadcast_id = (await bot.store.broadcasts.recent(org.a))[0].id
    for user in ALPHA_SUBTREE:
        copies = received(bot, user)
        assert len(copies) == 1, user
        copy = copies[0]
        # Escaped: the member sees the tags and the ampersand literally, not as bold.
        assert copy.plain == "📣 Alpha · Sa\n\n明早八点 <b>集合</b> & 出发"
        assert "&lt;b&gt;" in (copy.text or "")
        assert copy.button_list == [("✅ 收到", f"ack:{broadcast_id}")]
    for user in OUTSIDE_ALPHA:
        assert received(bot, user) == [], user
    # The author has only the preview, without a button.
    assert [m.button_list for m in received(bot, SEC_A)] == [[]]


async def test_branch_only_scope(bot: SandboxBot, org: Org) -> None:
    await broadcast(bot, SEC_A, "本支部开会", scope="branch")
    assert [len(received(bot, u)) for u in (MEM_A1, MEM_A2)] == [1, 1]
    assert [received(bot, u) for u in (SEC_A1, MEM_A1X, MEM_B1)] == [[], [], []]
    row = (await bot.store.broadcasts.recent(org.a))[0]
    assert row.scope == "branch" and not row.to_groups and row.ack_required


async def test_no_ack_broadcast_has_no_button(bot: SandboxBot, org: Org) -> None:
    await broadcast(bot, SEC_A1, "知悉即可", ack=False)
    copy = received(bot, MEM_A1X)[0]
    assert copy.button_list == []
    assert received(bot, MEM_A1) == []


@pytest.mark.parametrize("step", ["message", "scope", "groups", "ack", "preview", "button"])
async def test_cancel_at_each_step_saves_nothing(bot: SandboxBot, org: Org, step: str) -> None:
    bot.sandbox.add_group(GROUP, "Alpha 群", members=[SEC_A, MEM_A1])
    await bot.send(SEC_A, "/linkgroup", chat_id=GROUP)
    steps = ["message", "scope", "groups", "ack", "preview"]
    actions = [("send", "/broadcast"), ("send", "通知内容"), ("press", "bcs:subtree"),
               ("press", "bcs:groups_y"), ("press", "bcs:ack_y")]
    upto = steps.index(step) + 1 if step != "button" else len(steps)
    for kind, value in actions[:upto]:
        if kind == "send":
            await bot.send(SEC_A, value)
        else:
            await bot.press(SEC_A, value)
    if step == "button":
        answer = await bot.press(SEC_A, cb.BroadcastSetup("cancel").pack())
    else:
        answer = await bot.send(SEC_A, "/cancel")
    assert "已取消，没有发送任何内容" in answer.plain
    await bot.drain()
    assert await bot.store.broadcasts.recent(org.root) == []
    assert all(received(bot, u) == [] for u in (*ALPHA_SUBTREE, GROUP))
    # The conversation is over: text is free text again, old buttons are stale.
    assert "只认识命令和按钮" in (await bot.send(SEC_A, "hello")).plain


async def test_over_long_text_is_answered_and_asked_again(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/broadcast")
    answer = await bot.send(SEC_A, "长" * 5000)
    assert "内容太长了（5000 字，最多" in answer.plain
    # Still waiting for the message: a shorter one goes on to the scope question.
    answer = await bot.send(SEC_A, "短一点")
    assert ("bcs:subtree" in [d for _, d in answer.button_list])
    assert await bot.store.broadcasts.recent(org.root) == []


async def test_longest_allowed_text_is_delivered_and_reminded(bot: SandboxBot, org: Org) -> None:
    ask = await bot.send(SEC_A, "/broadcast")
    limit = int(re.search(r"文字（最多 (\d+) 字）", ask.plain).group(1))  # type: ignore[union-attr]
    assert 3800 < limit < 4096
    body = "&" * limit  # escaping makes the HTML longer, not what Telegram counts
    await bot.send(SEC_A, body)
    await bot.press(SEC_A, cb.BroadcastSetup("branch").pack())
    await bot.press(SEC_A, cb.BroadcastSetup("ack_y").pack())
    await bot.press(SEC_A, cb.BroadcastSetup("send").pack())
    await bot.drain()
    assert len(received(bot, MEM_A1)) == 1
    await bot.send(SEC_A, "/broadcasts")
    await bot.press(SEC_A, "提醒")
    await bot.drain()
    reminder = bot.sandbox.last(MEM_A1)
    assert reminder.plain.startswith("⏰") and reminder.plain.endswith("&" * limit)


async def test_photo_with_caption(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A1, "/broadcast")
    send_photo(bot, SEC_A1, "现场照片 <i>")
    await bot.settle()
    await bot.press(SEC_A1, cb.BroadcastSetup("subtree").pack())
    await bot.press(SEC_A1, cb.BroadcastSetup("ack_y").pack())
    preview_photo = bot.sandbox.bot_messages(SEC_A1)[-2]
    assert preview_photo.photo is not None
    await bot.press(SEC_A1, cb.BroadcastSetup("send").pack())
    await bot.drain()
    copy = bot.sandbox.last(MEM_A1X)
    assert copy.photo is not None
    assert copy.plain == "📣 Alpha-1 · Sb\n\n现场照片 <i>"
    assert copy.button_list[0][1].startswith("ack:")  # type: ignore[union-attr]
    # Acknowledging a photo marks its caption.
    marked = await bot.press(MEM_A1X, "✅ 收到")
    assert marked.plain.endswith("✅ 已收到") and marked.button_list == []


async def test_document_caption_over_the_limit_is_answered(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/broadcast")
    bot.sandbox.user_sends_document(SEC_A, "plan.pdf", b"%PDF", caption="说" * 1100)
    await bot.settle()
    assert "说明文字太长了（1100 字" in bot.sandbox.last(SEC_A).plain
    bot.sandbox.user_sends_document(SEC_A, "plan.pdf", b"%PDF", caption="方案见附件")
    await bot.settle()
    await bot.press(SEC_A, cb.BroadcastSetup("branch").pack())
    await bot.press(SEC_A, cb.BroadcastSetup("ack_n").pack())
    await bot.press(SEC_A, cb.BroadcastSetup("send").pack())
    await bot.drain()
    copy = bot.sandbox.last(MEM_A2)
    assert copy.document is not None and copy.plain.endswith("方案见附件")


async def test_a_sticker_like_message_is_refused_in_the_message_step(
        bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/broadcast")
    bot.sandbox.user_sends_location(SEC_A, 30.5, 114.3)
    await bot.settle()
    assert "只能是文字、图片或文件" in bot.sandbox.last(SEC_A).plain


async def test_broadcast_wins_over_an_open_note_prompt(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/checkin on_duty")
    await bot.press(SEC_A, cb.CheckinNote().pack())
    await bot.send(SEC_A, "/broadcast")
    answer = await bot.send(SEC_A, "这是通知，不是备注")
    assert "发给谁" in answer.plain
    today = (await bot.store.people.get(SEC_A)).last_checkin_day  # type: ignore[union-attr]
    assert today is not None
    assert (await bot.store.checkins.get(SEC_A, today)).note is None  # type: ignore[union-attr]


async def test_text_while_buttons_are_expected(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/broadcast")
    await bot.send(SEC_A, "内容")
    answer = await bot.send(SEC_A, "全部")
    assert "请点上面的按钮选择" in answer.plain
    await bot.press(SEC_A, cb.BroadcastSetup("subtree").pack())
    # The question is edited in place, above the hint.
    assert "需要成员点“收到”确认吗" in bot.sandbox.bot_messages(SEC_A)[-2].plain


@pytest.mark.parametrize("command", ["/broadcast", "/broadcasts"])
async def test_member_cannot_broadcast(bot: SandboxBot, org: Org, command: str) -> None:
    answer = await bot.send(MEM_A1, command)
    assert f"只有「Alpha」的书记才能使用 {command}" in answer.plain
    refused = [e for e in await bot.store.audit.entries() if e[1] == MEM_A1 and not e[4]]
    assert refused and refused[0][2] == command[1:]
    # Not in a conversation: the next text is not taken as a broadcast.
    assert "只认识命令和按钮" in (await bot.send(MEM_A1, "集合")).plain


async def test_secretary_cannot_broadcast_to_a_sibling(bot: SandboxBot, org: Org) -> None:
    answer = await bot.send(SEC_A, f"/broadcast {org.b}")
    assert "不在你负责的范围内" in answer.plain


async def test_rights_are_checked_again_on_send(bot: SandboxBot, org: Org) -> None:
    await compose(bot, SEC_A, "内容")
    await bot.store.people.set_membership(SEC_A, org.a, "member", at=bot.clock.now())
    update = bot.sandbox.press(SEC_A, cb.BroadcastSetup("send").pack())
    await bot.drain()
    answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
    assert "不在你负责的范围内" in answer["text"]
    assert await bot.store.broadcasts.recent(org.root) == []
    assert received(bot, MEM_A1) == []


# --- the status message and the report --------------------------------------------------------


async def test_status_message_ends_with_the_report_naming_the_unreachable(
        bot: SandboxBot, org: Org) -> None:
    bot.sandbox.block(MEM_A2)
    await compose(bot, SEC_A, "集合")
    status = await bot.press(SEC_A, cb.BroadcastSetup("send").pack())
    assert "已进入发送队列：0/4" in status.plain
    await bot.drain()
    report = bot.sandbox.message(SEC_A, status.message_id).plain
    assert "发送完毕" in report
    assert "已送达 3 · 失败 0 · 无法送达 1" in report
    assert "未送达（1）" in report and "• Max：无法送达" in report
    assert "Mia" not in report
    assert not (await bot.store.people.get(MEM_A2)).reachable  # type: ignore[union-attr]


async def test_failed_sends_are_reported(bot: SandboxBot, org: Org) -> None:
    bot.sandbox.fail("sendMessage", "500", times=10, chat_id=MEM_A1X)
    bot.services.outbox.backoff = 0.01  # type: ignore[union-attr]
    await compose(bot, SEC_A1, "集合")
    status = await bot.press(SEC_A1, cb.BroadcastSetup("send").pack())
    await bot.drain()
    report = bot.sandbox.message(SEC_A1, status.message_id).plain
    assert "失败 1" in report and "• Mo：发送失败" in report


# --- groups -----------------------------------------------------------------------------------


async def test_link_a_group_and_broadcast_to_it(bot: SandboxBot, org: Org) -> None:
    bot.sandbox.add_group(GROUP, "Alpha 群", members=[SEC_A, MEM_A1, MEM_A1X, MEM_B1])
    answer = await bot.send(SEC_A, "/linkgroup@frontline_sandbox_bot", chat_id=GROUP)
    assert "本群已绑定到「Alpha」" in answer.plain
    assert (await bot.store.branches.get(org.a)).group_chat_id == GROUP  # type: ignore[union-attr]
    preview = await compose(bot, SEC_A, "群里也发", groups=True)
    assert "4 名成员、1 个群" in preview.plain
    await bot.press(SEC_A, cb.BroadcastSetup("send").pack())
    await bot.drain()
    posted = received(bot, GROUP)
    assert len(posted) == 1 and posted[0].plain.endswith("群里也发")
    broadcast_id = (await bot.store.broadcasts.recent(org.a))[0].id
    assert posted[0].button_list == [("✅ 收到", f"ack:{broadcast_id}")]
    # Groups = no: the group gets nothing.
    await broadcast(bot, SEC_A, "只发个人", groups=False)
    assert len(received(bot, GROUP)) == 1


async def test_groups_question_only_when_a_group_is_linked(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/broadcast")
    await bot.send(SEC_A, "内容")
    step = await bot.press(SEC_A, cb.BroadcastSetup("subtree").pack())
    assert "需要成员点“收到”确认吗" in step.plain


async def test_member_cannot_link_a_group(bot: SandboxBot, org: Org) -> None:
    bot.sandbox.add_group(GROUP, "群", members=[MEM_A1])
    answer = await bot.send(MEM_A1, "/linkgroup", chat_id=GROUP)
    assert "只有「Alpha」的书记才能使用 /linkgroup" in answer.plain
    assert await bot.store.branches.of_group(GROUP) is None
    refused = [e for e in await bot.store.audit.entries() if e[1] == MEM_A1 and not e[4]]
    assert refused and refused[0][2] == "linkgroup"


async def test_sibling_secretary_cannot_unlink_or_take_a_group(bot: SandboxBot, org: Org) -> None:
    bot.sandbox.add_group(GROUP, "Alpha 群", members=[SEC_A, SEC_B])
    await bot.send(SEC_A, "/linkgroup", chat_id=GROUP)
    answer = await bot.send(SEC_B, "/unlinkgroup", chat_id=GROUP)
    assert "「Alpha」不在你负责的范围内" in answer.plain
    answer = await bot.send(SEC_B, "/linkgroup", chat_id=GROUP)
    assert "本群已绑定在「Alpha」" in answer.plain
    assert await bot.store.branches.of_group(GROUP) == org.a
    answer = await bot.send(SEC_A, "/unlinkgroup", chat_id=GROUP)
    assert "已解除本群与「Alpha」的绑定" in answer.plain
    assert await bot.store.branches.of_group(GROUP) is None
    assert "没有绑定任何支部" in (await bot.send(SEC_A, "/unlinkgroup", chat_id=GROUP)).plain


async def test_linking_moves_a_group_and_replaces_the_branchs_group(
        bot: SandboxBot, org: Org) -> None:
    other = -1009999999999
    bot.sandbox.add_group(GROUP, "群一", members=[SEC_A])
    bot.sandbox.add_group(other, "群二", members=[SEC_A])
    await bot.send(SEC_A, f"/linkgroup {org.a1}", chat_id=GROUP)
    assert await bot.store.branches.of_group(GROUP) == org.a1
    answer = await bot.send(SEC_A, "/linkgroup", chat_id=GROUP)
    assert "本群已绑定到「Alpha」" in answer.plain and "原来绑定在「Alpha-1」" in answer.plain
    assert "已经绑定" in (await bot.send(SEC_A, "/linkgroup", chat_id=GROUP)).plain
    answer = await bot.send(SEC_A, "/linkgroup", chat_id=other)
    assert "原来绑定的另一个群已解除绑定" in answer.plain
    assert await bot.store.branches.of_group(GROUP) is None
    assert await bot.store.branches.of_group(other) == org.a


async def test_linkgroup_in_private_explains(bot: SandboxBot, org: Org) -> None:
    assert "请在要绑定的群里发送" in (await bot.send(SEC_A, "/linkgroup")).plain


async def test_group_answers_in_the_senders_language() -> None:
    async with make_bot() as bot:
        await build_org(bot, english=(SEC_A,))
        bot.sandbox.add_group(GROUP, "Alpha group", members=[SEC_A])
        answer = await bot.send(SEC_A, "/linkgroup", chat_id=GROUP)
        assert "This group is now linked to “Alpha”" in answer.plain


# --- acknowledgements -------------------------------------------------------------------------


async def test_ack_privately_marks_the_message_and_counts_once(bot: SandboxBot, org: Org) -> None:
    broadcast_id = await broadcast(bot, SEC_A, "集合")
    marked = await bot.press(MEM_A1, cb.Ack(broadcast_id).pack())
    assert marked.plain.endswith("集合\n\n✅ 已收到") and marked.button_list == []
    assert (await bot.store.broadcasts.counts(broadcast_id)).acknowledged == 1
    # Pressing again (an old copy of the button): "already", still one.
    update = bot.sandbox.user_presses(MEM_A1, marked.message_id, cb.Ack(broadcast_id).pack(),
                                      check=False)
    await bot.settle()
    answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
    assert answer["text"] == "你已经确认过了。"
    assert (await bot.store.broadcasts.counts(broadcast_id)).acknowledged == 1


async def test_ack_in_a_group_counts_members_of_the_scope(bot: SandboxBot, org: Org) -> None:
    bot.sandbox.add_group(GROUP, "Alpha 群", members=[SEC_A, MEM_A1, MEM_A1X, MEM_B1, OUTSIDER])
    await bot.send(SEC_A, "/linkgroup", chat_id=GROUP)
    broadcast_id = await broadcast(bot, SEC_A, "群通知", groups=True)
    await bot.press(MEM_A1X, "✅ 收到", chat_id=GROUP)
    for stranger in (MEM_B1, OUTSIDER):
        update = bot.sandbox.press(stranger, "✅ 收到", chat_id=GROUP)
        await bot.settle()
        answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
        assert "不是发给你的" in answer["text"]
    counts = await bot.store.broadcasts.counts(broadcast_id)
    assert counts.acknowledged == 1
    # The group's button stays for the others.
    assert received(bot, GROUP)[0].button_list == [("✅ 收到", f"ack:{broadcast_id}")]
    # The member's own private copy now says "already".
    update = bot.sandbox.press(MEM_A1X, cb.Ack(broadcast_id).pack())
    await bot.settle()
    assert "已经确认过" in bot.sandbox.callback_answers[update["callback_query"]["id"]]["text"]


async def test_forged_acks_change_nothing(bot: SandboxBot, org: Org) -> None:
    alpha = await broadcast(bot, SEC_A, "Alpha 的通知")
    beta = await broadcast(bot, SEC_B, "Beta 的通知")
    copy = received(bot, MEM_B1)[0]
    for data in ("ack:999", f"ack:{alpha}", "ack:x"):
        update = bot.sandbox.user_presses(MEM_B1, copy.message_id, data, check=False)
        await bot.settle()
        answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
        assert answer.get("show_alert"), data
    assert (await bot.store.broadcasts.counts(alpha)).acknowledged == 0
    assert (await bot.store.broadcasts.counts(beta)).acknowledged == 0
    assert received(bot, MEM_B1)[0].button_list == [("✅ 收到", f"ack:{beta}")]


# --- /broadcasts, who, remind -----------------------------------------------------------------


async def test_broadcasts_counts_who_and_remind(bot: SandboxBot, org: Org) -> None:
    bot.sandbox.block(MEM_A2)
    broadcast_id = await broadcast(bot, SEC_A, "周末值班安排")
    await bot.press(MEM_A1, "✅ 收到")
    listing = await bot.send(SEC_A, "/broadcasts")
    assert f"#{broadcast_id}" in listing.plain and "周末值班安排" in listing.plain
    assert "已送达 3/4 · 已确认 1/4 · 无法送达 1" in listing.plain
    assert (f"#{broadcast_id} 谁未确认", f"bc:{broadcast_id}:who") in listing.button_list
    who = await bot.press(SEC_A, cb.BroadcastReport(broadcast_id, "who").pack())
    names = [line[2:] for line in who.plain.splitlines() if line.startswith("• ")]
    assert names == ["Sb", "Max ⚠️无法送达", "Mo"]  # by member id
    before = {u: len(bot.sandbox.bot_messages(u)) for u in ALPHA_SUBTREE}
    answer = await bot.press(SEC_A, cb.BroadcastReport(broadcast_id, "remind").pack())
    assert "已向 2 名未确认的成员发送提醒" in answer.plain
    await bot.drain()
    after = {u: len(bot.sandbox.bot_messages(u)) for u in ALPHA_SUBTREE}
    assert {u: after[u] - before[u] for u in ALPHA_SUBTREE} == {
        MEM_A1: 0, MEM_A2: 0, SEC_A1: 1, MEM_A1X: 1}
    reminder = bot.sandbox.last(MEM_A1X)
    assert reminder.plain.startswith("⏰ 提醒") and "周末值班安排" in reminder.plain
    assert reminder.button_list == [("✅ 收到", f"ack:{broadcast_id}")]
    entries = [e for e in await bot.store.audit.entries() if e[2] == "broadcast_remind"]
    assert entries and entries[0][4]
    # The reminder's button acknowledges the broadcast.
    await bot.press(MEM_A1X, "✅ 收到")
    assert (await bot.store.broadcasts.counts(broadcast_id)).acknowledged == 2
    # Again within ten minutes: refused, nothing sent; after ten minutes: allowed.
    update = bot.sandbox.press(SEC_A, cb.BroadcastReport(broadcast_id, "remind").pack())
    await bot.drain()
    answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
    assert "分钟后才能再次提醒" in answer["text"]
    assert len(bot.sandbox.bot_messages(SEC_A1)) == after[SEC_A1]
    bot.clock.advance(minutes=11)
    await bot.press(SEC_A, cb.BroadcastReport(broadcast_id, "remind").pack())
    await bot.drain()
    assert len(bot.sandbox.bot_messages(SEC_A1)) == after[SEC_A1] + 1
    assert len(bot.sandbox.bot_messages(MEM_A1X)) == after[MEM_A1X]


async def test_two_secretaries_pressing_remind_at_once_send_one_reminder(
        bot: SandboxBot, org: Org) -> None:
    broadcast_id = await broadcast(bot, SEC_A, "同时提醒")
    before = {u: len(bot.sandbox.bot_messages(u)) for u in ALPHA_SUBTREE}
    # The admin and Alpha's secretary press "remind" at the same moment: both updates are
    # handled side by side (different people), and only one may pass the 10-minute rule.
    remind = cb.BroadcastReport(broadcast_id, "remind").pack()
    presses = [bot.sandbox.user_presses(user, 1, remind, check=False) for user in (SEC_A, ADMIN)]
    await bot.drain()
    after = {u: len(bot.sandbox.bot_messages(u)) for u in ALPHA_SUBTREE}
    assert {u: after[u] - before[u] for u in ALPHA_SUBTREE if u != SEC_A} == {
        MEM_A1: 1, MEM_A2: 1, SEC_A1: 1, MEM_A1X: 1}
    answers = [bot.sandbox.callback_answers[p["callback_query"]["id"]].get("text") or ""
               for p in presses]
    assert sum("分钟后才能再次提醒" in a for a in answers) == 1, answers
    reminded = [e for e in await bot.store.audit.entries()
                if e[2] == "broadcast_remind" and e[4]]
    assert len(reminded) == 1


async def test_report_buttons_check_the_pressers_scope(bot: SandboxBot, org: Org) -> None:
    broadcast_id = await broadcast(bot, SEC_A, "Alpha 通知")
    listing = await bot.send(SEC_A1, "/broadcasts")
    assert f"#{broadcast_id}" not in listing.plain  # Alpha's broadcast is above Alpha-1
    for user in (SEC_A1, SEC_B, MEM_A1):
        for action in ("who", "remind"):
            update = bot.sandbox.user_presses(user, 1, f"bc:{broadcast_id}:{action}",
                                              check=False)
            await bot.drain()
            answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
            assert "不在你负责的范围内" in answer["text"], (user, action)
    assert [e for e in await bot.store.audit.entries() if e[2] == "broadcast_remind"
            and e[4]] == []
    listing = await bot.send(ADMIN, "/broadcasts")
    assert f"#{broadcast_id}" in listing.plain


async def test_broadcasts_when_there_are_none(bot: SandboxBot, org: Org) -> None:
    assert "还没有发过通知" in (await bot.send(SEC_B, "/broadcasts")).plain


# --- languages --------------------------------------------------------------------------------


async def test_each_member_gets_their_own_language() -> None:
    async with make_bot() as bot:
        await build_org(bot, english=(MEM_A2,))
        broadcast_id = await broadcast(bot, SEC_A, "明早集合")
        english = received(bot, MEM_A2)[0]
        chinese = received(bot, MEM_A1)[0]
        assert english.button_list == [("✅ Received", f"ack:{broadcast_id}")]
        assert chinese.button_list == [("✅ 收到", f"ack:{broadcast_id}")]
        marked = await bot.press(MEM_A2, "✅ Received")
        assert marked.plain.endswith("✅ Received") and marked.button_list == []


async def test_an_english_speaking_secretary() -> None:
    async with make_bot() as bot:
        await build_org(bot, english=(SEC_A1,))
        ask = await bot.send(SEC_A1, "/broadcast")
        assert "Broadcast to “Alpha-1”" in ask.plain
        scope = await bot.send(SEC_A1, "Sandbags at the river, 6 pm")
        assert ("With all sub-branches (1)", "bcs:subtree") in scope.button_list
        await bot.press(SEC_A1, cb.BroadcastSetup("subtree").pack())
        preview = await bot.press(SEC_A1, cb.BroadcastSetup("ack_y").pack())
        assert "It goes to 1 member and 0 groups" in preview.plain
        status = await bot.press(SEC_A1, "📤 Send")
        assert "Queued for sending: 0/1" in status.plain
        await bot.drain()
        report = bot.sandbox.message(SEC_A1, status.message_id).plain
        assert "sent" in report and "Delivered 1 · failed 0 · unreachable 0" in report
        assert received(bot, MEM_A1X)[0].plain.endswith("Sandbags at the river, 6 pm")
        listing = await bot.send(SEC_A1, "/broadcasts")
        assert "acknowledged 0/1" in listing.plain
        who = await bot.press(SEC_A1, "who has not acknowledged")
        assert "1 have not acknowledged" in who.plain and "• Mo" in who.plain
        assert "/broadcast" in (await bot.send(SEC_A1, "/help")).plain


async def test_secretary_menu_lists_the_broadcast_commands(bot: SandboxBot, org: Org) -> None:
    menu = [c["command"] for c in bot.sandbox.commands({"type": "chat", "chat_id": SEC_A})]
    assert {"broadcast", "broadcasts"} <= set(menu)
    help_text = (await bot.send(SEC_A, "/help")).plain
    assert "/broadcast" in help_text and "/linkgroup" in help_text
    assert "/broadcast" not in (await bot.send(MEM_A1, "/help")).plain
