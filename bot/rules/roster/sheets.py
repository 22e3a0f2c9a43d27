"""The printable sheet of a branch's personal links, and one person's link as a picture.

The sheet is a PDF of A4 pages, 15 cards a page (3 across, 5 down) with dashed cut lines: a
secretary can forward it to the branch's group (each person finds their name and taps or
scans their own link) or print it and cut it into slips. Each card has the person's name, the
branch, a QR code 26 mm wide (33 modules of 0.78 mm: a phone reads it from paper at arm's
length) and the link as text. Names are drawn with Noto Sans CJK SC, which mplfonts ships
(SIL Open Font License), so they print on a machine without Chinese fonts (never SimHei,
whose licence does not allow shipping it). How the PDF is written, and why not with fpdf2 or
Pillow, is said in `bot.rules.roster.pdf`.

The picture (PNG) is what `/link` sends: the QR code large, the name and branch above it,
drawn with Pillow in the same font.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from bot.rules.roster import qr
from bot.rules.roster.pdf import (
    A4,
    COURIER_WIDTH,
    Document,
    TextFonts,
    add_courier,
    add_module_font,
    font_path,
)

COLUMNS, ROWS = 3, 5
PER_PAGE = COLUMNS * ROWS
MARGIN = 28.0  # points (about 1 cm)
HEADER = 34.0
PAD = 8.0
MODULE = 2.2  # points a QR module (0.78 mm)
QUIET = 2  # modules of white around a code on the sheet (the card's padding adds more)
NAME_SIZE, BRANCH_SIZE, LINK_SIZE = 13.0, 8.0, 6.3


@dataclass(frozen=True, slots=True)
class Card:
    """One person on a sheet."""

    name: str
    branch: str
    link: str


@dataclass(frozen=True, slots=True)
class Words:
    """The sheet's own texts, in the reader's language: the title and the line under it on
    every page, and the page number with `{page}` and `{pages}` in it."""

    title: str
    note: str
    page: str


def _fitted(fonts: TextFonts, text: str, size: float, width: float) -> tuple[str, float]:
    """`text` at `size`, smaller if it is too wide (down to 60%), then cut short."""
    actual = fonts.width(text, size)
    if actual <= width:
        return text, size
    smaller = max(size * 0.6, size * width / actual)
    while text and fonts.width(text, smaller) > width:
        text = text[:-1]
    return text, smaller


def link_lines(link: str, size: float, width: float) -> list[str]:
    """The link cut into lines that fit `width` in Courier, before `?` where it can."""
    most = max(8, int(width / (size * COURIER_WIDTH)))
    if len(link) <= most:
        return [link]
    cut = link.rfind("?", 0, most + 1)
    cut = cut if cut > 0 else most
    return [link[:cut], *link_lines(link[cut:], size, width)]


def _text(fonts: TextFonts, x: float, y: float, text: str, size: float) -> str:
    return f"BT 1 0 0 1 {x:.2f} {y:.2f} Tm {fonts.show(text, size)} ET\n"


def _card(fonts: TextFonts, card: Card, x: float, top: float, width: float,
          height: float) -> bytes:
    inner = width - 2 * PAD
    parts = [f"q 0.7 G 0.4 w [3 3] 0 d {x:.2f} {top - height:.2f} {width:.2f} {height:.2f}"
             " re S Q\n"]
    name, size = _fitted(fonts, card.name, NAME_SIZE, inner)
    y = top - PAD - NAME_SIZE
    parts.append(_text(fonts, x + PAD, y, name, size))
    branch, size = _fitted(fonts, card.branch, BRANCH_SIZE, inner)
    y -= BRANCH_SIZE + 4
    parts.append(_text(fonts, x + PAD, y, branch, size))
    code = qr.matrix(card.link)
    side = code.size * MODULE
    y -= QUIET * MODULE + 4
    left = x + (width - side) / 2
    # One text line per row of modules, top row first (`'`: next line, then show).
    out = [("".join(parts) + f"BT /Q 1 Tf {MODULE} 0 0 {MODULE} {left:.2f} {y:.2f} Tm 1 TL\n"
            ).encode()]
    out.extend(b"(" + row + b")'\n" for row in code.rows())
    y -= side + QUIET * MODULE + LINK_SIZE
    lines = link_lines(card.link, LINK_SIZE, inner)
    out.append(f"ET BT /C {LINK_SIZE} Tf {LINK_SIZE + 1.5} TL {x + PAD:.2f} {y:.2f} Td\n"
               .encode())
    out.extend(b"(" + line.encode("ascii", "replace") + b")'\n" for line in lines)
    out.append(b"ET\n")
    return b"".join(out)


def sheet_pdf(cards: Sequence[Card], words: Words) -> bytes:
    """The printable sheet of `cards` (at least one page, 15 cards a page)."""
    pages = max(1, -(-len(cards) // PER_PAGE))
    labels = [words.page.format(page=n + 1, pages=pages) for n in range(pages)]
    texts = [words.title, words.note, *labels]
    texts += [c.name for c in cards] + list(dict.fromkeys(c.branch for c in cards))
    fonts = TextFonts(texts)
    document = Document()
    fonts.write(document)
    add_module_font(document)
    add_courier(document)
    document.finish_fonts()
    page_width, page_height = A4
    width = (page_width - 2 * MARGIN) / COLUMNS
    height = (page_height - 2 * MARGIN - HEADER) / ROWS
    for number in range(pages):
        top = page_height - MARGIN
        title, size = _fitted(fonts, words.title, 14, page_width - 2 * MARGIN)
        label = labels[number]
        head = [_text(fonts, MARGIN, top - 14, title, size),
                _text(fonts, page_width - MARGIN - fonts.width(label, 8), top - 14, label, 8)]
        note, size = _fitted(fonts, words.note, 8, page_width - 2 * MARGIN)
        head.append(_text(fonts, MARGIN, top - 27, note, size))
        body = ["".join(head).encode()]
        for index, card in enumerate(cards[number * PER_PAGE:(number + 1) * PER_PAGE]):
            row, column = divmod(index, COLUMNS)
            body.append(_card(fonts, card, MARGIN + column * width,
                              top - HEADER - row * height, width, height))
        document.page(b"".join(body))
    return document.finish(words.title)


# --- the picture /link sends ---------------------------------------------------------------

PICTURE_WIDTH = 480  # pixels, about: whole pixels a module, the quiet zone included
PICTURE_TEXT = 96  # pixels above the code for the name and the branch


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size)


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, width: int
         ) -> tuple[str, ImageFont.FreeTypeFont]:
    font = _font(size)
    while size > 12 and draw.textlength(text, font=font) > width:
        size -= 2
        font = _font(size)
    while text and draw.textlength(text, font=font) > width:
        text = text[:-1]
    return text, font


def text_picture(text: str, size: int = 40, width: int = 400) -> Image.Image:
    """`text` drawn black on white in the sheet's font, as the picture draws names."""
    picture = Image.new("L", (width, size * 2), 255)
    draw = ImageDraw.Draw(picture)
    fitted, font = _fit(draw, text, size, width)
    draw.text((0, size // 2), fitted, font=font, fill=0)
    return picture


def card_png(card: Card) -> bytes:
    """One person's link as a PNG picture: name and branch, then the QR code."""
    matrix = qr.matrix(card.link)
    scale = max(8, PICTURE_WIDTH // (matrix.size + 8))
    code = matrix.image(scale)
    width = code.width
    picture = Image.new("L", (width, code.height + PICTURE_TEXT), 255)
    picture.paste(code, (0, PICTURE_TEXT))
    draw = ImageDraw.Draw(picture)
    margin = 4 * scale
    name, font = _fit(draw, card.name, 40, width - 2 * margin)
    draw.text((margin, 16), name, font=font, fill=0)
    branch, font = _fit(draw, card.branch, 22, width - 2 * margin)
    draw.text((margin, 66), branch, font=font, fill=0)
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=False)
    return out.getvalue()
