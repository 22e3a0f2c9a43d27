"""The summary sheet: every branch of the subtree in tree order, its name indented by depth,
each row counting the branch with everything below it (the first row is the whole export).

A member counts on a day from the local day they joined (in their branch's timezone); the
rate of a day is the check-ins of that day over the members counted on it (at most 100%:
someone who joined later that day may have checked in). Household coverage is the share of
the households contacted at least once in the period. The broadcasts' acknowledgement rate
is over the members each broadcast asking for one went to.

Written last (and shown first): the members counted and the check-ins per day, and the members
unwell or quarantined, are what the check-ins sheet counted as it read them (`job.tally`);
the rest is aggregated in SQLite, one row per branch.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import accumulate

from bot.rules.export.job import Job, Rows, Styles
from storage.export import BranchFigures

_FIGURES = ("needs_opened", "needs_resolved", "needs_open", "given", "done", "declined",
            "overdue", "households", "visited", "recipients", "acks")
_COUNTS = ("unwell", "quarantined", *_FIGURES)
INDENT = "    "


def _rate(done: int, of: int) -> float | None:
    return min(done / of, 1.0) if of else None


async def build(job: Job) -> None:
    """Write the summary sheet (after the check-ins sheet, which counts `job.tally`)."""
    days = job.days
    tally = job.tally
    assert tally is not None, "the check-ins sheet comes first"
    figures = await job.store.export.branch_figures(job.root.id, start=job.start, end=job.end,
                                                    as_of=job.as_of)
    headers = [job.t("export.col.branch"), job.t("export.col.branch_id"),
               job.t("export.col.members"),
               *(job.t("export.col.rate_on", day=day.strftime("%m-%d")) for day in days),
               job.t("export.col.rate_period"), job.t("export.col.unwell_members"),
               job.t("export.col.quarantined_members"), job.t("export.col.needs_opened"),
               job.t("export.col.needs_resolved"), job.t("export.col.needs_open"),
               job.t("export.col.tasks_given"), job.t("export.col.tasks_done"),
               job.t("export.col.tasks_declined"), job.t("export.col.tasks_overdue"),
               job.t("export.col.households"), job.t("export.col.households_visited"),
               job.t("export.col.coverage"), job.t("export.col.broadcast_recipients"),
               job.t("export.col.ack_rate")]
    sheet = job.sheet("summary", headers, widths={1: 8})

    def make() -> tuple[Rows, Styles]:
        # Members counted per day, each branch on its own: from the day they joined.
        counted: dict[int, list[int]] = defaultdict(lambda: [0] * len(days))
        checked: dict[int, list[int]] = defaultdict(lambda: [0] * len(days))
        for branch, joined in tally.joined.items():
            counted[branch] = list(accumulate(joined))
            checked[branch] = list(tally.checkins[branch])
        members: dict[int, int] = defaultdict(int)
        for member in job.members:
            members[member.branch_id] += 1
        counts: dict[int, list[int]] = defaultdict(lambda: [0] * len(_COUNTS))
        for branch in {*figures, *tally.unwell, *tally.quarantined}:
            found = figures.get(branch)
            counts[branch] = [tally.unwell.get(branch, 0), tally.quarantined.get(branch, 0),
                              *(getattr(found, name) if found else 0 for name in _FIGURES)]
        # Roll up: children come after their parent in tree order, so walking backwards adds
        # every branch into its parent after it has received its own children.
        for node in reversed(job.branches[1:]):
            parent = node.parent_id
            if parent is None or parent not in job.by_id:
                continue
            members[parent] += members[node.id]
            for table in (counted, checked, counts):
                mine, theirs = table[node.id], table[parent]
                for n, value in enumerate(mine):
                    theirs[n] += value
        rows: Rows = []
        styles: Styles = []
        for node in job.branches:
            day_rates = [_rate(c, m) for c, m in zip(checked[node.id], counted[node.id],
                                                      strict=True)]
            c = dict(zip(_COUNTS, counts[node.id], strict=True))
            rows.append([
                INDENT * node.depth + node.name, node.id, members[node.id], *day_rates,
                _rate(sum(checked[node.id]), sum(counted[node.id])),
                c["unwell"], c["quarantined"], c["needs_opened"], c["needs_resolved"],
                c["needs_open"], c["given"], c["done"], c["declined"], c["overdue"],
                c["households"], c["visited"], _rate(c["visited"], c["households"]),
                c["recipients"], _rate(c["acks"], c["recipients"])])
            percent = "percent"
            styles.append(["bold" if node.depth == 0 else None, None, None,
                           *([percent] * (len(days) + 1)), *([None] * 11), percent, None,
                           percent])
        return rows, styles

    await job.write(sheet, make)
    await job.close(sheet)


__all__ = ["BranchFigures", "build"]
