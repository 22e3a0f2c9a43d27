"""`/household add|remove` (secretaries): one household typed in chat, by the import's rules."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.rules import lookup
from bot.rules.households import split_fields
from bot.rules.households.cases import add_household, remove_household
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, reply, reply_lines
from storage.households import Household
from storage.rows import Branch

COMMAND = "household"
# A trailing `#ID` after a space chooses the branch, as for the other secretaries' commands.
_BRANCH = re.compile(r"(?:^|\s)(#\S+)\s*$")


def arguments(update: Update) -> str:
    """The text after the command word (`/cmd` or `/cmd@bot`), spaces kept, ends stripped."""
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=1) if message is not None else []
    return parts[1].strip() if len(parts) > 1 else ""


def split_branch(text: str) -> tuple[str, str | None]:
    """The text without a trailing `#ID`, and that branch argument if given."""
    match = _BRANCH.search(text)
    if match is None:
        return text, None
    return text[:match.start()].strip(), match.group(1)


async def _who(context: Context, member_id: int | None) -> str:
    """A member as shown in an answer: their name and @username, escaped."""
    if member_id is None:
        return context.t("zone.households.nobody")
    person = await lookup.person(context.store, member_id)
    if person is None:
        return f"#{member_id}"
    name = esc(person.display_name)
    return f"{name} (@{esc(person.username)})" if person.username else name


async def _lines(context: Context, household: Household) -> list[str]:
    """The household as the answers show it: zone, label, people, members, address, notes."""
    t = context.t
    lines = [t("household.line", zone=esc(household.zone), label=esc(household.label),
               people=household.people),
             t("household.responsible", name=await _who(context, household.responsible_id))]
    if household.backup_id is not None:
        lines.append(t("household.backup", name=await _who(context, household.backup_id)))
    if household.address:
        lines.append(t("zone.households.address", address=esc(household.address)))
    if household.notes:
        lines.append(t("zone.households.notes", notes=esc(household.notes)))
    if household.vulnerable:
        lines.append(t("household.vulnerable"))
    return lines


async def _add(update: Update, context: Context, branch: Branch, fields: list[str]) -> None:
    saved = await add_household(context.services, context.me.user_id, branch.id, fields)
    if saved.household is None:
        reasons = context.t("imports.separator").join(
            error.render(context.translate, context.language, esc)
            for error in saved.result.errors)
        await reply(update, context.t("household.problems", reasons=reasons))
        return
    header = context.t("household.created" if saved.created else "household.updated",
                       branch=esc(branch.name))
    await reply_lines(update, [header, *await _lines(context, saved.household)])


async def _remove(update: Update, context: Context, branch: Branch, zone: str,
                  label: str) -> None:
    removed = await remove_household(context.services, context.me.user_id, branch.id, zone,
                                     label)
    t = context.t
    if removed is None:
        await reply(update, t("household.unknown", branch=esc(branch.name),
                              zone=esc(zone[:64]), label=esc(label[:64])))
        return
    household, visits = removed
    lines = [t("household.removed", branch=esc(branch.name)), *await _lines(context, household)]
    if visits:
        lines.append(t("household.removed_visits", n=visits))
    await reply_lines(update, lines)


async def household(update: Update, context: Context) -> None:
    """`/household add ZONE, LABEL, ADDRESS, PEOPLE, NOTES, RESPONSIBLE[, BACKUP]` and
    `/household remove ZONE, LABEL` [#BRANCH]."""
    text, branch_arg = split_branch(arguments(update))
    branch = await scope(update, context, COMMAND, branch_arg)
    if branch is None:
        return
    words = text.split(maxsplit=1)
    action = words[0].lower() if words else ""
    fields = split_fields(words[1]) if len(words) > 1 else None
    if action == "add" and fields is not None and any(fields):
        await _add(update, context, branch, fields)
        return
    if action == "remove" and fields is not None:
        while len(fields) > 2 and not fields[-1]:
            fields.pop()  # a trailing comma
        if len(fields) == 2 and all(fields):
            await _remove(update, context, branch, fields[0], fields[1])
            return
    await reply(update, context.t("household.usage"))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [CommandHandler(COMMAND, household, filters=filters.ChatType.PRIVATE)]
