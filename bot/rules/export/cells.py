"""What a cell of the export's XLSX writer holds and how its text is made: the `Word` (a shared
string), the `Style`, the base styles, and the helpers both the book (`xlsx`) and its sheets
(`sheet`) use."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

EPOCH = datetime(1899, 12, 30)
WIDTH_ROWS = 2000  # rows whose text sets a column's width (with the header)
WIDTH_MAX = 60
WIDTH_MIN = 6
# What XML 1.0 cannot hold at all: the control characters but tab, newline, return.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class Word(str):
    """A text written once in the workbook's shared strings (status words, categories): a
    cell then holds only its number."""

    __slots__ = ()


@dataclass(frozen=True)
class Style:
    """A cell style: a number format, bold, a fill colour (RGB hex), wrapped text."""

    number_format: str | None = None
    bold: bool = False
    fill: str | None = None
    wrap: bool = False


DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
PERCENT = "0%"

BASE_STYLES: dict[str, Style] = {
    "header": Style(bold=True, fill="D9E1F2"),
    "date": Style(DATE),
    "datetime": Style(DATETIME),
    "percent": Style(PERCENT),
    "decimal": Style("0.0"),
    "bold": Style(bold=True),
    "wrap": Style(wrap=True),
}


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def text_width(text: str) -> int:
    """How wide a text shows: East Asian wide and full-width characters count double."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clean(text: str) -> str:
    """A text as XML character data: escaped, without the characters XML cannot hold."""
    if _INVALID_XML.search(text):
        text = _INVALID_XML.sub("", text)
    return escape(text)
