"""What Telegram checks, as the fake Bot API checks it: limits, inline keyboards, and the
error answers (status and description) it gives. The checks on text are in `bot.sandbox.html`."""

from __future__ import annotations

import json
import re
from typing import Any

JSONDict = dict[str, Any]
Response = tuple[int, bytes]

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

BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")


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


def as_chat_id(value: Any) -> int | None:
    """A ``chat_id`` parameter as an int (PTB may send it as a string), or ``None``."""
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None
