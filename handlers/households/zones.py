"""`/zone add|list|rename|remove` (secretaries) and `/households` (members and secretaries).

Zone names may hold spaces (an import creates "Building 3"): the arguments are read from the
message's text as words, a quoted name ("…", “…” or 「…」) being one word. `add` and `remove`
take the rest of the line as the name; `rename` takes two words, or `OLD -> NEW` / `OLD → NEW`
with the arrow between spaces. A trailing `#ID` still chooses the branch.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.rules import lookup, visits
from bot.rules import zones as zone_rules
from bot.rules.access import may_lead
from bot.rules.households import command_words
from handlers.core import pages
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, refuse, reply, reply_lines, say, utf16_len
from handlers.households import household as one_household
from storage.households import Household

NAME_MAX = 40


ARROWS = ("->", "→")


def _words(update: Update) -> list[str] | None:
    """The command's arguments as words (quoted names kept whole); None on an open quote."""
    return command_words(one_household.arguments(update))


def _names(action: str, words: list[str]) -> list[str] | None:
    """The names an action takes from the words after it, or None if they do not fit."""
    if action == "list":
        return [] if not words else None
    if action in ("add", "remove"):
        name = " ".join(words).strip()
        return [name] if name else None
    if action != "rename":
        return None
    arrows = [i for i, word in enumerate(words) if word in ARROWS]
    if len(arrows) == 1:
        old, new = " ".join(words[:arrows[0]]), " ".join(words[arrows[0] + 1:])
        pair = [old.strip(), new.strip()]
    else:
        pair = words if not arrows and len(words) == 2 else []
    return pair if len(pair) == 2 and all(name.strip() for name in pair) else None


def _split_branch(args: list[str]) -> tuple[list[str], str | None]:
    """The arguments without a trailing `#ID`, and that branch argument if given."""
    if args and args[-1].startswith("#"):
        return args[:-1], args[-1]
    return args, None


async def _good_name(update: Update, context: Context, name: str) -> bool:
    if utf16_len(name) > NAME_MAX:
        await reply(update, context.t("zone.name_too_long", max=NAME_MAX))
        return False
    return True


async def zone(update: Update, context: Context) -> None:
    """`/zone add NAME`, `/zone list`, `/zone rename OLD NEW`, `/zone remove NAME` [#BRANCH]."""
    words = _words(update)
    args, branch_arg = _split_branch(words or [])
    branch = await scope(update, context, "zone", branch_arg)
    if branch is None:
        return
    action = args[0].lower() if args else "list"
    names = _names(action, args[1:]) if words is not None else None
    if names is None:
        await reply(update, context.t("zone.usage"))
        return
    store, t, actor_id = context.store, context.t, context.me.user_id
    if action == "list":
        zones = await zone_rules.of_branch(store, branch.id)
        if not zones:
            await reply(update, t("zone.list_empty", branch=esc(branch.name)))
            return
        lines = [t("zone.list_header", branch=esc(branch.name), n=len(zones))]
        lines.extend(t("zone.list_line", name=esc(z.name), households=z.households)
                     for z in zones)
        await reply_lines(update, lines)
        return
    if action == "add":
        name = names[0]
        if not await _good_name(update, context, name):
            return
        if not await zone_rules.add_zone(context.services, actor_id, branch.id, name):
            await reply(update, t("zone.exists", name=esc(name), branch=esc(branch.name)))
            return
        await reply(update, t("zone.added", name=esc(name), branch=esc(branch.name)))
        return
    found = await zone_rules.named(store, branch.id, names[0])
    if found is None:
        await reply(update, t("zone.unknown", name=esc(names[0][:NAME_MAX]),
                              branch=esc(branch.name)))
        return
    if action == "rename":
        new = names[1]
        if not await _good_name(update, context, new):
            return
        if not await zone_rules.rename_zone(context.services, actor_id, found, new):
            await reply(update, t("zone.exists", name=esc(new), branch=esc(branch.name)))
            return
        await reply(update, t("zone.renamed", old=esc(found.name), new=esc(new)))
        return
    left = await zone_rules.remove_zone(context.services, actor_id, found)
    if left is not None:
        await reply(update, t("zone.not_empty", name=esc(found.name), n=left))
        return
    await reply(update, t("zone.removed", name=esc(found.name)))


