"""The printable sheet and the QR picture: Chinese names are drawn (not as the font's empty
boxes), the QR codes in the PDF read back as the links, the pages are what they should be."""

from __future__ import annotations

import io
import re
import zlib

import zxingcpp
from PIL import Image, ImageChops

from bot.rules.roster import pdf, qr
from bot.rules.roster.sheets import Card, Words, card_png, link_lines, sheet_pdf, text_picture

LINK = "https://t.me/frontline_bot?start=AbCdEfGhIjKlMnOp"
WORDS = Words("第一支部 · 个人加入链接", "每人一个链接，仅限本人使用一次。",
              "第 {page}/{pages} 页")
NOT_IN_FONT = "\U000f0000\U000f0001"  # private use: the font has no glyph, draws .notdef


def _ink(picture: Image.Image) -> int:
    return sum(picture.histogram()[:128])


def test_a_chinese_name_is_drawn_with_its_glyphs_not_empty_boxes() -> None:
    name, boxes = text_picture("张伟"), text_picture(NOT_IN_FONT)
    assert _ink(boxes) > 0  # the boxes are drawn: the comparison below means something
    assert _ink(name) > 0
    assert ImageChops.difference(name, boxes).getbbox() is not None
    for char in "张伟":
        assert ImageChops.difference(text_picture(char), text_picture(NOT_IN_FONT[0])
                                     ).getbbox() is not None


def test_the_pdf_glyphs_of_a_chinese_name_are_its_own() -> None:
    font = pdf.outlines()
    assert font.has("张") and font.has("伟") and not font.has(NOT_IN_FONT[0])
    notdef = pdf.glyph(NOT_IN_FONT[0]).procedure
    for char in "张伟":
        drawn = zlib.decompress(pdf.glyph(char).procedure)
        assert pdf.glyph(char).procedure != notdef
        assert drawn.count(b" c") + drawn.count(b" l") > 10  # a real outline, not a box
    data = sheet_pdf([Card("张伟", "第一支部", LINK)], WORDS)
    streams = [zlib.decompress(s) for s in re.findall(rb"stream\n(.*?)\nendstream", data,
                                                       re.DOTALL)]
    # The ToUnicode map names 张 (U+5F20), so the name can be found and copied.
    assert any(b"<5F20>" in s for s in streams)
    assert any(zlib.decompress(pdf.glyph("张").procedure) == s for s in streams)


def _codes(data: bytes) -> list[str]:
    """Read back every QR code drawn in a sheet: its rows are strings of the module font."""
    found = []
    for stream in re.findall(rb"stream\n(.*?)\nendstream", data, re.DOTALL):
        content = zlib.decompress(stream)
        for block in re.findall(rb"/Q 1 Tf[^\n]*\n((?:\([\x00\xff]+\)'\n)+)", content):
            rows = re.findall(rb"\(([\x00\xff]+)\)'", block)
            size = len(rows)
            matrix = qr.Matrix(size, b"".join(rows))
            result = zxingcpp.read_barcode(matrix.image(4))
            assert result is not None
            found.append(str(result.text))
    return found


def test_the_qr_codes_of_a_sheet_read_back_as_the_links() -> None:
    cards = [Card(f"王{n}", "第一支部", f"{LINK[:-2]}{n:02d}") for n in range(17)]
    data = sheet_pdf(cards, WORDS)
    assert len(re.findall(rb"/Type /Page\b", data)) == 2
    assert _codes(data) == [card.link for card in cards]


def test_the_picture_reads_back_as_the_link() -> None:
    picture = Image.open(io.BytesIO(card_png(Card("张伟", "第一支部", LINK))))
    assert picture.format == "PNG" and picture.width >= 400
    result = zxingcpp.read_barcode(picture)
    assert result is not None and result.text == LINK


def test_long_links_are_cut_before_the_question_mark() -> None:
    assert link_lines(LINK, 6.3, 500) == [LINK]
    lines = link_lines(LINK, 6.3, 160)
    assert "".join(lines) == LINK and lines[1].startswith("?start=")
    assert link_lines("x" * 100, 10, 60) == ["x" * 10] * 10
