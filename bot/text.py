"""Text helpers shared by rules and handlers: HTML escaping and Telegram's way of counting."""

from __future__ import annotations

import html


def esc(text: object) -> str:
    """User text made safe for an HTML message."""
    return html.escape(str(text), quote=False)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int) -> str:
    """The text on one line (runs of white space as one space), cut to `limit` characters
    with "…" if longer."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
