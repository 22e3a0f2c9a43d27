"""The check-ins sheet: one row per member (in tree order, then by name), one column per local
day with the status as the catalogue's word on its colour, then the days checked in, the rate
and the notes of the period (`MM-DD note`, one a line).

A day before the member joined is left empty; a day after it without a check-in says "not
checked in" on red. A day older than [retention] health_days says "checked in" (its status is
no longer kept) and its note is gone.

It is the one sheet that reads the period's check-ins; while it writes them it counts what
the summary and the records need (`tally`), which are written after it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.rules.export.job import Job, Rows, Styles, pieces, prefetched
from bot.rules.export.tally import STATUS_INDEX, STATUSES, Tally
from storage.export import ExportMember, MemberCheckins
from storage.times import iso


def joined_day(job: Job, joined_at: str, branch_id: int) -> date:
    """The local day a member joined, in their branch's timezone."""
    return datetime.fromisoformat(joined_at).astimezone(job.zone(branch_id)).date()


class _Joined:
    """The place in the period of the local day a member joined (0: on its first day or
    before; the number of days: after its last), found among the days' starts as stored
    instants (ISO UTC text sorts as time), without parsing a date-time for each member."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._starts: dict[ZoneInfo, list[str]] = {}

    def since(self, joined_at: str, branch_id: int) -> int:
        zone = self.job.zone(branch_id)
        starts = self._starts.get(zone)
        if starts is None:
            days = [*self.job.days, self.job.last + timedelta(days=1)]
            starts = self._starts[zone] = [iso(datetime.combine(d, time(0), zone))
                                           for d in days]
        if not joined_at.endswith("+00:00"):  # not as `storage.times.iso` writes it
            return min(max((joined_day(self.job, joined_at, branch_id)
                            - self.job.first).days, 0), len(starts) - 1)
        return max(bisect_right(starts, joined_at) - 1, 0)


async def build(job: Job) -> None:
    """Write the check-ins sheet, and count `job.tally`."""
    days = job.days
    count = len(days)
    day_index = {day.isoformat(): n for n, day in enumerate(days)}
    words = {status: job.word(f"status.{status}_word") for status in STATUSES}
    words["none"] = job.word("export.word.not_checked_in")
    width = max(len(w) for w in words.values()) * 2 + 2
    headers = [job.t("export.col.branch"), job.t("export.col.member"),
               *(day.strftime("%m-%d") for day in days), job.t("export.col.checkin_days"),
               job.t("export.col.checkin_rate"), job.t("export.col.notes")]
    fixed = {2 + n: width for n in range(count)}
    sheet = job.sheet("checkins", headers, widths=fixed)
    # Each status's word on its colour (the style of the same name: job.STYLES).
    palette = sheet.palette({key: (word, key) for key, word in words.items()})
    row_styles: list[str | None] = [None, None, None, None, "percent", "wrap"]
    tally = job.tally = Tally(count, len(job.members))
    unwell, quarantined = STATUS_INDEX["unwell"], STATUS_INDEX["quarantined"]
    joined_since = _Joined(job)

    async def read(members: Sequence[ExportMember]
                   ) -> tuple[list[MemberCheckins], dict[int, list[str]]]:
        ids = [m.id for m in members]
        found = await job.store.export.checkins(ids, job.first, job.last)
        noted = [c.member_id for c in found if c.notes]
        notes: dict[int, list[str]] = {}
        if noted:
            for member, day, note in await job.store.export.checkin_notes(
                    noted, job.first, job.last):
                notes.setdefault(member, []).append(f"{day[5:]} {note}")
        return found, notes

    def make(members: Sequence[ExportMember], found: list[MemberCheckins],
             notes: dict[int, list[str]], first_place: int) -> tuple[Rows, Styles]:
        by_member = {c.member_id: c for c in found}
        rows: Rows = []
        for n, member in enumerate(members):
            branch = member.branch_id
            joined, checked = tally.branch(branch)
            since = joined_since.since(member.joined_at, branch)
            if since < count:
                joined[since] += 1
            marks: list[str | None] = [None] * since + ["none"] * (count - since)
            statuses = [0] * len(STATUSES)
            mine = by_member.get(member.id)
            checked_in = 0
            if mine is not None:
                checked_in = len(mine.days)
                for day, status in zip(mine.days, mine.statuses, strict=True):
                    k = day_index[day]
                    marks[k] = status
                    checked[k] += 1
                    statuses[STATUS_INDEX[status]] += 1
                if statuses[unwell]:
                    tally.unwell[branch] = tally.unwell.get(branch, 0) + 1
                if statuses[quarantined]:
                    tally.quarantined[branch] = tally.quarantined.get(branch, 0) + 1
                tally.add_statuses(first_place + n, statuses)
            rows.append([job.branch_name(branch), member.name, palette.run(marks), checked_in,
                         min(checked_in / (count - since or count), 1.0),
                         "\n".join(notes.get(member.id, ()))])
        return rows, [row_styles] * len(rows)

    place = 0
    async for members, (found, notes) in prefetched(pieces(job.members), read):
        await job.write(sheet, partial(make, members, found, notes, place))
        place += len(members)
    await job.close(sheet)
