"""`frontline roster import`: the same checks and writes as in chat, one language per run,
--dry-run, --only-good, --branch, and its help."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.org.steps import import_counts
from tests.helpers import frontline, sql, t

ROSTER = ("姓名,手机,支部,身份,备注\n"
          "王芳,13800138000,Org/East,书记,组长候选\n"
          "李强,,East,,\n"
          "赵敏,13700000003,,,\n")
MIXED = "name,phone,branch\nWang,13800138000,East\nLi,12ab,East\n"


def _setup(tmp_path: Path, locale: str | None = None) -> tuple[Path, Path]:
    """A config (with `locale` as its default, if given) and a database: Org > East."""
    defaults = f'[defaults]\nlocale = "{locale}"\n\n' if locale else ""
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\nusername = "my_bot"\n\n{defaults}'
                      '[storage]\npath = "data/frontline.db"\n', encoding="utf-8")
    assert frontline(tmp_path, "init", "--config", str(config), "--org", "Org").code == 0
    assert frontline(tmp_path, "branch", "add", "--config", str(config), "--parent", "1",
                     "East").code == 0
    return config, tmp_path / "data" / "frontline.db"


def _roster(db: Path) -> list[tuple[object, ...]]:
    return sql(db, "SELECT name, phone, branch_id, role, notes FROM roster ORDER BY id")


def test_a_dry_run_writes_nothing_then_the_import_does(tmp_path: Path) -> None:
    config, db = _setup(tmp_path)
    (tmp_path / "名册.csv").write_text(ROSTER, encoding="utf-8-sig")
    cfg = ("--config", str(config))
    result = frontline(tmp_path, "roster", "import", *cfg, "--dry-run", "名册.csv")
    assert result.code == 0, result
    assert result.out.splitlines() == [
        t("rosterimport.preview", file="名册.csv", rows=3,
            counts=import_counts(new=3)), t("rosterimport.cli.dry_run")]
    assert _roster(db) == []

    result = frontline(tmp_path, "roster", "import", *cfg, "名册.csv")
    assert result.code == 0, result
    assert t("rosterimport.cli.done", file="名册.csv", id=1, branch="Org",
        counts=import_counts(new=3)) in result.out
    assert t("rosterimport.cli.waiting", n=3, id=1) in result.out
    assert _roster(db) == [("王芳", "13800138000", 2, "secretary", '{"备注": "组长候选"}'),
                           ("李强", None, 2, "member", None),
                           ("赵敏", "13700000003", 1, "member", None)]
    audit = sql(db, "SELECT actor_id, branch_id, detail FROM audit_log"
                    " WHERE action = 'roster_import'")
    assert [(a, b) for a, b, _ in audit] == [(None, 1)]
    assert '"file": "名册.csv"' in str(audit[0][2]) and '"new": 3' in str(audit[0][2])

    again = frontline(tmp_path, "roster", "import", *cfg, "名册.csv")
    assert again.code == 0 and t("rosterimport.cli.unchanged", file="名册.csv") in again.out
    assert len(_roster(db)) == 3


def test_bad_rows_in_one_language_and_only_good(tmp_path: Path) -> None:
    config, db = _setup(tmp_path)
    (tmp_path / "mixed.csv").write_text(MIXED, encoding="utf-8")
    cfg = ("--config", str(config))
    result = frontline(tmp_path, "roster", "import", *cfg, "mixed.csv")
    assert result.code == 1
    assert "mixed.csv: 第 3 行：“12ab”不是电话号码" in result.err
    assert result.err_lines[-1] == "frontline: " + t("rosterimport.cli.nothing",
                                                     file="mixed.csv", n=1)
    assert _roster(db) == []
    result = frontline(tmp_path, "roster", "import", *cfg, "--lang", "en", "mixed.csv")
    assert "line 3: '12ab' is not a phone number" in result.err
    assert "nothing imported (1 problem)" in result.err_lines[-1] and "行" not in result.err
    result = frontline(tmp_path, "roster", "import", *cfg, "--lang", "en", "--only-good",
                       "mixed.csv")
    assert result.code == 0, result
    assert "1 bad row skipped." in result.out and "行" not in result.out
    assert _roster(db) == [("Wang", "13800138000", 2, "member", None)]
    # Every row bad: --only-good is not advised.
    (tmp_path / "bad.csv").write_text("name,phone\n,1\n", encoding="utf-8")
    result = frontline(tmp_path, "roster", "import", *cfg, "bad.csv")
    assert result.code == 1 and "--only-good" not in result.err


def test_into_a_branch_and_its_scope(tmp_path: Path) -> None:
    config, db = _setup(tmp_path, "en")
    (tmp_path / "r.csv").write_text("name,branch\nWang,\nLi,Org\n", encoding="utf-8")
    cfg = ("--config", str(config))
    result = frontline(tmp_path, "roster", "import", *cfg, "--branch", "2", "r.csv")
    assert result.code == 1
    assert "line 3: branch 'Org' is outside the branches you lead" in result.err
    result = frontline(tmp_path, "roster", "import", *cfg, "--branch", "9", "r.csv")
    assert result.code == 1 and "there is no branch #9" in result.err
    result = frontline(tmp_path, "roster", "import", *cfg, "--branch", "2", "--only-good",
                       "r.csv")
    assert result.code == 0 and _roster(db) == [("Wang", None, 2, "member", None)]
    assert t("rosterimport.cli.waiting", "en", n=1, id=2) in result.out


def test_roster_import_has_help(tmp_path: Path) -> None:
    result = frontline(tmp_path, "roster", "import", "--help")
    assert result.code == 0 and result.out.startswith("usage: frontline roster import")
    assert "--dry-run" in result.out and "--only-good" in result.out
    top = frontline(tmp_path, "--help")
    assert "roster" in top.out
