"""The check-ins sheet: one row per member (in tree order, then by name), one column per local
day with the status as the catalogue's word on its colour, then the days checked in, the rate
and the notes of the period (`MM-DD note`, one a line).

A day before the member joined is left empty; a day after it without a check-in says "not
checked in" on red. A day older than [retention] health_days says "checked in" (its status is
no longer kept) and its note is gone.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.rules.export.job import Job, Rows, Styles, pieces
from bot.rules.export.summary import joined_day
from bot.rules.vocab import CHECKED_IN, Status
from storage.export import ExportMember


async def build(job: Job) -> None:
    """Write the check-ins sheet."""
    days = job.days
    day_keys = [day.isoformat() for day in days]
    words = {status.value: job.word(f"status.{status.value}_word") for status in Status}
    words[CHECKED_IN] = job.word(f"status.{CHECKED_IN}_word")  # its status no longer kept
    words["none"] = job.word("export.word.not_checked_in")
    width = max(len(w) for w in words.values()) * 2 + 2
    headers = [job.t("export.col.branch"), job.t("export.col.member"),
               *(day.strftime("%m-%d") for day in days), job.t("export.col.checkin_days"),
               job.t("export.col.checkin_rate"), job.t("export.col.notes")]
    fixed = {2 + n: width for n in range(len(days))}
    sheet = job.sheet("checkins", headers, widths=fixed)
    trailing: list[str | None] = [None, "percent", "wrap"]

    for members in pieces(job.members):
        found = await job.store.export.checkins([m.id for m in members], job.first, job.last)

        def make(members: Sequence[ExportMember] = members,
                 found: list[tuple[int, str, str, str | None]] = found) -> tuple[Rows, Styles]:
            by_member: dict[int, dict[str, tuple[str, str | None]]] = {}
            for member_id, day, status, note in found:
                by_member.setdefault(member_id, {})[day] = (status, note)
            rows: Rows = []
            styles: Styles = []
            for member in members:
                mine = by_member.get(member.id, {})
                since = joined_day(job, member.joined_at, member.branch_id).isoformat()
                cells: list[object] = [job.branch_name(member.branch_id), member.name]
                marks: list[str | None] = [None, None]
                notes = []
                for key in day_keys:
                    found_day = mine.get(key)
                    status, note = found_day if found_day else ("none", None)
                    if found_day is None and key < since:
                        cells.append(None)
                        marks.append(None)
                        continue
                    cells.append(words[status])
                    marks.append(status)
                    if note:
                        notes.append(f"{key[5:]} {note}")
                counted = sum(1 for key in day_keys if key >= since) or len(day_keys)
                cells += [len(mine), min(len(mine) / counted, 1.0), "\n".join(notes)]
                rows.append(cells)
                styles.append(marks + trailing)
            return rows, styles

        await job.write(sheet, make)
    await job.close(sheet)
