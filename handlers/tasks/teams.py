"""`/team`: a secretary lists the teams of their subtree (each with its first members;
`/team NAME` lists all of one team's members), creates and deletes teams, and adds or removes
members (by @username, Telegram id or name, within the team's subtree)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.rules.tasks import TEAM_NAME_MAX
from bot.text import cut
from handlers.core import pages
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, reply, say, utf16_len
from storage.rows import RosterRow
from storage.teams import Team

ADD, REMOVE, DELETE = ("add", "添加"), ("remove", "移除"), ("delete", "删除")
NAMES_SHOWN = 10  # members named per team in the list of teams
NAME_SHOWN = 32  # characters of a name there


def find_member(rows: list[RosterRow], who: str) -> list[RosterRow]:
    """The roster rows that `who` names: `@username`, a Telegram id, or a (first) name."""
    who = who.strip()
    if who.startswith("@"):
        name = who[1:].lower()
        return [r for r in rows if r.username and r.username.lower() == name]
    if who.isascii() and who.isdigit():
        return [r for r in rows if r.member_id == int(who)]
    wanted = who.casefold()
    exact = [r for r in rows if r.name.casefold() == wanted]
    return exact or [r for r in rows if r.name.casefold().split(" ")[0] == wanted]


def _team(teams: list[Team], name: str, home: int) -> Team | None:
    found = [t for t in teams if t.name.casefold() == name.casefold()]
    found.sort(key=lambda t: t.branch_id != home)  # the secretary's own branch first
    return found[0] if found else None


def _names(context: Context, team: Team) -> str:
    """The first members of a team by name, and how many more (the whole list: /team NAME)."""
    names = ", ".join(esc(cut(m.name, NAME_SHOWN)) for m in team.members[:NAMES_SHOWN])
    if len(team.members) > NAMES_SHOWN:
        names += " " + context.t("team.more", n=len(team.members) - NAMES_SHOWN)
    return names or context.t("team.empty")


@pages.view("teams")
async def teams_view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """The teams of a branch's subtree, each with its first members."""
    branch = await scope(update, context, "team", argument or None)
    if branch is None:
        return None
    teams = await context.store.teams.in_subtree(branch.id)
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
    found = next((t for t in await context.store.teams.in_subtree(branch.id)
                  if str(t.id) == argument), None)
    if found is None:  # deleted meanwhile, or not in the presser's subtree (forged)
        await say(update, context.t("button.stale"))
        return None
    lines = [context.t("team.members_header", team=esc(found.name),
                       branch=esc(found.branch_name), n=len(found.members))]
    lines.extend(f"• {esc(m.name)}" + (f" @{esc(m.username)}" if m.username else "")
                 for m in found.members)
    if not found.members:
        lines.append(context.t("team.empty"))
    return pages.Page("\n".join(lines), str(found.id))


async def team(update: Update, context: Context) -> None:
    """`/team`, `/team add NAME`, `/team NAME add|remove MEMBER`, `/team NAME delete`."""
    branch = await scope(update, context, "team")
    if branch is None:
        return
    actor = context.me
    store, now = context.store, context.clock.now()
    args = context.args or []
    teams = await store.teams.in_subtree(branch.id)
    if not args:
        await pages.send(update, context, "teams", await teams_view(update, context,
                                                                     str(branch.id)))
        return
    if args[0].lower() in ADD and len(args) > 1:
        name = " ".join(args[1:])
        if utf16_len(name) > TEAM_NAME_MAX:
            await reply(update, context.t("team.name_too_long", max=TEAM_NAME_MAX))
            return
        team_id = await store.teams.create(branch.id, name, created_by=actor.user_id, at=now)
        if team_id is None:
            await reply(update, context.t("team.exists", team=esc(name), branch=esc(branch.name)))
            return
        await store.audit.record(actor.user_id, "team_create", branch_id=branch.id, allowed=True,
                                 detail={"team": team_id}, at=now)
        await reply(update, context.t("team.created", team=esc(name), branch=esc(branch.name)))
        return
    at = next((i for i, a in enumerate(args) if i > 0 and a.lower() in ADD + REMOVE + DELETE),
              None)
    if at is None:
        shown = _team(teams, " ".join(args), branch.id)
        if shown is None:
            await reply(update, context.t("team.usage"))
            return
        await pages.send(update, context, "team", await team_view(update, context,
                                                                  str(shown.id)))
        return
    name, action, rest = " ".join(args[:at]), args[at].lower(), " ".join(args[at + 1:])
    found = _team(teams, name, branch.id)
    if found is None:
        await reply(update, context.t("team.unknown", team=esc(name), branch=esc(branch.name)))
        return
    if action in DELETE:
        await store.teams.delete(found.id)
        await store.audit.record(actor.user_id, "team_delete", branch_id=found.branch_id,
                                 allowed=True,
                                 detail={"team": found.id}, at=now)
        await reply(update, context.t("team.deleted", team=esc(found.name)))
        return
    if not rest:
        await reply(update, context.t("team.usage"))
        return
    matches = find_member(await store.rollup.roster(found.branch_id, {}), rest)
    if not matches:
        await reply(update, context.t("team.no_member", who=esc(rest[:40]),
                                      branch=esc(found.branch_name)))
        return
    if len(matches) > 1:
        names = ", ".join(f"{esc(m.name)} ({m.member_id})" for m in matches[:10])
        await reply(update, context.t("team.ambiguous", who=esc(rest[:40]), names=names))
        return
    member = matches[0]
    if action in ADD:
        changed = await store.teams.add_member(found.id, member.member_id, at=now)
        key = "team.added" if changed else "team.already_in"
    else:
        changed = await store.teams.remove_member(found.id, member.member_id)
        key = "team.removed" if changed else "team.not_in"
    if changed:
        await store.audit.record(actor.user_id, f"team_{'add' if action in ADD else 'remove'}",
                                 branch_id=found.branch_id, allowed=True,
                                 detail={"team": found.id, "member": member.member_id}, at=now)
    await reply(update, context.t(key, team=esc(found.name), name=esc(member.name)))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [CommandHandler("team", team, filters=filters.ChatType.PRIVATE)]
