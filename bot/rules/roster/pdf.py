"""A small PDF writer for the printable sheets: pages of text and QR codes, with the text's
glyphs taken from Noto Sans CJK SC (so Chinese names print on any machine).

Decision (measured on this 2-core machine, a sheet of 100 people): fpdf2 embeds the OpenType
font by subsetting it with fontTools for every document, 0.5 s a sheet (500 s for 1,000
branches); Pillow drawing whole pages as pictures costs 0.37 s a sheet. So the sheet is
written here, in about a tenth of that: each glyph of the font that a sheet uses is drawn
once per process (fontTools reads its outline from the font file, 0.3 ms a glyph) into a
Type 3 font, the PDF font whose glyphs are drawing instructions, kept in a cache; a sheet
embeds only the glyphs it uses, with a ToUnicode map so that names can be searched and
copied. A QR code is text too, in a second Type 3 font of two glyphs (a dark module and a
light one): each row of the code is a string of the bytes zxing gives (0 dark, 0xFF light),
so a code costs no drawing in Python and prints as sharp squares at any size. Links are in
Courier, one of the fonts every PDF reader has.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

FONT_FILE = "NotoSansCJKsc-Regular.otf"  # in the mplfonts package (SIL Open Font License)
A4 = (595.28, 841.89)  # points
COURIER_WIDTH = 0.6  # of the font size, every character
CODES = 256  # glyphs of one Type 3 font (one byte a character)


def font_path() -> Path:
    """Noto Sans CJK SC as the mplfonts package ships it (found without importing mplfonts,
    which would import matplotlib)."""
    spec = find_spec("mplfonts")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / "fonts" / FONT_FILE
        if path.exists():
            return path
    raise FileNotFoundError(f"{FONT_FILE}: not found; install the package mplfonts")


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.2f}".rstrip("0")


@dataclass(frozen=True, slots=True)
class Glyph:
    """One character drawn from the font: its advance (per 1000 of the size) and its
    compressed drawing (a Type 3 glyph procedure)."""

    width: int
    procedure: bytes


class Outlines:
    """The font file's glyphs, read with fontTools (imported only here): its character map
    and its CFF outlines, about 30 MB in memory while it is open."""

    def __init__(self, path: Path) -> None:
        from fontTools.ttLib import TTFont

        self.font = TTFont(str(path), lazy=True)
        self.cmap: dict[int, str] = self.font.getBestCmap()
        # The outlines themselves (not the glyph set, whose metrics table of 65,000 glyphs
        # would take 23 MB more): a CFF glyph knows its width once drawn.
        self.charstrings = self.font["CFF "].cff.topDictIndex[0].CharStrings

    def has(self, char: str) -> bool:
        """True if the font draws `char` (else it prints as the font's empty box)."""
        return ord(char) in self.cmap

    def draw(self, char: str) -> Glyph:
        """The glyph of `char` (.notdef, a box, if the font has none)."""
        from fontTools.pens.basePen import BasePen

        ops: list[str] = []
        xs: list[float] = [0.0]
        ys: list[float] = [0.0]

        def point(*points: tuple[float, float]) -> str:
            for x, y in points:
                xs.append(x)
                ys.append(y)
            return " ".join(f"{_num(x)} {_num(y)}" for x, y in points)

        class Pen(BasePen):  # type: ignore[misc]
            def _moveTo(self, p: tuple[float, float]) -> None:
                ops.append(f"{point(p)} m")

            def _lineTo(self, p: tuple[float, float]) -> None:
                ops.append(f"{point(p)} l")

            def _curveToOne(self, a: Any, b: Any, c: Any) -> None:
                ops.append(f"{point(a, b, c)} c")

            def _closePath(self) -> None:
                ops.append("h")

        outline = self.charstrings[self.cmap.get(ord(char), ".notdef")]
        outline.draw(Pen(None))
        width = round(outline.width)
        head = f"{width} 0 {_num(min(xs))} {_num(min(ys))} {_num(max(xs))} {_num(max(ys))} d1\n"
        body = head + (" ".join(ops) + " f" if ops else "")
        return Glyph(width, zlib.compress(body.encode()))


@cache
def outlines() -> Outlines:
    """The process's one reader of the font file (`release` closes it)."""
    return Outlines(font_path())


_GLYPHS: dict[str, Glyph] = {}  # every glyph drawn (or handed over) in this process


def glyph(char: str) -> Glyph:
    """The glyph of `char`, drawn once per process."""
    found = _GLYPHS.get(char)
    if found is None:
        found = _GLYPHS[char] = outlines().draw(char)
    return found


def glyphs(chars: Iterable[str]) -> dict[str, Glyph]:
    """The glyphs of these characters, to hand to other processes (`preload`)."""
    return {char: glyph(char) for char in dict.fromkeys(chars)}


def preload(drawn: dict[str, Glyph]) -> None:
    """Take glyphs drawn by another process, so that this one need not open the font."""
    _GLYPHS.update(drawn)


def release() -> None:
    """Close the font file (the glyphs drawn stay)."""
    outlines.cache_clear()


class Document:
    """A PDF being written: numbered objects, then `finish` writes the file."""

    def __init__(self) -> None:
        self.objects: list[bytes] = []
        self.pages: list[int] = []
        self.pages_ref = self.reserve()
        self.fonts: dict[str, int] = {}  # resource name -> object

    def reserve(self) -> int:
        """A number for an object written later (`put`)."""
        self.objects.append(b"")
        return len(self.objects)

    def put(self, number: int, body: bytes | str) -> int:
        """Write object `number`."""
        self.objects[number - 1] = body.encode() if isinstance(body, str) else body
        return number

    def add(self, body: bytes | str) -> int:
        """A new object; its number."""
        return self.put(self.reserve(), body)

    def stream(self, data: bytes, extra: str = "", *, compressed: bool = False) -> int:
        """A new stream object (compressed here unless `compressed` says it already is)."""
        packed = data if compressed else zlib.compress(data, 1)
        return self.add(f"<< /Length {len(packed)} /Filter /FlateDecode {extra}>>\nstream\n"
                        .encode() + packed + b"\nendstream")

    def page(self, content: bytes, size: tuple[float, float] = A4) -> None:
        """Add a page drawing `content` with the document's fonts."""
        contents = self.stream(content)
        self.pages.append(self.add(
            f"<< /Type /Page /Parent {self.pages_ref} 0 R /MediaBox [0 0 {_num(size[0])} "
            f"{_num(size[1])}] /Contents {contents} 0 R /Resources {self.resources} 0 R >>"))

    resources = 0  # set by `finish_fonts`, before the first page

    def finish_fonts(self) -> None:
        """Write the one resource dictionary every page shares (the fonts added so far)."""
        fonts = " ".join(f"/{name} {ref} 0 R" for name, ref in self.fonts.items())
        self.resources = self.add(f"<< /Font << {fonts} >> >>")

    def finish(self, title: str = "") -> bytes:
        """The PDF file."""
        kids = " ".join(f"{ref} 0 R" for ref in self.pages)
        self.put(self.pages_ref, f"<< /Type /Pages /Kids [{kids}] /Count {len(self.pages)} >>")
        catalog = self.add(f"<< /Type /Catalog /Pages {self.pages_ref} 0 R >>")
        info = self.add(f"<< /Title <FEFF{title.encode('utf-16-be').hex()}> "
                        "/Producer (Frontline) >>")
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(self.objects, 1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(self.objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        out += (b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                % (len(self.objects) + 1, catalog, info, xref))
        return bytes(out)


def _to_unicode(chars: Sequence[str]) -> bytes:
    lines = ["/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
             "1 begincodespacerange <00> <FF> endcodespacerange"]
    for start in range(0, len(chars), 100):
        block = chars[start:start + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines.extend(f"<{start + i:02X}> <{c.encode('utf-16-be').hex().upper()}>"
                     for i, c in enumerate(block))
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines).encode()


class TextFonts:
    """The characters a document writes in Noto Sans CJK, as Type 3 fonts of 256 glyphs
    each (`/T0`, `/T1`, ...), and the operators that show a text in them."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.chars: list[str] = list(dict.fromkeys("".join(texts)))
        self.code = {char: (i // CODES, i % CODES) for i, char in enumerate(self.chars)}
        self.widths = {char: glyph(char).width for char in self.chars}

    def width(self, text: str, size: float) -> float:
        """The width of `text` at font size `size`, in points."""
        widths = self.widths
        return sum(map(widths.__getitem__, text)) * size / 1000

    def show(self, text: str, size: float) -> str:
        """Operators showing `text` (inside BT ... ET), switching fonts where it must."""
        parts: list[str] = []
        current, run = -1, bytearray()
        for char in text:
            font, code = self.code[char]
            if font != current:
                if run:
                    parts.append(f"<{run.hex()}> Tj")
                parts.append(f"/T{font} {_num(size)} Tf")
                current, run = font, bytearray()
            run.append(code)
        if run:
            parts.append(f"<{run.hex()}> Tj")
        return " ".join(parts)

    def write(self, document: Document) -> None:
        """Add the fonts to the document."""
        for index, start in enumerate(range(0, len(self.chars), CODES)):
            chars = self.chars[start:start + CODES]
            drawn = [glyph(c) for c in chars]
            procs = [document.stream(g.procedure, compressed=True) for g in drawn]
            names = " ".join(f"/g{i}" for i in range(len(chars)))
            charprocs = " ".join(f"/g{i} {ref} 0 R" for i, ref in enumerate(procs))
            widths = " ".join(str(g.width) for g in drawn)
            unicode = document.stream(_to_unicode(chars))
            document.fonts[f"T{index}"] = document.add(
                "<< /Type /Font /Subtype /Type3 /FontBBox [-1000 -1000 3000 2000]"
                " /FontMatrix [0.001 0 0 0.001 0 0] /Resources << >>"
                f" /CharProcs << {charprocs} >> /Encoding << /Type /Encoding /Differences"
                f" [0 {names}] >> /FirstChar 0 /LastChar {len(chars) - 1} /Widths [{widths}]"
                f" /ToUnicode {unicode} 0 R >>")


def add_module_font(document: Document, name: str = "Q") -> None:
    """The QR font: code 0 a dark module (a square a little larger than one module, so
    that neighbours overlap and no hairline shows between them), 0xFF a light one; one
    module wide, at font size 1 one unit of text space."""
    dark = document.stream(b"1 0 -0.03 -0.03 1.03 1.03 d1 -0.03 -0.03 1.06 1.06 re f")
    light = document.stream(b"1 0 0 0 0 0 d1")
    # Copied text reads as spaces, not as the glyphs' names.
    spaces = document.stream(_to_unicode([" "] * CODES))
    widths = " ".join(["1"] * CODES)
    document.fonts[name] = document.add(
        "<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1 1] /FontMatrix [1 0 0 1 0 0]"
        f" /Resources << >> /CharProcs << /d {dark} 0 R /l {light} 0 R >>"
        " /Encoding << /Type /Encoding /Differences [0 /d 255 /l] >>"
        f" /FirstChar 0 /LastChar 255 /Widths [{widths}] /ToUnicode {spaces} 0 R >>")


def add_courier(document: Document, name: str = "C") -> None:
    """Courier, for links: a font every reader has, one width for every character."""
    document.fonts[name] = document.add(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>")
