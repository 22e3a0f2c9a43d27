"""The leaders' sheets: every branch of the subtree in tree order, its name indented by depth,
with its secretaries' figures over the period (`bot.rules.leaders`), one column per figure;
then a sheet that explains each figure in a line (the catalogue's `leaders.about.<key>`), so
the workbook read on its own says what every number counts.

Minutes and hours are numbers with the unit in the header, rates percentages; an empty cell
is a figure with nothing to count this period ("本期无" in chat).
"""

from __future__ import annotations

from bot.rules.export.job import Job, Rows, Styles
from bot.rules.export.summary import INDENT
from bot.rules.leaders import LEADERS_COLUMNS, leadership_tree, value

_STYLE = {"count": None, "minutes": "decimal", "hours": "decimal", "rate": "percent"}


def _header(job: Job, key: str, unit: str) -> str:
    name = job.t(f"leaders.column.{key}")
    return name + job.t(f"export.unit.{unit}") if unit in ("minutes", "hours") else name


async def build(job: Job) -> None:
    """Write the leaders sheet and the sheet about its figures."""
    tree = await leadership_tree(job.store, job.root.id, job.first, job.last, now=job.now)
    headers = [job.t("export.col.branch"), job.t("export.col.branch_id"),
               *(_header(job, key, unit) for key, unit in LEADERS_COLUMNS)]
    sheet = job.sheet("leaders", headers, widths={1: 8})

    def make() -> tuple[Rows, Styles]:
        rows: Rows = []
        styles: Styles = []
        for node, lead in tree:
            figures = [value(lead, key) for key, _ in LEADERS_COLUMNS]
            rows.append([INDENT * node.depth + node.name, node.id,
                         *(round(f, 1) if isinstance(f, float) and not isinstance(f, bool)
                           and unit != "rate" else f
                           for f, (_, unit) in zip(figures, LEADERS_COLUMNS, strict=True))])
            styles.append(["bold" if node.depth == 0 else None, None,
                           *(_STYLE[unit] for _, unit in LEADERS_COLUMNS)])
        return rows, styles

    await job.write(sheet, make)
    await job.close(sheet)
    about = job.sheet("leaders_about", [job.t("export.col.figure"),
                                         job.t("export.col.meaning")], widths={1: 90})

    def explain() -> tuple[Rows, Styles]:
        return ([[_header(job, key, unit), job.t(f"leaders.about.{key}")]
                 for key, unit in LEADERS_COLUMNS],
                [[None, "wrap"] for _ in LEADERS_COLUMNS])

    await job.write(about, explain)
    await job.close(about)
