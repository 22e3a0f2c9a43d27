"""Storage is a set of repositories composed by `Store`, and the SQL pieces several queries
use are written once, in storage/sql.py."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from storage.db import Database
from storage.store import Store
from tests.helpers import ROOT

STORAGE = ROOT / "storage"
MAX_LINES = 300

# What each shared piece looks like wherever it is written out (whitespace squeezed).
PIECES = {
    "the subtree CTE": re.compile(
        r"SELECT \S+ UNION ALL SELECT (\w+)\.id FROM branches \1 JOIN down ON \1\.parent_id"
        r" = down\.id|down\(id, top, depth\) AS", re.IGNORECASE),
    "a display name": re.compile(
        r"last_name IS NULL THEN|coalesce\(' ' \|\| \w+\.last_name|\{r\[\d\]\} \{r\[\d\]\}\"",
        re.IGNORECASE),
    "an enqueue": re.compile(r"INSERT INTO outbox", re.IGNORECASE),
    "an audit entry": re.compile(r"INSERT INTO audit_log", re.IGNORECASE),
    "the off-duty test": re.compile(r"away_since IS NOT NULL OR", re.IGNORECASE),
}


def _modules() -> list[Path]:
    return sorted(STORAGE.rglob("*.py"))


def test_shared_sql_pieces_are_written_only_in_sql_py() -> None:
    found: dict[str, list[str]] = {name: [] for name in PIECES}
    for path in _modules():
        text = re.sub(r"\s+", " ", path.read_text("utf-8"))
        for name, pattern in PIECES.items():
            if pattern.search(text):
                found[name].append(path.name)
    assert found == {name: ["sql.py"] for name in PIECES}


def test_no_storage_module_is_over_300_lines() -> None:
    long = {path.name: n for path in _modules()
            if (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def _is_record(node: ast.ClassDef) -> bool:
    """A dataclass, NamedTuple or Exception: its annotations are its fields."""
    names = {ast.unparse(d).split("(")[0] for d in node.decorator_list}
    bases = {ast.unparse(b) for b in node.bases}
    return "dataclass" in names or bool(bases & {"NamedTuple", "Exception", "StorageError"})


def test_repositories_declare_what_they_hold_in_init() -> None:
    # The mixins Store was made of declared `db: Database` in their class body and found it
    # set by Store: a class that is not a record has no bare annotations.
    implicit = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef) and not _is_record(node):
                implicit += [f"{path.name}:{node.name}.{ast.unparse(item.target)}"
                             for item in node.body
                             if isinstance(item, ast.AnnAssign) and item.value is None]
    assert implicit == []


def test_store_composes_repositories(tmp_path: Path) -> None:
    store = Store(tmp_path / "f.db")
    repositories = {name: value for name, value in vars(store).items()
                    if name not in ("db", "defaults")}
    assert len(repositories) >= 14
    for name, repository in repositories.items():
        assert repository.db is store.db, name
        parameters = list(inspect.signature(type(repository).__init__).parameters.values())
        assert parameters[1].annotation in (Database, "Database"), name
    own = {name for name, member in inspect.getmembers(Store, inspect.iscoroutinefunction)}
    assert own == {"initialize", "shutdown"}
