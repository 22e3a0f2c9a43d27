"""Small helpers shared by handler modules: escaping, replies, refusals, long texts."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardMarkup, Message, Update

from bot.text import esc, utf16_len
from handlers.context import Context

__all__ = ["chunks", "command_args", "esc", "plain", "refuse", "reply", "reply_lines",
           "status_label", "utf16_len"]

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # Telegram's limit for one message, in UTF-16 code units
SAFE_CHUNK = 3800  # what we put in one message, leaving room for a header


def chunks(lines: list[str], limit: int = SAFE_CHUNK) -> list[str]:
    """Join lines into as few messages as fit under the limit, cutting only between lines."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        length = utf16_len(line) + 1
        if current and size + length > limit:
            out.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += length
    if current:
        out.append("\n".join(current))
    return out


async def reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer in the chat of the update (HTML is the application's default parse mode)."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(text, reply_markup=markup, do_quote=False)


async def reply_lines(update: Update, lines: list[str]) -> None:
    """Answer with a long text, split into several messages between lines if needed."""
    for part in chunks(lines):
        await reply(update, part)


async def allowed(context: Context, action: str, *, branch_id: int | None,
                  **detail: object) -> None:
    """Record a privileged action that was done, in the audit log (`refuse` records the
    refused ones)."""
    actor = context.actor
    await context.store.audit(actor.user_id if actor else None, action, branch_id=branch_id,
                              allowed=True, detail=dict(detail), at=context.clock.now())


async def refuse(
    update: Update,
    context: Context,
    key: str,
    *,
    action: str,
    branch_id: int | None = None,
    **values: object,
) -> None:
    """Refuse a privileged attempt: answer why, and record it in the audit log."""
    actor = context.actor
    await context.store.audit(
        actor.user_id if actor else None, action, branch_id=branch_id, allowed=False,
        detail={"reason": key}, at=context.clock.now())
    query = update.callback_query
    text = context.t(key, **values)
    if query is not None:
        await query.answer(plain(text)[:200], show_alert=True)
    else:
        await reply(update, text)


def _strip_tags(text: str) -> str:
    out, depth = [], 0
    for char in text:
        if char == "<":
            depth += 1
        elif char == ">" and depth:
            depth -= 1
        elif not depth:
            out.append(char)
    return "".join(out)


def plain(text: str) -> str:
    """A catalog text without its HTML, for places that show plain text (alerts)."""
    return html.unescape(_strip_tags(text))


def status_label(context: Context, status: str | None) -> str:
    """A check-in status with its icon, in the user's language."""
    return context.t(f"status.{status}") if status else context.t("status.none")


def command_args(context: Context) -> list[str]:
    """The command's arguments (empty for a button or plain text)."""
    return list(context.args or [])
