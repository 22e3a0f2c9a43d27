"""`/chart [BRANCH_ID] [checkins|coverage|needs] [DAYS]`: a chart of the subtree, answered as a
photo (directly, not through the outbox).

Arguments in order: a number before the kind (or the first of two numbers) is the branch, a
number after it (or the second) the days; a lone number is the branch, as in `/digest`;
`7d` or `7天` are days wherever they stand. Kinds also in Chinese (报到, 覆盖, 需求).
Rights: the branch must be within the secretary's subtree (`scope`, from the database).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.clock import local_day
from bot.rules import charts
from bot.rules.charts import ChartKind
from bot.text import cut
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, reply

logger = logging.getLogger(__name__)

KINDS = {**{k.value: k for k in ChartKind}, "报到": ChartKind.checkins,
         "覆盖": ChartKind.coverage, "需求": ChartKind.needs}
_DAYS = re.compile(r"^(\d{1,4})(?:d|天)$", re.IGNORECASE)
_NUMBER = re.compile(r"^#?\d{1,12}$")


def parse(args: list[str]) -> tuple[str | None, ChartKind, str | None] | str:
    """(branch, kind, days) as typed, or the word not understood."""
    branch: str | None = None
    days: str | None = None
    kind: ChartKind | None = None
    numbers: list[str] = []
    for word in args:
        lower = word.lower()
        if lower in KINDS and kind is None:
            kind = KINDS[lower]
            if numbers:
                branch = numbers.pop(0)
                if numbers:
                    return numbers[0]
        elif (found := _DAYS.match(word)) and days is None:
            days = found.group(1)
        elif _NUMBER.match(word):
            numbers.append(word)
        else:
            return word
    if kind is not None:
        if len(numbers) > 1 or (numbers and days is not None):
            return numbers[-1]
        days = numbers[0] if numbers else days
    else:
        if len(numbers) > 2 or (len(numbers) == 2 and days is not None):
            return numbers[-1]
        branch = numbers[0] if numbers else None
        if len(numbers) == 2:
            days = numbers[1]
    return branch, kind or ChartKind.checkins, days


async def show_chart(update: Update, context: Context) -> None:
    """`/chart [branch] [kind] [days]`: a chart of a branch's subtree, as a photo."""
    parsed = parse(list(context.args or []))
    if isinstance(parsed, str):
        await reply(update, context.t("chart.bad_word", value=esc(cut(parsed, 20))) + "\n"
                    + context.t("chart.usage"))
        return
    branch_arg, kind, days_arg = parsed
    days = charts.DIGEST_DAYS
    if days_arg is not None:
        days = int(days_arg.lstrip("#"))
        if not 1 <= days <= charts.MAX_DAYS:
            await reply(update, context.t("chart.bad_days", value=esc(days_arg)))
            return
    branch = await scope(update, context, "chart", branch_arg)
    if branch is None:
        return
    now = context.clock.now()
    try:
        png = await charts.chart_png(context.store, context.translate, context.language,
                                     branch.id, kind, days, now=now)
    except Exception:
        logger.exception("the chart of branch %s failed", branch.id)
        await reply(update, context.t("chart.failed"))
        return
    message = update.effective_message
    assert message is not None
    day = local_day(now, branch.timezone).isoformat()
    await message.reply_photo(InputFile(png, filename=f"chart-{branch.id}-{kind}.png"),
                              caption=context.t("chart.asked", branch=esc(branch.name),
                                                what=context.t(f"chart.kind_{kind}"),
                                                days=days, day=day))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [CommandHandler("chart", show_chart, filters=filters.ChatType.PRIVATE)]
