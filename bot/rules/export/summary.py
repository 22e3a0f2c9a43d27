"""The summary sheet: every branch of the subtree in tree order, its name indented by depth,
each row counting the branch with everything below it (the first row is the whole export).

A member counts on a day from the local day they joined (in their branch's timezone); the
rate of a day is the check-ins of that day over the members counted on it (at most 100%:
someone who joined later that day may have checked in). Household coverage is the share of
the households contacted at least once in the period. The broadcasts' acknowledgement rate
is over the members each broadcast asking for one went to.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from bot.rules.export.job import Job, Rows, Styles
from storage.export import BranchFigures

_COUNTS = ("unwell", "quarantined", "needs_opened", "needs_resolved", "needs_open", "given",
           "done", "declined", "overdue", "households", "visited", "recipients", "acks")
INDENT = "    "


def joined_day(job: Job, joined_at: str, branch_id: int) -> date:
    """The local day a member joined, in their branch's timezone."""
    return datetime.fromisoformat(joined_at).astimezone(job.zone(branch_id)).date()


def _rate(done: int, of: int) -> float | None:
    return min(done / of, 1.0) if of else None


async def build(job: Job) -> None:
    """Write the summary sheet."""
    days = job.days
    first = job.first
    figures = await job.store.export.branch_figures(
        job.root.id, job.first, job.last, start=job.start, end=job.end, as_of=job.as_of)
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
        members: dict[int, int] = defaultdict(int)
        for member in job.members:
            members[member.branch_id] += 1
            since = (joined_day(job, member.joined_at, member.branch_id) - first).days
            if since < len(days):
                counted[member.branch_id][max(since, 0)] += 1  # joined on that day
        for row in counted.values():
            for n in range(1, len(days)):
                row[n] += row[n - 1]
        checked: dict[int, list[int]] = defaultdict(lambda: [0] * len(days))
        counts: dict[int, list[int]] = defaultdict(lambda: [0] * len(_COUNTS))
        for branch, found in figures.items():
            checked[branch] = [found.checkins.get(day.isoformat(), 0) for day in days]
            counts[branch] = [getattr(found, name) for name in _COUNTS]
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


__all__ = ["BranchFigures", "build", "joined_day"]
