"""The daily check-in through the real application: buttons, replacement, notes, /me."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.rules import callbacks as cb
from bot.sandbox.harness import SandboxBot
from tests.helpers import MEM_A1, MEM_A2, OUTSIDER, SEC_A, Org

TODAY = date(2026, 3, 2)


async def test_checkin_by_button_records_and_confirms(bot: SandboxBot, org: Org) -> None:
    prompt = await bot.send(MEM_A1, "/checkin")
    assert [d for _, d in prompt.button_list] == [
        cb.Checkin("on_duty").pack(), "ck:available", "ck:unwell", "ck:quarantined", "ck:off"]
    reply = await bot.press(MEM_A1, cb.Checkin("unwell").pack())
    assert reply.message_id == prompt.message_id  # the prompt itself becomes the receipt
    assert "已报到" in reply.plain and "身体不适" in reply.plain and "2026-03-02" in reply.plain
    saved = await bot.store.checkins.get(MEM_A1, TODAY)
    assert saved is not None and saved.status == "unwell"
    answers = [a for a in bot.sandbox.callback_answers.values() if "身体不适" in a.get("text", "")]
    assert answers


async def test_checking_in_again_replaces_and_says_so(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/checkin")
    await bot.press(MEM_A1, cb.Checkin("on_duty").pack())
    prompt = await bot.send(MEM_A1, "/checkin")
    assert "在岗" in prompt.plain  # the prompt shows today's status
    reply = await bot.press(MEM_A1, cb.Checkin("off").pack())
    assert "已更新" in reply.plain and "在岗 → ⚪ 休息" in reply.plain
    assert (await bot.store.checkins.get(MEM_A1, TODAY)).status == "off"  # type: ignore[union-attr]
    assert await bot.store.checkins.days(MEM_A1, until=TODAY) == [TODAY]


async def test_same_status_again_is_unchanged(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/checkin on_duty")
    reply = await bot.send(MEM_A1, "/checkin 在岗")
    assert "未变" in reply.plain


async def test_old_prompt_button_checks_in_for_the_day_it_is_pressed(
        bot: SandboxBot, org: Org) -> None:
    prompt = await bot.send(MEM_A1, "/checkin")
    bot.clock.advance(days=1)
    bot.sandbox.user_presses(MEM_A1, prompt.message_id, cb.Checkin("available").pack())
    await bot.settle()
    assert await bot.store.checkins.get(MEM_A1, TODAY) is None
    assert await bot.store.checkins.get(MEM_A1, TODAY + timedelta(days=1)) is not None


async def test_day_follows_the_branch_timezone(bot: SandboxBot, org: Org) -> None:
    # 23:59 in Shanghai on March 2 is 15:59 UTC; 00:01 on March 3 is 16:01 UTC.
    bot.clock.set(datetime(2026, 3, 2, 15, 59, tzinfo=UTC))
    await bot.send(MEM_A1, "/checkin on_duty")
    bot.clock.set(datetime(2026, 3, 2, 16, 1, tzinfo=UTC))
    reply = await bot.send(MEM_A1, "/checkin off")
    assert "已报到" in reply.plain and "2026-03-03" in reply.plain and "更新" not in reply.plain
    assert (await bot.store.checkins.get(MEM_A1, TODAY)).status == "on_duty"  # type: ignore[union-attr]
    assert (await bot.store.checkins.get(MEM_A1, date(2026, 3, 3))).status == "off"  # type: ignore[union-attr]


async def test_checkin_with_arguments(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(MEM_A1, "/checkin quarantined 居家隔离第3天")
    assert "隔离中" in reply.plain and "居家隔离第3天" in reply.plain
    saved = await bot.store.checkins.get(MEM_A1, TODAY)
    assert saved is not None and saved.note == "居家隔离第3天"
    reply = await bot.send(MEM_A2, "/checkin 3")
    assert (await bot.store.checkins.get(MEM_A2, TODAY)).status == "unwell"  # type: ignore[union-attr]


async def test_bad_status_is_answered_and_nothing_saved(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(MEM_A1, "/checkin <sleeping>")
    assert "不认识的状态" in reply.plain and "<sleeping>" in reply.plain
    assert await bot.store.checkins.get(MEM_A1, TODAY) is None


async def test_note_flow_and_escaping(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/checkin")
    await bot.press(MEM_A1, cb.Checkin("unwell").pack())
    ask = await bot.press(MEM_A1, cb.CheckinNote().pack())
    assert "备注" in ask.plain
    reply = await bot.send(MEM_A1, "fever <38.5> & cough")
    assert "fever <38.5> & cough" in reply.plain  # escaped for HTML, shown as typed
    saved = await bot.store.checkins.get(MEM_A1, TODAY)
    assert saved is not None and saved.note == "fever <38.5> & cough"
    # The conversation is over: the next text is not taken as a note.
    await bot.send(MEM_A1, "hello")
    assert (await bot.store.checkins.get(MEM_A1, TODAY)).note == "fever <38.5> & cough"  # type: ignore[union-attr]


async def test_note_too_long_and_not_text_keep_waiting(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/checkin on_duty")
    await bot.press(MEM_A1, cb.CheckinNote().pack())
    reply = await bot.send(MEM_A1, "长" * 201)
    assert "太长" in reply.plain
    bot.sandbox.user_sends_location(MEM_A1, 30.5, 114.3)
    await bot.settle()
    assert "只能是文字" in bot.sandbox.last(MEM_A1).plain
    await bot.send(MEM_A1, "ok now")
    assert (await bot.store.checkins.get(MEM_A1, TODAY)).note == "ok now"  # type: ignore[union-attr]


async def test_note_cancel_keeps_old_note(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/checkin unwell 头疼")
    await bot.press(MEM_A1, cb.CheckinNote().pack())
    reply = await bot.send(MEM_A1, "/cancel")
    assert "已取消" in reply.plain
    assert (await bot.store.checkins.get(MEM_A1, TODAY)).note == "头疼"  # type: ignore[union-attr]


async def test_changed_status_drops_the_old_note(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/checkin unwell 头疼")
    await bot.send(MEM_A1, "/checkin unwell")
    assert (await bot.store.checkins.get(MEM_A1, TODAY)).note == "头疼"  # type: ignore[union-attr]
    await bot.send(MEM_A1, "/checkin on_duty")
    assert (await bot.store.checkins.get(MEM_A1, TODAY)).note is None  # type: ignore[union-attr]


async def test_non_member_cannot_check_in(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(OUTSIDER, "/checkin")
    assert "还没有加入" in reply.plain
    member_prompt = await bot.send(MEM_A1, "/checkin")
    # Someone outside presses a check-in button (forged: it is not their message).
    on_duty = cb.Checkin("on_duty").pack()
    update = bot.sandbox.user_presses(OUTSIDER, member_prompt.message_id, on_duty,
                                      chat_id=OUTSIDER, check=False)
    await bot.settle()
    answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
    assert "加入" in answer["text"]
    assert await bot.store.checkins.get(OUTSIDER, TODAY) is None


async def test_forged_checkin_data_changes_nothing(bot: SandboxBot, org: Org) -> None:
    prompt = await bot.send(MEM_A1, "/checkin")
    for data in ("ck:admin", "ck:", "ck:on_duty:extra", "zz:1", "ck:ON_DUTY"):
        update = bot.sandbox.user_presses(MEM_A1, prompt.message_id, data, check=False)
        await bot.settle()
        assert bot.sandbox.callback_answers[update["callback_query"]["id"]].get("text")
    assert await bot.store.checkins.get(MEM_A1, TODAY) is None


async def test_me_shows_branch_role_status_and_streak(bot: SandboxBot, org: Org) -> None:
    for _ in range(3):
        await bot.send(MEM_A1, "/checkin on_duty")
        bot.clock.advance(days=1)
    card = await bot.send(MEM_A1, "/me")
    assert "Alpha" in card.plain and "成员" in card.plain
    assert "未报到" in card.plain and "连续报到：3 天" in card.plain
    await bot.send(MEM_A1, "/checkin available")
    card = await bot.send(MEM_A1, "/me")
    assert "可调用" in card.plain and "连续报到：4 天" in card.plain
    bot.clock.advance(days=2)
    card = await bot.send(MEM_A1, "/me")
    assert "连续报到：0 天" in card.plain


async def test_unicode_digits_are_not_statuses(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send(MEM_A1, "/checkin ²")
    assert "不认识的状态" in reply.plain
    reply = await bot.send(SEC_A, "/who ²")
    assert "不是支部编号" in reply.plain


async def test_a_second_tap_on_the_same_status_is_no_error(bot: SandboxBot, org: Org) -> None:
    prompt = await bot.send(MEM_A1, "/checkin")
    await bot.press(MEM_A1, cb.Checkin("on_duty").pack())
    # The same button again, and again (taps arriving late): the receipt stays, no error.
    for _ in range(2):
        again = cb.Checkin("on_duty").pack()
        bot.sandbox.user_presses(MEM_A1, prompt.message_id, again, check=False)
        await bot.settle()
    receipt = bot.sandbox.message(MEM_A1, prompt.message_id)
    bot.sandbox.user_presses(MEM_A1, prompt.message_id, cb.Checkin("on_duty").pack(), check=False)
    await bot.settle()
    generic = bot.services.translate("zh", "error.generic")
    assert all(m.plain != generic for m in bot.sandbox.bot_messages(MEM_A1))
    assert bot.sandbox.message(MEM_A1, prompt.message_id).plain == receipt.plain
    assert not bot.sandbox.refused
