"""Logging: text or JSON lines (`[logging] format`), the update and branch a line is about, and
never a token, a phone number, a note or a health status in a line.

- **Format.** "text": `2026-03-02 08:30:00,123 INFO bot.runtime.alerts: ...`. "json": one JSON
  object per line, `ts` (UTC, ISO 8601 with milliseconds), `level`, `logger`, `message`, and
  when known `update_id` (the Telegram update being handled) and `branch_id` (the branch the
  handler acts on), and `exc_info` (the traceback, as one string field).
- **Update and branch.** `PerPersonUpdateProcessor` handles each update inside
  `for_update(update_id)`; handlers name the branch they act on with `about_branch(id)` (the
  member's own when their identity is loaded, the target branch when a secretary's command is
  scoped). Both are context variables, so every line logged while that update is handled,
  in whatever module, carries them, and no other line does.
- **The token** is the bot's password: whoever reads it can act as the bot. PTB logs its Bot
  API URL, which contains it (`https://api.telegram.org/bot<token>`), at debug level; HTTP
  client logs carry request URLs; PTB's `InvalidToken` names it in its message. So every
  handler of the root logger formats through `RedactingFormatter`, which replaces the token
  (and its secret half, after the colon) in the whole formatted line: message, arguments and
  traceback alike, text or JSON. `redact` is used for the one-line errors the command line
  prints itself.
- **Phone numbers** (`PHONE`: +country numbers, Chinese mobiles with or without 86 and
  spaces or dashes, landlines with an area code) are replaced by `<phone>` in the same pass.
- **Notes and health statuses** are never put in a line by Frontline's own code; PTB's debug
  lines would (the parameters of every Bot API call, hence every digest and prompt text, and
  every incoming update, hence every note typed): `PayloadFilter` hides the payloads of
  `telegram.*` records, keeping the endpoint and the update's id; and aiosqlite's debug
  trace of every statement with its parameters is kept off (its logger at INFO).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import IO, Any

REDACTED = "<token>"
PHONE_REDACTED = "<phone>"
HIDDEN = "<hidden>"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
          "error": logging.ERROR}
PHONE = re.compile(
    r"(?<![\d.])(?:"
    r"(?:\+|00)\d{1,3}(?:[ -]?\d){6,14}"  # international: +86 138 0013 8000, 0044 20 7946 0958
    r"|(?:86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}"  # Chinese mobiles: 13800138000, 138-0013-8000
    r"|0\d{2,3}-\d{7,8}"  # landlines with an area code: 010-62345678
    r")(?!\d)")
# PTB's debug lines whose string argument is a payload (the others are dicts or objects).
_PAYLOAD_TEMPLATES = frozenset({"Webhook received data: %s"})
_OURS = "_frontline_handler"

_update_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "frontline_update_id", default=None)
_branch_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "frontline_branch_id", default=None)


@contextmanager
def for_update(update_id: int | None) -> Iterator[None]:
    """Lines logged inside carry `update_id` (and the branch named inside, none before)."""
    update = _update_id.set(update_id)
    branch = _branch_id.set(None)
    try:
        yield
    finally:
        _branch_id.reset(branch)
        _update_id.reset(update)


def about_branch(branch_id: int | None) -> None:
    """The update being handled acts on this branch: its later lines carry `branch_id`."""
    if _update_id.get() is not None:
        _branch_id.set(branch_id)


def secret_forms(token: str) -> list[str]:
    """The spellings of a token that must not appear: whole, URL-encoded, its secret half."""
    token = token.strip()
    if not token:
        return []
    forms = {token, token.replace(":", "%3A"), token.replace(":", "%3a")}
    secret = token.partition(":")[2]
    if len(secret) >= 8:  # a short "secret" would blank out ordinary words
        forms.add(secret)
    return sorted(forms, key=len, reverse=True)  # the whole token before its half


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by `<token>`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def redact_phones(text: str) -> str:
    """`text` with every phone-number-like run of digits replaced by `<phone>`."""
    return PHONE.sub(PHONE_REDACTED, text)


class RedactingFormatter(logging.Formatter):
    """Formats with another formatter, then removes the secrets and phone numbers."""

    def __init__(self, inner: logging.Formatter, secrets: Sequence[str] = ()) -> None:
        super().__init__()
        self.inner = inner
        self.secrets = list(secrets)

    def format(self, record: logging.LogRecord) -> str:
        """The record as `inner` formats it, with the secrets and phones replaced."""
        return redact_phones(redact(self.inner.format(record), self.secrets))


class JsonFormatter(logging.Formatter):
    """One JSON object per line (see the module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        at = datetime.fromtimestamp(record.created, UTC)
        line: dict[str, Any] = {
            "ts": at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z",
            "level": record.levelname.lower(), "logger": record.name,
            "message": record.getMessage()}
        for key in ("update_id", "branch_id"):
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc_info"] = record.exc_text
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class ContextFilter(logging.Filter):
    """Stamps each record with the update and branch it is about, when known."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "update_id", None) is None:
            record.update_id = _update_id.get()
        if getattr(record, "branch_id", None) is None:
            record.branch_id = _branch_id.get()
        return True


class PayloadFilter(logging.Filter):
    """Hides what PTB's own lines carry of messages and updates (see the module docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("telegram") or not record.args:
            return True
        if isinstance(record.args, Mapping) and "%(" in str(record.msg):
            return True  # named fields: not PTB's way of logging a payload
        # A single mapping argument is the record's `args` itself (`logging.LogRecord`).
        args = record.args if isinstance(record.args, tuple) else (record.args,)
        shown: list[object] = []
        for arg in args:
            update_id = getattr(arg, "update_id", None)
            if isinstance(update_id, int):
                record.update_id = update_id
                shown.append(f"<update {update_id}>")
            elif _is_payload(arg) or record.msg in _PAYLOAD_TEMPLATES:
                shown.append(HIDDEN)
            else:
                shown.append(arg)
        record.args = tuple(shown)
        return True


def _is_payload(value: object) -> bool:
    if isinstance(value, list | tuple):  # getUpdates' update ids stay
        return not all(isinstance(item, int) for item in value)
    return isinstance(value, dict | bytes) or type(value).__module__.startswith("telegram")


def setup(level: int, *, token: str | None = None, json_lines: bool = False,
          stream: IO[str] | None = None) -> None:
    """Log to stderr (or `stream`) at `level`, as text or JSON lines, never showing the token
    or a phone number."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(old)
    secrets = secret_forms(token) if token else []
    for other in root.handlers:  # someone else's: no secret shown there either
        inner = other.formatter or logging.Formatter(FORMAT)
        if isinstance(inner, RedactingFormatter):
            inner = inner.inner
        other.setFormatter(RedactingFormatter(inner, secrets))
    handler = logging.StreamHandler(stream or sys.stderr)
    setattr(handler, _OURS, True)
    handler.setFormatter(RedactingFormatter(
        JsonFormatter() if json_lines else logging.Formatter(FORMAT), secrets))
    handler.addFilter(ContextFilter())
    handler.addFilter(PayloadFilter())
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # aiosqlite traces every statement with its parameters at debug level: notes, statuses,
    # phone numbers. Never shown, -v or not.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    if secrets:
        # An exception nobody caught is printed by sys.excepthook, not through logging.
        sys.excepthook = _redacting_excepthook(secrets)


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def _redacting_excepthook(secrets: Sequence[str]) -> ExceptHook:
    def hook(kind: type[BaseException], value: BaseException,
             tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(redact_phones(redact(text, secrets)))

    return hook
