"""What the personal-link tests share: people on the roster, the code in a link, the pictures
and sheets the bot sent."""

from __future__ import annotations

import io
import re
import zlib

import zxingcpp
from PIL import Image

from bot.sandbox.harness import SandboxBot
from bot.sandbox.models import SandboxMessage

LINK = re.compile(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)")


async def listed(bot: SandboxBot, branch: int, name: str, *, role: str = "member",
                 phone: str | None = None) -> int:
    """Put a person on the roster of `branch` (as an import would); their roster id."""
    return await bot.store.roster.add(branch, role, name, phone=phone, at=bot.clock.now())


def code_of(message: SandboxMessage) -> str:
    """The code of the one personal link in a message's text or caption."""
    found = LINK.findall(message.plain)
    assert len(found) == 1, message.plain
    return str(found[0])


def qr_text(message: SandboxMessage) -> str:
    """What the QR code of a sent photo says."""
    assert message.photo is not None and message.content is not None
    picture = Image.open(io.BytesIO(message.content))
    assert picture.format == "PNG"
    found = zxingcpp.read_barcode(picture)
    assert found is not None
    return str(found.text)


def pdf_pages(data: bytes) -> int:
    """How many pages a PDF the bot made has."""
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    return len(re.findall(rb"/Type /Page\b", data))


def pdf_texts(data: bytes) -> bytes:
    """Every stream of a PDF the bot made, decompressed and joined."""
    streams = re.findall(rb"stream\n(.*?)\nendstream", data, re.DOTALL)
    return b"\n".join(zlib.decompress(s) for s in streams)


def pdf_title(data: bytes) -> str:
    """The title of a PDF the bot made (its document information)."""
    found = re.search(rb"/Title <FEFF([0-9a-f]*)>", data)
    assert found is not None
    return bytes.fromhex(found.group(1).decode()).decode("utf-16-be")
