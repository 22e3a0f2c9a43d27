"""`/broadcast`: write a message, choose scope, groups and acknowledgement, preview, send.

The conversation keeps its draft in `user_data` and writes nothing until Send; `/cancel`
at any step drops it. Send is `bot.rules.broadcasts.queue` (rights checked against the
database again, the broadcast and one outbox row per recipient written in one transaction),
then the "queued" answer, then `attach_status` (the outbox edits that answer from then on).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.rules import broadcasts
from bot.rules.broadcasts import Draft, Sending
from bot.rules.callbacks import BroadcastSetup
from handlers.broadcasts.progress import eta, progress_reporter
from handlers.core.context import Context
from handlers.core.drafts import Drafts, stay
from handlers.core.guards import scope
from handlers.core.replies import esc, refuse, reply, utf16_len

logger = logging.getLogger(__name__)

MESSAGE, SCOPE, GROUPS, ACK, CONFIRM = range(5)  # conversation states
DRAFT_KEY = "broadcast_draft"
DRAFTS = Drafts(DRAFT_KEY, Draft, "broadcast.cancelled")


def _keyboard(context: Context, *choices: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        context.t(f"broadcast.button_{c}"), callback_data=BroadcastSetup(c).pack())
        for c in choices]])


async def start(update: Update, context: Context) -> int:
    """`/broadcast [BRANCH_ID]`: a secretary starts a broadcast; ask for the message."""
    DRAFTS.drop(context)
    args = context.args or []
    branch = await scope(update, context, "broadcast", args[0] if args else None)
    if branch is None:
        return ConversationHandler.END
    actor = context.me
    assert actor.person is not None
    draft = Draft(branch.id, branch.name, actor.person.display_name)
    DRAFTS.put(context, draft)
    await reply(update, context.t(
        "broadcast.ask", branch=esc(branch.name),
        max=broadcasts.body_limit(context.translate, draft, media=False),
        max_caption=broadcasts.body_limit(context.translate, draft, media=True)))
    return MESSAGE


async def got_message(update: Update, context: Context) -> int:
    """The message to broadcast: text, or a photo or document with an optional caption."""
    message = update.effective_message
    draft = DRAFTS.get(context)
    assert message is not None
    if draft is None:
        return await DRAFTS.lost(update, context)
    if message.photo:
        kind, file_id, body = "photo", message.photo[-1].file_id, message.caption
    elif message.document is not None:
        kind, file_id, body = "document", message.document.file_id, message.caption
    else:
        kind, file_id, body = None, None, message.text
    body = (body or "").strip() or None
    if body is None and kind is None:
        await reply(update, context.t("broadcast.only_text_or_file"))
        return MESSAGE
    draft.media_kind, draft.media_file_id, draft.body = kind, file_id, None
    limit = broadcasts.body_limit(context.translate, draft, media=kind is not None)
    if body is not None and utf16_len(body) > limit:
        key = "broadcast.caption_too_long" if kind else "broadcast.too_long"
        await reply(update, context.t(key, length=utf16_len(body), max=limit))
        return MESSAGE
    draft.body = body
    return await _ask_scope(update, context, draft)


async def not_a_message(update: Update, context: Context) -> int:
    """Anything but text, a photo or a document while the message is expected."""
    await reply(update, context.t("broadcast.only_text_or_file"))
    return MESSAGE


async def _ask_scope(update: Update, context: Context, draft: Draft) -> int:
    own, everyone = await broadcasts.scope_sizes(context.store, draft.branch_id,
                                                 context.me.user_id)
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(context.t("broadcast.button_branch", n=own),
                             callback_data=BroadcastSetup("branch").pack()),
        InlineKeyboardButton(context.t("broadcast.button_subtree", n=everyone),
                             callback_data=BroadcastSetup("subtree").pack()),
    ]])
    await reply(update, context.t("broadcast.ask_scope", branch=esc(draft.branch_name)), markup)
    return SCOPE


async def choose(update: Update, context: Context) -> int:
    """A button of the conversation: scope, groups, acknowledgement."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = BroadcastSetup.parse(query.data)
    choice = parsed.choice if parsed else None
    draft = DRAFTS.get(context)
    if draft is None or choice is None:
        return await DRAFTS.lost(update, context)
    await query.answer()
    if choice in broadcasts.SCOPES:
        draft.scope = choice
        groups = await broadcasts.linked_groups(context.store, draft.branch_id,
                                                subtree=choice == "subtree")
        if groups:
            await query.edit_message_text(context.t("broadcast.ask_groups", n=groups),
                                          reply_markup=_keyboard(context, "groups_y", "groups_n"))
            return GROUPS
        draft.to_groups = False
    elif choice in ("groups_y", "groups_n"):
        draft.to_groups = choice == "groups_y"
    elif choice in ("ack_y", "ack_n"):
        draft.ack_required = choice == "ack_y"
        return await _preview(update, context, draft)
    else:
        return await DRAFTS.lost(update, context)
    await query.edit_message_text(context.t("broadcast.ask_ack"),
                                  reply_markup=_keyboard(context, "ack_y", "ack_n"))
    return ACK


