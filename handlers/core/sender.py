"""The outbox's Telegram side: send one outbox item and say what happened, in plain terms."""

from __future__ import annotations

import asyncio
import warnings
from datetime import timedelta
from typing import Any, Protocol

from telegram import Bot, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.runtime.outbox import Outcome, SendFn, SendResult
from bot.runtime.ratelimit import UNPACED
from handlers.core.keyboards import keyboard
from storage.outbox import Attachment
from storage.rows import OutboxItem

# Refusals that mean the chat is gone for good (the person deleted their account, ...).
_GONE = ("chat not found", "user is deactivated", "bot was kicked", "group chat was deactivated",
         "bot is not a member", "have no rights to send")


# PTB asks to call bot.send_message rather than do_api_request("sendMessage"); the outbox
# does the latter on purpose (see `send`), so the advice is not shown.
SENDING_ADVICE = r"Please use 'Bot\.send(Message|Photo|Document)' instead of"


def _file_id(answer: Any, kind: str) -> str | None:
    """The file_id Telegram gave an uploaded photo (its largest size) or document."""
    if not isinstance(answer, dict):
        return None
    if kind == "photo":
        sizes = answer.get("photo") or []
        return sizes[-1].get("file_id") if sizes else None
    return (answer.get("document") or {}).get("file_id")


class Attachments(Protocol):
    """Where the sender finds an attachment and keeps its file_id (`storage.outbox.Outbox`,
    given by the wiring)."""

    async def attachment(self, attachment_id: int) -> Attachment | None: ...

    async def attachment_sent(self, attachment_id: int, file_id: str) -> None: ...


def telegram_sender(bot: Bot, files: Attachments | None = None) -> SendFn:
    """A `send` for the outbox worker, on this bot. The worker paces; the rate limiter not.

    With `files`, rows with an attachment (`OutboxItem.attachment`) are sent too: uploaded
    the first time, by the file_id Telegram gave it afterwards. The first send of an
    attachment holds back the others of the same one in this process until it is answered,
    so that it is uploaded once whatever the number of recipients sent at once.
    """
    warnings.filterwarnings("ignore", message=SENDING_ADVICE, category=PTBUserWarning)
    uploading: dict[int, asyncio.Lock] = {}

    async def send(item: OutboxItem, paid: bool) -> SendResult:
        if item.attachment is not None:
            lock = uploading.setdefault(item.attachment, asyncio.Lock())
            async with lock:
                return await _send(item, paid)
        return await _send(item, paid)

    async def _send(item: OutboxItem, paid: bool) -> SendResult:
        # The method's parameters as the Bot API names them; `do_api_request` sends them and
        # returns the answer as it came, so that no Message object is built for each of
        # thousands of messages (only its id is needed). UNPACED: the outbox paces and retries
        # these itself (see bot/runtime/ratelimit.py).
        params: dict[str, Any] = {"chat_id": item.chat_id, "parse_mode": ParseMode.HTML}
        markup = keyboard(item.buttons)
        if markup is not None:
            params["reply_markup"] = markup
        if paid:
            # Up to 1,000 messages a second, 0.1 Star each (see [telegram] paid_broadcast).
            params["allow_paid_broadcast"] = True
        upload: tuple[int, str] | None = None  # (attachment, kind) uploaded by this call
        if item.attachment is not None:
            attachment = await files.attachment(item.attachment) if files else None
            if attachment is None or (attachment.file_id is None and attachment.data is None):
                return SendResult(Outcome.FAILED, error="attachment gone")
            method = "sendPhoto" if attachment.kind == "photo" else "sendDocument"
            if attachment.file_id is not None:
                params[attachment.kind] = attachment.file_id
            elif attachment.data is not None:
                params[attachment.kind] = InputFile(attachment.data,
                                                    filename=attachment.file_name)
                upload = (attachment.id, attachment.kind)
            if item.text:
                params["caption"] = item.text
        elif item.media_kind in ("photo", "document") and item.media_file_id:
            method = "sendPhoto" if item.media_kind == "photo" else "sendDocument"
            params[item.media_kind] = item.media_file_id
            params["caption"] = item.text
        else:
            method = "sendMessage"
            params["text"] = item.text
            params["link_preview_options"] = {"is_disabled": True}
        try:
            answer = await bot.do_api_request(  # type: ignore[call-arg]
                method, api_kwargs=params, rate_limit_args=UNPACED)
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
        message_id = answer.get("message_id") if isinstance(answer, dict) else None
        if upload is not None and files is not None:
            file_id = _file_id(answer, upload[1])
            if file_id:
                await files.attachment_sent(upload[0], file_id)
        return SendResult(Outcome.SENT, message_id=message_id)

    return send
