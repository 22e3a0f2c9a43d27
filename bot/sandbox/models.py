"""What the sandbox holds: messages as a test sees them, scripted faults, stored files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.sandbox.checks import JSONDict
from bot.sandbox.html import html_to_plain


@dataclass(slots=True)
class SandboxMessage:
    """A message in the sandbox model, sent by the bot or by a user.

    Attributes:
        chat_id: The chat the message is in.
        message_id: Its id, unique and increasing per chat.
        from_bot: Whether the bot sent it.
        text: The text as sent (with markup), or for media the caption; ``None`` if absent.
        parse_mode: The parse mode it was sent with (``"HTML"``, ...), if any.
        reply_markup: The reply markup as sent (e.g. ``{"inline_keyboard": [[...]]}``).
        date: When it was sent.
        edits: How many times it was edited.
        document: Document info (``file_id``, ``file_name``, ``mime_type``, ``file_size``).
        photo: Photo info (the largest ``PhotoSize`` JSON).
        user_id: The sender's user id (the bot's id for bot messages).
        reply_to: The message id it replies to, if any.
        location: ``{"latitude": ..., "longitude": ...}`` for location messages.
        content: The bytes of an attached document or photo, if known.
        entities: Entities of the text/caption as Telegram reports them (UTF-16 offsets).
        wire_text: The text as Telegram stores it (markup parsed away).
        edit_date: When it was last edited.
    """

    chat_id: int
    message_id: int
    from_bot: bool
    text: str | None
    parse_mode: str | None = None
    reply_markup: JSONDict | None = None
    date: datetime = field(default_factory=lambda: datetime.now(UTC))
    edits: int = 0
    document: JSONDict | None = None
    photo: JSONDict | None = None
    user_id: int | None = None
    reply_to: int | None = None
    location: JSONDict | None = None
    content: bytes | None = field(default=None, repr=False)
    entities: list[JSONDict] | None = field(default=None, repr=False)
    wire_text: str | None = field(default=None, repr=False)
    edit_date: datetime | None = None

    @property
    def is_media(self) -> bool:
        """Whether the message carries a document or photo (its text is a caption)."""
        return self.document is not None or self.photo is not None

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """The inline keyboard as rows of ``(text, callback_data or url)``."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard") or []
        return [
            [(btn.get("text", ""), btn.get("callback_data", btn.get("url"))) for btn in row]
            for row in rows
        ]

    @property
    def button_list(self) -> list[tuple[str, str | None]]:
        """All inline buttons, flattened row by row."""
        return [btn for row in self.buttons for btn in row]

    @property
    def plain(self) -> str:
        """The text without HTML tags and with entities unescaped (``""`` if there is none)."""
        if self.text is None:
            return ""
        if self.parse_mode and self.parse_mode.upper() == "HTML":
            return html_to_plain(self.text)
        return self.text


@dataclass(slots=True)
class Fault:
    method: str
    kind: str
    remaining: int
    chat_id: int | None
    retry_after: int


@dataclass(slots=True)
class StoredFile:
    content: bytes
    file_name: str
    mime_type: str
    unique_id: str

    def as_json(self, file_id: str) -> JSONDict:
        """The Document JSON Telegram gives for this file."""
        return {
            "file_id": file_id,
            "file_unique_id": self.unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.content),
        }


def is_callback(msg: SandboxMessage, button: tuple[str, str | None]) -> bool:
    return has_callback(msg, button[1] or "")


def has_callback(msg: SandboxMessage, data: str) -> bool:
    markup = msg.reply_markup
    if not markup:
        return False
    for row in markup.get("inline_keyboard") or ():
        for button in row:
            if button.get("callback_data") == data:
                return True
    return False
