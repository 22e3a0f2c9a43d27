"""The leadership block of `/record`: when the record read is a secretary's and the reader may
see it (`bot.rules.leaders.may_see`: the secretary, an admin, a secretary of a branch above),
the branch's figures over the same period follow the member record, one line per figure."""

from __future__ import annotations

from datetime import date

from bot.i18n import Count, Translator, duration
from bot.rules import branches, leaders
from bot.rules.leaders import Leadership
from handlers.core.context import Context
from handlers.core.replies import esc
from storage.rows import Person


def figure(translate: Translator, language: str, key: str, unit: str,
           found: float | int | None) -> str:
    """One figure as a person reads it: a count, a duration, a percentage, household-hours
    (a sum over households is no one stretch of time), or "none this period" for no data."""
    if found is None:
        return translate(language, "leaders.none")
    if key == "overdue_hours":
        return translate(language, "leaders.household_hours", n=Count(round(found)))
    if unit == "minutes":
        return duration(translate, language, found)
    if unit == "hours":
        return duration(translate, language, found * 60)
    if unit == "rate":
        return translate(language, "leaders.rate", rate=round(100 * found))
    return str(found)


def render(translate: Translator, language: str, lead: Leadership, branch: str,
           title: str) -> list[str]:
    """The block as lines of HTML in `language`: a header, then one line per figure."""
    lines = [translate(language, "leaders.header", branch=esc(branch), title=esc(title),
                       first=lead.first.isoformat(), last=lead.last.isoformat())]
    for key, unit in leaders.LEADERS_COLUMNS:
        lines.append(translate(language, "leaders.line",
                               label=translate(language, f"leaders.column.{key}"),
                               value=figure(translate, language, key, unit,
                                            leaders.value(lead, key))))
    return lines


async def block(context: Context, target: Person, first: date, last: date) -> list[str]:
    """The block for `target`'s record over `first`..`last`, or nothing when the target is no
    secretary or the reader may not see it."""
    store = context.store
    if target.role != "secretary" or target.branch_id is None \
            or not await leaders.may_see(store, context.me, target):
        return []
    try:
        lead = await leaders.leadership(store, target.branch_id, first, last,
                                        now=context.clock.now())
    except LookupError:  # the branch was archived meanwhile
        return []
    title = await branches.leader_title(store, target.branch_id, context.language)
    return render(context.translate, context.language, lead, target.branch_name or "", title)
