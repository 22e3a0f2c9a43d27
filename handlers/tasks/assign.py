"""`/assign`: title, details, due time, assignees (roster pages, search, or a team), confirm.

Also entered from a need's Assign button (`asg:need:<id>`), with the need linked and the
title prefilled. The draft lives in `user_data`; nothing is written until Assign, which
checks the secretary's rights and the assignees against the database again.
"""

from __future__ import annotations

import re
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

from bot.clock import OutOfRange
from bot.rules import checkins, tasks
from bot.rules.access import may_lead
from bot.rules.tasks import Draft
from bot.rules.vocab import CARE
from bot.text import cut
from handlers.core.context import Context
from handlers.core.drafts import Drafts, stay
from handlers.core.guards import scope
from handlers.core.replies import edit as edit_message
from handlers.core.replies import esc, refuse, reply, utf16_len
from storage.rows import Branch

TITLE, DETAILS, DUE, PEOPLE, CONFIRM = range(5)  # conversation states
DRAFT_KEY = "assign_draft"
DRAFTS = Drafts(DRAFT_KEY, Draft, "assign.cancelled")
PREFIX = "asg"
PAGE = 8  # members per page of the picker
TEAMS_SHOWN = 10  # team buttons under it (a search finds the others): 8 + 10 + 3 buttons
NAMES_SHOWN = 20  # assignees named in the summary
NAME_SHOWN = 40  # characters of a name on a button or in the summary
_NEED = re.compile(rf"^{PREFIX}:need:(\d{{1,12}})$")


def _button(context: Context, key: str, data: str, **values: Any) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t(key, **values), callback_data=f"{PREFIX}:{data}")


async def _begin(update: Update, context: Context, branch: Branch) -> Draft:
    DRAFTS.drop(context)
    actor = context.actor
    assert actor is not None and context.user_data is not None
    name = actor.person.display_name if actor.person else str(actor.user_id)
    draft = Draft(branch.id, branch.name, branch.timezone, name)
    DRAFTS.put(context, draft)
    return draft


async def start(update: Update, context: Context) -> int:
    """`/assign [BRANCH_ID]`: a secretary starts a task; ask for its title."""
    args = context.args or []
    branch = await scope(update, context, "assign", args[0] if args else None)
    if branch is None:
        return ConversationHandler.END
    await _begin(update, context, branch)
    await reply(update, context.t("assign.ask_title", branch=esc(branch.name),
                                  max=tasks.TITLE_MAX))
    return TITLE


