"""The author's status message of a broadcast, edited as the outbox sends it."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot
from telegram.error import BadRequest

from bot.i18n import Translator, pick_language
from bot.services import Services
from storage.rows import BroadcastCounts

logger = logging.getLogger(__name__)

BAR = 12


def bar(done: int, total: int) -> str:
    """A text progress bar: ▓▓▓▓░░░░."""
    filled = BAR if total == 0 else round(BAR * done / total)
    return "▓" * filled + "░" * (BAR - filled)


def progress_text(translate: Translator, language: str, broadcast_id: int,
                  counts: BroadcastCounts, finished: bool) -> str:
    """The status text of a broadcast, in the author's language."""
    done = counts.total - counts.pending
    key = "broadcast.report" if finished else "broadcast.progress"
    return translate(language, key, id=broadcast_id, bar=bar(done, counts.total), done=done,
                     total=counts.total, sent=counts.sent, failed=counts.failed,
                     unreachable=counts.unreachable, acknowledged=counts.acknowledged,
                     members=counts.members)


def progress_reporter(bot: Bot, services: Services) -> Any:
    """The worker's `progress` hook: edit the author's status message."""

    async def report(broadcast_id: int, finished: bool) -> None:
        store = services.store
        row = await store.broadcast(broadcast_id)
        if row is None or row.status_chat_id is None or row.status_message_id is None:
            return
        author = await store.person(row.author_id)
        language = pick_language(author.language if author else None,
                                 author.telegram_language if author else None,
                                 services.config.defaults.locale)
        counts = await store.broadcast_counts(broadcast_id)
        text = progress_text(services.translate, language, broadcast_id, counts, finished)
        try:
            await bot.edit_message_text(text, chat_id=row.status_chat_id,
                                        message_id=row.status_message_id)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                logger.warning("could not update a broadcast's status message: %s", exc)

    return report
