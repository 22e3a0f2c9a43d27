"""Splitting and fitting HTML answers under Telegram's limits (`bot.text`)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sandbox import html_to_plain, parse_html
from bot.text import esc, fit_html, split_html, visible_len

# Pieces of answers as the handlers build them: escaped user text (any characters, emoji
# included), tags around some of it, line breaks and blank lines between.
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
pieces = st.one_of(
    words.map(esc),
    words.map(lambda w: f"<b>{esc(w)}</b>"),
    words.map(lambda w: f'<a href="https://t.me/x">{esc(w)}</a>'),
    st.lists(words, max_size=4).map(lambda ws: "<i>" + "\n".join(map(esc, ws)) + "</i>"),
    st.sampled_from(["\n", "\n\n", " ", "• ", "&lt;b&gt;", "😀" * 50]),
)


def _squeezed(text: str) -> str:
    return "".join(html_to_plain(text).split())


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=60), st.sampled_from([50, 333, 1000, 4000]))
def test_every_part_is_valid_html_under_the_limit_and_nothing_is_lost(
        parts: list[str], limit: int) -> None:
    text = "".join(parts)
    split = split_html(text, limit)
    for part in split:
        _, _, length = parse_html(part)  # raises on broken HTML
        assert length <= limit
        assert visible_len(part) == length
        assert len(split) == 1 or html_to_plain(part).strip()
    assert _squeezed("".join(split)) == _squeezed(text)
    if visible_len(text) <= limit:
        assert split == [text]


def test_a_list_is_cut_between_lines_and_a_tag_is_closed_and_reopened() -> None:
    lines = [f"• <b>member {i:03}</b> {'x' * 30}" for i in range(200)]
    split = split_html("\n".join(lines), 1000)
    assert len(split) > 1
    for part in split:
        assert all(line in lines for line in part.split("\n"))
    long_bold = "<b>" + "word " * 500 + "</b>"
    bold = split_html(long_bold, 1000)
    assert len(bold) == 3
    assert all(part.startswith("<b>") and part.endswith("</b>") for part in bold)


def test_an_indented_line_stays_with_its_item() -> None:
    items = [f"• member {i:03}: declined\n  reason: {'busy ' * 20}" for i in range(100)]
    for part in split_html("\n".join(items), 1000):
        assert part.startswith("• ")  # never a page that starts with an item's reason
        assert part.count("• ") == part.count("  reason: ")


def test_fit_cuts_with_an_ellipsis_and_closes_tags() -> None:
    text = "<b>" + "啊" * 5000 + "</b>"
    fitted = fit_html(text, 4096)
    _, _, length = parse_html(fitted)
    assert length == 4096 and fitted.endswith("</b>…")
    assert fit_html("short", 4096) == "short"
