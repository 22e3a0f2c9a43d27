"""The layers hold: SQL only in storage/, Telegram only in handlers/ and the wiring."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL = re.compile(r"\b(SELECT\s+.+\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
                 r"CREATE\s+TABLE|PRAGMA\s+\w+)\b", re.IGNORECASE)
# Modules of bot/ that wire PTB together (allowed to import telegram) and the sandbox.
WIRING = {"app.py", "harness.py", "sandbox.py", "ratelimit.py", "updates.py", "cli.py", "demo.py",
          "transcript.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_sql_outside_storage() -> None:
    offenders = []
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if SQL.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


def test_storage_knows_nothing_of_telegram_or_rules() -> None:
    for path in (ROOT / "storage").rglob("*.py"):
        assert not _imports(path) & {"telegram", "bot", "handlers"}, path


def test_rules_know_nothing_of_telegram() -> None:
    rules = [p for p in (ROOT / "bot").glob("*.py") if p.name not in WIRING]
    assert len(rules) >= 6
    for path in rules:
        assert not _imports(path) & {"telegram", "handlers"}, path
