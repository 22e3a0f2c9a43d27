"""Small helpers shared by handler modules: escaping, replies, refusals, long texts."""

from __future__ import annotations

import html
import logging
from typing import TypeVar

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.rules import people
from bot.rules.codec import Button
from bot.text import ALERT_LIMIT, TEXT_LIMIT, esc, fit_html, split_html, utf16_len, visible_len
from handlers.core.context import Context

__all__ = ["TEXT_LIMIT", "command_args", "edit", "esc", "fit_html", "plain", "pressed", "refuse",
           "reply", "reply_lines", "say", "status_label", "utf16_len"]

logger = logging.getLogger(__name__)

SAFE_CHUNK = 3800  # what we put in one message, leaving room for a header

B = TypeVar("B", bound=Button)


async def pressed(update: Update, context: Context, codec: type[B], *,
                  alert: bool = False) -> B | None:
    """The button pressed, as `codec` reads it; None after telling the presser the button is
    stale (an old format, or data that is not this button's). Proves nothing about rights."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = codec.parse(query.data)
    if parsed is None:
        await query.answer(context.t("button.stale"), show_alert=alert)
    return parsed


async def reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer in the chat of the update (HTML is the application's default parse mode).

    A text over Telegram's limit goes as several messages, cut between lines where it can
    (`bot.text.split_html`); the buttons go under the last. Returns the last message.
    """
    message = update.effective_message
    if message is None:
        return None
    *first, last = [text] if visible_len(text) <= TEXT_LIMIT else split_html(text) or [text]
    for part in first:
        await message.reply_text(part, do_quote=False)
    return await message.reply_text(last, reply_markup=markup, do_quote=False)


async def reply_lines(update: Update, lines: list[str]) -> None:
    """Answer with a long text, split into several messages between lines if needed."""
    await reply(update, "\n".join(lines))


async def say(update: Update, text: str) -> None:
    """A short answer: an alert under a pressed button, else a message in the chat."""
    query = update.callback_query
    if query is not None:
        await query.answer(plain(text)[:ALERT_LIMIT], show_alert=True)
    else:
        await reply(update, text)


def _buttons(markup: InlineKeyboardMarkup | None) -> list[list[tuple[str, object]]]:
    if markup is None:
        return []
    return [[(b.text, b.callback_data or b.url) for b in row] for row in markup.inline_keyboard]


async def edit(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Show `text` in the message of the pressed button, instead of what it showed.

    The text is cut to one message if it is longer (`fit_html`); an edit that would change
    nothing is not sent (Telegram refuses it), so a refresh button may be pressed at will.
    """
    query = update.callback_query
    assert query is not None
    text = fit_html(text)
    message = query.message
    if isinstance(message, Message) and (message.text or "").strip() == plain(text).strip() \
            and _buttons(message.reply_markup) == _buttons(markup):
        return
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message:
            raise


async def allowed(context: Context, action: str, *, branch_id: int | None,
                  **detail: object) -> None:
    """Record a privileged action that was done, in the audit log (`refuse` records the
    refused ones)."""
    await people.audit(context.services, context.actor, action, branch_id=branch_id,
                       allowed=True, **detail)


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
    await people.audit(context.services, context.actor, action, branch_id=branch_id,
                       allowed=False, reason=key)
    query = update.callback_query
    text = context.t(key, **values)
    if query is not None:
        await query.answer(plain(text)[:ALERT_LIMIT], show_alert=True)
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
