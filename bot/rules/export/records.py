"""The members' records sheet: `/record`'s figures for every member of the subtree (as
`bot.rules.records.member_record` counts them for one), their commendations, and, only in an
export built with `notes` (its reader may read them: `bot.rules.records.may_read_notes`), the
notes; never the notes on the reader themself. The days checked in and the statuses are what
the check-ins sheet counted (`job.tally`).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from bot.rules.export.job import Job, Rows, Styles, pieces, prefetched
from bot.rules.export.tally import STATUSES, Tally
from storage.export import ExportMember
from storage.records import RecordFigures

# The days checked in by status, and those whose status is no longer kept (retention): the
# columns add up to the days checked in.
STATUS_COLUMNS = STATUSES


def _entries(job: Job, found: list[tuple[Any, ...]], kind: str,
             branch_of: dict[int, int]) -> dict[int, list[str]]:
    """Each member's entries of a kind as lines: `MM-DD author: text`."""
    out: dict[int, list[str]] = {}
    for member, entry_kind, text, author, at in found:
        if entry_kind != kind:
            continue
        when = datetime.fromisoformat(at).astimezone(job.zone(branch_of[member]))
        out.setdefault(member, []).append(
            job.t("export.conduct_line", day=when.strftime("%m-%d"), author=author, text=text))
    return out


async def build(job: Job) -> None:
    """Write the records sheet."""
    cols = ["branch", "member", "role", "days", "checkin_days", "checkin_rate",
            *(f"status_{s}" for s in STATUS_COLUMNS), "tasks", "accepted", "declined", "done",
            "overdue", "median_answer_minutes", "needs_reported", "commendations",
            "commendation_lines"]
    if job.notes:
        cols += ["notes_count", "note_lines"]
    sheet = job.sheet("records", [job.t(f"export.col.{c}") for c in cols])
    days = len(job.days)
    kinds = ("commendation", "note") if job.notes else ("commendation",)
    roles = {role: job.word(f"export.word.role.{role}") for role in ("member", "secretary")}
    row_styles: list[str | None] = [None] * 5 + ["percent"] + [None] * (len(cols) - 6)
    for at in (cols.index("commendation_lines"), len(cols) - 1):
        row_styles[at] = "wrap"

    tally = job.tally
    assert tally is not None, "the check-ins sheet comes first"

    async def read(members: Sequence[ExportMember]
                   ) -> tuple[dict[int, RecordFigures], list[tuple[Any, ...]]]:
        ids = [m.id for m in members]
        figures = await job.store.export.member_figures(ids, start=job.start, end=job.end,
                                                        now=job.now)
        conduct = await job.store.export.conduct(ids, start=job.start, end=job.end, kinds=kinds)
        return figures, conduct

    def make(members: Sequence[ExportMember], figures: dict[int, RecordFigures],
             conduct: list[tuple[Any, ...]], first_place: int,
             tally: Tally = tally) -> tuple[Rows, Styles]:
        branch_of = {m.id: m.branch_id for m in members}
        praised = _entries(job, conduct, "commendation", branch_of)
        noted = _entries(job, conduct, "note", branch_of) if job.notes else {}
        rows: Rows = []
        for n, member in enumerate(members):
            f = figures[member.id]
            statuses = tally.statuses(first_place + n)
            checked = sum(statuses.values())  # one check-in a member a day
            median = (round(statistics.median(f.answer_seconds) / 60, 1)
                      if f.answer_seconds else None)
            mine = praised.get(member.id, [])
            row: list[object] = [
                job.branch_name(member.branch_id), member.name, roles.get(member.role),
                days, checked, checked / days if days else None,
                *(statuses.get(s, 0) for s in STATUS_COLUMNS), f.tasks, f.accepted,
                f.declined, f.done, f.overdue, median, f.needs_reported, len(mine),
                "\n".join(mine)]
            if job.notes:
                notes = [] if member.id == job.reader_id else noted.get(member.id, [])
                row += [len(notes), "\n".join(notes)]
            rows.append(row)
        return rows, [row_styles] * len(rows)

    place = 0
    async for members, (figures, conduct) in prefetched(pieces(job.members), read):
        await job.write(sheet, partial(make, members, figures, conduct, place))
        place += len(members)
    await job.close(sheet)
