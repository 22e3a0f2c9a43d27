"""`/import households`: a secretary sends a CSV or XLSX file with that caption.

All rows good: they are written at once. Some bad: nothing is written, the bad rows are
listed by line, and the secretary may import the good rows with a button. The file's bytes
wait server-side under a short token (never in the callback data), for one answer only and
for `PENDING_TTL`; the button re-checks the presser's rights against the database.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.rules import lookup
from bot.rules.access import may_lead
from bot.rules.callbacks import ImportAnswer
from bot.rules.households import MAX_BYTES, ImportResult, RowError
from bot.rules.households.cases import import_file
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import TEXT_LIMIT, esc, refuse, reply, utf16_len
from storage.rows import Branch

logger = logging.getLogger(__name__)

COMMAND = "import"
WHAT = "households"
PENDING_KEY = "imports.pending"
PENDING_TTL = timedelta(hours=1)
PENDING_MAX = 10  # files kept at once (each up to MAX_BYTES): the oldest is dropped
NAME_SHOWN = 60


@dataclass(frozen=True, slots=True)
class Pending:
    """A checked file waiting for the secretary's answer."""

    user_id: int
    branch_id: int
    file_name: str
    data: bytes
    at: datetime


def _pending(context: Context) -> dict[str, Pending]:
    found: dict[str, Pending] = context.bot_data.setdefault(PENDING_KEY, {})
    return found


def _keep(context: Context, item: Pending) -> str:
    """Keep the file for a later answer; returns its token."""
    pending = _pending(context)
    now = context.clock.now()
    for token in [t for t, p in pending.items() if now - p.at > PENDING_TTL]:
        del pending[token]
    while len(pending) >= PENDING_MAX:
        del pending[next(iter(pending))]
    token = secrets.token_urlsafe(6)  # 8 characters
    pending[token] = item
    return token


def parse_data(data: str) -> tuple[str, bool] | None:
    """(token, confirmed) of an import button, or None."""
    parsed = ImportAnswer.parse(data)
    return (parsed.token, parsed.answer == "ok") if parsed else None


def _caption_args(text: str | None) -> list[str] | None:
    """The words after `/import` (or `/import@bot`) in a caption, or None without it."""
    words = (text or "").split()
    if not words or words[0].split("@")[0].lower() != f"/{COMMAND}":
        return None
    return words[1:]


def _target(args: list[str]) -> tuple[bool, str | None]:
    """(the arguments are `households [#ID]`, the branch argument)."""
    if not args or args[0].lower() != WHAT or len(args) > 2:
        return False, None
    if len(args) == 2:
        return args[1].startswith("#"), args[1]
    return True, None


async def _usage(update: Update, context: Context) -> None:
    await reply(update, context.t("imports.usage", limit=MAX_BYTES // 1024 // 1024))


def _done_text(context: Context, branch_name: str, file_name: str,
               result: ImportResult) -> str:
    t = context.t
    lines = [t("imports.done", branch=esc(branch_name), file=esc(file_name[:NAME_SHOWN]),
               created=result.created, updated=result.updated)]
    if result.zones:
        zones = t("imports.list_separator").join(esc(zone) for zone in result.zones)
        lines.append(t("imports.done_zones", zones=zones))
    if result.errors:
        lines.append(t("imports.done_skipped", n=len(result.errors)))
    text = "\n".join(lines)
    if utf16_len(text) > TEXT_LIMIT:  # very many zones: keep the counts
        text = "\n".join(lines[:1] + lines[2:])
    return text


def _problems_text(context: Context, file_name: str, errors: list[RowError],
                   footer: str) -> str:
    """The bad rows by line, cut to fit one message with "and N more"."""
    t = context.t
    header = t("imports.problems", file=esc(file_name[:NAME_SHOWN]), n=len(errors))
    room = TEXT_LIMIT - utf16_len(header) - utf16_len(footer) - 2
    room -= utf16_len(t("imports.more", n=len(errors))) + 1
    lines: list[str] = []
    for error in errors:
        line = "• " + error.describe(context.translate, context.language, esc)
        cost = utf16_len(line) + 1
        if cost > room:
            break
        lines.append(line)
        room -= cost
    if len(lines) < len(errors):
        lines.append(t("imports.more", n=len(errors) - len(lines)))
    return "\n".join([header, *lines, "", footer])


async def _run(update: Update, context: Context, branch: Branch, file_name: str,
               data: bytes) -> None:
    """Check the file; write it if every row is good, else list the problems."""
    actor = context.me
    t = context.t
    result = await import_file(context.services, actor.user_id, branch.id, data, file_name,
                               confirmed=False)
    if result.written:
        await reply(update, _done_text(context, branch.name, file_name, result))
        return
    if not result.good_rows:
        await reply(update, _problems_text(context, file_name, result.errors,
                                           t("imports.fix_and_resend")))
        return
    token = _keep(context, Pending(actor.user_id, branch.id, file_name, data,
                                   context.clock.now()))
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(t("imports.button_ok", n=result.good_rows),
                             callback_data=ImportAnswer(token, "ok").pack()),
        InlineKeyboardButton(t("imports.button_cancel"),
                             callback_data=ImportAnswer(token, "no").pack()),
    ]])
    text = _problems_text(context, file_name, result.errors,
                          t("imports.offer", good=result.good_rows))
    await reply(update, text, markup)


