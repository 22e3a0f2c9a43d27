"""`/visit`: a member logs a contact with one of the households they hold.

Steps: the household (buttons from their own list, paged, those that want a visit first;
or `/visit LABEL`), the outcome, an optional note; then the visit is saved, with a receipt
and how many of their households still want a visit today. After "needs help" the receipt
is followed by the need categories, which enter the need report for that household
(`handlers.needs.household`). Rules are in `bot.rules.visits`.

Nothing is written before the note step is answered; `/cancel` at any step drops the draft.
Every button is checked against the database: the member must hold the household now
(responsible, backup, or handed to them), else it is refused and nothing is saved.

Callback data: `vs:pg:<page>` (a page of the list) and `vs:hh:<household>` (pick one), which
also start the conversation again from an old list; `vs:out:<household>:<outcome>`,
`vs:skip:<household>` (no note), `vs:no` (cancel).
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.rules import visits
from bot.rules.callbacks import (
    VisitCancel,
    VisitHousehold,
    VisitOutcome,
    VisitPage,
    VisitSkip,
)
from bot.rules.visits import Entry, VisitDraft
from handlers.core.context import Context
from handlers.core.drafts import Drafts, stay
from handlers.core.guards import member_of, not_a_member
from handlers.core.keyboards import keyboard
from handlers.core.replies import esc, plain, refuse, reply, utf16_len
from handlers.needs import household as need_for_household
from storage.households import Household
from storage.rows import Person

PICK, OUTCOME, NOTE = range(3)
DRAFTS = Drafts("visit_draft", VisitDraft, "visit.cancelled")


def _member(context: Context) -> Person | None:
    member = member_of(context.actor)
    return member.person if member is not None else None


def _timezone(context: Context, member: Person) -> str:
    return member.timezone or context.config.defaults.timezone


async def _plan(context: Context, member: Person) -> list[Entry]:
    return await visits.plan(context.store, member.id, _timezone(context, member),
                             context.clock.now())


async def _not_member(update: Update, context: Context) -> int:
    await not_a_member(update, context)
    return ConversationHandler.END


async def _not_yours(update: Update, context: Context) -> int:
    DRAFTS.drop(context)
    await refuse(update, context, "visit.not_yours", action="visit")
    return ConversationHandler.END


def _list(context: Context, entries: list[Entry], page: int
          ) -> tuple[str, InlineKeyboardMarkup | None]:
    """A page of the member's households: the text and the buttons."""
    pages = max(1, -(-len(entries) // visits.PAGE))
    page = min(max(page, 0), pages - 1)
    text = context.t("visit.pick", n=len(entries), left=sum(e.wanted for e in entries))
    text += "\n" + context.t("visit.legend")
    if pages > 1:
        text += "\n" + context.t("visit.page", page=page + 1, pages=pages)
    shown = entries[page * visits.PAGE:(page + 1) * visits.PAGE]
    rows = [[(visits.label(context.translate, context.language, e),
              VisitHousehold(e.household.id).pack())] for e in shown]
    rows.append([(context.t("visit.prev"), VisitPage(page - 1).pack())] if page > 0 else [])
    if page < pages - 1:
        rows[-1].append((context.t("visit.next"), VisitPage(page + 1).pack()))
    return text, keyboard(rows)


def _ask_outcome(context: Context, member: Person, entry: Entry
                 ) -> tuple[str, InlineKeyboardMarkup | None]:
    household, t = entry.household, context.t
    text = visits.heading(context.translate, context.language, household) + "\n" + (
        visits.last_contact(context.translate, context.language, entry, context.clock.now(),
                            _timezone(context, member)))
    def button(outcome: str) -> tuple[str, str]:
        return t(f"visit.button_{outcome}"), VisitOutcome(household.id, outcome).pack()

    return text + "\n\n" + t("visit.ask_outcome"), keyboard([
        [button("well"), button("needs_help")], [button("no_answer"), button("refused")],
        [(t("visit.cancel_button"), VisitCancel().pack())]])


async def start(update: Update, context: Context) -> int:
    """`/visit [LABEL]`: pick one of your households (or the one with that label)."""
    DRAFTS.drop(context)
    member = _member(context)
    if member is None:
        return await _not_member(update, context)
    entries = await _plan(context, member)
    if not entries:
        await reply(update, context.t("visit.none"))
        return ConversationHandler.END
    words = " ".join(context.args or []).strip()
    found = visits.matching(entries, words) if words else []
    if len(found) == 1:
        DRAFTS.put(context, VisitDraft(found[0].household.id))
        await reply(update, *_ask_outcome(context, member, found[0]))
        return OUTCOME
    DRAFTS.put(context, VisitDraft())
    if found:
        _, markup = _list(context, found[:visits.PAGE], 0)
        await reply(update, context.t("visit.ambiguous", label=esc(words[:64]), n=len(found)),
                    markup)
        return PICK
    text, markup = _list(context, entries, 0)
    if words:
        text = context.t("visit.no_match", label=esc(words[:64])) + "\n\n" + text
    await reply(update, text, markup)
    return PICK


async def page(update: Update, context: Context) -> int:
    """A page button of the list (also from an old list: the list again, from the database)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    member, turned = _member(context), VisitPage.parse(query.data)
    if member is None or turned is None:
        return await _not_member(update, context)
    entries = await _plan(context, member)
    if not entries:
        DRAFTS.drop(context)
        await query.answer(plain(context.t("visit.none"))[:200], show_alert=True)
        return ConversationHandler.END
    DRAFTS.put(context, VisitDraft())
    await query.answer()
    text, markup = _list(context, entries, turned.page)
    await query.edit_message_text(text, reply_markup=markup)
    return PICK


async def pick(update: Update, context: Context) -> int:
    """A household button: if the member holds it now, ask the outcome."""
    query = update.callback_query
    assert query is not None and query.data is not None
    member, picked = _member(context), VisitHousehold.parse(query.data)
    if member is None or picked is None:
        return await _not_member(update, context)
    household_id = picked.household
    entry = next((e for e in await _plan(context, member) if e.household.id == household_id),
                 None)
    if entry is None:
        return await _not_yours(update, context)
    DRAFTS.put(context, VisitDraft(household_id))
    await query.answer()
    text, markup = _ask_outcome(context, member, entry)
    await query.edit_message_text(text, reply_markup=markup)
    return OUTCOME


async def _draft_for(update: Update, context: Context, codec: type[VisitOutcome | VisitSkip]
                     ) -> tuple[VisitDraft, Person, Household] | int:
    """The draft, the member and the household of a button; or the state after refusing."""
    query = update.callback_query
    assert query is not None and query.data is not None
    draft, parsed = DRAFTS.get(context), codec.parse(query.data)
    if draft is None or parsed is None or draft.household_id != parsed.household:
        return await DRAFTS.lost(update, context)
    member = _member(context)
    if member is None:
        DRAFTS.drop(context)
        return await _not_member(update, context)
    household = await visits.held(context.store, member.id, draft.household_id)
    if household is None:
        return await _not_yours(update, context)
    return draft, member, household


async def outcome(update: Update, context: Context) -> int:
    """An outcome button: ask for a note."""
    found = await _draft_for(update, context, VisitOutcome)
    if isinstance(found, int):
        return found
    draft, _, household = found
    query = update.callback_query
    assert query is not None and query.data is not None
    chosen = VisitOutcome.parse(query.data)
    assert chosen is not None  # _draft_for parsed it
    draft.outcome = chosen.outcome
    await query.answer()
    await query.edit_message_text(
        visits.heading(context.translate, context.language, household) + "\n"
        + context.t("visit.outcome_line", outcome=context.t(f"visit.outcome_{draft.outcome}"))
        + "\n\n" + context.t("visit.ask_note", max=visits.NOTE_MAX),
        reply_markup=keyboard([[(context.t("visit.skip"), VisitSkip(household.id).pack())]]))
    return NOTE


async def skip(update: Update, context: Context) -> int:
    """Skip: save the visit without a note."""
    found = await _draft_for(update, context, VisitSkip)
    if isinstance(found, int):
        return found
    return await _save(update, context, found[0], found[1], None)


async def got_note(update: Update, context: Context) -> int:
    """The note: save the visit with it."""
    draft = DRAFTS.get(context)
    member = _member(context)
    message = update.effective_message
    if draft is None or draft.household_id is None or draft.outcome is None or member is None:
        return await DRAFTS.lost(update, context)
    text = (message.text or "").strip() if message is not None else ""
    if not text:
        await reply(update, context.t("visit.note_empty"))
        return NOTE
    if utf16_len(text) > visits.NOTE_MAX:
        await reply(update, context.t("visit.note_too_long", length=utf16_len(text),
                                      max=visits.NOTE_MAX))
        return NOTE
    return await _save(update, context, draft, member, text)


async def _save(update: Update, context: Context, draft: VisitDraft, member: Person,
                note: str | None) -> int:
    """Log the visit; answer with the receipt (and the need categories after "needs help")."""
    assert draft.outcome is not None and draft.household_id is not None
    DRAFTS.drop(context)
    logged = await visits.log_visit(context.services, member.id, _timezone(context, member),
                                    draft.household_id, draft.outcome, note)
    if logged is None:
        return await _not_yours(update, context)
    household, now, left, t = logged.household, logged.at, logged.left, context.t
    lines = [t("visit.saved"), visits.heading(context.translate, context.language, household),
             t("visit.outcome_line", outcome=t(f"visit.outcome_{draft.outcome}"))]
    if note:
        lines.append(t("visit.note_line", note=esc(note)))
    lines.append(t("visit.time_line", when=visits.when(context.translate, context.language, now,
                                                       now, _timezone(context, member))))
    lines.append(t("visit.left", n=left) if left else t("visit.all_done"))
    query = update.callback_query
    if query is not None:
        await query.answer()
        await query.edit_message_text("\n".join(lines))
    else:
        await reply(update, "\n".join(lines))
    if draft.outcome == "needs_help":
        await reply(update, t("visit.ask_need", label=esc(household.label)),
                    need_for_household.categories(context, household.id))
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module: the `/visit` conversation."""
    private = filters.ChatType.PRIVATE
    other = private & ~filters.COMMAND
    with warnings.catch_warnings():
        # Messages and buttons in one private chat: tracked per chat and user (as /need).
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        conversation = ConversationHandler(
            entry_points=[CommandHandler("visit", start, filters=private),
                          CallbackQueryHandler(pick, pattern=VisitHousehold.pattern()),
                          CallbackQueryHandler(page, pattern=VisitPage.pattern())],
            states={
                PICK: [MessageHandler(other, stay("visit.use_buttons", PICK))],
                OUTCOME: [CallbackQueryHandler(outcome, pattern=VisitOutcome.pattern()),
                          CallbackQueryHandler(DRAFTS.cancel_button,
                                               pattern=VisitCancel.pattern()),
                          MessageHandler(other, stay("visit.use_buttons", OUTCOME))],
                NOTE: [CallbackQueryHandler(skip, pattern=VisitSkip.pattern()),
                       MessageHandler(private & filters.TEXT & ~filters.COMMAND, got_note),
                       MessageHandler(other, stay("visit.note_text_only", NOTE))],
            },
            fallbacks=[CommandHandler("cancel", DRAFTS.cancel, filters=private)],
            allow_reentry=True,
            conversation_timeout=1800,
            name="visit",
        )
    return [conversation]
