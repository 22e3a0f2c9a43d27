"""The log as JSON lines (`[logging] format = "json"`), from the real application on the
sandbox at debug level (`-v`): every line is one JSON object; a line logged while an update is
handled carries its update_id and the branch; the token, phone numbers, notes and health
statuses never appear, PTB's debug lines of every Bot API call and update included."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.rules import callbacks as cb
from bot.runtime import logs
from tests.helpers import MEM_A1, SEC_A, build_org, make_bot

NOTE = "发烧三十九度"  # a member's note with a health status: never in the log
PHONE = "+86 138 0013 8000"


@contextmanager
def json_log(token: str) -> Iterator[io.StringIO]:
    """Log as `frontline run -v` does with [logging] format = "json", into a buffer."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    root.handlers.clear()
    out = io.StringIO()
    try:
        logs.setup(logging.DEBUG, token=token, json_lines=True, stream=out)
        yield out
    finally:
        root.handlers[:] = saved
        root.setLevel(level)


def lines_of(out: io.StringIO) -> list[dict[str, Any]]:
    text = out.getvalue()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]  # every line is JSON


async def test_json_lines_carry_the_update_and_never_a_secret_phone_or_note() -> None:
    bot = make_bot()
    with json_log(bot.sandbox.token) as out:
        async with bot:
            org = await build_org(bot)
            await bot.send(MEM_A1, f"/checkin unwell {NOTE}")
            await bot.send(SEC_A, f"/phone mia {PHONE}")
            await bot.press(SEC_A, "✅")
            prompt = await bot.send(MEM_A1, "/checkin")
            # The receipt cannot be shown (5xx five times): the error handler logs it.
            bot.sandbox.fail("editMessageText", "502", chat_id=MEM_A1, times=5)
            bot.sandbox.user_presses(MEM_A1, prompt.message_id, cb.Checkin("on_duty").pack())
            await bot.settle()
            logging.getLogger("tests").info("a member's phone is %s or 13800138000", PHONE)
            logging.getLogger("httpx").warning(  # as an HTTP client's line would show it
                "POST https://api.telegram.org/bot%s/getMe", bot.sandbox.token)
    records = lines_of(out)
    assert len(records) > 50  # PTB's debug lines and ours
    for record in records:
        assert {"ts", "level", "logger", "message"} <= set(record), record
        assert record["ts"].endswith("Z") and record["level"] in {
            "debug", "info", "warning", "error", "critical"}
    text = out.getvalue()
    for secret in (bot.sandbox.token, NOTE, "13800138000", "138 0013 8000", "unwell"):
        assert secret not in text, secret
    assert "https://api.telegram.org/bot<token>/getMe" in text
    (error,) = [r for r in records if r["message"] == "error while handling an update"]
    assert error["level"] == "error" and error["branch_id"] == org.a
    assert isinstance(error["update_id"], int)
    assert "Traceback (most recent call last)" in error["exc_info"]
    assert "NetworkError" in error["exc_info"] or "BadGateway" in error["exc_info"]
    # The Bot API calls answering that update carry its id; their parameters are hidden.
    calls = [r for r in records if r["message"].startswith("Calling Bot API endpoint")]
    assert calls and all(r["message"].endswith("`<hidden>`") for r in calls)
    assert any(r.get("update_id") == error["update_id"] for r in calls)
    processing = [r for r in records if r["message"].startswith("Processing update")]
    assert processing and all(r["message"] == f"Processing update <update {r['update_id']}>"
                              for r in processing)
    # Lines outside an update carry none.
    (ours,) = [r for r in records if r["logger"] == "tests"]
    assert ours["message"] == "a member's phone is <phone> or <phone>"
    assert "update_id" not in ours and "branch_id" not in ours


def test_phone_numbers_are_redacted_and_other_numbers_kept() -> None:
    kept = ["update 123456789", "chat -1001234567890", "2026-03-02T08:30:00+08:00",
            "took 0.0012345678 s", "user 7123456789", "branch #12", "v1.2.3"]
    for text in kept:
        assert logs.redact_phones(text) == text
    for phone in ("13800138000", "138-0013-8000", "138 0013 8000", "+8613800138000",
                  "+86 138 0013 8000", "86 13800138000", "010-62345678", "+44 20 7946 0958",
                  "004420 7946 0958"):
        assert logs.redact_phones(f"call {phone}.") == "call <phone>.", phone
