"""Logging for the command line: levels, and never the bot token in a line.

The token is the bot's password: whoever reads it can act as the bot. PTB logs its Bot API
URL, which contains it (`https://api.telegram.org/bot<token>`), at debug level; HTTP client
logs carry request URLs; PTB's `InvalidToken` names it in its message. So every handler of
the root logger formats through `RedactingFormatter`, which replaces the token (and its
secret half, after the colon) in the whole formatted record: message, arguments and
traceback alike. `redact` is used for the one-line errors the command line prints itself.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType

REDACTED = "<token>"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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


class RedactingFormatter(logging.Formatter):
    """Formats with another formatter, then removes the secrets from the result."""

    def __init__(self, inner: logging.Formatter, secrets: Sequence[str]) -> None:
        super().__init__()
        self.inner = inner
        self.secrets = list(secrets)

    def format(self, record: logging.LogRecord) -> str:
        """The record as `inner` formats it, with the secrets replaced."""
        return redact(self.inner.format(record), self.secrets)


def setup(level: int, *, token: str | None = None) -> None:
    """Log to stderr at `level`; with a token, make sure no line shows it."""
    logging.basicConfig(level=level, format=FORMAT)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if not token:
        return
    secrets = secret_forms(token)
    for handler in logging.getLogger().handlers:
        inner = handler.formatter or logging.Formatter(FORMAT)
        if isinstance(inner, RedactingFormatter):
            inner = inner.inner
        handler.setFormatter(RedactingFormatter(inner, secrets))
    # An exception nobody caught is printed by sys.excepthook, not through logging.
    sys.excepthook = _redacting_excepthook(secrets)


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def _redacting_excepthook(secrets: Sequence[str]) -> ExceptHook:
    def hook(kind: type[BaseException], value: BaseException,
             tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(redact(text, secrets))

    return hook