async def from_need(update: Update, context: Context) -> int:
    """A need's Assign button: start with the need linked and the title prefilled."""
    query = update.callback_query
    assert query is not None and query.data is not None
    match = _NEED.match(query.data)
    need = await context.store.needs.get(int(match.group(1))) if match else None
    if need is None:
        await query.answer(context.t("button.stale"), show_alert=True)
        return ConversationHandler.END
    actor = context.actor
    assert actor is not None
    branch = await context.store.branches.get(need.branch_id)
    if branch is None or not await may_lead(context.store, actor, need.branch_id):
        await refuse(update, context, "deny.outside_scope", action="assign",
                     branch_id=need.branch_id, branch=esc(branch.name if branch else ""))
        return ConversationHandler.END
    if need.status in ("resolved", "cancelled"):
        await query.answer(context.t("assign.need_closed", id=need.id), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    draft = await _begin(update, context, branch)
    draft.need_id = need.id
    draft.title = tasks.title_from_need(context.t(f"assign.category_{need.category}"),
                                        need.details)
    await reply(update, context.t("assign.ask_title_need", id=need.id, title=esc(draft.title),
                                  max=tasks.TITLE_MAX),
                InlineKeyboardMarkup([[_button(context, "assign.button_keep", "keep")]]))
    return TITLE


async def got_title(update: Update, context: Context) -> int:
    """The title: 1 to 100 characters."""
    message, draft = update.effective_message, DRAFTS.get(context)
    assert message is not None and message.text is not None
    if draft is None:
        return await DRAFTS.lost(update, context)
    title = " ".join(message.text.split())
    if not title or utf16_len(title) > tasks.TITLE_MAX:
        await reply(update, context.t("assign.title_bad", length=utf16_len(title),
                                      max=tasks.TITLE_MAX))
        return TITLE
    draft.title = title
    return await _ask_details(update, context)


async def keep_title(update: Update, context: Context) -> int:
    """Keep the title prefilled from the need."""
    query, draft = update.callback_query, DRAFTS.get(context)
    assert query is not None
    if draft is None or draft.title is None:
        return await DRAFTS.lost(update, context)
    await query.answer()
    return await _ask_details(update, context)


async def _ask_details(update: Update, context: Context) -> int:
    await reply(update, context.t("assign.ask_details", max=tasks.DETAILS_MAX),
                InlineKeyboardMarkup([[_button(context, "assign.button_skip", "skip")]]))
    return DETAILS


async def got_details(update: Update, context: Context) -> int:
    """The details (or Skip)."""
    message, draft = update.effective_message, DRAFTS.get(context)
    assert message is not None
    if draft is None:
        return await DRAFTS.lost(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
        draft.details = None
    else:
        text = (message.text or "").strip()
        if not text or utf16_len(text) > tasks.DETAILS_MAX:
            await reply(update, context.t("assign.details_bad", length=utf16_len(text),
                                          max=tasks.DETAILS_MAX))
            return DETAILS
        draft.details = text
    await reply(update, context.t("assign.ask_due", timezone=esc(draft.timezone)),
                InlineKeyboardMarkup([[_button(context, "assign.button_skip", "skip")]]))
    return DUE


async def got_due(update: Update, context: Context) -> int:
    """The due time in the branch's timezone (or Skip)."""
    message, draft = update.effective_message, DRAFTS.get(context)
    assert message is not None
    if draft is None:
        return await DRAFTS.lost(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
        draft.due_at = None
    else:
        try:
            draft.due_at = tasks.parse_due(message.text or "", context.clock.now(),
                                           draft.timezone)
        except OutOfRange as wrong:
            await reply(update, context.t(
                "assign.due_out_of_range", value=esc(cut(wrong.text, 40)),
                first=wrong.first.isoformat(), last=wrong.last.isoformat(),
                timezone=esc(draft.timezone)))
            return DUE
        except ValueError:
            await reply(update, context.t("assign.due_bad", value=esc((message.text or "")[:40]),
                                          timezone=esc(draft.timezone)))
            return DUE
    now = context.clock.now()
    status = await checkins.subtree_status(context.store, draft.branch_id, now)
    draft.names = {m.member_id: m.name for b in status.branches for m in b.members}
    draft.marks = {m.member_id: m.status for b in status.branches for m in b.members
                   if m.status in CARE}
    draft.selected, draft.page, draft.search = [], 0, None
    await _show_people(update, context, draft, edit=False)
    return PEOPLE


def _shown(draft: Draft) -> list[int]:
    if not draft.search:
        return list(draft.names)
    wanted = draft.search.casefold()
    return [m for m, name in draft.names.items() if wanted in name.casefold()]


def _label(context: Context, draft: Draft, member_id: int) -> str:
    mark = draft.marks.get(member_id)
    suffix = " " + context.t(f"assign.mark_{mark}") if mark else ""
    return cut(draft.names.get(member_id, str(member_id)), NAME_SHOWN) + suffix


async def _show_people(update: Update, context: Context, draft: Draft, *, edit: bool) -> None:
    shown = _shown(draft)
    pages = max(1, -(-len(shown) // PAGE))
    draft.page = min(draft.page, pages - 1)
    rows = [[_button(context, "assign.member_on" if m in draft.selected else "assign.member_off",
                     f"m:{m}", name=_label(context, draft, m))]
            for m in shown[draft.page * PAGE:(draft.page + 1) * PAGE]]
    nav = []
    if draft.page > 0:
        nav.append(_button(context, "assign.button_prev", f"pg:{draft.page - 1}"))
    if draft.page < pages - 1:
        nav.append(_button(context, "assign.button_next_page", f"pg:{draft.page + 1}"))
    if draft.search:
        nav.append(_button(context, "assign.button_all", "all"))
    if nav:
        rows.append(nav)
    teams = [team for team in await context.store.teams.in_subtree(draft.branch_id)
             if team.members]
    if draft.search:  # a search finds teams by name too
        wanted = draft.search.casefold()
        teams = [team for team in teams if wanted in team.name.casefold()]
    for team in teams[:TEAMS_SHOWN]:
        rows.append([_button(context, "assign.button_team", f"team:{team.id}",
                             team=team.name, n=len(team.members))])
    rows.append([_button(context, "assign.button_ok", "ok", n=len(draft.selected)),
                 _button(context, "assign.button_cancel", "cancel")])
    key = "assign.ask_people_search" if draft.search else "assign.ask_people"
    text = context.t(key, page=draft.page + 1, pages=pages, n=len(shown),
                     search=esc(draft.search or ""))
    if len(teams) > TEAMS_SHOWN:
        text += "\n" + context.t("assign.more_teams", n=len(teams) - TEAMS_SHOWN)
    if draft.marks:
        text += "\n" + context.t("assign.marks_legend")
    markup = InlineKeyboardMarkup(rows)
    if edit and update.callback_query is not None:
        await edit_message(update, text, markup)
    else:
        await reply(update, text, markup)


async def people_button(update: Update, context: Context) -> int:
    """A roster button: toggle a member, turn a page, show all, take a team, or go on."""
    query, draft = update.callback_query, DRAFTS.get(context)
    assert query is not None and query.data is not None
    if draft is None:
        return await DRAFTS.lost(update, context)
    kind, _, value = query.data.removeprefix(f"{PREFIX}:").partition(":")
    if kind == "m" and value.isdigit() and int(value) in draft.names:
        member = int(value)
        if member in draft.selected:
            draft.selected.remove(member)
        else:
            draft.selected.append(member)
        draft.team_id = None
    elif kind == "pg" and value.isdigit():
        draft.page = int(value)
    elif kind == "all":
        draft.search, draft.page = None, 0
    elif kind == "team" and value.isdigit():
        team = next((t for t in await context.store.teams.in_subtree(draft.branch_id)
                     if t.id == int(value)), None)
        members = [m.member_id for m in team.members if m.member_id in draft.names] if team else []
        if team is None or not members:
            await query.answer(context.t("assign.team_empty"), show_alert=True)
            return PEOPLE
        draft.selected, draft.team_id = members, team.id
        await query.answer()
        return await _summary(update, context, draft)
    elif kind == "ok":
        if not draft.selected:
            await query.answer(context.t("assign.nobody_chosen"), show_alert=True)
            return PEOPLE
        await query.answer()
        return await _summary(update, context, draft)
    else:
        return await DRAFTS.lost(update, context)
    await query.answer()
    await _show_people(update, context, draft, edit=True)
    return PEOPLE


async def search(update: Update, context: Context) -> int:
    """Text while choosing people: search the roster by part of a name."""
    message, draft = update.effective_message, DRAFTS.get(context)
    assert message is not None and message.text is not None
    if draft is None:
        return await DRAFTS.lost(update, context)
    draft.search, draft.page = message.text.strip()[:40] or None, 0
    await _show_people(update, context, draft, edit=False)
    return PEOPLE


async def _summary(update: Update, context: Context, draft: Draft) -> int:
    assert draft.title is not None
    names = ", ".join(esc(cut(_label(context, draft, m), NAME_SHOWN))
                      for m in draft.selected[:NAMES_SHOWN])
    if len(draft.selected) > NAMES_SHOWN:
        names += " " + context.t("assign.more_names", n=len(draft.selected) - NAMES_SHOWN)
    lines = [context.t("assign.summary", branch=esc(draft.branch_name), title=esc(draft.title),
                       n=len(draft.selected), names=names)]
    if draft.details:
        lines.append(esc(draft.details))
    due = tasks.format_due(draft.due_at, draft.timezone)
    lines.append(context.t("task.due", due=due) if due else context.t("task.no_due"))
    if draft.need_id is not None:
        lines.append(context.t("assign.for_need", id=draft.need_id))
    markup = InlineKeyboardMarkup([[_button(context, "assign.button_send", "send"),
                                    _button(context, "assign.button_cancel", "cancel")]])
    await edit_message(update, "\n".join(lines), markup)
    return CONFIRM


async def send(update: Update, context: Context) -> int:
    """Assign: check rights and assignees again, write the task, queue the copies."""
    query, draft = update.callback_query, DRAFTS.get(context)
    assert query is not None
    if draft is None:
        return await DRAFTS.lost(update, context)
    DRAFTS.drop(context)
    actor = context.actor
    assert actor is not None
    store, now = context.store, context.clock.now()
    if not await may_lead(store, actor, draft.branch_id):
        await refuse(update, context, "deny.outside_scope", action="assign",
                     branch_id=draft.branch_id, branch=esc(draft.branch_name))
        return ConversationHandler.END
    members = {r.member_id for r in await store.rollup.roster(draft.branch_id, {})}
    assignees = [m for m in draft.selected if m in members]
    await query.answer()
    if not assignees:
        await query.edit_message_text(context.t("assign.nobody_left"))
        return ConversationHandler.END
    task_id = await tasks.create(store, context.translate, draft, by=actor.user_id,
                                 assignees=assignees, now=now)
    await query.edit_message_text(context.t("assign.done", id=task_id, n=len(assignees),
                                            title=esc(draft.title or "")))
    context.services.wake_outbox()
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module: the `/assign` conversation."""
    private = filters.ChatType.PRIVATE
    cancel_button = DRAFTS.cancel_button
    text = private & filters.TEXT & ~filters.COMMAND
    other = private & ~filters.COMMAND

    with warnings.catch_warnings():
        # The conversation mixes messages and buttons in one private chat, so it is tracked
        # per chat and user, not per message; PTB warns about exactly that.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        conversation = ConversationHandler(
            entry_points=[CommandHandler("assign", start, filters=private),
                          CallbackQueryHandler(from_need, pattern=_NEED.pattern)],
            states={
                TITLE: [MessageHandler(text, got_title),
                        CallbackQueryHandler(keep_title, pattern=rf"^{PREFIX}:keep$"),
                        MessageHandler(other, stay("assign.text_only", TITLE))],
                DETAILS: [MessageHandler(text, got_details),
                          CallbackQueryHandler(got_details, pattern=rf"^{PREFIX}:skip$"),
                          MessageHandler(other, stay("assign.text_only", DETAILS))],
                DUE: [MessageHandler(text, got_due),
                      CallbackQueryHandler(got_due, pattern=rf"^{PREFIX}:skip$"),
                      MessageHandler(other, stay("assign.text_only", DUE))],
                PEOPLE: [CallbackQueryHandler(cancel_button, pattern=rf"^{PREFIX}:cancel$"),
                         CallbackQueryHandler(
                             people_button, pattern=rf"^{PREFIX}:(m|pg|team):\d{{1,12}}$"),
                         CallbackQueryHandler(people_button, pattern=rf"^{PREFIX}:(ok|all)$"),
                         MessageHandler(text, search),
                         MessageHandler(other, stay("assign.use_buttons", PEOPLE))],
                CONFIRM: [CallbackQueryHandler(send, pattern=rf"^{PREFIX}:send$"),
                          CallbackQueryHandler(cancel_button, pattern=rf"^{PREFIX}:cancel$"),
                          MessageHandler(other, stay("assign.use_buttons", CONFIRM))],
            },
            fallbacks=[CommandHandler("cancel", DRAFTS.cancel, filters=private)],
            allow_reentry=True,
            conversation_timeout=1800,
            name="assign",
        )
    return [conversation]
