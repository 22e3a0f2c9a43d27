"""The author's status message of a broadcast, edited as the outbox sends it."""

from __future__ import annotations

import logging
import math
from typing import Any

from telegram import Bot
from telegram.error import BadRequest

from bot.i18n import Translator, duration, pick_language
from bot.rules import broadcasts
from bot.rules.broadcasts.send import Problem
from bot.runtime.services import Services
from handlers.core.replies import SAFE_CHUNK, esc, utf16_len
from storage.rows import BroadcastCounts

logger = logging.getLogger(__name__)

BAR = 12
PROBLEMS_SHOWN = 50  # recipients named in the final report before "and N more"


def bar(done: int, total: int) -> str:
    """A text progress bar: ▓▓▓▓░░░░."""
    filled = BAR if total == 0 else round(BAR * done / total)
    return "▓" * filled + "░" * (BAR - filled)


def eta_words(translate: Translator, language: str, seconds: float) -> str:
    """"about 12 minutes" / "约 12 分钟": how long until everything is delivered."""
    if seconds < 60:
        return translate(language, "duration.under_minute")
    return translate(language, "broadcast.eta_about",
                     duration=duration(translate, language, math.ceil(seconds / 60)))


async def eta(services: Services, language: str, broadcast_id: int) -> str:
    """How long until the broadcast is through, at the outbox's rate, counting what is
    queued before it (a morning prompt to the whole organization, ...)."""
    outbox = services.outbox
    if outbox is None:
        return eta_words(services.translate, language, 0)
    waiting = await broadcasts.pending_through(services.store, broadcast_id,
                                               outbox.lane_kinds("broadcast"))
    return eta_words(services.translate, language, outbox.seconds_for(waiting, "broadcast"))


def progress_text(translate: Translator, language: str, broadcast_id: int,
                  counts: BroadcastCounts, finished: bool,
                  problems: list[Problem] | None = None, eta: str | None = None) -> str:
    """The status text of a broadcast, in the author's language.

    While sending, it says how long the rest will take (`eta`); the final report names the
    recipients that were not reached (`problems`), as many as fit in one message.
    """
    done = counts.total - counts.pending
    key = "broadcast.report" if finished else "broadcast.progress"
    text = translate(language, key, id=broadcast_id, bar=bar(done, counts.total), done=done,
                     total=counts.total, sent=counts.sent, failed=counts.failed,
                     unreachable=counts.unreachable, acknowledged=counts.acknowledged,
                     members=counts.members)
    if not finished and eta is not None:
        return text + "\n" + translate(language, "broadcast.eta_line", eta=eta)
    if not finished or not problems:
        return text
    lines = [text, "", translate(language, "broadcast.problems_header", n=len(problems))]
    size = utf16_len("\n".join(lines))
    for shown, (member_id, chat_id, name, state) in enumerate(problems):
        who = esc(name) if member_id is not None else translate(
            language, "broadcast.group_chat", chat=chat_id)
        line = translate(language, "broadcast.problem_line", name=who,
                         state=translate(language, f"broadcast.state_{state}"))
        if shown >= PROBLEMS_SHOWN or size + utf16_len(line) + 1 > SAFE_CHUNK:
            lines.append(translate(language, "who.more", n=len(problems) - shown))
            break
        lines.append(line)
        size += utf16_len(line) + 1
    return "\n".join(lines)


def progress_reporter(bot: Bot, services: Services) -> Any:
    """The worker's `progress` hook: edit the author's status message."""

    async def report(broadcast_id: int, finished: bool) -> None:
        found = await broadcasts.status(services.store, broadcast_id, finished=finished)
        if found is None:
            return
        author, row = found.author, found.row
        language = pick_language(author.language if author else None,
                                 author.telegram_language if author else None,
                                 services.config.defaults.locale)
        left = None if finished else await eta(services, language, broadcast_id)
        text = progress_text(services.translate, language, broadcast_id, found.counts, finished,
                             found.problems, left)
        try:
            await bot.edit_message_text(text, chat_id=row.status_chat_id,
                                        message_id=row.status_message_id)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                logger.warning("could not update a broadcast's status message: %s", exc)

    return report
