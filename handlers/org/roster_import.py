"""`/import roster`: a secretary (into their subtree) or an admin (anywhere) sends a CSV or
XLSX file with that caption (`#ID` after it: into a branch below).

The file is checked and previewed first: how many people are new, updated, unchanged, or
joined and not moved (listed: a member is moved with /move), and the bad rows by line;
nothing is written until the secretary presses "Import" (or, when some rows are bad,
"Import only the good rows"). The file waits server-side under a short token
(`handlers.core.uploads`), for one answer only; the answer re-checks the presser's rights and
checks the file again against the database as it is then.

The document handler answers only a caption naming the roster, so it is registered before
the households import's, which answers every other document.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.rules import lookup
from bot.rules.access import may_lead
from bot.rules.callbacks import ImportAnswer
from bot.rules.roster.imports import RosterResult, import_roster
from bot.rules.roster.plan import NotMoved
from bot.rules.roster.rows import MAX_BYTES
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, refuse, reply
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
WHAT = "roster"
# `/import roster` (or `/import@bot roster`), then maybe `#ID`: in a caption or a message.
NAMED = re.compile(r"^\s*/import(?:@\w+)?\s+roster(?:\s|$)", re.IGNORECASE)
# The import buttons' answers that are the roster's (the households' are "ok" and "no").
OK, NO = "roster_ok", "roster_no"
NAME_SHOWN = 60
NOT_MOVED_SHOWN = 10  # members listed as "joined, not moved" in a preview


def _branch_arg(args: list[str]) -> tuple[bool, str | None]:
    """(the arguments are `roster [#ID]`, the branch argument)."""
    if not args or args[0].lower() != WHAT or len(args) > 2:
        return False, None
    if len(args) == 2:
        return args[1].startswith("#"), args[1]
    return True, None


async def _usage(update: Update, context: Context) -> None:
    await reply(update, context.t("rosterimport.usage", limit=MAX_BYTES // 1024 // 1024))


def _not_moved_lines(context: Context, rows: list[NotMoved]) -> list[str]:
    t = context.t
    lines = [t("rosterimport.not_moved")]
    lines += [t("rosterimport.not_moved_line", line=row.line, name=esc(row.name),
                branch=esc(row.branch), role=t(f"role.{row.role}"),
                wanted_branch=esc(row.wanted_branch), wanted_role=t(f"role.{row.wanted_role}"))
              for row in rows[:NOT_MOVED_SHOWN]]
    if len(rows) > NOT_MOVED_SHOWN:
        lines.append(t("rosterimport.more", n=len(rows) - NOT_MOVED_SHOWN))
    return lines


def _footer(context: Context, result: RosterResult) -> str:
    """What the secretary may do now."""
    t = context.t
    if result.changes and not result.errors:
        return t("rosterimport.ask")
    if result.changes:
        return t("rosterimport.offer", good=result.good_rows)
    if result.errors and result.good_rows:
        return t("rosterimport.nothing_else")
    if result.errors:
        return t("rosterimport.fix_and_resend")
    return t("rosterimport.nothing_to_do")


def _checked_text(context: Context, file_name: str, result: RosterResult, footer: str,
                  header: str | None = None) -> str:
    """The counts, the bad rows by line (cut to fit one message), the members not moved,
    and `footer`."""
    t = context.t
    counts = t("rosterimport.preview", file=esc(file_name[:NAME_SHOWN]), rows=result.rows,
               counts=result.counts_text(t))
    top = "\n".join(filter(None, [header, counts]))
    tail = "\n".join(_not_moved_lines(context, result.not_moved)) if result.not_moved else ""
    end = "\n\n".join(filter(None, [tail, footer]))
    if not result.errors:
        return "\n\n".join([top, end])
    lines = ("• " + error.describe(context.translate, context.language, esc)
             for error in result.errors)
    return fit_list(top + "\n\n" + t("rosterimport.problems"), lines, len(result.errors), end,
                    lambda n: t("rosterimport.more", n=n))


def _refused_text(context: Context, file_name: str, result: RosterResult) -> str:
    """A file refused as a whole: why."""
    reason = "\n".join(error.describe(context.translate, context.language, esc)
                       for error in result.errors)
    return context.t("rosterimport.refused", file=esc(file_name[:NAME_SHOWN]), reason=reason)


def _done_text(context: Context, branch: Branch, file_name: str, result: RosterResult) -> str:
    t = context.t
    lines = [t("rosterimport.done", branch=esc(branch.name), file=esc(file_name[:NAME_SHOWN]),
               counts=result.counts_text(t, errors=False))]
    if result.errors:
        lines.append(t("rosterimport.done_skipped", n=len(result.errors)))
    if result.not_moved:
        lines += ["", *_not_moved_lines(context, result.not_moved)]
    lines += ["", t("rosterimport.waiting", n=result.waiting, id=branch.id)]
    return "\n".join(lines)


async def _preview(update: Update, context: Context, branch: Branch, file_name: str,
                   data: bytes) -> None:
    """Check the file and show what it would change, with the buttons to import it."""
    actor, t = context.me, context.t
    result = await import_roster(context.store, branch.id, data, now=context.clock.now(),
                                 file_name=file_name, actor_id=actor.user_id, write=False)
    if result.refused:
        await reply(update, _refused_text(context, file_name, result))
        return
    text = _checked_text(context, file_name, result, _footer(context, result))
    if not result.changes:
        await reply(update, text)
        return
    only_good = bool(result.errors)
    token = keep(context, Pending(actor.user_id, branch.id, file_name, data,
                                  context.clock.now(), WHAT, only_good))
    label = (t("rosterimport.button_good", n=result.good_rows) if only_good
             else t("rosterimport.button_ok"))
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(label, callback_data=ImportAnswer(token, OK).pack()),
        InlineKeyboardButton(t("rosterimport.button_cancel"),
                             callback_data=ImportAnswer(token, NO).pack()),
    ]])
    await reply(update, text, markup)


async def upload(update: Update, context: Context) -> None:
    """A document captioned `/import roster [#BRANCH]` in a private chat: preview it."""
    message = update.effective_message
    assert message is not None and message.document is not None
    fits, branch_arg = _branch_arg(caption_args(message.caption, COMMAND) or [])
    if not fits:
        await _usage(update, context)
        return
    branch = await scope(update, context, COMMAND, branch_arg)
    if branch is None:
        return
    document = message.document
    data = await download(update, context, document, MAX_BYTES)
    if data is not None:
        await _preview(update, context, branch, document.file_name or "file", data)


async def command(update: Update, context: Context) -> None:
    """`/import roster` typed as text: check the rights, then explain how to send the file."""
    fits, branch_arg = _branch_arg(list(context.args or []))
    if fits and await scope(update, context, COMMAND, branch_arg) is None:
        return
    await _usage(update, context)


async def answer(update: Update, context: Context) -> None:
    """"Import" (or "Import only the good rows") or "Cancel" under a roster's preview."""
    query = update.callback_query
    assert query is not None and query.data is not None
    actor, t = context.me, context.t
    parsed = ImportAnswer.parse(query.data)
    waiting = pending(context)
    item = waiting.get(parsed.token) if parsed else None
    if (parsed is None or parsed.answer not in (OK, NO) or item is None or item.kind != WHAT
            or item.user_id != actor.user_id):
        await query.answer(t("rosterimport.stale"), show_alert=True)
        return
    # Forget it before anything is awaited: a second press finds nothing.
    del waiting[parsed.token]
    try:
        await query.edit_message_reply_markup(None)
    except TelegramError as exc:  # the message may be gone; the answer below still counts
        logger.info("could not remove the roster import buttons: %s", exc)
    if context.clock.now() - item.at > PENDING_TTL:
        await query.answer(t("rosterimport.stale"), show_alert=True)
        return
    if parsed.answer != OK:
        await query.answer()
        await reply(update, t("rosterimport.cancelled"))
        return
    branch = await lookup.branch(context.store, item.branch_id)
    if branch is None:
        await query.answer(t("rosterimport.stale"), show_alert=True)
        return
    if not await may_lead(context.store, actor, branch.id):
        await refuse(update, context, "deny.outside_scope", action=COMMAND,
                     branch_id=branch.id, branch=esc(branch.name))
        return
    await query.answer()
    result = await import_roster(context.store, branch.id, item.data, now=context.clock.now(),
                                 file_name=item.file_name, actor_id=actor.user_id,
                                 only_good=item.only_good)
    if result.written:
        await reply(update, _done_text(context, branch, item.file_name, result))
    elif result.refused:
        await reply(update, _refused_text(context, item.file_name, result))
    else:  # the roster or the tree changed since the preview: show it as it is now
        footer = t("rosterimport.resend") if result.changes else _footer(context, result)
        await reply(update, _checked_text(context, item.file_name, result, footer,
                                          t("rosterimport.changed_meanwhile")))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    private = filters.ChatType.PRIVATE
    return [
        MessageHandler(private & filters.Document.ALL & filters.CaptionRegex(NAMED), upload),
        CommandHandler(COMMAND, command, filters=private & filters.Regex(NAMED)),
        CallbackQueryHandler(answer, pattern=ImportAnswer.pattern(answer=(OK, NO))),
    ]
