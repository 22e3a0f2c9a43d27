"""`/assign`'s assignee picker: the roster in pages, a search by name, teams, and the summary
shown before Assign."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.rules import naming, tasks
from bot.rules import teams as team_rules
from bot.rules.callbacks import AssignPick, AssignStep
from bot.rules.tasks import Draft
from bot.text import cut, isolate
from handlers.core.context import Context
from handlers.core.replies import edit as edit_message
from handlers.core.replies import esc, reply
from handlers.tasks.keyboards import (
    CONFIRM,
    DRAFTS,
    NAME_SHOWN,
    NAMES_SHOWN,
    PAGE,
    PEOPLE,
    TEAMS_SHOWN,
    button,
    step,
)

_FOUND = "assign_found"  # user_data: (the search, the members it found, best first)
SEARCH_MAX = 500  # members a search lists


def _shown(context: Context, draft: Draft) -> list[int]:
    if not draft.search:
        return list(draft.names)
    assert context.user_data is not None
    search, found = context.user_data.get(_FOUND, ("", []))
    return [m for m in found if m in draft.names] if search == draft.search else []


def _label(context: Context, draft: Draft, member_id: int) -> str:
    mark = draft.marks.get(member_id)
    suffix = " " + context.t(f"assign.mark_{mark}") if mark else ""
    return isolate(cut(draft.names.get(member_id, str(member_id)), NAME_SHOWN)) + suffix


async def show_people(update: Update, context: Context, draft: Draft, *, edit: bool) -> None:
    shown = _shown(context, draft)
    pages = max(1, -(-len(shown) // PAGE))
    draft.page = min(draft.page, pages - 1)
    rows = [[button(context, "assign.member_on" if m in draft.selected else "assign.member_off",
                     AssignPick("m", m), name=_label(context, draft, m))]
            for m in shown[draft.page * PAGE:(draft.page + 1) * PAGE]]
    nav = []
    if draft.page > 0:
        nav.append(button(context, "assign.button_prev", AssignPick("pg", draft.page - 1)))
    if draft.page < pages - 1:
        nav.append(button(context, "assign.button_next_page", AssignPick("pg", draft.page + 1)))
    if draft.search:
        nav.append(step(context, "assign.button_all", "all"))
    if nav:
        rows.append(nav)
    teams = [team for team in await team_rules.in_subtree(context.store, draft.branch_id)
             if team.members]
    if draft.search:  # a search finds teams by name too
        wanted = draft.search.casefold()
        teams = [team for team in teams if wanted in team.name.casefold()]
    for team in teams[:TEAMS_SHOWN]:
        rows.append([button(context, "assign.button_team", AssignPick("team", team.id),
                             team=team.name, n=len(team.members))])
    rows.append([step(context, "assign.button_ok", "ok", n=len(draft.selected)),
                 step(context, "assign.button_cancel", "cancel")])
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
    pick, step = AssignPick.parse(query.data), AssignStep.parse(query.data)
    kind, value = (pick.kind, pick.value) if pick else (step.step if step else "", 0)
    if kind == "m" and value in draft.names:
        member = value
        if member in draft.selected:
            draft.selected.remove(member)
        else:
            draft.selected.append(member)
        draft.team_id = None
    elif kind == "pg":
        draft.page = value
    elif kind == "all":
        draft.search, draft.page = None, 0
    elif kind == "team":
        team = await team_rules.in_subtree_by_id(context.store, draft.branch_id, value)
        members = [m.member_id for m in team.members if m.member_id in draft.names] if team else []
        if team is None or not members:
            await query.answer(context.t("assign.team_empty"), show_alert=True)
            return PEOPLE
        draft.selected, draft.team_id = members, team.id
        await query.answer()
        return await summary(update, context, draft)
    elif kind == "ok":
        if not draft.selected:
            await query.answer(context.t("assign.nobody_chosen"), show_alert=True)
            return PEOPLE
        await query.answer()
        return await summary(update, context, draft)
    else:
        return await DRAFTS.lost(update, context)
    await query.answer()
    await show_people(update, context, draft, edit=True)
    return PEOPLE


async def search(update: Update, context: Context) -> int:
    """Text while choosing people: search the subtree's members as every command names
    them (`bot.rules.naming`: a name or part of it, @username, phone or id)."""
    message, draft = update.effective_message, DRAFTS.get(context)
    assert message is not None and message.text is not None
    if draft is None:
        return await DRAFTS.lost(update, context)
    draft.search, draft.page = message.text.strip()[:40] or None, 0
    if draft.search:
        found = await naming.search(context.store, draft.branch_id, draft.search, SEARCH_MAX)
        assert context.user_data is not None
        context.user_data[_FOUND] = (draft.search, [m.member_id for m in found])
    await show_people(update, context, draft, edit=False)
    return PEOPLE


async def summary(update: Update, context: Context, draft: Draft) -> int:
    assert draft.title is not None
    names = context.t("list.separator").join(esc(cut(_label(context, draft, m), NAME_SHOWN))
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
    markup = InlineKeyboardMarkup([[step(context, "assign.button_send", "send"),
                                    step(context, "assign.button_cancel", "cancel")]])
    await edit_message(update, "\n".join(lines), markup)
    return CONFIRM
