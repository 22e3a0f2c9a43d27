"""`/need`: a member reports a need (also for a household after a visit).

`/need` keeps its draft in `user_data` and writes nothing until Confirm; `/cancel` at any
step drops it, and Edit starts again from the category with a fresh draft. Confirm saves
the need in the reporter's branch (read from the database now) and queues the
secretaries' notifications through the outbox. The buttons' formats are in
`handlers.needs.keyboards`.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.rules import need_cases, needs
from bot.rules.callbacks import (
    NeedCategoryChoice,
    NeedForHousehold,
    NeedSkipLocation,
    NeedStep,
    NeedUrgencyChoice,
    NeedWhom,
)
from bot.rules.needs import NeedDraft
from handlers.core.context import Context
from handlers.core.drafts import stay
from handlers.core.guards import Member, member_only
from handlers.core.keyboards import keyboard
from handlers.core.replies import esc, reply
from handlers.needs import household
from handlers.needs.keyboards import (
    CATEGORY,
    CONFIRM,
    DETAILS,
    DRAFTS,
    FOR_WHOM,
    LOCATION,
    URGENCY,
    WHOM,
    choices,
    need_buttons,
    typed_text,
)

# --- /need -----------------------------------------------------------------------------------


@member_only("need.not_member", otherwise=ConversationHandler.END)
async def start(update: Update, context: Context, member: Member) -> int:
    """`/need`: a member starts reporting a need; ask for the category."""
    DRAFTS.drop(context)
    DRAFTS.put(context, NeedDraft())
    await reply(update, context.t("need.ask_category"),
                choices(context, NeedCategoryChoice, needs.CATEGORIES, "cat"))
    return CATEGORY


async def choose(update: Update, context: Context) -> int:
    """A button of the conversation: category, urgency, for whom, skip the location."""
    query = update.callback_query
    assert query is not None and query.data is not None
    draft = DRAFTS.get(context)
    if draft is None:
        return await DRAFTS.lost(update, context)
    data = query.data
    category, urgency = NeedCategoryChoice.parse(data), NeedUrgencyChoice.parse(data)
    whom = NeedWhom.parse(data)
    await query.answer()
    if category is not None:
        draft.category = category.category
        await query.edit_message_text(context.t("need.ask_urgency"),
                                      reply_markup=choices(context, NeedUrgencyChoice,
                                                           needs.URGENCIES, "urg"))
        return URGENCY
    if urgency is not None and draft.household_id is not None:  # for whom: the household
        draft.urgency = urgency.urgency
        await query.edit_message_text(context.t("need.ask_details", max=needs.DETAILS_MAX))
        return DETAILS
    if urgency is not None:
        draft.urgency = urgency.urgency
        await query.edit_message_text(context.t("need.ask_whom"), reply_markup=keyboard([[
            (context.t("need.whom_me"), NeedWhom("me").pack()),
            (context.t("need.whom_other"), NeedWhom("other").pack())]]))
        return WHOM
    if whom is not None and whom.whom == "other":
        draft.for_self = False
        await query.edit_message_text(context.t("need.ask_for_whom", max=needs.FOR_WHOM_MAX))
        return FOR_WHOM
    if whom is not None:
        draft.for_self, draft.for_whom = True, None
        await query.edit_message_text(context.t("need.ask_details", max=needs.DETAILS_MAX))
        return DETAILS
    # NeedSkipLocation: no location
    draft.location = draft.latitude = draft.longitude = None
    await query.edit_message_text(context.t("need.location_skipped"))
    return await _summary(update, context, draft)


async def got_for_whom(update: Update, context: Context) -> int:
    """Who the need is for, when it is not the reporter."""
    draft = DRAFTS.get(context)
    if draft is None:
        return await DRAFTS.lost(update, context)
    text = await typed_text(update, context, needs.FOR_WHOM_MAX, "need.for_whom_empty",
                       "need.too_long")
    if text is None:
        return FOR_WHOM
    draft.for_whom = text
    await reply(update, context.t("need.ask_details", max=needs.DETAILS_MAX))
    return DETAILS


async def got_details(update: Update, context: Context) -> int:
    """The details of the need."""
    draft = DRAFTS.get(context)
    if draft is None:
        return await DRAFTS.lost(update, context)
    text = await typed_text(update, context, needs.DETAILS_MAX, "need.details_empty",
                       "need.too_long")
    if text is None:
        return DETAILS
    draft.details = text
    if draft.household_id is not None and draft.location:  # where: the household's address
        return await _summary(update, context, draft)
    await reply(update, context.t("need.ask_location", max=needs.LOCATION_MAX), keyboard([[
        (context.t("need.skip_location"), NeedSkipLocation().pack())]]))
    return LOCATION


async def got_location(update: Update, context: Context) -> int:
    """Where: a shared Telegram location, or a place in words."""
    draft = DRAFTS.get(context)
    message = update.effective_message
    assert message is not None
    if draft is None:
        return await DRAFTS.lost(update, context)
    if message.location is not None:
        draft.location = None
        draft.latitude, draft.longitude = message.location.latitude, message.location.longitude
    else:
        text = await typed_text(update, context, needs.LOCATION_MAX, "need.location_empty",
                           "need.too_long")
        if text is None:
            return LOCATION
        draft.location, draft.latitude, draft.longitude = text, None, None
    return await _summary(update, context, draft)


async def _summary(update: Update, context: Context, draft: NeedDraft) -> int:
    await reply(update, needs.draft_summary(context.translate, context.language, draft),
                keyboard([[(context.t("need.confirm"), NeedStep("ok").pack()),
                          (context.t("need.edit"), NeedStep("edit").pack()),
                          (context.t("need.cancel"), NeedStep("no").pack())]]))
    return CONFIRM


async def confirm(update: Update, context: Context) -> int:
    """Confirm: save the need in the reporter's branch and tell its secretaries."""
    query = update.callback_query
    assert query is not None
    draft = DRAFTS.get(context)
    actor = context.actor
    if draft is None or actor is None:
        return await DRAFTS.lost(update, context)
    DRAFTS.drop(context)
    if actor.person is None or actor.person.branch_id is None:
        await query.answer(context.t("need.not_member"), show_alert=True)
        return ConversationHandler.END
    translate = context.translate
    reported = await need_cases.report(
        context.services, actor.person, draft,
        buttons=lambda language, nid: need_buttons(translate, language, nid))
    if reported.need_id is None:
        # For a household the member no longer holds (handed back, or they moved branch).
        await query.answer(context.t("visit.not_yours"), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    key = "need.saved" if reported.told else "need.saved_nobody"
    await query.edit_message_text(
        needs.draft_summary(translate, context.language, draft) + "\n\n"
        + context.t(key, id=reported.need_id, branch=esc(actor.person.branch_name or "")))
    return ConversationHandler.END


async def edit(update: Update, context: Context) -> int:
    """Edit: start again from the category, with a fresh draft."""
    query = update.callback_query
    assert query is not None
    draft = DRAFTS.get(context)
    if draft is None:
        return await DRAFTS.lost(update, context)
    DRAFTS.put(context, draft.fresh())
    await query.answer()
    await query.edit_message_text(context.t("need.ask_category"),
                                  reply_markup=choices(context, NeedCategoryChoice,
                                                       needs.CATEGORIES, "cat"))
    return CATEGORY


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module: the `/need` conversation."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    other = private & ~filters.COMMAND

    def buttons(state: int, pattern: str, callback: Any = choose) -> list[BaseHandler[
            Update, Context, Any]]:
        return [CallbackQueryHandler(callback, pattern=pattern),
                MessageHandler(other, stay("need.use_buttons", state))]

    def typed(state: int, callback: Any, *, location: bool = False) -> list[BaseHandler[
            Update, Context, Any]]:
        accepted = text | (private & filters.LOCATION) if location else text
        key = "need.text_or_location" if location else "need.text_only"
        return [MessageHandler(accepted, callback), MessageHandler(other, stay(key, state))]

    with warnings.catch_warnings():
        # The conversation mixes messages and buttons in one private chat, so it is
        # tracked per chat and user, not per message; PTB warns about exactly that.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        report = ConversationHandler(
            entry_points=[CommandHandler("need", start, filters=private),
                          CallbackQueryHandler(household.start,
                                               pattern=NeedForHousehold.pattern())],
            states={
                CATEGORY: buttons(CATEGORY, NeedCategoryChoice.pattern()),
                URGENCY: buttons(URGENCY, NeedUrgencyChoice.pattern()),
                WHOM: buttons(WHOM, NeedWhom.pattern()),
                FOR_WHOM: typed(FOR_WHOM, got_for_whom),
                DETAILS: typed(DETAILS, got_details),
                LOCATION: [CallbackQueryHandler(choose, pattern=NeedSkipLocation.pattern()),
                           *typed(LOCATION, got_location, location=True)],
                CONFIRM: [CallbackQueryHandler(confirm, pattern=NeedStep.pattern(step="ok")),
                          CallbackQueryHandler(edit, pattern=NeedStep.pattern(step="edit")),
                          *buttons(CONFIRM, NeedStep.pattern(step="no"), household.cancel)],
            },
            fallbacks=[CommandHandler("cancel", household.cancel, filters=private)],
            allow_reentry=True,
            conversation_timeout=1800,
            name="need",
        )

    return [report]
