"""Chinese texts use Chinese punctuation: no ASCII ':' '(' ')' ',' next to a Chinese character
in a zh catalogue text (commands, URLs, placeholders and times like 08:00 aside)."""

from __future__ import annotations

import re

from bot.i18n import Translator, catalog
from bot.rules.tasks import title_from_need
from tests.helpers import ROOT

# Chinese characters and the full-width punctuation around them.
CJK = "[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
ASCII_NEXT_TO_CJK = re.compile(f"{CJK}[:(),]|[:(),]{CJK}")
ASIDE = re.compile(r"<code>.*?</code>|<pre>.*?</pre>|https?://\S+|\{[^{}]*\}|\d{1,2}:\d{2}"
                   r"|/[a-z_]+(?:@\w+)?", re.DOTALL)


def offences(texts: dict[str, str]) -> list[str]:
    out = []
    for key, text in sorted(texts.items()):
        for match in ASCII_NEXT_TO_CJK.finditer(ASIDE.sub(" ", text)):
            out.append(f"{key}: {match.group()!r}")
    return out


def test_chinese_texts_use_chinese_punctuation() -> None:
    assert offences(catalog("zh")) == []


def test_ascii_punctuation_next_to_chinese_is_found() -> None:
    assert offences({"a": "药品: 降压药"}) == ["a: '品:'"]
    assert offences({"b": "王芳,张伟"}) == ["b: '芳,'"]
    assert offences({"c": "（见上)"}) == ["c: '上)'"]
    kept = "<code>/household add 区域, 门牌</code> 于 08:30 {name}: https://t.me/x"
    assert offences({"ok": kept}) == []


# Joins in code that put ASCII punctuation between user-facing words; each language's separator
# comes from the catalogue instead (`list.separator`: "、" / ", "; `assign.title_separator`).
CODE_JOIN = re.compile(r"""["'](?:, |; |: )["']\.join\(|f["']\{[a-z_.]+\}: \{""")
# Joins left as they are: column names as the file spells them (imports), and the done notes of
# a task's assignees, stored as a need's resolution note in the words they were written in; the
# /checkin refusal's choices (being rewritten with the words on the buttons, issue 14).
JOINS_KEPT = {"bot/rules/households/rows.py", "bot/rules/tasks.py:notes",
              "handlers/checkin/status.py"}


def test_code_joins_names_with_the_catalogues_separator() -> None:
    found = []
    for folder in ("bot/rules", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            for line in path.read_text("utf-8").splitlines():
                if CODE_JOIN.search(line) and name not in JOINS_KEPT and not (
                        f"{name}:notes" in JOINS_KEPT and "notes" in line):
                    found.append(f"{name}: {line.strip()}")
    assert found == []


def test_a_task_title_from_a_need_reads_in_the_language() -> None:
    zh, en = Translator("zh"), Translator("en")
    assert title_from_need(zh("zh", "assign.category_medicine"), "降压药只剩两天的量",
                           separator=zh("zh", "assign.title_separator")) \
        == "药品：降压药只剩两天的量"
    assert title_from_need(en("en", "assign.category_medicine"), "blood pressure pills",
                           separator=en("en", "assign.title_separator")) \
        == "Medicine: blood pressure pills"
