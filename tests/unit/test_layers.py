"""The layers hold: SQL only in storage/, Telegram only in handlers/ and the wiring."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from bot.rules.vocab import CARE, NeedCategory, NeedStatus, Outcome, Role, Status, Urgency
from storage.households import OUTCOMES
from storage.rows import ROLES, STATUSES
from tests.helpers import ROOT

SQL = re.compile(r"\b(SELECT\s+.+\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
                 r"CREATE\s+TABLE|PRAGMA\s+\w+)\b", re.IGNORECASE)
# The folders of bot/ that may know Telegram: the wiring, the fake Telegram, the demo and the
# CLI (which starts the bot). The rules may not, nor the shared modules beside them.
TELEGRAM_FOLDERS = {"runtime", "sandbox", "demo", "cli"}


def _modules(path: Path) -> set[str]:
    """The full names of the modules a file imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _imports(path: Path) -> set[str]:
    """The top-level packages a file imports from."""
    return {name.split(".")[0] for name in _modules(path)}


def _bot_packages(path: Path) -> set[str]:
    """The folders of bot/ that a module imports from (bot.rules.x -> rules)."""
    return {parts[1] for parts in (name.split(".") for name in _modules(path))
            if parts[0] == "bot" and len(parts) > 1}


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
    rules = list((ROOT / "bot" / "rules").rglob("*.py"))
    assert len(rules) >= 15
    for path in rules:
        assert not _imports(path) & {"telegram", "handlers"}, path
        assert not _bot_packages(path) & TELEGRAM_FOLDERS, path


def test_the_shared_modules_of_bot_know_nothing_of_telegram() -> None:
    shared = [p for p in (ROOT / "bot").glob("*.py") if p.name not in {"cli.py", "__main__.py"}]
    shared += list((ROOT / "bot" / "config").glob("*.py"))  # the configuration, a package
    assert len(shared) >= 6
    for path in shared:
        assert not _imports(path) & {"telegram", "handlers"}, path


def test_bot_is_made_of_its_folders() -> None:
    """Every module of bot/ lies in one of its folders or is one of the few shared ones."""
    loose = {p.name for p in (ROOT / "bot").glob("*.py")}
    assert loose <= {"__init__.py", "__main__.py", "config.py", "clock.py", "i18n.py", "text.py"}
    folders = {p.name for p in (ROOT / "bot").iterdir() if p.is_dir() and p.name != "__pycache__"}
    # config/: the configuration grew production sections (webhook, http, logging, backup,
    # retention) and became a package, as cli.py became cli/.
    assert folders == {"rules", "runtime", "sandbox", "demo", "locales", "cli", "config"}


def test_every_package_ships() -> None:
    """pyproject.toml finds the packages (`packages.find`, no namespace packages): a folder of
    code without `__init__.py`, or a data file no `package-data` pattern names, would be
    missing from a non-editable install (the README's first command)."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    data = setuptools["package-data"]
    for top in ("bot", "handlers", "storage"):
        for path in (ROOT / top).rglob("*"):
            if path.is_dir() or "__pycache__" in path.parts:
                continue
            if path.suffix == ".py":
                assert (path.parent / "__init__.py").exists(), f"{path.parent} is not a package"
                continue
            owner = next(parent for parent in path.parents if (parent / "__init__.py").exists())
            package = ".".join(owner.relative_to(ROOT).parts)
            relative = path.relative_to(owner)
            assert any(relative.match(pattern) for pattern in data.get(package, ())), (
                f"{path.relative_to(ROOT)} is not in package-data")


def test_the_vocabulary_is_what_storage_checks() -> None:
    """`bot.rules.vocab` and `storage.rows` name the same statuses, in the same order."""
    assert tuple(Status) == STATUSES
    assert set(CARE) < set(Status)


def test_every_word_of_the_vocabulary_is_what_the_schema_checks() -> None:
    """Each enum of `bot.rules.vocab` has exactly the values of a CHECK (... IN (...)) of the
    migrations, and storage's own lists agree: a word added on one side only fails here."""
    schema = "\n".join(path.read_text("utf-8")
                       for path in sorted((ROOT / "storage" / "migrations").glob("*.sql")))
    checks = [tuple(re.findall(r"'([a-z_]+)'", values)) for values in
              re.findall(r"CHECK\s*\(\s*\w+\s+IN\s*\(([^)]*)\)", schema)]
    for words in (Status, Role, NeedCategory, Urgency, NeedStatus, Outcome):
        assert tuple(words) in checks, words.__name__
    assert tuple(Role) == ROLES and tuple(Outcome) == OUTCOMES


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path, known: set[str]) -> set[str]:
    """The project modules a file imports when it is loaded (imports inside functions and
    under `if TYPE_CHECKING` do not run then)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
    return found & known


def test_no_import_cycle() -> None:
    """No module of bot/, handlers/ or storage/ imports, through others, itself."""
    files = {_module_name(p): p for top in ("bot", "handlers", "storage")
             for p in (ROOT / top).rglob("*.py")}
    graph = {name: _top_level_imports(path, set(files)) - {name} for name, path in files.items()}
    done: set[str] = set()
    cycles: list[list[str]] = []

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            cycles.append([*trail[trail.index(name):], name])
            return
        if name in done:
            return
        for imported in sorted(graph[name]):
            visit(imported, [*trail, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
    assert cycles == []


def test_no_module_is_over_300_lines() -> None:
    """A module a newcomer can read at one sitting: split along its seams before it grows."""
    long = {str(path.relative_to(ROOT)): n for top in ("bot", "handlers", "storage")
            for path in (ROOT / top).rglob("*.py")
            if (n := len(path.read_text("utf-8").splitlines())) > 300}
    assert long == {}



HANDLER_REACHES_PAST_RULES = re.compile(r"store\.[a-z_]+\.[a-z_]+\(|wake_outbox\(|\.audit\.")


def test_handlers_call_use_cases_not_the_store() -> None:
    """Handlers parse, call a rule or use case, and render: they call no method of a
    repository, record no audit entry and wake no outbox themselves (the use case does)."""
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in (ROOT / "handlers").rglob("*.py")
                 for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
                 if HANDLER_REACHES_PAST_RULES.search(line)]
    assert offenders == []
