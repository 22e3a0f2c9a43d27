"""The `frontline` command line, run in this process (`bot.cli.main`, see
`tests.helpers.frontline`); tests/slow/test_cli_processes.py runs it as real processes."""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import TOKEN_ENV, ConfigError, load_config
from bot.demo.script import run_demo
from storage.db import schema_version
from storage.store import Store
from tests.helpers import Result, frontline, sql, t

GOOD_TOKEN = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
# A Bot API address nothing listens on: if a check that should stop `run` early is broken,
# the bot fails to connect instead of reaching the real Telegram.
DEAD_BASE_URL = "http://127.0.0.1:9"
BASE_CONFIG = """\
[telegram]
username = "my_bot"

[storage]
path = "data/frontline.db"
"""
# A safety net against a hanging child, not an assertion about speed.
HANG_GUARD_S = 60


def write_config(tmp_path: Path, text: str = BASE_CONFIG, name: str = "config.toml") -> Path:
    """Write a config file and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_config_error(result: Result, *fragments: str) -> None:
    """Exit code 2 and exactly one line on stderr containing every fragment, no traceback."""
    assert result.code == 2, result
    assert "Traceback" not in result.err
    assert len(result.err_lines) == 1, result.err
    for fragment in fragments:
        assert fragment in result.err_lines[0], (fragment, result.err)


def db_path(tmp_path: Path) -> Path:
    """Where BASE_CONFIG puts the database (relative to the config file)."""
    return tmp_path / "data" / "frontline.db"


@pytest.fixture
def initialized(tmp_path: Path) -> Path:
    """A config whose database has the root branch #1 "Org"."""
    config = write_config(tmp_path)
    result = frontline(tmp_path, "init", "--config", str(config), "--org", "Org")
    assert result.code == 0, result
    return config


# --- configuration errors ------------------------------------------------------------------


