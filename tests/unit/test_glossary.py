"""One word per thing: no catalogue text uses a word the glossary (bot/locales/GLOSSARY.md)
marks as not ours."""

from __future__ import annotations

import re

from bot.i18n import catalog
from tests.helpers import ROOT

GLOSSARY = ROOT / "bot" / "locales" / "GLOSSARY.md"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def not_ours(text: str) -> dict[str, list[str]]:
    """The words the glossary's table marks as not ours, per language."""
    found: dict[str, list[str]] = {"zh": [], "en": []}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not line.startswith("|"):
            continue
        found["zh"] += re.findall(r"`([^`]+)`", cells[2])
        found["en"] += re.findall(r"`([^`]+)`", cells[4])
    return found


def offences(language: str, texts: dict[str, str], words: list[str]) -> list[str]:
    out = []
    for key, text in sorted(texts.items()):
        text = PLACEHOLDER.sub("", text)
        for word in words:
            hit = (word in text if language == "zh"
                   else re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.IGNORECASE))
            if hit:
                out.append(f"{language} {key}: {word}")
    return out


def test_the_glossary_marks_words_in_both_languages() -> None:
    words = not_ours(GLOSSARY.read_text("utf-8"))
    assert {"待命", "居家隔离", "今日不适", "备班", "无人代管"} <= set(words["zh"])
    assert "unheld" in words["en"]


def test_no_catalogue_text_uses_a_word_that_is_not_ours() -> None:
    words = not_ours(GLOSSARY.read_text("utf-8"))
    found = [hit for lang in ("zh", "en") for hit in offences(lang, catalog(lang), words[lang])]
    assert found == []


def test_a_word_that_is_not_ours_is_found() -> None:
    """The check itself: a placeholder is not a text, an English word only as a whole word."""
    assert offences("zh", {"a": "今日在岗、待命的在前"}, ["待命"]) == ["zh a: 待命"]
    assert offences("en", {"a": "unheld {unheld}", "b": "{unheld} · will"}, ["unheld", "ill"]) \
        == ["en a: unheld"]