async def upload(update: Update, context: Context) -> None:
    """A document in a private chat: `/import households [#BRANCH]` in its caption imports it."""
    message = update.effective_message
    assert message is not None and message.document is not None
    args = _caption_args(message.caption)
    fits, branch_arg = _target(args) if args is not None else (False, None)
    if not fits:
        await _usage(update, context)
        return
    branch = await scope(update, context, COMMAND, branch_arg)
    if branch is None:
        return
    document = message.document
    limit = MAX_BYTES // 1024 // 1024
    if document.file_size is not None and document.file_size > MAX_BYTES:
        await reply(update, context.t("imports.too_big", limit=limit,
                                      size=f"{document.file_size / 1024 / 1024:.1f}"))
        return
    try:
        file = await document.get_file()
        data = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        logger.warning("could not download an import file: %s", exc)
        await reply(update, context.t("imports.download_failed"))
        return
    await _run(update, context, branch, document.file_name or "file", data)


async def command(update: Update, context: Context) -> None:
    """`/import` typed as text: check the rights, then explain how to send the file."""
    fits, branch_arg = _target(list(context.args or []))
    if fits and await scope(update, context, COMMAND, branch_arg) is None:
        return
    await _usage(update, context)


async def answer(update: Update, context: Context) -> None:
    """The "import the good rows" or "cancel" button under a file's problems."""
    query = update.callback_query
    assert query is not None and query.data is not None
    actor = context.me
    parsed = parse_data(query.data)
    pending = _pending(context)
    item = pending.get(parsed[0]) if parsed else None
    if parsed is None or item is None or item.user_id != actor.user_id:
        await query.answer(context.t("imports.stale"), show_alert=True)
        return
    # Forget it before anything is awaited: a second press finds nothing.
    del pending[parsed[0]]
    try:
        await query.edit_message_reply_markup(None)
    except TelegramError as exc:  # the message may be gone; the answer below still counts
        logger.info("could not remove the import buttons: %s", exc)
    if context.clock.now() - item.at > PENDING_TTL:
        await query.answer(context.t("imports.stale"), show_alert=True)
        return
    if not parsed[1]:
        await query.answer()
        await reply(update, context.t("imports.cancelled"))
        return
    branch = await lookup.branch(context.store, item.branch_id)
    if branch is None:
        await query.answer(context.t("imports.stale"), show_alert=True)
        return
    if not await may_lead(context.store, actor, branch.id):
        await refuse(update, context, "deny.outside_scope", action=COMMAND,
                     branch_id=branch.id, branch=esc(branch.name))
        return
    await query.answer()
    result = await import_file(context.services, actor.user_id, branch.id, item.data,
                               item.file_name, confirmed=True)
    if result.written:
        await reply(update, _done_text(context, branch.name, item.file_name, result))
        return
    # The members changed since the check and no row is good any more.
    await reply(update, _problems_text(context, item.file_name, result.errors,
                                       context.t("imports.fix_and_resend")))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    private = filters.ChatType.PRIVATE
    return [
        MessageHandler(private & filters.Document.ALL, upload),
        CommandHandler(COMMAND, command, filters=private),
        CallbackQueryHandler(answer, pattern=ImportAnswer.pattern()),
    ]
