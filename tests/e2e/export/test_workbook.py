"""/export: the workbook's sheets, headers and values against what the database holds."""

from __future__ import annotations

from datetime import datetime

from bot.sandbox.harness import SandboxBot
from tests.e2e.export.helpers import export, values, workbook
from tests.e2e.export.history import PERIOD, make_history
from tests.helpers import ADMIN, SEC_A, Org, build_org, t

SHEETS = ("summary", "checkins", "needs", "tasks", "visits", "records", "leaders",
          "leaders_about")


def _row(rows: list[list[object]], *cells: object) -> list[object]:
    """The one row that starts with these cells."""
    found = [row for row in rows if tuple(row[:len(cells)]) == cells]
    assert len(found) == 1, (cells, rows)
    return found[0]


async def test_every_sheet_against_the_database(bot: SandboxBot, org: Org) -> None:
    await make_history(bot, org)
    message = await export(bot, SEC_A, f"/export {PERIOD}")
    assert message.document is not None and message.content is not None
    assert message.document["file_name"] == "frontline-2-alpha-2026-03-02-2026-03-03.xlsx"
    titles = [t(f"export.sheet.{key}") for key in SHEETS]
    assert message.plain == t("export.caption", branch="Alpha", first="2026-03-02",
                              last="2026-03-03", days=2, sheets="、".join(titles))
    book = workbook(message.content)
    assert book.sheetnames == titles
    for sheet in book.worksheets:  # spreadsheet habits
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}" \
            f"{sheet.max_row}"
        assert all(cell.font.b for cell in sheet[1])
        assert sheet.column_dimensions["A"].width >= 6

    summary = values(book[titles[0]])
    assert summary[0][:5] == [t("export.col.branch"), t("export.col.branch_id"),
                              t("export.col.members"), t("export.col.rate_on", day="03-02"),
                              t("export.col.rate_on", day="03-03")]
    # Alpha with Alpha-1 below it: 5 members; 2 of 5 checked in on 03-02, 1 on 03-03.
    # Mia's part of the task, due 03-02 18:00 and not done, is overdue.
    assert summary[1] == ["Alpha", org.a, 5, 0.4, 0.2, 0.3, 1, 1, 1, 1, 0, 2, 0, 1, 1, 1, 1,
                          1.0, 0, None]
    assert summary[2][:3] == ["    Alpha-1", org.a1, 2]
    assert book[titles[0]]["D2"].number_format == "0%"

    checkins = book[titles[1]]
    rows = values(checkins)
    assert rows[0] == [t("export.col.branch"), t("export.col.member"), "03-02", "03-03",
                       t("export.col.checkin_days"), t("export.col.checkin_rate"),
                       t("export.col.notes")]
    assert [r[1] for r in rows[1:]] == ["Sa", "Max", "Mia", "Sb", "Mo"]  # tree, secretary first
    assert _row(rows, "Alpha", "Mia") == ["Alpha", "Mia", t("status.on_duty_word"),
                                          t("status.quarantined_word"), 2, 1, None]
    assert _row(rows, "Alpha", "Max") == ["Alpha", "Max", t("status.unwell_word"),
                                          t("export.word.not_checked_in"), 1, 0.5, "03-02 发烧"]
    assert checkins["C4"].fill.fgColor.rgb == "FFC6EFCE"  # Mia on duty: green
    assert checkins["D3"].fill.fgColor.rgb == "FFFFC7CE"  # Max not checked in: red

    needs = values(book[titles[2]])
    assert needs[0][10:15] == [t(f"export.col.{c}") for c in (
        "reported_at", "first_action_at", "minutes_to_action", "closed_at",
        "hours_to_resolution")]
    # Stored in UTC, shown in Shanghai's time: reported 10:00, first task 10:30, closed 13:00.
    assert needs[1][1:8] == ["Alpha", "Mia", t("need.for_self"), t("need.cat_food_word"),
                             t("need.urg_urgent_word"), t("need.status_resolved_word"), "大米"]
    assert needs[1][10:15] == [datetime(2026, 3, 2, 10), datetime(2026, 3, 2, 10, 30), 30.0,
                               datetime(2026, 3, 2, 13), 3.0]
    assert book[titles[2]]["K2"].is_date

    tasks = values(book[titles[3]])
    assert len(tasks) == 3  # a row per assignee
    mia = tasks[1]
    assert mia[1:6] == ["Alpha", "送米", "Sa", None, 1]
    assert mia[10:15] == ["Mia", t("export.word.assignment.accepted"),
                          datetime(2026, 3, 2, 10, 30), datetime(2026, 3, 2, 11, 15), 45.0]
    assert mia[17] == t("export.word.yes")  # due 18:00 on 03-02, not done by now
    assert tasks[2][10:12] == ["Max", t("export.word.assignment.declined")]
    assert tasks[2][17] is None and tasks[2][18] == "在隔离"

    visits = values(book[titles[4]])
    assert len(visits) == 2  # the visit of 03-01 is before the period
    assert visits[1][1:] == ["Alpha-1", "三号楼", "3-402", "Mo", t("visit.outcome_well"),
                             datetime(2026, 3, 2, 12), 26.0, "都好"]

    records = values(book[titles[5]])
    header = records[0]
    assert header[-2:] == [t("export.col.notes_count"), t("export.col.note_lines")]
    mia_record = dict(zip(header, _row(records, "Alpha", "Mia"), strict=True))
    assert mia_record[t("export.col.checkin_days")] == 2
    assert mia_record[t("export.col.status_quarantined")] == 1
    assert mia_record[t("export.col.accepted")] == 1
    assert mia_record[t("export.col.median_answer_minutes")] == 45.0
    assert mia_record[t("export.col.commendations")] == 1
    assert "坚守卡口" in mia_record[t("export.col.commendation_lines")]
    assert "迟到一次" in mia_record[t("export.col.note_lines")]
    # The reader's own notes are never in their export.
    sa_record = dict(zip(header, _row(records, "Alpha", "Sa"), strict=True))
    assert sa_record[t("export.col.notes_count")] == 0


async def test_an_admin_sees_the_notes_on_a_secretary(bot: SandboxBot, org: Org) -> None:
    await make_history(bot, org)
    message = await export(bot, ADMIN, f"/export {PERIOD}")
    book = workbook(message.content)
    records = values(book[t("export.sheet.records")])
    sa = dict(zip(records[0], _row(records, "Alpha", "Sa"), strict=True))
    assert "自我批评" in sa[t("export.col.note_lines")]
    summary = values(book[t("export.sheet.summary")])
    assert [row[0] for row in summary[1:]] == ["Root", "    Alpha", "        Alpha-1",
                                               "    Beta"]


async def test_headers_and_words_in_english(bot: SandboxBot) -> None:
    org = await build_org(bot, english=(SEC_A,))
    await make_history(bot, org)
    message = await export(bot, SEC_A, f"/export {org.a} {PERIOD}")
    book = workbook(message.content)
    assert book.sheetnames == [t(f"export.sheet.{key}", "en") for key in SHEETS]
    rows = values(book[t("export.sheet.checkins", "en")])
    assert rows[0][:2] == ["Branch", "Member"]
    assert _row(rows, "Alpha", "Mia")[2:4] == [t("status.on_duty_word", "en"), "quarantined"]
    assert message.plain.startswith("📊 “Alpha”, 2026-03-02 to 2026-03-03 (2 days)")
