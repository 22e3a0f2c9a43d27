"""The outbox's Telegram side: send one outbox item and say what happened, in plain terms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.outbox import Outcome, SendFn, SendResult
from bot.ratelimit import UNPACED
from storage.rows import OutboxItem

# Refusals that mean the chat is gone for good (the person deleted their account, ...).
_GONE = ("chat not found", "user is deactivated", "bot was kicked", "group chat was deactivated",
         "bot is not a member", "have no rights to send")


def _markup(item: OutboxItem) -> InlineKeyboardMarkup | None:
    if not item.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                  for label, data in row] for row in item.buttons])


def telegram_sender(bot: Bot) -> SendFn:
    """A `send` for the outbox worker, on this bot. The worker paces; the rate limiter not."""

    async def send(item: OutboxItem, paid: bool) -> SendResult:
        # UNPACED: the outbox paces and retries these itself (see bot/ratelimit.py).
        options: dict[str, Any] = {"reply_markup": _markup(item), "rate_limit_args": UNPACED}
        if paid:
            # Up to 1,000 messages a second, 0.1 Star each (see [telegram] paid_broadcast).
            options["allow_paid_broadcast"] = True
        message: Message
        try:
            if item.media_kind == "photo" and item.media_file_id:
                message = await bot.send_photo(item.chat_id, item.media_file_id,
                                               caption=item.text, **options)
            elif item.media_kind == "document" and item.media_file_id:
                message = await bot.send_document(item.chat_id, item.media_file_id,
                                                  caption=item.text, **options)
            else:
                message = await bot.send_message(item.chat_id, item.text, **options)
        except RetryAfter as exc:
            after = exc.retry_after
            seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
            return SendResult(Outcome.RETRY_AFTER, retry_after=seconds, error="429")
        except Forbidden as exc:
            return SendResult(Outcome.UNREACHABLE, error=exc.message[:200])
        except BadRequest as exc:
            text = exc.message.lower()
            outcome = Outcome.UNREACHABLE if any(g in text for g in _GONE) else Outcome.FAILED
            return SendResult(outcome, error=exc.message[:200])
        except NetworkError as exc:  # timeouts and 5xx
            return SendResult(Outcome.TRANSIENT, error=(exc.message or type(exc).__name__)[:200])
        except TelegramError as exc:
            return SendResult(Outcome.FAILED, error=exc.message[:200])
        return SendResult(Outcome.SENT, message_id=message.message_id)

    return send
