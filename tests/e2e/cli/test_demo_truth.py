"""The demo tells the truth (issue 14): each message is printed under the action that caused
it, and the scheduler's count is the number of messages printed under it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.demo.script import run_demo
from bot.demo.transcript import Block

# An action's line in the transcript: a user types or taps, in a chat or a group; the
# scheduler runs ("⏰ <words>: N", "⏰ <words>：N 条"); or a section starts.
ACTION = re.compile(r"^  (👤|👥|⏰|\$)|^━━")
SCHEDULER = re.compile(r"^  ⏰ .*[:：] ?(\d+)(?: 条)?$")


async def _demo(language: str, folder: Path,
                monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[Block]]:
    monkeypatch.chdir(folder)
    out = io.StringIO()
    blocks = await run_demo(language=language, out=out)
    return out.getvalue(), blocks


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_each_message_is_printed_under_the_action_that_caused_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str) -> None:
    text, blocks = await _demo(language, tmp_path, monkeypatch)
    # The printed text: a scheduler line's count is the number of messages under it.
    lines = text.splitlines()
    runs = 0
    for index, line in enumerate(lines):
        match = SCHEDULER.match(line)
        if match is None:
            continue
        runs += 1
        under = []
        for following in lines[index + 1:]:
            if ACTION.match(following):
                break
            under.append(following)
        messages = [u for u in under if u.startswith("    🤖 ") and "✎" not in u]
        assert len(messages) == int(match[1]) > 0, (line, under)
    assert runs == 4  # the morning prompts, the reminders, the evening digests, their charts

    # The actions: what each printed in another chat than its own came from the outbox rows
    # it queued, and every message those rows sent is printed under it.
    assert len(blocks) > 80
    for block in blocks:
        new = {(chat, message) for chat, message, edited in block.shown if not edited}
        elsewhere = {(chat, message) for chat, message in new if chat != block.chat_id}
        assert elsewhere <= block.caused, block.action
        assert block.caused <= new, block.action
        if block.queued is not None:  # the scheduler: nothing of its own, all it queued
            assert block.queued == len(new) == len(block.caused), block.action
    # The actions this is about: /who, /lang and /need are answered in their own chat only,
    # and /checkin once.
    for block in blocks:
        if block.action.endswith(("/who", "/lang", "/need", "/checkin")):
            chats = [chat for chat, _, edited in block.shown if not edited]
            assert chats == [block.chat_id], block.action
