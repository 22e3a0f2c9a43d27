"""Text helpers shared by rules and handlers: HTML escaping and Telegram's way of counting."""

from __future__ import annotations

import html


def esc(text: object) -> str:
    """User text made safe for an HTML message."""
    return html.escape(str(text), quote=False)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2
