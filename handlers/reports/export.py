"""`/export [BRANCH_ID] [PERIOD]`: a branch's subtree over a period as an XLSX workbook.

Secretaries over their subtree (admins everywhere), checked in the database by `scope`, whose
refusals are audit-logged; the export itself is audited by its use case. PERIOD is read as
`/record` reads it, in the branch's local days. "Building…" comes first; the workbook is built
in a child process (`bot.rules.export.process`), so the bot keeps answering everyone
meanwhile. One export at a time per person: a second `/export` while one is being built is
answered so. A build that fails (the child crashed, timed out) or that the bot's stopping cut
short is answered in the reader's language, and nothing else is sent; the temporary file is
removed whatever happens.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.clock import OutOfRange, local_day
from bot.rules import export, records
from bot.rules.export.process import ExportFailed, discard, export_in_child
from bot.text import cut
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, reply
from storage.rows import Branch

logger = logging.getLogger(__name__)

_BUILDING = "export.building_for"  # bot_data: the people whose export is being built


def _is_branch_id(word: str) -> bool:
    raw = word.lstrip("#")
    return raw.isascii() and raw.isdigit() and len(raw) <= 12


async def export_command(update: Update, context: Context) -> None:
    """`/export [branch] [period]`: the subtree's workbook, sent as a document."""
    args = list(context.args or [])
    branch_arg = args.pop(0) if args and _is_branch_id(args[0]) else None
    branch = await scope(update, context, "export", branch_arg)
    if branch is None:
        return
    now = context.clock.now()
    try:
        first, last = records.parse_period(" ".join(args), local_day(now, branch.timezone))
    except OutOfRange as wrong:
        await reply(update, context.t("record.out_of_range", value=esc(cut(wrong.text, 30)),
                                      first=wrong.first.isoformat(),
                                      last=wrong.last.isoformat()))
        return
    except ValueError:
        await reply(update, context.t("record.bad_period", value=esc(cut(" ".join(args), 30)),
                                      max=records.MAX_DAYS))
        return
    actor = context.me
    building = _building(context)
    if actor.user_id in building:
        await reply(update, context.t("export.busy"))
        return
    await reply(update, context.t("export.building", branch=esc(branch.name),
                                  first=first.isoformat(), last=last.isoformat()))
    # Built in a task of its own, so that this person's next updates are not held behind it
    # (updates run in order per person: bot/runtime/updates.py).
    building[actor.user_id] = context.application.create_task(
        _build_and_send(update, context, branch, first, last), update=update)


def _building(context: Context) -> dict[int, asyncio.Task[None]]:
    found: dict[int, asyncio.Task[None]] = context.bot_data.setdefault(_BUILDING, {})
    return found


def pending(bot_data: dict[Any, Any]) -> list[asyncio.Task[None]]:
    """The exports being built (for tests and benches to wait for)."""
    return list(bot_data.get(_BUILDING, {}).values())


async def _build_and_send(update: Update, context: Context, branch: Branch, first: date,
                          last: date) -> None:
    actor = context.me
    application = context.application
    found = None
    try:
        try:
            found = await export_in_child(
                context.store, context.translate, actor, branch.id, first, last,
                now=context.clock.now(), language=context.language,
                stopping=lambda: not application.running)
        except ExportFailed as failed:
            await reply(update, context.t(
                "export.interrupted" if failed.interrupted else "export.failed"))
            return
        except export.NoBranch:
            await reply(update, context.t("branch.unknown", id=branch.id))
            return
        if found.size > export.DOCUMENT_MAX:
            await reply(update, context.t("export.too_big", size=found.size // 2**20,
                                          max=export.DOCUMENT_MAX // 2**20))
            return
        assert found.path is not None
        data = await asyncio.to_thread(found.path.read_bytes)
        message = update.effective_message
        assert message is not None
        sheets = context.t("export.sheet_joiner").join(found.sheets)
        await message.reply_document(
            data, filename=found.file_name, do_quote=False,
            caption=context.t("export.caption", branch=esc(branch.name),
                              first=first.isoformat(), last=last.isoformat(),
                              days=(last - first).days + 1, sheets=esc(sheets)))
    finally:
        discard(found)
        _building(context).pop(actor.user_id, None)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [CommandHandler("export", export_command, filters=filters.ChatType.PRIVATE)]
