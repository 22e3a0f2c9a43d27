"""A need for a household, entered from `/visit` when the household needs help.

The visit's receipt carries the need categories as `nd:hh:<household>:<category>` buttons;
each is an entry point of the `/need` conversation (`handlers.needs.report`) with the draft filled
in: for the household (its label and zone), at its address, `household_id` set. The member
then gives the urgency and the details (and a location, if the household has no address),
and confirms as for any need. Pressing a category re-checks that the member holds the
household now. Cancelling the need leaves the visit logged, and says so.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.rules import needs, visits
from bot.rules.callbacks import NeedForHousehold, NeedUrgencyChoice
from bot.rules.needs import NeedDraft
from handlers.core.context import Context
from handlers.core.drafts import Drafts
from handlers.core.keyboards import keyboard
from handlers.needs.keyboards import DRAFT_KEY, DRAFTS, URGENCY, choices

AFTER_VISIT = Drafts(DRAFT_KEY, NeedDraft, "visit.need_cancelled")


def categories(context: Context, household_id: int) -> InlineKeyboardMarkup | None:
    """The category buttons that start a need for the household."""
    buttons = [(context.t(f"need.cat_{c}"), NeedForHousehold(household_id, c).pack())
               for c in needs.CATEGORIES]
    return keyboard([buttons[i:i + 3] for i in range(0, len(buttons), 3)])


async def start(update: Update, context: Context) -> int:
    """A category button under a visit that needs help: a need for that household."""
    query = update.callback_query
    assert query is not None and query.data is not None
    DRAFTS.drop(context)
    parsed, actor = NeedForHousehold.parse(query.data), context.actor
    member = actor.person if actor is not None and actor.is_member else None
    household = (await visits.held(context.store, member.id, parsed.household)
                 if parsed is not None and member is not None else None)
    if parsed is None or household is None:
        await query.answer(context.t("visit.not_yours"), show_alert=True)
        return ConversationHandler.END
    DRAFTS.put(context, NeedDraft.for_household(household, parsed.category))
    await query.answer()
    await query.edit_message_text(
        context.t("visit.need_for", household=visits.heading(context.translate,
                                                             context.language, household))
        + "\n\n" + context.t("need.ask_urgency"),
        reply_markup=choices(context, NeedUrgencyChoice, needs.URGENCIES, "urg"))
    return URGENCY


async def cancel(update: Update, context: Context) -> int:
    """`/cancel` or Cancel in `/need`: nothing is saved; after a visit, the visit stays."""
    draft = DRAFTS.get(context)
    drafts = AFTER_VISIT if draft is not None and draft.household_id is not None else DRAFTS
    if update.callback_query is not None:
        return await drafts.cancel_button(update, context)
    return await drafts.cancel(update, context)
