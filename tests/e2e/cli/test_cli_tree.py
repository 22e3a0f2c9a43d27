"""`frontline branch add|rename|move|archive|levels|titles|title`: the chat's rules and answers
on the command line, in the run's language."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli.test_cli import db_path, initialized
from tests.helpers import frontline, sql, t

__all__ = ["initialized"]  # the fixture, shared with tests/e2e/cli/test_cli.py
FAILED = "frontline: "  # how a refusal starts on stderr


def tree(tmp_path: Path) -> list[tuple[int, str, int | None, int]]:
    return sql(db_path(tmp_path), "SELECT id, name, parent_id, archived_at IS NOT NULL"
                                  " FROM branches ORDER BY id")


def test_add_refuses_a_name_taken_under_the_parent(initialized: Path, tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    assert frontline(tmp_path, "branch", "add", *cfg, "--parent", "1", "第一网格党小组").code == 0
    again = frontline(tmp_path, "branch", "add", *cfg, "--parent", "1", " 第一网格党小组 ")
    assert again.code == 1 and "Traceback" not in again.err
    assert again.err_lines == [FAILED + t("branch.same_name", parent="Org", name="第一网格党小组",
                                          id=2)]
    english = frontline(tmp_path, "branch", "add", *cfg, "--lang", "en", "--parent", "1",
                        "第一网格党小组")
    assert english.err_lines == [FAILED + t("branch.same_name", "en", parent="Org",
                                            name="第一网格党小组", id=2)]
    assert tree(tmp_path) == [(1, "Org", None, 0), (2, "第一网格党小组", 1, 0)]


def test_rename_move_archive(initialized: Path, tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    for name, parent in (("East", "1"), ("West", "1"), ("Grid", "2")):
        assert frontline(tmp_path, "branch", "add", *cfg, "--parent", parent, name).code == 0
    renamed = frontline(tmp_path, "branch", "rename", *cfg, "--lang", "en", "4", "Grid", "One")
    assert renamed.code == 0, renamed
    assert renamed.out.strip() == t("branch.renamed", "en", old="Grid", name="Grid One", id=4)
    taken = frontline(tmp_path, "branch", "rename", *cfg, "3", "east")
    assert taken.code == 1
    assert taken.err_lines == [FAILED + t("branch.same_name", parent="Org", name="East", id=2)]
    # Not under itself; then under West.
    cycle = frontline(tmp_path, "branch", "move", *cfg, "2", "4")
    assert cycle.err_lines == [FAILED + t("branch.move_under_itself", name="East", id=2,
                                          parent="Grid One")]
    moved = frontline(tmp_path, "branch", "move", *cfg, "4", "3")
    assert moved.code == 0, moved
    assert moved.out.strip() == t("branch.moved", name="Grid One", id=4, old="East",
                                  parent="West")
    # Archived with what is below it; unknown ids are said so.
    archived = frontline(tmp_path, "branch", "archive", *cfg, "3")
    assert archived.code == 0, archived
    assert archived.out.strip() == t("branch.archived", name="West", id=3, branches=2)
    assert tree(tmp_path) == [(1, "Org", None, 0), (2, "East", 1, 0), (3, "West", 1, 1),
                              (4, "Grid One", 3, 1)]
    listed = frontline(tmp_path, "branch", "list", *cfg)
    assert "West" not in listed.out and "East" in listed.out
    gone = frontline(tmp_path, "branch", "rename", *cfg, "3", "Again")
    assert gone.code == 1 and "#3" in gone.err_lines[0]
    root = frontline(tmp_path, "branch", "archive", *cfg, "1")
    assert root.err_lines == [FAILED + t("branch.root_fixed", name="Org", id=1)]
    actions = sql(db_path(tmp_path), "SELECT action FROM audit_log WHERE allowed = 1"
                                     " AND action LIKE 'branch_%' ORDER BY id")
    assert [a for (a,) in actions] == ["branch_add"] * 3 + ["branch_rename", "branch_move",
                                                             "branch_archive"]


def test_archive_refuses_while_people_are_left(initialized: Path, tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    assert frontline(tmp_path, "branch", "add", *cfg, "--parent", "1", "East").code == 0
    sql(db_path(tmp_path), "INSERT INTO roster(branch_id, role, name, created_at, updated_at)"
                           " VALUES (2, 'member', '张伟', 'x', 'x')")
    refused = frontline(tmp_path, "branch", "archive", *cfg, "2")
    assert refused.code == 1
    assert refused.err_lines == [FAILED + t("branch.archive_not_empty", name="East", id=2,
                                            members=0, waiting=1)]
    assert tree(tmp_path)[1][3] == 0


def test_levels_titles_and_one_branchs_names(initialized: Path, tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    assert frontline(tmp_path, "branch", "add", *cfg, "--parent", "1", "East").code == 0
    assert frontline(tmp_path, "branch", "levels", *cfg).out.strip() == t(
        "branch.levels_none", level="支部", title="书记")
    named = frontline(tmp_path, "branch", "levels", *cfg, "街道党工委/网格党小组")
    assert named.out.strip() == t("branch.levels_set")
    # A leading "-" is an option to the shell's argument parser: after "--", or left empty.
    assert frontline(tmp_path, "branch", "titles", *cfg, "--", "-/组长").code == 0
    assert frontline(tmp_path, "branch", "titles", *cfg, "/组长").code == 0
    shown = frontline(tmp_path, "branch", "levels", *cfg, "--lang", "en")
    assert shown.out.splitlines() == [
        t("branch.levels_header", "en"),
        t("branch.level_line", "en", depth=1, level="街道党工委", title="secretary"),
        t("branch.level_line", "en", depth=2, level="网格党小组", title="组长")]
    assert "East · 网格党小组" in frontline(tmp_path, "branch", "list", *cfg).out
    own = frontline(tmp_path, "branch", "title", *cfg, "2", "党小组", "-")
    assert own.out.strip() == t("branch.title_set", name="East", id=2, level="党小组",
                                title="组长")