def _choices(context: Context, draft: Draft) -> str:
    return context.t(
        "broadcast.choices",
        scope=context.t(f"broadcast.scope_{draft.scope}", branch=esc(draft.branch_name)),
        groups=context.t("broadcast.yes" if draft.to_groups else "broadcast.no"),
        ack=context.t("broadcast.yes" if draft.ack_required else "broadcast.no"))


async def _preview(update: Update, context: Context, draft: Draft) -> int:
    """Show the message as members will see it, the counts, and Send / Cancel."""
    query = update.callback_query
    assert query is not None
    actor = context.me
    await query.edit_message_text(_choices(context, draft))
    people = await broadcasts.audience(context.store, draft, actor.user_id,
                                       with_groups=draft.to_groups)
    if not people.members and not people.groups:
        DRAFTS.drop(context)
        await reply(update, context.t("broadcast.nobody"))
        return ConversationHandler.END
    message = update.effective_message
    assert message is not None
    text = broadcasts.render(context.translate, context.language, draft)
    if draft.media_kind == "photo" and draft.media_file_id:
        await message.reply_photo(draft.media_file_id, caption=text, do_quote=False)
    elif draft.media_kind == "document" and draft.media_file_id:
        await message.reply_document(draft.media_file_id, caption=text, do_quote=False)
    else:
        await reply(update, text)
    summary = context.t("broadcast.preview", members=len(people.members),
                        groups=len(people.groups))
    if draft.ack_required:
        summary += "\n" + context.t("broadcast.preview_ack")
    await reply(update, summary, _keyboard(context, "send", "cancel"))
    return CONFIRM


async def send(update: Update, context: Context) -> int:
    """Send: check rights again, queue one message per recipient, report as it goes."""
    query = update.callback_query
    assert query is not None and query.message is not None
    draft = DRAFTS.get(context)
    if draft is None:
        return await DRAFTS.lost(update, context)
    DRAFTS.drop(context)
    queued = await broadcasts.queue(context.services, context.me, draft)
    if queued.result is Sending.OUTSIDE_SCOPE:
        await refuse(update, context, "deny.outside_scope", action="broadcast",
                     branch_id=draft.branch_id, branch=esc(draft.branch_name))
        return ConversationHandler.END
    if queued.result is Sending.NOBODY:
        await query.answer()
        await query.edit_message_text(context.t("broadcast.nobody"))
        return ConversationHandler.END
    # Written (with its audit entry) before the author is told it is queued: a crash right
    # after Send either loses nothing or was never confirmed.
    await query.answer()
    await query.edit_message_text(context.t(
        "broadcast.queued", total=queued.total,
        eta=await eta(context.services, context.language, queued.broadcast_id)))
    # Only now may the worker edit the status message (so "queued" never overwrites its
    # report); if it finished meanwhile, the report is given here.
    await broadcasts.attach_status(
        context.services, queued.broadcast_id, query.message.chat.id, query.message.message_id,
        report_finished=progress_reporter(context.bot, context.services))
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module: the `/broadcast` conversation."""
    private = filters.ChatType.PRIVATE

    def on(*choices: str) -> str:
        return BroadcastSetup.pattern(choice=choices)

    def buttons_only(state: int) -> BaseHandler[Update, Context, object]:
        return MessageHandler(private & ~filters.COMMAND, stay("broadcast.use_buttons", state))

    with warnings.catch_warnings():
        # The conversation mixes messages and buttons in one private chat, so it is tracked
        # per chat and user, not per message; PTB warns about exactly that.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        conversation = ConversationHandler(
            entry_points=[CommandHandler("broadcast", start, filters=private)],
            states={
                MESSAGE: [
                    MessageHandler(private & (filters.TEXT | filters.PHOTO | filters.Document.ALL)
                                   & ~filters.COMMAND, got_message),
                    MessageHandler(private & ~filters.COMMAND, not_a_message),
                ],
                SCOPE: [CallbackQueryHandler(choose, pattern=on("branch", "subtree")),
                        buttons_only(SCOPE)],
                GROUPS: [CallbackQueryHandler(choose, pattern=on("groups_y", "groups_n")),
                         buttons_only(GROUPS)],
                ACK: [CallbackQueryHandler(choose, pattern=on("ack_y", "ack_n")),
                      buttons_only(ACK)],
                CONFIRM: [CallbackQueryHandler(send, pattern=on("send")),
                          CallbackQueryHandler(DRAFTS.cancel_button, pattern=on("cancel")),
                          buttons_only(CONFIRM)],
            },
            fallbacks=[CommandHandler("cancel", DRAFTS.cancel, filters=private)],
            allow_reentry=True,
            conversation_timeout=1800,
            name="broadcast",
        )
    return [conversation]
