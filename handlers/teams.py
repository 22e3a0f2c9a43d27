"""`/team`: a secretary lists the teams of their subtree, creates and deletes teams, and
adds or removes members (by @username, Telegram id or name, within the team's subtree)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.tasks import TEAM_NAME_MAX
from handlers.common import esc, reply, reply_lines, utf16_len
from handlers.context import Context
from handlers.leaders import scope
from storage.rows import Branch, RosterRow
from storage.tasks import Team

ADD, REMOVE, DELETE = ("add", "添加"), ("remove", "移除"), ("delete", "删除")


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


async def _list(update: Update, context: Context, branch: Branch, teams: list[Team]) -> None:
    if not teams:
        await reply(update, context.t("team.none", branch=esc(branch.name)))
        return
    lines = [context.t("team.header", branch=esc(branch.name), n=len(teams))]
    for team in teams:
        members = ", ".join(esc(m.name) for m in team.members) or context.t("team.empty")
        lines.append(context.t("team.line", team=esc(team.name), branch=esc(team.branch_name),
                               n=len(team.members), members=members))
    await reply_lines(update, lines)


async def team(update: Update, context: Context) -> None:
    """`/team`, `/team add NAME`, `/team NAME add|remove MEMBER`, `/team NAME delete`."""
    branch = await scope(update, context, "team")
    if branch is None:
        return
    actor = context.actor
    assert actor is not None
    store, now = context.store, context.clock.now()
    args = context.args or []
    teams = await store.teams(branch.id)
    if not args:
        await _list(update, context, branch, teams)
        return
    if args[0].lower() in ADD and len(args) > 1:
        name = " ".join(args[1:])
        if utf16_len(name) > TEAM_NAME_MAX:
            await reply(update, context.t("team.name_too_long", max=TEAM_NAME_MAX))
            return
        team_id = await store.create_team(branch.id, name, created_by=actor.user_id, at=now)
        if team_id is None:
            await reply(update, context.t("team.exists", team=esc(name), branch=esc(branch.name)))
            return
        await store.audit(actor.user_id, "team_create", branch_id=branch.id, allowed=True,
                          detail={"team": team_id}, at=now)
        await reply(update, context.t("team.created", team=esc(name), branch=esc(branch.name)))
        return
    at = next((i for i, a in enumerate(args) if i > 0 and a.lower() in ADD + REMOVE + DELETE),
              None)
    if at is None:
        await reply(update, context.t("team.usage"))
        return
    name, action, rest = " ".join(args[:at]), args[at].lower(), " ".join(args[at + 1:])
    found = _team(teams, name, branch.id)
    if found is None:
        await reply(update, context.t("team.unknown", team=esc(name), branch=esc(branch.name)))
        return
    if action in DELETE:
        await store.delete_team(found.id)
        await store.audit(actor.user_id, "team_delete", branch_id=found.branch_id, allowed=True,
                          detail={"team": found.id}, at=now)
        await reply(update, context.t("team.deleted", team=esc(found.name)))
        return
    if not rest:
        await reply(update, context.t("team.usage"))
        return
    matches = find_member(await store.roster(found.branch_id, {}), rest)
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
        changed = await store.add_team_member(found.id, member.member_id, at=now)
        key = "team.added" if changed else "team.already_in"
    else:
        changed = await store.remove_team_member(found.id, member.member_id)
        key = "team.removed" if changed else "team.not_in"
    if changed:
        await store.audit(actor.user_id, f"team_{'add' if action in ADD else 'remove'}",
                          branch_id=found.branch_id, allowed=True,
                          detail={"team": found.id, "member": member.member_id}, at=now)
    await reply(update, context.t(key, team=esc(found.name), name=esc(member.name)))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [CommandHandler("team", team, filters=filters.ChatType.PRIVATE)]
