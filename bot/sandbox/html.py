"""What Telegram does to a text before it stores it: Telegram-flavoured HTML parsed into
entities (and refused where Telegram refuses it), lengths counted in UTF-16 as Telegram counts
them, and the ``bot_command`` entity a client puts on a leading ``/command``."""

from __future__ import annotations

import html
import re
from typing import Any

from bot.sandbox.checks import MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH, ApiError, JSONDict, bad

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?")
_SPECIAL_RE = re.compile(r"[<&]")
_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z][a-zA-Z0-9_-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTR_RE = re.compile(
    r"([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?"
)
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_STRIP_TAGS_RE = re.compile(r"<[^>]*>")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}
_HTML_CACHE_SIZE = 4096
_html_cache: dict[str, tuple[str, list[JSONDict], int]] = {}


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, as Telegram counts it."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _entity_error(text: str, pos: int, reason: str) -> ApiError:
    offset = len(text[:pos].encode())
    return bad(f"can't parse entities: {reason} at byte offset {offset}")


def parse_html(text: str) -> tuple[str, list[JSONDict], int]:
    """Parse Telegram-flavoured HTML like the Bot API does.

    Args:
        text: The message text with HTML markup.

    Returns:
        The plain text, its entities (Bot API JSON, UTF-16 offsets) and its UTF-16 length.

    Raises:
        ApiError: 400 ``can't parse entities`` for unsupported tags or attributes, bad
            nesting, unclosed tags, a stray ``<`` or a ``&`` that is no supported entity.
    """
    cached = _html_cache.get(text)
    if cached is not None:
        return cached
    out: list[str] = []
    entities: list[JSONDict] = []
    stack: list[tuple[str, JSONDict | None, int]] = []
    length = 0
    pos = 0
    n = len(text)
    while pos < n:
        match = _SPECIAL_RE.search(text, pos)
        end = match.start() if match else n
        if end > pos:
            chunk = text[pos:end]
            out.append(chunk)
            length += utf16_len(chunk)
        if match is None:
            break
        pos = end
        if text[pos] == "&":
            ent = _ENTITY_RE.match(text, pos)
            if ent is None:
                raise _entity_error(text, pos, "Unsupported HTML entity (escape & as &amp;)")
            dec, hexa, name = ent.groups()
            if name:
                char = _NAMED_ENTITIES[name]
            else:
                code = int(dec) if dec else int(hexa, 16)
                if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    raise _entity_error(text, pos, "Invalid numeric HTML entity")
                char = chr(code)
            out.append(char)
            length += 2 if ord(char) > 0xFFFF else 1
            pos = ent.end()
            continue
        tag = _TAG_RE.match(text, pos)
        if tag is None:
            raise _entity_error(text, pos, 'Unsupported start tag "" (escape < as &lt;)')
        closing, name, raw_attrs = tag.group(1), tag.group(2).lower(), tag.group(3)
        if closing:
            if raw_attrs.strip():
                raise _entity_error(text, pos, f'Unexpected attributes in end tag "{name}"')
            if not stack:
                raise _entity_error(text, pos, f'Unexpected end tag "{name}"')
            open_name, entity, start = stack.pop()
            if open_name != name:
                raise _entity_error(
                    text, pos, f'Unmatched end tag, expected "</{open_name}>", found "</{name}>"'
                )
            if entity is not None:
                if length > start:
                    entity["length"] = length - start
                else:
                    entities.remove(entity)
        else:
            attrs = {
                m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
                for m in _ATTR_RE.finditer(raw_attrs)
            }
            entity = _open_entity(text, pos, name, attrs, stack)
            if entity is not None:
                entity["offset"] = length
                entity["length"] = 0
                entities.append(entity)
            stack.append((name, entity, length))
        pos = tag.end()
    if stack:
        raise bad(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1][0]}"'
        )
    result = ("".join(out), entities, length)
    if len(_html_cache) >= _HTML_CACHE_SIZE:
        _html_cache.clear()
    _html_cache[text] = result
    return result


def _open_entity(
    text: str,
    pos: int,
    name: str,
    attrs: dict[str, str],
    stack: list[tuple[str, JSONDict | None, int]],
) -> JSONDict | None:
    """Build the entity for an opening tag (offset/length filled in by the caller)."""
    kind = _SIMPLE_TAGS.get(name)
    allowed: tuple[str, ...] = ()
    entity: JSONDict | None
    if kind is not None:
        entity = {"type": kind}
    elif name == "span":
        if attrs.get("class") != "tg-spoiler":
            raise _entity_error(text, pos, 'Tag "span" must have class "tg-spoiler"')
        entity, allowed = {"type": "spoiler"}, ("class",)
    elif name == "a":
        href = attrs.get("href")
        entity = {"type": "text_link", "url": href} if href else None
        allowed = ("href",)
    elif name == "code":
        allowed = ("class",)
        entity = {"type": "code"}
        lang = attrs.get("class", "")
        if stack and stack[-1][0] == "pre" and lang.startswith("language-"):
            parent = stack[-1][1]
            if parent is not None:
                parent["language"] = lang[len("language-") :]
            entity = None
    elif name == "pre":
        entity = {"type": "pre"}
    elif name == "blockquote":
        allowed = ("expandable",)
        expandable = "expandable" in attrs
        entity = {"type": "expandable_blockquote" if expandable else "blockquote"}
    elif name == "tg-emoji":
        allowed = ("emoji-id",)
        if not attrs.get("emoji-id"):
            raise _entity_error(text, pos, 'Tag "tg-emoji" must have attribute "emoji-id"')
        entity = {"type": "custom_emoji", "custom_emoji_id": attrs["emoji-id"]}
    else:
        raise _entity_error(text, pos, f'Unsupported start tag "{name}"')
    for attr in attrs:
        if attr not in allowed:
            raise _entity_error(text, pos, f'Unsupported attribute "{attr}" in tag "{name}"')
    return entity


def html_to_plain(text: str) -> str:
    """Remove HTML tags and unescape entities (lenient; for assertions, not validation)."""
    return html.unescape(_STRIP_TAGS_RE.sub("", text))


def parse_text(
    text: str, parse_mode: Any, limit: int, *, caption: bool
) -> tuple[str, list[JSONDict]]:
    """Validate a text or caption like Telegram; return the stored text and entities."""
    if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
        plain, entities, length = parse_html(text)
    else:
        plain, entities = text, []
        length = len(text) if len(text) * 2 <= limit else utf16_len(text)
    if not caption and not plain.strip():
        raise bad("message text is empty")
    if length > limit:
        raise bad("message caption is too long" if caption else "message is too long")
    return plain, entities


def message_text(text: Any, parse_mode: Any) -> tuple[str, list[JSONDict]]:
    """Check a message's text (a missing one counts as empty); return the stored text and
    entities."""
    return parse_text(
        text if isinstance(text, str) else "", parse_mode, MAX_TEXT_LENGTH, caption=False
    )


def caption_text(caption: Any, parse_mode: Any) -> tuple[str | None, list[JSONDict] | None]:
    """Check a media caption; a missing or empty one stores nothing."""
    if not caption:
        return None, None
    wire, entities = parse_text(caption, parse_mode, MAX_CAPTION_LENGTH, caption=True)
    return wire, entities or None


def command_entities(text: str) -> list[JSONDict] | None:
    """The ``bot_command`` entity of a leading ``/command`` (as a client sends it), if any."""
    match = _COMMAND_RE.match(text)
    if match is None:
        return None
    return [{"type": "bot_command", "offset": 0, "length": match.end()}]
