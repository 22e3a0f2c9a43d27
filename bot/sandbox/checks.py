"""What Telegram checks, as the fake Bot API checks it: limits, Telegram-flavoured HTML,
inline keyboards, and the error answers (status and description) it gives."""

from __future__ import annotations

import html
import json
import re
from typing import Any

JSONDict = dict[str, Any]
Response = tuple[int, bytes]

#: The fault kinds accepted by :meth:`Sandbox.fail` and :meth:`Sandbox.random_faults`.
FAULT_KINDS: tuple[str, ...] = ("429", "500", "502", "timeout", "403", "400")

#: Methods subject to the simulated flood control of :meth:`Sandbox.rate_limit`.
FLOOD_METHODS: frozenset[str] = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "copyMessage"}
)

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_INLINE_BUTTONS = 100

FORBIDDEN_BLOCKED = "Forbidden: bot was blocked by the user"
CHAT_NOT_FOUND = "Bad Request: chat not found"
QUERY_TOO_OLD = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?")
BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
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


class SandboxError(Exception):
    """A misuse of the sandbox by a test (unknown user, button that does not exist, ...)."""


class ApiError(Exception):
    """An error answer of the fake Bot API, turned into an HTTP response."""

    def __init__(self, code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def response(self) -> Response:
        body: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return self.code, json.dumps(body).encode()


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


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


def check_markup(markup: Any) -> JSONDict | None:
    """Validate an inline keyboard like Telegram (callback data of 1-64 bytes, ...)."""
    if not markup:
        return None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    keyboard = markup.get("inline_keyboard")
    if keyboard is None:
        return markup
    if sum(len(row) for row in keyboard) > MAX_INLINE_BUTTONS:
        raise bad("reply markup is too long")
    for row in keyboard:
        for button in row:
            if not button.get("text"):
                raise bad("BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is not None:
                if (
                    not isinstance(data, str)
                    or not data
                    or len(data) > MAX_CALLBACK_DATA_BYTES
                    or (len(data) > 16 and len(data.encode()) > MAX_CALLBACK_DATA_BYTES)
                ):
                    raise bad("BUTTON_DATA_INVALID")
            elif "url" in button:
                if not button["url"]:
                    raise bad("BUTTON_URL_INVALID")
            elif len(button) == 1:
                raise bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
    return markup


def command_entities(text: str) -> list[JSONDict] | None:
    match = _COMMAND_RE.match(text)
    if match is None:
        return None
    return [{"type": "bot_command", "offset": 0, "length": match.end()}]