def _household_lines(context: Context, household: Household, who: str) -> list[str]:
    t = context.t
    lines = [t("zone.households.line", label=esc(household.label),
               people=household.people, who=who)]
    if household.address:
        lines.append(t("zone.households.address", address=esc(household.address)))
    if household.notes:
        lines.append(t("zone.households.notes", notes=esc(household.notes)))
    return lines


@pages.view("homes")
async def own_view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """The presser's own households, grouped by zone, each with its latest contact."""
    actor = context.actor
    member = actor.person if actor is not None else None
    if member is None or member.branch_id is None:
        await say(update, context.t("checkin.not_member"))
        return None
    t, member_id, now = context.t, member.id, context.clock.now()
    timezone = member.timezone or context.config.defaults.timezone
    found = await zone_rules.held_by(context.store, member_id)
    if not found:
        return pages.Page(t("zone.households.none"), "")
    plan = {e.household.id: e for e in await visits.plan(context.store, member_id, timezone, now)}
    lines = [t("zone.households.own_header", n=len(found))]
    current: str | None = None
    for household in found:
        if household.zone != current:
            current = household.zone
            count = sum(1 for h in found if h.zone == current)
            lines.append(t("zone.households.zone_header", zone=esc(current), n=count))
        if household.responsible_id == member_id:
            who = t("zone.households.responsible")
        elif household.handed_to == member_id:
            who = t("zone.households.handed")
        else:
            who = t("zone.households.backup")
        more = _household_lines(context, household, who)
        entry = plan.get(household.id)
        if entry is not None:  # where to go: its latest contact, under its first line
            more.insert(1, t("visit.contact_line", contact=visits.last_contact(
                context.translate, context.language, entry, now, timezone)))
        lines.extend(more)
    return pages.Page("\n".join(lines), "")


@pages.view("zone")
async def zone_view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """A zone's households with who is responsible, for a secretary over its branch."""
    actor = context.actor
    zone_id = int(argument) if argument.isascii() and argument.isdigit() and \
        len(argument) <= 12 else 0
    found = await zone_rules.get(context.store, zone_id)
    branch = await lookup.branch(context.store, found.branch_id) if found else None
    if found is None or branch is None or actor is None:
        await say(update, context.t("button.stale"))
        return None
    if not await may_lead(context.store, actor, branch.id):
        await refuse(update, context, "deny.outside_scope", action="households",
                     branch_id=branch.id, branch=esc(branch.name))
        return None
    t = context.t
    rows = await zone_rules.households(context.store, found.id)
    if not rows:
        return pages.Page(t("zone.households.zone_empty", zone=esc(found.name)), str(found.id))
    lines = [t("zone.households.zone_header", zone=esc(found.name), n=len(rows))]
    for household, responsible in rows:
        who = (t("zone.households.by", name=esc(responsible)) if responsible
               else t("zone.households.nobody"))
        lines.extend(_household_lines(context, household, who))
    return pages.Page("\n".join(lines), str(found.id))


async def households(update: Update, context: Context) -> None:
    """`/households`: a member's own list; `/households ZONE [#BRANCH]`: a zone's (secretaries)."""
    actor = context.me
    words = _words(update)
    args, branch_arg = _split_branch(words if words is not None else list(context.args or []))
    t = context.t
    if not args and branch_arg is None and not actor.leads:
        person = actor.person
        if person is None or person.branch_id is None:
            await reply(update, t("checkin.not_member"))
            return
        await pages.show(update, context, "homes", "")
        return
    branch = await scope(update, context, "households", branch_arg)
    if branch is None:
        return
    store = context.store
    if not args:
        if actor.person is not None and await zone_rules.held_by(store, actor.person.id):
            await pages.show(update, context, "homes", "")
        zones = await zone_rules.of_branch(store, branch.id)
        if not zones:
            await reply(update, t("zone.list_empty", branch=esc(branch.name)))
            return
        lines = [t("zone.list_header", branch=esc(branch.name), n=len(zones))]
        lines.extend(t("zone.list_line", name=esc(z.name), households=z.households)
                     for z in zones)
        lines.append(t("zone.households.pick_zone"))
        await reply_lines(update, lines)
        return
    name = " ".join(args)
    found = await zone_rules.named(store, branch.id, name)
    if found is None:
        await reply(update, t("zone.unknown", name=esc(name[:NAME_MAX]), branch=esc(branch.name)))
        return
    await pages.show(update, context, "zone", str(found.id))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("zone", zone, filters=private),
        CommandHandler("households", households, filters=private),
    ]
