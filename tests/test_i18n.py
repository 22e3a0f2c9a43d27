"""Every text exists in Chinese and English, with the same fields, and every key used exists."""

from __future__ import annotations

import glob
import re
import tomllib
from pathlib import Path

import pytest

from bot.i18n import LANGUAGES, Count, Translator, catalog, fields, load_folder, pick_language

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "bot" / "locales"
KEY_USE = re.compile(r"""\b(?:t|translate)\(\s*(?:[a-z_.]+,\s*)?["']([a-z_]+\.[a-z_.]+)["']""")
DYNAMIC = {
    "status.": ["on_duty", "available", "unwell", "quarantined", "off", "none",
                "on_duty_word", "available_word", "unwell_word", "quarantined_word", "off_word"],
    "role.": ["member", "secretary", "admin"],
    "command.": ["checkin", "me", "lang", "help", "who", "roster", "invite", "branch", "need",
                 "needs", "assign", "tasks", "team", "record", "commend", "note", "broadcast",
                 "broadcasts", "digest", "settings", "zone", "households", "import", "visit",
                 "coverage", "away"],
}


def test_every_file_holds_the_section_it_is_named_after() -> None:
    """`zh/needs.toml` holds `[needs]` (and its sub-tables) and nothing else, in every language."""
    files = sorted(LOCALES.rglob("*.toml"))
    assert len(files) > 60
    for path in files:
        assert path.parent.parent == LOCALES and path.parent.name in LANGUAGES, path
        assert list(tomllib.loads(path.read_text("utf-8"))) == [path.stem], path


def test_both_languages_have_the_same_files() -> None:
    names = {lang: sorted(p.name for p in (LOCALES / lang).glob("*.toml")) for lang in LANGUAGES}
    assert names["zh"] == names["en"]


def test_a_file_holding_another_section_is_refused(tmp_path: Path) -> None:
    (tmp_path / "needs.toml").write_text('[needs]\nhelp = "x"\n', "utf-8")
    assert load_folder(tmp_path, "zh") == {"needs.help": "x"}
    (tmp_path / "need.toml").write_text('[need]\nhelp = "x"\n[needs]\nmore = "y"\n', "utf-8")
    with pytest.raises(ValueError, match=r"zh/need\.toml must hold the table \[need\]"):
        load_folder(tmp_path, "zh")


def test_the_catalogues_ship() -> None:
    """pyproject's package-data takes every catalogue file into a non-editable install
    (setuptools expands its globs from the package's folder, as `glob` does)."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["bot.locales"]
    shipped = {name for pattern in patterns for name in glob.glob(pattern, root_dir=LOCALES)}
    files = {path.relative_to(LOCALES).as_posix() for path in LOCALES.rglob("*.toml")}
    assert files and files <= shipped


def test_catalogs_have_the_same_keys() -> None:
    zh, en = catalog("zh"), catalog("en")
    assert sorted(set(zh) - set(en)) == []
    assert sorted(set(en) - set(zh)) == []


@pytest.mark.parametrize("key", sorted(catalog("zh")))
def test_texts_use_the_same_fields(key: str) -> None:
    assert fields(catalog("zh")[key]) == fields(catalog("en")[key])


def test_every_key_used_in_code_exists() -> None:
    used: set[str] = set()
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            used.update(KEY_USE.findall(path.read_text("utf-8")))
    for prefix, names in DYNAMIC.items():
        used.update(prefix + name for name in names)
    assert len(used) > 50
    missing = sorted(k for k in used for lang in LANGUAGES if k not in catalog(lang))
    assert missing == []


def test_translator_fills_fields_and_falls_back() -> None:
    translate = Translator("zh")
    assert translate("en", "who.more", n=3) == "… and 3 more"
    assert translate("zh", "who.more", n=3) == "……还有 3 人"
    assert translate("fr", "lang.name") == "中文"  # unknown language: the default


@pytest.mark.parametrize(("chosen", "telegram", "default", "expected"), [
    (None, "en", "zh", "en"), (None, "en-US", "zh", "en"), (None, "zh-hans", "en", "zh"),
    (None, "de", "zh", "zh"), (None, None, "en", "en"), ("en", "zh", "zh", "en"),
    ("xx", "en", "zh", "en"),
])
def test_pick_language(chosen: str | None, telegram: str | None, default: str,
                       expected: str) -> None:
    assert pick_language(chosen, telegram, default) == expected


def test_english_nouns_agree_with_their_number() -> None:
    translate = Translator()
    assert translate("en", "zone.list_line", name="A", households=1) == "• A · 1 household"
    assert translate("en", "zone.list_line", name="A", households=2) == "• A · 2 households"
    assert translate("en", "zone.list_line", name="A", households=0) == "• A · 0 households"
    assert translate("zh", "zone.list_line", name="A", households=1) == "• A · 1 户"
    # Other format specs and booleans are left as they are.
    assert f"{Count(7):03d}" == "007" and f"{Count(1):house|houses}" == "1 house"
