"""The digest's chart: one photo per secretary, right after their digest text.

The chart is drawn once per language the branch's secretaries read (usually one), stored once
as an outbox attachment (uploaded to Telegram once, then sent by file_id), and captioned with
the branch and the day. A chart that cannot be made is logged and left out: the digest goes
without it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime

from bot.i18n import Translate, pick_language
from bot.rules.charts.series import DIGEST_DAYS, ChartKind, gather
from bot.text import esc
from storage.rows import NewMessage
from storage.store import Store

logger = logging.getLogger(__name__)


async def with_chart(store: Store, translate: Translate, branch_id: int, day: date,
                     now: datetime, messages: Sequence[NewMessage]) -> list[NewMessage]:
    """The digest's `messages` with, after each secretary's, a photo of the chart."""
    from bot.rules.charts import render  # the package imports this module's neighbours

    out = list(messages)
    try:
        branch = await store.branches.get(branch_id)
        if branch is None:
            return out
        languages = {s.member_id: pick_language(s.language, s.telegram_language, branch.locale)
                     for s in await store.people.branch_secretaries(branch_id)}
        if not any(m.member_id in languages for m in messages):
            return out
        series = await gather(store, branch, ChartKind.checkins, DIGEST_DAYS, now)
        attachments: dict[str, int] = {}
        for language in sorted(set(languages.values())):
            png = await render(series, translate, language)
            attachments[language] = await store.outbox.attach(
                "photo", f"chart-{branch_id}-{day.isoformat()}.png", png, at=now)
    except Exception:
        logger.exception("the digest's chart of branch %s failed; the digest goes without it",
                         branch_id)
        return out
    result: list[NewMessage] = []
    for message in out:
        result.append(message)
        reader = languages.get(message.member_id) if message.member_id else None
        if reader is None:
            continue
        caption = translate(reader, "chart.caption", branch=esc(branch.name),
                            day=day.isoformat())
        result.append(NewMessage(message.chat_id, message.member_id, caption,
                                 attachment=attachments[reader]))
    return result
