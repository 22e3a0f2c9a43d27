"""/export's leaders sheet: a row per branch in tree order with its secretaries' figures,
as `/record` shows them, against the history written; the sheet that explains each one."""

from __future__ import annotations

from datetime import date

from bot.rules.leaders import LEADERS_COLUMNS, leadership_tree, value
from bot.sandbox.harness import SandboxBot
from tests.e2e.export.helpers import export, values, workbook
from tests.e2e.export.history import PERIOD, make_history
from tests.helpers import SEC_A, Org, build_org, t


def header(key: str, unit: str, language: str = "zh") -> str:
    name = t(f"leaders.column.{key}", language)
    return name + t(f"export.unit.{unit}", language) if unit in ("minutes", "hours") else name


async def test_leaders_sheet_against_the_history(bot: SandboxBot, org: Org) -> None:
    await make_history(bot, org)
    book = workbook((await export(bot, SEC_A, f"/export {PERIOD}")).content)
    rows = values(book[t("export.sheet.leaders")])
    assert rows[0] == [t("export.col.branch"), t("export.col.branch_id"),
                       *(header(key, unit) for key, unit in LEADERS_COLUMNS)]
    assert [row[:2] for row in rows[1:]] == [["Alpha", org.a], ["    Alpha-1", org.a1]]
    alpha = dict(zip(rows[0], rows[1], strict=True))
    # Alpha's need (reported 10:00, its task given 10:30): 30 minutes to first action; Sa's
    # task ran overdue (Mia accepted and never finished) and was followed up (Sa commended
    # Mia after its due time).
    assert alpha[header("needs", "count")] == 1
    assert alpha[header("need_first_median", "minutes")] == 30
    assert alpha[header("need_first_worst", "minutes")] == 30
    assert alpha[header("needs_untouched", "count")] == 0
    assert alpha[header("tasks_given", "count")] == 1
    assert alpha[header("tasks_overdue", "count")] == 1
    assert alpha[header("tasks_unfollowed", "count")] == 0
    assert alpha[header("ack_rate", "rate")] is None  # no broadcast: an empty cell
    # Every cell is the rule's figure, as `/record` shows it.
    tree = await leadership_tree(bot.store, org.a, date(2026, 3, 2), date(2026, 3, 3),
                                 now=bot.clock.now())
    for row, (node, lead) in zip(rows[1:], tree, strict=True):
        assert row[1] == node.id
        for cell, (key, unit) in zip(row[2:], LEADERS_COLUMNS, strict=True):
            figure = value(lead, key)
            expected = round(figure, 1) if isinstance(figure, float) and unit != "rate" \
                else figure
            assert cell == expected, (node.name, key)


async def test_each_figure_explained_in_a_line(bot: SandboxBot) -> None:
    org = await build_org(bot, english=(SEC_A,))
    book = workbook((await export(bot, SEC_A, f"/export {org.a} 7d")).content)
    about = values(book[t("export.sheet.leaders_about", "en")])
    assert about[0] == [t("export.col.figure", "en"), t("export.col.meaning", "en")]
    assert about[1:] == [[header(key, unit, "en"), t(f"leaders.about.{key}", "en")]
                         for key, unit in LEADERS_COLUMNS]
    leaders = values(book[t("export.sheet.leaders", "en")])
    assert leaders[0][2:] == [row[0] for row in about[1:]]
    sheet = book[t("export.sheet.leaders", "en")]
    assert sheet.freeze_panes == "A2" and all(cell.font.b for cell in sheet[1])
