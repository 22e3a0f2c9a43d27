"""`frontline export`: the same workbook from the command line, audit-logged as the command
line's; notes only with --notes; bad arguments answered in one line."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.e2e.cli.test_cli import db_path, initialized
from tests.e2e.export.helpers import values, workbook
from tests.helpers import frontline, sql, t

__all__ = ["initialized"]

STAMP = "2026-03-01T00:00:00+00:00"
SHEETS = ("summary", "checkins", "needs", "tasks", "visits", "records", "leaders",
          "leaders_about")


def _member_with_a_note(tmp_path: Path) -> None:
    db = db_path(tmp_path)
    sql(db, "INSERT INTO members(id, first_name, created_at, updated_at)"
        f" VALUES (7, '李娜', '{STAMP}', '{STAMP}')")
    sql(db, f"INSERT INTO memberships(member_id, branch_id, role, joined_at) VALUES (7, 1,"
        f" 'member', '{STAMP}')")
    sql(db, "INSERT INTO checkins(member_id, day, branch_id, status, created_at, updated_at)"
        f" VALUES (7, date('now'), 1, 'on_duty', '{STAMP}', '{STAMP}')")
    sql(db, "INSERT INTO conduct(member_id, branch_id, kind, text, author_id, at)"
        " VALUES (7, 1, 'note', '私下的备注', 7, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))")


def test_the_command_line_writes_the_workbook(initialized: Path, tmp_path: Path) -> None:
    _member_with_a_note(tmp_path)
    out = tmp_path / "org.xlsx"
    cfg = ("--config", str(initialized))
    result = frontline(tmp_path, "export", *cfg, "--branch", "1", "--period", "7d", str(out))
    assert result.code == 0, result
    lines = result.out.splitlines()
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the default timezone
    assert lines[0] == t("export.cli.wrote", file=str(out), branch="Org",
                         first=(today - timedelta(days=6)).isoformat(), last=today.isoformat())
    assert lines[1:] == [t("export.cli.sheet_line", sheet=t(f"export.sheet.{key}"), rows=n)
                         for key, n in zip(SHEETS, (1, 1, 0, 0, 0, 1, 1, 18), strict=True)]
    book = workbook(out.read_bytes())
    assert book.sheetnames == [t(f"export.sheet.{key}") for key in SHEETS]
    records = values(book[t("export.sheet.records")])
    assert t("export.col.note_lines") not in records[0]  # no notes without --notes
    assert records[1][:3] == ["Org", "李娜", t("export.word.role.member")]
    [(actor, branch, allowed, detail)] = sql(
        db_path(tmp_path), "SELECT actor_id, branch_id, allowed, detail FROM audit_log"
        " WHERE action = 'export'")
    assert (actor, branch, allowed) == (None, 1, 1)
    assert json.loads(str(detail))["by"] == "cli"

    result = frontline(tmp_path, "export", *cfg, "--branch", "1", "--notes", "--lang", "en",
                       str(out))
    assert result.code == 0, result
    book = workbook(out.read_bytes())
    assert book.sheetnames == [t(f"export.sheet.{key}", "en") for key in SHEETS]
    records = values(book[t("export.sheet.records", "en")])
    assert records[1][-1] is not None and "私下的备注" in records[1][-1]


def test_bad_arguments_are_one_line(initialized: Path, tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    out = str(tmp_path / "x.xlsx")
    result = frontline(tmp_path, "export", *cfg, "--branch", "9", out)
    assert result.code == 2 and t("export.cli.no_branch", id=9) in result.err, result
    result = frontline(tmp_path, "export", *cfg, "--branch", "1", "--period", "400d", out)
    assert result.code == 2 and t("record.bad_period", value="400d", max=366) in result.err
    assert "Traceback" not in result.err and not Path(out).exists()
