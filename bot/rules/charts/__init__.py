"""Charts: the digest's chart and `/chart`, drawn as PNG images for a phone.

- **checkins** (the digest's chart): the subtree's check-in rate over the last days and,
  for a branch with sub-branches, today's rate per direct sub-branch, lowest first (at most
  12 bars, the rest said as "+N more"); beside them the households covered in time per
  day where the subtree has households;
- **coverage**: households covered in time per day;
- **needs**: needs opened and resolved per day, and those open at each day's end.

The data is read on the event loop (storage's async reads, `storage.charts`); the drawing,
CPU work of a few tenths of a second, runs in a thread (`asyncio.to_thread`) so that the bot
keeps answering meanwhile. Texts come from the `chart` catalogue in the reader's language.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from bot.i18n import Translate
from bot.rules.charts.draw import draw, font_family
from bot.rules.charts.series import DIGEST_DAYS, MAX_DAYS, ChartKind, Series, gather
from storage.store import Store

__all__ = ["DIGEST_DAYS", "MAX_DAYS", "ChartKind", "Series", "chart_png", "font_family",
           "gather", "render"]


async def render(series: Series, translate: Translate, language: str) -> bytes:
    """Draw gathered series as a PNG, off the event loop."""
    def text(key: str, **values: Any) -> str:
        return translate(language, key, **values)
    return await asyncio.to_thread(draw, series, text)


async def chart_png(store: Store, translate: Translate, language: str, branch_id: int,
                    kind: ChartKind, days: int, *, now: datetime) -> bytes:
    """The chart of `kind` over the subtree of `branch_id`, its last `days` local days, as a
    PNG with its texts in `language`. Raises LookupError for an unknown branch and
    ValueError for days outside 1..MAX_DAYS."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be within 1..{MAX_DAYS}")
    branch = await store.branches.get(branch_id)
    if branch is None:
        raise LookupError(f"no branch {branch_id}")
    series = await gather(store, branch, kind, days, now)
    return await render(series, translate, language)
