"""`/import households`: a secretary sends a CSV or XLSX file with that caption.

All rows good: they are written at once. Some bad: nothing is written, the bad rows are
listed by line, and the secretary may import the good rows with a button. The file's bytes
wait server-side under a short token (`handlers.core.uploads`), for one answer only; the
button re-checks the presser's rights against the database.
"""

from __future__ import annotations

import logging
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
from handlers.core.uploads import (
    PENDING_TTL,
    Pending,
    caption_args,
    download,
    fit_list,
    keep,
    pending,
)
from storage.rows import Branch

logger = logging.getLogger(__name__)

COMMAND = "import"
WHAT = "households"
NAME_SHOWN = 60


def parse_data(data: str) -> tuple[str, bool] | None:
    """(token, confirmed) of an import button, or None."""
    parsed = ImportAnswer.parse(data)
    return (parsed.token, parsed.answer == "ok") if parsed else None


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
    lines = ("• " + error.describe(context.translate, context.language, esc)
             for error in errors)
    return fit_list(header, lines, len(errors), footer, lambda n: t("imports.more", n=n))


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
    token = keep(context, Pending(actor.user_id, branch.id, file_name, data,
                                  context.clock.now(), WHAT))
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
    args = caption_args(message.caption, COMMAND)
    fits, branch_arg = _target(args) if args is not None else (False, None)
    if not fits:
        await _usage(update, context)
        return
    branch = await scope(update, context, COMMAND, branch_arg)
    if branch is None:
        return
    document = message.document
    data = await download(update, context, document, MAX_BYTES)
    if data is None:
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
    waiting = pending(context)
    item = waiting.get(parsed[0]) if parsed else None
    if (parsed is None or item is None or item.kind != WHAT
            or item.user_id != actor.user_id):
        await query.answer(context.t("imports.stale"), show_alert=True)
        return
    # Forget it before anything is awaited: a second press finds nothing.
    del waiting[parsed[0]]
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
        CallbackQueryHandler(answer, pattern=ImportAnswer.pattern(answer=("ok", "no"))),
    ]