def test_run_without_token_names_the_key_and_the_variable(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = frontline(tmp_path, "run", "--config", str(config))
    assert_config_error(result, str(config), "[telegram] token", TOKEN_ENV)
    assert not db_path(tmp_path).exists()  # stopped before touching the database


@pytest.mark.parametrize(
    ("toml", "fragments"),
    [
        pytest.param('[defaults]\ncheckin_tim = "08:00"\n',
                     ("[defaults] checkin_tim", "unknown key"), id="unknown-key"),
        pytest.param('[telegrm]\ntoken = "x"\n', ("[telegrm]", "unknown section"),
                     id="unknown-section"),
        pytest.param('[defaults]\ncheckin_time = "25:00"\n',
                     ("[defaults] checkin_time", "HH:MM", "25:00"), id="bad-time"),
        pytest.param('[defaults]\ntimezone = "Mars/Base"\n',
                     ("[defaults] timezone", "IANA timezone", "Mars/Base"), id="bad-timezone"),
        pytest.param('[defaults]\nlocale = "fr"\n',
                     ("[defaults] locale", "zh, en", "fr"), id="bad-locale"),
        pytest.param('admins = "x"\n', ("admins", "list of Telegram user ids"),
                     id="wrong-type"),
        pytest.param("admins = [1, 2\n", ("not valid TOML",), id="invalid-toml"),
        pytest.param('[telegram]\nbase_url = "http://bot api.local"\n',
                     ("[telegram] base_url", "http(s) URL"), id="url-with-a-space"),
        pytest.param('[telegram]\nmax_messages_per_second = 99\n',
                     ("[telegram] max_messages_per_second", "1 to 30"), id="out-of-range"),
        pytest.param('[defaults]\nreminder_time = "07:00"\n',
                     ("[defaults] reminder_time", "after checkin_time (08:00)", "07:00"),
                     id="reminder-before-prompt"),
        pytest.param('[defaults]\ndigest_time = "09:00"\n',
                     ("[defaults] digest_time", "after reminder_time (10:00)", "09:00"),
                     id="digest-before-reminder"),
        pytest.param('[defaults]\nreminder_time = "22:30"\ndigest_time = "23:00"\n',
                     ("[defaults] reminder_time", "21:59 at the latest"), id="reminder-too-late"),
        pytest.param('[telegram]\npaid_max_messages_per_second = 5000\n',
                     ("[telegram] paid_max_messages_per_second", "31 to 1000"),
                     id="paid-out-of-range"),
    ],
)
def test_config_errors_are_one_line_naming_file_and_key(
    tmp_path: Path, toml: str, fragments: tuple[str, ...]
) -> None:
    config = write_config(tmp_path, toml, name="bad.toml")
    for command in (["migrate"], ["run"]):
        result = frontline(tmp_path, *command, "--config", str(config),
                           env={TOKEN_ENV: GOOD_TOKEN})
        assert_config_error(result, "bad.toml", *fragments)
    assert not (tmp_path / "frontline.db").exists()


def test_missing_config_file_is_one_line(tmp_path: Path) -> None:
    result = frontline(tmp_path, "migrate", "--config", "nowhere.toml")
    assert_config_error(result, "nowhere.toml", "cannot read")


def test_config_path_that_is_a_directory_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    result = frontline(tmp_path, "migrate", "--config", "conf.d")
    assert_config_error(result, "conf.d", "cannot read")


def test_default_config_path_is_named_when_missing(tmp_path: Path) -> None:
    result = frontline(tmp_path, "migrate")
    assert_config_error(result, "config.toml", "cannot read")


def test_environment_token_wins_over_the_file(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[telegram]\ntoken = "111:FROM_FILE_FROM_FILE_FROM_FILE"\n')
    from_env = load_config(config, environ={TOKEN_ENV: GOOD_TOKEN})
    assert from_env.telegram.token == GOOD_TOKEN
    from_file = load_config(config, environ={})
    assert from_file.telegram.token == "111:FROM_FILE_FROM_FILE_FROM_FILE"


def test_load_config_error_is_a_single_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[storage]\npath = 5\n')
    with pytest.raises(ConfigError) as info:
        load_config(config, environ={})
    message = str(info.value)
    assert "\n" not in message
    assert str(config) in message
    assert "[storage] path" in message


# --- init, branches, invites ---------------------------------------------------------------


def test_init_creates_the_database_next_to_the_config(tmp_path: Path) -> None:
    work = tmp_path / "elsewhere"
    work.mkdir()
    config = write_config(tmp_path)
    result = frontline(work, "init", "--config", str(config), "--org", "East Lake")
    assert result.code == 0, result
    assert "#1" in result.out
    assert "East Lake" in result.out
    assert db_path(tmp_path).is_file()
    assert not (work / "data").exists()
    assert sql(db_path(tmp_path), "SELECT id, name, parent_id FROM branches") == [
        (1, "East Lake", None)]


def test_second_init_refuses(initialized: Path, tmp_path: Path) -> None:
    result = frontline(tmp_path, "init", "--config", str(initialized), "--org", "Again")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert len(result.err_lines) == 1
    assert "already initialized" in result.err
    assert sql(db_path(tmp_path), "SELECT count(*) FROM branches") == [(1,)]


def test_init_reads_config_from_environment_variable(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = frontline(tmp_path, "init", "--org", "Org", env={"FRONTLINE_CONFIG": str(config)})
    assert result.code == 0, result
    assert db_path(tmp_path).is_file()


def test_branch_add_and_list_show_the_tree(initialized: Path, tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    added = frontline(tmp_path, "branch", "add", *cfg, "--parent", "1", "East", "Lake")
    assert added.code == 0, added
    assert "#2" in added.out
    assert frontline(tmp_path, "branch", "add", *cfg, "--parent", "2", "Grid").code == 0
    assert frontline(tmp_path, "branch", "add", *cfg, "--parent", "1", "West").code == 0
    listed = frontline(tmp_path, "branch", "list", *cfg)
    assert listed.code == 0, listed
    lines = [line for line in listed.out.splitlines() if "#" in line]
    assert [line.split("(")[0].rstrip() for line in lines] == [
        "#1 Org",
        "  #2 East Lake",
        "    #3 Grid",
        "  #4 West",
    ]


def test_branch_add_under_unknown_parent(initialized: Path, tmp_path: Path) -> None:
    result = frontline(tmp_path, "branch", "add", "--config", str(initialized),
                       "--parent", "42", "Nowhere")
    assert result.code != 0
    assert "Traceback" not in result.err
    assert len(result.err_lines) == 1
    assert "#42" in result.err


async def _invite(path: Path, code: str) -> tuple[int, str, int | None, datetime | None] | None:
    store = Store(path)
    await store.initialize()
    try:
        invite = await store.invites.get(code)
    finally:
        await store.shutdown()
    if invite is None:
        return None
    return invite.branch_id, invite.role, invite.uses_left, invite.expires_at


def _code(result: Result) -> str:
    links = [line for line in result.out.splitlines() if line.startswith("https://t.me/")]
    codes = [line for line in result.out.splitlines() if line.startswith("code: ")]
    assert len(links) == 1, result.out
    assert len(codes) == 1, result.out
    code = codes[0].removeprefix("code: ").strip()
    assert links[0] == f"https://t.me/my_bot?start={code}"
    return code


def test_member_invite_prints_a_working_code(initialized: Path, tmp_path: Path) -> None:
    before = datetime.now(UTC)
    result = frontline(tmp_path, "invite", "--config", str(initialized), "--branch", "1",
                       "--role", "member", "--uses", "3", "--expires", "12h")
    after = datetime.now(UTC)
    assert result.code == 0, result
    found = asyncio.run(_invite(db_path(tmp_path), _code(result)))
    assert found is not None
    branch_id, role, uses, expires_at = found
    assert (branch_id, role, uses) == (1, "member", 3)
    assert expires_at is not None
    # Stored to the second: compare with a second of slack on each side.
    assert before + timedelta(hours=12, seconds=-1) <= expires_at
    assert expires_at <= after + timedelta(hours=12, seconds=1)


def test_secretary_invite_defaults_to_one_use(initialized: Path, tmp_path: Path) -> None:
    result = frontline(tmp_path, "invite", "--config", str(initialized), "--branch", "1",
                       "--role", "secretary")
    assert result.code == 0, result
    found = asyncio.run(_invite(db_path(tmp_path), _code(result)))
    assert found is not None
    assert found[:3] == (1, "secretary", 1)


def test_invite_rejects_a_bad_duration(initialized: Path, tmp_path: Path) -> None:
    result = frontline(tmp_path, "invite", "--config", str(initialized), "--branch", "1",
                       "--role", "member", "--expires", "12 parsecs")
    assert_config_error(result, "--expires", "12h")
    assert sql(db_path(tmp_path), "SELECT count(*) FROM invites") == [(0,)]


def test_invite_for_an_unknown_branch(initialized: Path, tmp_path: Path) -> None:
    result = frontline(tmp_path, "invite", "--config", str(initialized), "--branch", "77",
                       "--role", "member")
    assert result.code == 1, result
    assert "Traceback" not in result.err
    assert len(result.err_lines) == 1
    assert "#77" in result.err
    assert "https://t.me/" not in result.out


def test_invite_rejects_an_unknown_role(initialized: Path, tmp_path: Path) -> None:
    result = frontline(tmp_path, "invite", "--config", str(initialized), "--branch", "1",
                       "--role", "king")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "--role" in result.err


# --- backup and migrate --------------------------------------------------------------------


def test_backup_copies_the_branches(initialized: Path, tmp_path: Path) -> None:
    cfg = ("--config", str(initialized))
    assert frontline(tmp_path, "branch", "add", *cfg, "--parent", "1", "Sub").code == 0
    result = frontline(tmp_path, "backup", *cfg, "copy.db")
    assert result.code == 0, result
    query = "SELECT id, name, parent_id FROM branches ORDER BY id"
    copied = sql(tmp_path / "copy.db", query)
    assert sql(tmp_path / "copy.db", "PRAGMA integrity_check") == [("ok",)]
    assert copied == sql(db_path(tmp_path), query)
    assert copied == [(1, "Org", None), (2, "Sub", 1)]


def test_backup_does_not_overwrite_without_force(initialized: Path, tmp_path: Path) -> None:
    dest = tmp_path / "copy.db"
    dest.write_bytes(b"precious")
    result = frontline(tmp_path, "backup", "--config", str(initialized), str(dest))
    assert result.code == 1
    assert len(result.err_lines) == 1
    assert "--force" in result.err
    assert dest.read_bytes() == b"precious"
    forced = frontline(tmp_path, "backup", "--config", str(initialized), str(dest), "--force")
    assert forced.code == 0, forced
    assert sql(dest, "SELECT name FROM branches") == [("Org",)]


def test_backup_into_a_directory_or_unwritable_place_is_one_line(
    initialized: Path, tmp_path: Path
) -> None:
    (tmp_path / "somedir").mkdir()
    (tmp_path / "a-file").write_text("a file, not a directory")
    for dest in ("somedir", str(tmp_path / "a-file" / "x.db")):
        result = frontline(tmp_path, "backup", "--config", str(initialized), dest, "--force")
        assert result.code == 1, result
        assert "Traceback" not in result.err
        assert len(result.err_lines) == 1, result.err
        assert dest in result.err
    assert (tmp_path / "somedir").is_dir()


def test_backup_refuses_to_overwrite_the_live_database(initialized: Path, tmp_path: Path) -> None:
    result = frontline(tmp_path, "backup", "--config", str(initialized),
                       str(db_path(tmp_path)), "--force")
    assert result.code == 1
    assert len(result.err_lines) == 1
    assert sql(db_path(tmp_path), "SELECT name FROM branches") == [("Org",)]


@pytest.mark.parametrize(
    "command",
    [["branch", "list"], ["branch", "add", "--parent", "1", "X"], ["backup", "copy.db"],
     ["invite", "--branch", "1", "--role", "member"]],
    ids=lambda c: " ".join(c[:2]),
)
def test_commands_other_than_init_do_not_create_a_database(
    tmp_path: Path, command: list[str]
) -> None:
    """A typo in [storage] path must not quietly start an empty organization."""
    config = write_config(tmp_path)
    result = frontline(tmp_path, *command, "--config", str(config))
    assert_config_error(result, str(db_path(tmp_path)), "frontline init")
    assert not db_path(tmp_path).exists()
    assert not (tmp_path / "copy.db").exists()


@pytest.mark.parametrize("command", ["run", "migrate"])
def test_run_and_migrate_do_not_create_a_database(tmp_path: Path, command: str) -> None:
    """They said "schema version 7, up to date" about a new, empty file."""
    config = write_config(tmp_path, _dead_api(BASE_CONFIG))
    result = frontline(tmp_path, command, "--config", str(config), env={TOKEN_ENV: GOOD_TOKEN})
    assert_config_error(result, str(db_path(tmp_path)), "no database there",
                        f"[storage] path in {config}", "frontline init")
    assert not db_path(tmp_path).parent.exists()  # nor its folder, nor a lock file in it


@pytest.mark.parametrize("command", ["run", "migrate", "branch list"])
def test_a_folder_for_a_database_is_one_line(tmp_path: Path, command: str) -> None:
    config = write_config(tmp_path, _dead_api(BASE_CONFIG))
    db_path(tmp_path).mkdir(parents=True)
    result = frontline(tmp_path, *command.split(), "--config", str(config),
                       env={TOKEN_ENV: GOOD_TOKEN})
    assert_config_error(result, str(db_path(tmp_path)), "is a folder", "[storage] path")


async def test_the_bot_does_not_create_a_database_either(tmp_path: Path) -> None:
    """`build_application` makes a database only when asked (the sandbox does)."""
    from bot.config import Config, StorageConfig
    from bot.runtime.app import build_application
    from storage.db import StorageError

    missing = tmp_path / "typo.db"
    app = build_application(Config(storage=StorageConfig(path=missing)), token=GOOD_TOKEN)
    assert app.post_init is not None
    with pytest.raises(StorageError, match="no database there"):
        await app.post_init(app)
    assert not missing.exists()


@pytest.mark.parametrize("command", ["run", "migrate", "init --org Org"])
def test_a_nul_in_the_database_path_is_one_line(tmp_path: Path, command: str) -> None:
    config = write_config(tmp_path, '[storage]\npath = "data/front\\u0000line.db"\n')
    result = frontline(tmp_path, *command.split(), "--config", str(config),
                       env={TOKEN_ENV: GOOD_TOKEN})
    assert_config_error(result, str(config), "[storage] path", "NUL")
    assert not (tmp_path / "data").exists()


def _old_database(tmp_path: Path) -> Path:
    """A database as the previous Frontline left it: every migration but the last."""
    from storage.db import migrations

    db = db_path(tmp_path)
    db.parent.mkdir()
    with closing(sqlite3.connect(db)) as conn:
        for version, _, script in migrations()[:-1]:
            conn.executescript(f"{script}\nPRAGMA user_version={version};")
        conn.execute("INSERT INTO branches(name, parent_id, created_at) "
                     "VALUES ('Org', NULL, '2026-03-02T00:00:00+00:00')")
        conn.commit()
    return write_config(tmp_path)


def test_only_run_and_migrate_change_the_schema(tmp_path: Path) -> None:
    """Other commands run beside a running bot: they must not migrate its database."""
    config = _old_database(tmp_path)
    old = schema_version() - 1
    for command in (["branch", "list"], ["invite", "--branch", "1", "--role", "member"]):
        result = frontline(tmp_path, *command, "--config", str(config))
        assert_config_error(result, str(db_path(tmp_path)), f"schema version {old}",
                            "frontline migrate")
    assert sql(db_path(tmp_path), "PRAGMA user_version") == [(old,)]
    backup = frontline(tmp_path, "backup", "--config", str(config), "before.db")
    assert backup.code == 0, backup  # a copy of the old database, before migrating
    assert sql(tmp_path / "before.db", "PRAGMA user_version") == [(old,)]
    migrated = frontline(tmp_path, "migrate", "--config", str(config))
    assert migrated.code == 0, migrated
    assert f"schema version {schema_version()}, up to date" in migrated.out
    assert frontline(tmp_path, "branch", "list", "--config", str(config)).code == 0


def test_migrate_prints_the_schema_version(initialized: Path, tmp_path: Path) -> None:
    result = frontline(tmp_path, "migrate", "--config", str(initialized))
    assert result.code == 0, result
    assert f"schema version {schema_version()}" in result.out


def _dead_api(text: str) -> str:
    """`text` with [telegram] base_url at DEAD_BASE_URL."""
    return text.replace("[telegram]\n", f'[telegram]\nbase_url = "{DEAD_BASE_URL}"\n')


def _too_new(tmp_path: Path) -> Path:
    config = write_config(tmp_path, _dead_api(BASE_CONFIG))
    db = db_path(tmp_path)
    db.parent.mkdir()
    sql(db, "PRAGMA user_version = 999")
    return config


def test_migrate_refuses_a_newer_database(tmp_path: Path) -> None:
    config = _too_new(tmp_path)
    result = frontline(tmp_path, "migrate", "--config", str(config))
    assert_config_error(result, str(db_path(tmp_path)), "999")
    assert sql(db_path(tmp_path), "PRAGMA user_version") == [(999,)]


def test_run_refuses_a_newer_database(tmp_path: Path) -> None:
    """The token comes only from the environment here, so this also shows it is enough."""
    config = _too_new(tmp_path)
    result = frontline(tmp_path, "run", "--config", str(config), env={TOKEN_ENV: GOOD_TOKEN})
    assert_config_error(result, str(db_path(tmp_path)), "999")


# --- help, demo ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    ["run", "demo", "init", "invite", "branch add", "branch list", "backup", "migrate"],
)
def test_every_subcommand_has_help(tmp_path: Path, command: str) -> None:
    result = frontline(tmp_path, *command.split(), "--help")
    assert result.code == 0, result
    assert result.out.startswith(f"usage: frontline {command}")
    assert result.err == ""


EXPORT_SHEETS = ("summary", "checkins", "needs", "tasks", "visits", "records", "leaders",
                 "leaders_about")


async def demo(language: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo's transcript (what `frontline demo --lang LANGUAGE` prints), played in this
    process on virtual time with `folder` as the working directory."""
    monkeypatch.chdir(folder)
    out = io.StringIO()
    await run_demo(language=language, out=out)
    return out.getvalue()


async def test_demo_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = await demo("zh", tmp_path, monkeypatch)
    assert "已报到" in out
    assert "未报到" in out
    # The households scene: a zone covered, one household needing help, a hand-over.
    assert "新增 4 户，更新 0 户" in out
    assert "为谁：🏠 3-102 · 3号楼" in out
    assert "已把 陈静 的 1 户移交给 孙丽 代管" in out
    # The roster scene: imported, sheets made, most join by their own link, one not yet.
    assert "新增 7 人" in out and "📎 links-2.pdf" in out and "📎 links-3.pdf" in out
    assert "欢迎，孙丽！你已加入「第一网格党小组」，身份：组长。" in out
    assert "⏳ 未加入 1 人" in out and "• 赵敏 · 第一网格党小组" in out
    assert "🏘 住户覆盖：50%（2/4 户按时走访，今日已访 2）" in out
    # Reporting upward: the digest's chart, the branch's workbook with its sheets, a chart.
    end = out[out.index("━━ 10."):]
    assert "📈 东湖社区党支部 · 2026-03-02 汇总图表" in end
    assert "📎 frontline-2-2026-02-24-2026-03-02.xlsx" in end
    sheets = "、".join(t(f"export.sheet.{key}") for key in EXPORT_SHEETS)
    assert f"工作表：{sheets}" in end
    assert "📈 东湖社区党支部 · 需求，近 14 天（至 2026-03-02）" in end
    assert await asyncio.to_thread(os.listdir, tmp_path) == []  # its database is temporary


async def test_demo_in_english(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = await demo("en", tmp_path, monkeypatch)
    assert "Checked in" in out
    assert "4 created, 0 updated" in out
    assert "Welcome, Sun Li! You have joined" in out and "📎 links-3.pdf" in out
    assert "• Farah · " in out
    assert "🏘 Households covered: 50% (2/4 reached in time, 2 today)" in out
    end = out[out.index("━━ 10."):]
    assert "📎 frontline-2-east-lake-branch-2026-02-24-2026-03-02.xlsx" in end
    sheets = ", ".join(t(f"export.sheet.{key}", "en") for key in EXPORT_SHEETS)
    assert f"Sheets: {sheets}" in end
    assert "🖼 " in end and "the digest's chart" in end
    assert "已报到" not in out
