"""The digest's chart: one photo per secretary, after their digest text.

The chart is a run of its own in the ledger (`digest_chart`), due once the day's digest is
done (`bot.rules.rhythm.timetable.due_runs`): at the digest's time every branch's text goes
out first (a thousand digests in a few seconds), and the charts, a tenth of a second of
drawing each, follow from the next minute's tick on. So a thousand branches sharing 20:00 get
their digests on time, and no chart holds back another branch's digest.

The chart is drawn once per language the branch's secretaries read (usually one), stored once
as an outbox attachment (uploaded to Telegram once, then sent by file_id), and captioned with
the branch and the day. A chart that cannot be made is logged and left out (the run is done,
with no messages: it is not drawn again every minute).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from bot.i18n import Translate, pick_language
from bot.rules.charts.series import DIGEST_DAYS, ChartKind, gather
from bot.text import esc
from storage.rows import NewMessage
from storage.store import Store

logger = logging.getLogger(__name__)


async def chart_messages(store: Store, translate: Translate, branch_id: int, day: date,
                         now: datetime) -> list[NewMessage]:
    """A photo of the branch's chart for each of its secretaries (the digest's readers), in
    their language; none if the chart cannot be made (logged)."""
    from bot.rules.charts import render  # the package imports this module's neighbours

    try:
        branch = await store.branches.get(branch_id)
        if branch is None:
            return []
        languages = {s.member_id: pick_language(s.language, s.telegram_language, branch.locale)
                     for s in await store.people.branch_secretaries(branch_id)}
        if not languages:
            return []
        series = await gather(store, branch, ChartKind.checkins, DIGEST_DAYS, now)
        attachments: dict[str, int] = {}
        for language in sorted(set(languages.values())):
            png = await render(series, translate, language)
            attachments[language] = await store.outbox.attach(
                "photo", f"chart-{branch_id}-{day.isoformat()}.png", png, at=now)
    except Exception:
        logger.exception("the digest's chart of branch %s failed; the digest goes without it",
                         branch_id)
        return []
    return [NewMessage(member, member,
                       translate(language, "chart.caption", branch=esc(branch.name),
                                 day=day.isoformat()),
                       attachment=attachments[language])
            for member, language in sorted(languages.items())]
