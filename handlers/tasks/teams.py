"""`/team`: a secretary lists the teams of their subtree (each with its first members;
`/team NAME` lists all of one team's members), creates and deletes teams, and adds or removes
members (by a name, @username, phone or Telegram id, within the team's subtree: several
members of that name are offered as buttons, `handlers.core.members`)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.rules import lookup
from bot.rules import teams as rules
from bot.rules.teams import TEAM_NAME_MAX, Membership
from bot.text import cut
from handlers.core import members, pages
from handlers.core.context import Context
from handlers.core.guards import named_member, scope
from handlers.core.replies import esc, reply, say, utf16_len
from storage.teams import Team

ADD, REMOVE, DELETE = ("add", "添加"), ("remove", "移除"), ("delete", "删除")
NAMES_SHOWN = 10  # members named per team in the list of teams
NAME_SHOWN = 32  # characters of a name there


def _names(context: Context, team: Team) -> str:
    """The first members of a team by name, and how many more (the whole list: /team NAME)."""
    names = context.t("list.separator").join(members.linked(esc(cut(m.name, NAME_SHOWN)),
                                                            m.member_id)
                                             for m in team.members[:NAMES_SHOWN])
    if len(team.members) > NAMES_SHOWN:
        names += " " + context.t("team.more", n=len(team.members) - NAMES_SHOWN)
    return names or context.t("team.empty")


@pages.view("teams")
async def teams_view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """The teams of a branch's subtree, each with its first members."""
    branch = await scope(update, context, "team", argument or None)
    if branch is None:
        return None
    teams = await rules.in_subtree(context.store, branch.id)
    if not teams:
        return pages.Page(context.t("team.none", branch=esc(branch.name)), str(branch.id))
    lines = [context.t("team.header", branch=esc(branch.name), n=len(teams))]
    lines.extend(context.t("team.line", team=esc(team.name), branch=esc(team.branch_name),
                           n=len(team.members), members=_names(context, team))
                 for team in teams)
    if any(len(team.members) > NAMES_SHOWN for team in teams):
        lines.append(context.t("team.all_members"))
    return pages.Page("\n".join(lines), str(branch.id))


@pages.view("team")
async def team_view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """Every member of one team of the secretary's subtree."""
    branch = await scope(update, context, "team")
    if branch is None:
        return None
    found = next((t for t in await rules.in_subtree(context.store, branch.id)
                  if str(t.id) == argument), None)
    if found is None:  # deleted meanwhile, or not in the presser's subtree (forged)
        await say(update, context.t("button.stale"))
        return None
    lines = [context.t("team.members_header", team=esc(found.name),
                       branch=esc(found.branch_name), n=len(found.members))]
    lines.extend(f"• {members.linked(esc(m.name), m.member_id)}"
                 + (f" @{esc(m.username)}" if m.username else "") for m in found.members)
    if not found.members:
        lines.append(context.t("team.empty"))
    return pages.Page("\n".join(lines), str(found.id))


@members.resumable("team")
async def team(update: Update, context: Context) -> None:
    """`/team`, `/team add NAME`, `/team NAME add|remove MEMBER`, `/team NAME delete`."""
    branch = await scope(update, context, "team")
    if branch is None:
        return
    actor = context.me
    args = members.words(update, context)
    teams = await rules.in_subtree(context.store, branch.id)
    if not args:
        await pages.send(update, context, "teams", await teams_view(update, context,
                                                                     str(branch.id)))
        return
    if args[0].lower() in ADD and len(args) > 1:
        name = " ".join(args[1:])
        if utf16_len(name) > TEAM_NAME_MAX:
            await reply(update, context.t("team.name_too_long", max=TEAM_NAME_MAX))
            return
        if await rules.create_team(context.services, by=actor.user_id, branch_id=branch.id,
                                   name=name) is None:
            await reply(update, context.t("team.exists", team=esc(name), branch=esc(branch.name)))
            return
        await reply(update, context.t("team.created", team=esc(name), branch=esc(branch.name)))
        return
    at = next((i for i, a in enumerate(args) if i > 0 and a.lower() in ADD + REMOVE + DELETE),
              None)
    if at is None:
        shown = rules.named(teams, " ".join(args), branch.id)
        if shown is None:
            await reply(update, context.t("team.usage"))
            return
        await pages.send(update, context, "team", await team_view(update, context,
                                                                  str(shown.id)))
        return
    name, action, rest = " ".join(args[:at]), args[at].lower(), " ".join(args[at + 1:])
    found = rules.named(teams, name, branch.id)
    if found is None:
        await reply(update, context.t("team.unknown", team=esc(name), branch=esc(branch.name)))
        return
    if action in DELETE:
        await rules.delete_team(context.services, by=actor.user_id, team=found)
        await reply(update, context.t("team.deleted", team=esc(found.name)))
        return
    if not rest:
        await reply(update, context.t("team.usage"))
        return
    within = await lookup.branch(context.store, found.branch_id)
    if within is None:  # deleted meanwhile
        await reply(update, context.t("team.unknown", team=esc(name), branch=esc(branch.name)))
        return
    match = await named_member(update, context, "team", rest, within=within)
    if match is None:
        return
    change = await rules.change_membership(context.services, by=actor.user_id, team=found,
                                           who=match, add=action in ADD)
    if change.outcome is Membership.NO_MEMBER:
        await reply(update, context.t("team.no_member", who=esc(rest[:40]),
                                      branch=esc(found.branch_name)))
        return
    member = change.matches[0]
    await reply(update, context.t(f"team.{change.outcome}", team=esc(found.name),
                                  name=esc(member.name)))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [CommandHandler("team", team, filters=filters.ChatType.PRIVATE)]
