"""The daily check-in: `/checkin`, the five status buttons, an optional note, and `/me`."""

from __future__ import annotations

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

from bot.clock import local_day
from bot.rules import branches, checkins, status_words
from bot.rules.callbacks import Checkin, CheckinNote
from handlers.core.context import Context
from handlers.core.guards import Member, member_of, member_only, not_a_member
from handlers.core.replies import edit, esc, pressed, reply, status_label, utf16_len
from handlers.reports.records import week_summary
from storage.rows import STATUSES

NOTE = 1  # conversation state: waiting for the note text


def status_keyboard(context: Context) -> InlineKeyboardMarkup:
    """The five status buttons (two rows, so they stay readable on a phone)."""
    buttons = [InlineKeyboardButton(status_label(context, s), callback_data=Checkin(s).pack())
               for s in STATUSES]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:]])


@member_only()
async def checkin_command(update: Update, context: Context, member: Member) -> None:
    """`/checkin [status] [note]`: show the status buttons, or check in directly."""
    args = context.args or []
    if args:
        found = status_words.status_of(context.translate, args)
        if found is None:
            choices = context.t("checkin.separator").join(
                status_words.choices(context.translate, context.language))
            await reply(update, context.t("checkin.bad_status", value=esc(args[0][:30]),
                                          choices=esc(choices)))
            return
        status, used = found
        note = " ".join(args[used:]).strip() or None
        if note and utf16_len(note) > checkins.NOTE_MAX:
            await reply(update, context.t("checkin.note_too_long", length=utf16_len(note),
                                          max=checkins.NOTE_MAX))
            return
        done = await _check_in(context, member, status, note)
        text = _confirmation(context, done.outcome, note) + _households(context, done)
        await reply(update, text, _note_keyboard(context))
        return
    person = member.person
    day = local_day(context.clock.now(), member.timezone)
    current = person.last_checkin_status if person.last_checkin_day == day else None
    key = "checkin.prompt_again" if current else "checkin.prompt"
    await reply(update, context.t(key, name=esc(person.display_name), day=day.isoformat(),
                                  status=status_label(context, current)),
                status_keyboard(context))


async def _check_in(context: Context, member: Member, status: str,
                    note: str | None = None) -> checkins.CheckedIn:
    return await checkins.check_in_member(context.services, member.person, status, note)


def _households(context: Context, done: checkins.CheckedIn) -> str:
    """What the check-in did to the member's households, as a line to add to the answer."""
    effect = done.effect
    if effect.returned:
        return "\n" + context.t("coverage.notice.back_to_you", n=effect.returned)
    if effect.told:
        return "\n" + context.t("coverage.notice.secretaries_told", n=effect.households)
    return ""


def _confirmation(context: Context, outcome: checkins.CheckinOutcome,
                  note: str | None = None) -> str:
    values = {"status": status_label(context, outcome.status),
              "branch": esc(outcome.branch_name), "day": outcome.day.isoformat()}
    if outcome.previous is None:
        text = context.t("checkin.recorded", **values)
    elif outcome.previous == outcome.status:
        text = context.t("checkin.unchanged", **values)
    else:
        text = context.t("checkin.replaced", old=status_label(context, outcome.previous),
                         **values)
    if note:
        text += "\n" + context.t("checkin.note_line", note=esc(note))
    return text


def _note_keyboard(context: Context) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        context.t("checkin.add_note"), callback_data=CheckinNote().pack())]])


async def checkin_button(update: Update, context: Context) -> None:
    """A status button: check in with one tap."""
    query = update.callback_query
    parsed = await pressed(update, context, Checkin)
    if query is None or parsed is None:
        return
    status, member = parsed.status, member_of(context.actor)
    if member is None:
        await not_a_member(update, context)
        return
    done = await _check_in(context, member, status)
    outcome, extra = done.outcome, _households(context, done)
    await query.answer(context.t("checkin.toast", status=status_label(context, status)))
    # A second tap on the same status leaves the receipt as it is (Telegram refuses an edit
    # that changes nothing).
    await edit(update, _confirmation(context, outcome) + extra, _note_keyboard(context))


@member_only(otherwise=ConversationHandler.END)
async def ask_note(update: Update, context: Context, member: Member) -> int:
    """The "add a note" button: ask for the note."""
    query = update.callback_query
    assert query is not None
    day = local_day(context.clock.now(), member.timezone)
    if not await checkins.checked_in(context.store, member.user_id, day):
        await query.answer(context.t("checkin.note_no_checkin"), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    await reply(update, context.t("checkin.note_ask", max=checkins.NOTE_MAX))
    return NOTE


async def save_note(update: Update, context: Context) -> int:
    """The note text: attach it to today's check-in."""
    message = update.effective_message
    actor = context.actor
    assert message is not None and message.text is not None and actor is not None
    note = message.text.strip()
    if utf16_len(note) > checkins.NOTE_MAX:
        await reply(update, context.t("checkin.note_too_long", length=utf16_len(note),
                                      max=checkins.NOTE_MAX))
        return NOTE
    if actor.person is None or not actor.person.timezone:
        await reply(update, context.t("checkin.not_member"))
        return ConversationHandler.END
    if not await checkins.add_note(context.services, actor.user_id, actor.person.timezone,
                                   note):
        await reply(update, context.t("checkin.note_no_checkin"))
        return ConversationHandler.END
    await reply(update, context.t("checkin.note_saved", note=esc(note)))
    return ConversationHandler.END


async def note_not_text(update: Update, context: Context) -> int:
    """Anything but text while a note is expected."""
    await reply(update, context.t("checkin.note_text_only"))
    return NOTE


async def cancel_note(update: Update, context: Context) -> int:
    """`/cancel` while a note is expected."""
    await reply(update, context.t("checkin.note_cancelled"))
    return ConversationHandler.END


@member_only()
async def me(update: Update, context: Context, member: Member) -> None:
    """`/me`: branch, role, today's status and check-in streak."""
    actor, person = member.actor, member.person
    today = local_day(context.clock.now(), member.timezone)
    mine = await checkins.my_day(context.store, person.id, today)
    current = mine.current
    role = "admin" if actor.is_admin and person.role != "secretary" else person.role
    lines = [context.t("me.card", name=esc(person.display_name), branch=esc(person.branch_name),
                       role=esc(await branches.role_title(context.store, person.branch_id,
                                                          role, context.language)),
                       day=today.isoformat(),
                       status=status_label(context, current.status if current else None),
                       streak=mine.streak)]
    if current and current.note:
        lines.append(context.t("checkin.note_line", note=esc(current.note)))
    summary = await week_summary(context)
    if summary:
        lines.append(summary)
    markup = None if current else status_keyboard(context)
    await reply(update, "\n".join(lines), markup)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module (the note conversation comes before the status buttons)."""
    with warnings.catch_warnings():
        # The conversation starts from a button but continues by text in the same chat,
        # so it is tracked per chat and user, not per message; PTB warns about exactly that.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        note = ConversationHandler(
            entry_points=[CallbackQueryHandler(ask_note, pattern=CheckinNote.pattern())],
            states={NOTE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, save_note),
                CommandHandler("cancel", cancel_note),
                MessageHandler(~filters.COMMAND, note_not_text),
            ]},
            fallbacks=[CommandHandler("cancel", cancel_note)],
            conversation_timeout=600,
            name="checkin_note",
        )
    private = filters.ChatType.PRIVATE
    return [
        note,
        CommandHandler("checkin", checkin_command, filters=private),
        CallbackQueryHandler(checkin_button, pattern=Checkin.pattern()),
        CommandHandler("me", me, filters=private),
    ]
