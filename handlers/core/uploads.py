"""What the imports of a file sent in chat share (`/import households`, `/import roster`):
the caption's words, downloading the file within a size, keeping a checked file for the
secretary's answer to a button, and a list of problems cut to fit one message.

A file waiting for an answer stays server-side under a short random token (never in the
callback data), for one answer only and for `PENDING_TTL`; at most `PENDING_MAX` files
(each up to 10 MB) are kept at once, of every kind together, the oldest dropped first. The
button's handler checks the kind, the presser and their rights against the database.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Document, Update
from telegram.error import TelegramError

from handlers.core.context import Context
from handlers.core.replies import TEXT_LIMIT, reply, utf16_len

logger = logging.getLogger(__name__)

PENDING_KEY = "imports.pending"
PENDING_TTL = timedelta(hours=1)
PENDING_MAX = 10  # files kept at once (each up to 10 MB): the oldest is dropped
MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Pending:
    """A checked file waiting for the secretary's answer."""

    user_id: int
    branch_id: int
    file_name: str
    data: bytes
    at: datetime
    kind: str = "households"
    only_good: bool = False  # what the answer's button offers: only the good rows


def pending(context: Context) -> dict[str, Pending]:
    """The files waiting for an answer, by token."""
    found: dict[str, Pending] = context.bot_data.setdefault(PENDING_KEY, {})
    return found


def keep(context: Context, item: Pending) -> str:
    """Keep the file for a later answer; returns its token."""
    waiting = pending(context)
    now = context.clock.now()
    for token in [t for t, p in waiting.items() if now - p.at > PENDING_TTL]:
        del waiting[token]
    while len(waiting) >= PENDING_MAX:
        del waiting[next(iter(waiting))]
    token = secrets.token_urlsafe(6)  # 8 characters
    waiting[token] = item
    return token


def caption_args(text: str | None, command: str) -> list[str] | None:
    """The words after `/command` (or `/command@bot`) in a caption, or None without it."""
    words = (text or "").split()
    if not words or words[0].split("@")[0].lower() != f"/{command}":
        return None
    return words[1:]


async def download(update: Update, context: Context, document: Document,
                   max_bytes: int) -> bytes | None:
    """The document's bytes, or None after telling why not (too big, or the download
    failed)."""
    if document.file_size is not None and document.file_size > max_bytes:
        await reply(update, context.t("imports.too_big", limit=max_bytes // MB,
                                      size=f"{document.file_size / MB:.1f}"))
        return None
    try:
        file = await document.get_file()
        return bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        logger.warning("could not download an import file: %s", exc)
        await reply(update, context.t("imports.download_failed"))
        return None


def fit_list(header: str, lines: Iterable[str], count: int, footer: str,
             more: Callable[[int], str]) -> str:
    """`header`, as many of the `count` `lines` as fit one message with "and N more"
    (`more(N)`), a blank line and `footer`."""
    room = TEXT_LIMIT - utf16_len(header) - utf16_len(footer) - 2
    room -= utf16_len(more(count)) + 1
    kept: list[str] = []
    for line in lines:
        cost = utf16_len(line) + 1
        if cost > room:
            break
        kept.append(line)
        room -= cost
    if len(kept) < count:
        kept.append(more(count - len(kept)))
    return "\n".join([header, *kept, "", footer])
