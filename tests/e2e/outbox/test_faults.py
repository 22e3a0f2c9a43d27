"""Telegram's faults on direct replies: 429, 5xx, timeouts and 403, injected by the sandbox."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from bot.rules import callbacks as cb
from bot.sandbox.harness import SandboxBot
from tests.helpers import MEM_A1, MEM_A2, SEC_A, Org

TODAY = date(2026, 3, 2)


async def test_429_on_a_reply_is_waited_out_and_delivered(bot: SandboxBot, org: Org) -> None:
    bot.sandbox.fail("sendMessage", "429", chat_id=MEM_A1, retry_after=1)
    before = bot.sandbox.count("sendMessage")
    reply = await bot.send(MEM_A1, "/checkin")
    assert "点一下即可报到" in reply.plain
    assert bot.sandbox.count("sendMessage") - before == 2  # refused once, then sent


async def test_500_on_a_reply_is_retried(bot: SandboxBot, org: Org) -> None:
    bot.sandbox.fail("sendMessage", "500", chat_id=MEM_A1, times=2)
    reply = await bot.send(MEM_A1, "/me")
    assert "Alpha" in reply.plain


async def test_persistent_5xx_on_the_receipt_keeps_the_checkin(
        bot: SandboxBot, org: Org, caplog: pytest.LogCaptureFixture) -> None:
    prompt = await bot.send(MEM_A1, "/checkin")
    bot.sandbox.fail("editMessageText", "502", chat_id=MEM_A1, times=5)
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        update = bot.sandbox.user_presses(MEM_A1, prompt.message_id, cb.Checkin("on_duty").pack())
        await bot.settle()
    saved = await bot.store.checkins.get(MEM_A1, TODAY)
    assert saved is not None and saved.status == "on_duty"  # nothing lost
    answer = bot.sandbox.callback_answers[update["callback_query"]["id"]]
    assert "已报到" in answer["text"]  # the member was told at once, before the edit failed
    assert any(r.exc_info for r in caplog.records), "the fault is logged with its traceback"


async def test_timeout_on_a_send_is_not_repeated_but_answered(
        bot: SandboxBot, org: Org, caplog: pytest.LogCaptureFixture) -> None:
    bot.sandbox.fail("sendMessage", "timeout", chat_id=SEC_A, times=1)
    before = bot.sandbox.count("sendMessage")
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        reply = await bot.send(SEC_A, "/who")
    # The timed-out send is not retried (it may have arrived); the user hears of the failure.
    assert bot.sandbox.count("sendMessage") - before == 2
    assert "出错了" in reply.plain
    assert caplog.records


async def test_timeout_on_an_edit_is_retried(bot: SandboxBot, org: Org) -> None:
    await bot.send(MEM_A1, "/checkin")
    bot.sandbox.fail("editMessageText", "timeout", chat_id=MEM_A1, times=1)
    reply = await bot.press(MEM_A1, cb.Checkin("available").pack())
    assert "已报到" in reply.plain and "可调用" in reply.plain


async def test_blocked_member_is_marked_unreachable_until_they_write(
        bot: SandboxBot, org: Org) -> None:
    bot.sandbox.block(MEM_A2)
    bot.sandbox.user_sends(MEM_A2, "/me")  # a message sent just before blocking
    bot.sandbox.block(MEM_A2)
    await bot.settle()
    person = await bot.store.people.get(MEM_A2)
    assert person is not None and not person.reachable
    who = await bot.send(SEC_A, "/who")
    assert "Max @max ⚠️无法送达" in who.plain
    bot.sandbox.unblock(MEM_A2)
    await bot.send(MEM_A2, "/me")
    assert (await bot.store.people.get(MEM_A2)).reachable  # type: ignore[union-attr]
    who = await bot.send(SEC_A, "/who")
    assert "无法送达" not in who.plain
