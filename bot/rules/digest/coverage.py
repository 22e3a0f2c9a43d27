"""The digest's coverage section: households reached, rolled up the tree, and who is off duty.

Shown only when the subtree has households. One line for the whole subtree (covered
within their interval, reached that day, due, overdue, unheld), one per direct sub-branch
worst first (each sub-branch's own digest shows its level below, and so on up the tree),
and, in a secretary's private copy only, the members off duty whose households nobody holds,
each with the hand-over button (`cv:ho:<member>`, handled by `handlers/coverage.py`).
A group's copy leaves the names out: health is not the whole group's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.i18n import Translate
from bot.rules import coverage
from bot.rules.callbacks import Handover
from bot.text import cut, esc, isolate
from storage.coverage import CoverageCounts, OffDuty
from storage.rows import Branch, Buttons
from storage.store import Store

NAME_MAX = 32
SHOW_OFF_DUTY = 5  # members with unheld households named, each with a button


@dataclass(frozen=True, slots=True)
class DigestCoverage:
    """What the coverage section shows."""

    total: CoverageCounts
    children: list[CoverageCounts]  # worst first, only those with households
    off_duty: list[OffDuty]  # with households nobody holds instead


async def gather(store: Store, branch: Branch, day: date) -> DigestCoverage | None:
    """The coverage of the branch's subtree on its local `day`; None if it has no households."""
    win = coverage.window(day, branch.timezone)
    whole, _, children = await coverage.branch_rollup(store, branch.id, win)
    if not whole.households:
        return None
    off = [o for o in await coverage.off_duty(store, branch.id) if o.unheld > 0]
    return DigestCoverage(whole, [c for c in children if c.households], off)


def lines(t: Translate, language: str, cov: DigestCoverage, *, private: bool,
          branches: int, names: int) -> tuple[list[str], Buttons]:
    """The section's lines and, in a private copy, the hand-over buttons."""
    c, lang = cov.total, language
    out = [t(lang, "digest.coverage", rate=c.rate, covered=c.covered, households=c.households,
             today=c.reached_today, due=c.due, overdue=c.overdue)]
    for child in cov.children[:branches]:
        out.append(t(lang, "digest.coverage_child", branch=esc(cut(child.name, NAME_MAX)),
                     rate=child.rate, covered=child.covered, households=child.households,
                     overdue=child.overdue))
    if len(cov.children) > branches:
        out.append("  " + t(lang, "digest.more_branches", n=len(cov.children) - branches))
    if c.unassigned:
        out.append(t(lang, "coverage.digest_unassigned", n=c.unassigned))
    unheld = c.unheld - c.unassigned  # their member is off duty
    buttons: Buttons = []
    if unheld and not private:
        out.append(t(lang, "digest.coverage_unheld_count", n=unheld))
    if unheld and private:
        shown = cov.off_duty[:min(names, SHOW_OFF_DUTY)]
        people = t(lang, "digest.separator").join(
            t(lang, "digest.coverage_person", mark=coverage.REASON_ICONS.get(o.reason, "❔"),
              name=esc(cut(o.name, NAME_MAX)), n=o.unheld) for o in shown)
        if len(cov.off_duty) > len(shown):
            people += " " + t(lang, "digest.more", n=len(cov.off_duty) - len(shown))
        out.append(t(lang, "digest.coverage_unheld", n=unheld, names=people))
        buttons = [[(t(lang, "digest.button_handover", name=isolate(cut(o.name, 20))),
                     Handover("start", o.member_id).pack())] for o in shown]
    return out, buttons
