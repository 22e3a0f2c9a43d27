"""`frontline roster links` (personal links, sheets and a CSV to a folder) and `frontline
invite list` / `invite revoke`, run in this process."""

from __future__ import annotations

import csv
from pathlib import Path

from bot.rules import invites
from tests.e2e.cli.test_cli import db_path, initialized, write_config
from tests.e2e.org.helpers import pdf_pages, pdf_title
from tests.helpers import frontline, sql, t

__all__ = ["initialized"]

STAMP = "2026-03-01T00:00:00+00:00"


def _roster(tmp_path: Path, branch: int, *names: str) -> None:
    for name in names:
        sql(db_path(tmp_path), "INSERT INTO roster(branch_id, role, name, phone, created_at,"
            f" updated_at) VALUES ({branch}, 'member', '{name}', '138{len(name):08d}',"
            f" '{STAMP}', '{STAMP}')")


def test_roster_links_writes_a_sheet_per_branch_and_a_csv(initialized: Path,
                                                           tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    assert frontline(tmp_path, "branch", "add", *cfg, "--parent", "1", "第一支部").code == 0
    _roster(tmp_path, 1, *(f"张{n}" for n in range(16)))
    _roster(tmp_path, 2, "李娜", "王芳")
    out = tmp_path / "sheets"
    result = frontline(tmp_path, "roster", "links", *cfg, "--branch", "1", "--subtree",
                       "--out", str(out), "--workers", "2")
    assert result.code == 0, result
    assert "18 new personal links" in result.out
    root, child = out / "1-Org.pdf", out / "2-第一支部.pdf"
    assert pdf_pages(root.read_bytes()) == 2 and pdf_pages(child.read_bytes()) == 1
    assert pdf_title(child.read_bytes()) == t("links.sheet_title", branch="第一支部")
    with (out / "links.csv").open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["name", "phone", "branch", "link"]
    assert len(rows) == 19
    assert rows[-2][:3] == ["李娜", "13800000002", "第一支部"]
    assert all(row[3].startswith("https://t.me/my_bot?start=") for row in rows[1:])
    # Again, only the branch itself, in English: no new links, the same ones.
    result = frontline(tmp_path, "roster", "links", *cfg, "--branch", "1", "--out",
                       str(tmp_path / "again"), "--lang", "en")
    assert result.code == 0 and "0 new personal links" in result.out, result
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == ["1-Org.pdf", "links.csv"]
    assert pdf_title((tmp_path / "again" / "1-Org.pdf").read_bytes()) == t(
        "links.sheet_title", "en", branch="Org")
    assert sql(db_path(tmp_path), "SELECT count(*) FROM invites WHERE roster_id IS NOT NULL"
               " AND uses_left = 1 AND revoked = 0") == [(18,)]


def test_roster_links_for_an_unknown_branch(initialized: Path, tmp_path: Path) -> None:
    result = frontline(tmp_path, "roster", "links", "--config", str(initialized), "--branch",
                       "9", "--out", str(tmp_path / "x"))
    assert result.code == 1 and "#9" in result.err and "Traceback" not in result.err


def test_invite_list_and_revoke(initialized: Path, tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    made = frontline(tmp_path, "invite", *cfg, "--branch", "1", "--role", "member")
    assert made.code == 0, made
    code = made.out.split("code: ")[1].strip()
    _roster(tmp_path, 1, "张伟")
    assert frontline(tmp_path, "roster", "links", *cfg, "--branch", "1", "--out",
                     str(tmp_path / "s")).code == 0
    listed = frontline(tmp_path, "invite", "list", *cfg)
    assert listed.code == 0, listed
    assert "1 general, 1 personal" in listed.out
    assert any(line.startswith(code) and "member" in line and "command line" in line
               for line in listed.out.splitlines())
    assert "personal links  #1 Org  1" in listed.out
    revoked = frontline(tmp_path, "invite", "revoke", *cfg, code)
    assert revoked.code == 0 and code in revoked.out, revoked
    assert sql(db_path(tmp_path), f"SELECT revoked FROM invites WHERE code = '{code}'") == [(1,)]
    assert "0 general" in frontline(tmp_path, "invite", "list", *cfg, "--branch", "1").out
    again = frontline(tmp_path, "invite", "revoke", *cfg, code)
    assert again.code == 1 and "no active invite" in again.err


def test_a_code_that_starts_with_a_dash_is_revoked_after_two_dashes(initialized: Path,
                                                                     tmp_path: Path) -> None:
    # A code made before new codes stopped starting with "-" (one in 64 did).
    made = frontline(tmp_path, "invite", "--config", str(initialized), "--branch", "1",
                     "--role", "member")
    code = made.out.split("code: ")[1].strip()
    old = "-" + code[1:]
    sql(db_path(tmp_path), f"UPDATE invites SET code = '{old}' WHERE code = '{code}'")
    revoked = frontline(tmp_path, "invite", "revoke", "--config", str(initialized), "--", old)
    assert revoked.code == 0 and old in revoked.out, revoked
    assert sql(db_path(tmp_path), f"SELECT revoked FROM invites WHERE code = '{old}'") == [(1,)]


def test_new_codes_never_start_with_a_dash() -> None:
    # 4,000 draws: a generator that let one in 64 start with "-" passes with odds of 1e-27.
    assert not any(invites.new_code().startswith("-") for _ in range(4000))


def test_invite_without_branch_or_role_says_what_it_needs(initialized: Path,
                                                          tmp_path: Path) -> None:
    result = frontline(tmp_path, "invite", "--config", str(initialized), "--branch", "1")
    assert result.code == 2 and "--role" in result.err and "invite list" in result.err


def test_the_new_commands_have_help(tmp_path: Path) -> None:
    write_config(tmp_path)
    for command in ("roster links", "invite list", "invite revoke"):
        result = frontline(tmp_path, *command.split(), "--help")
        assert result.code == 0 and result.out.startswith(f"usage: frontline {command}")
