"""`/invites`: the active invites of the subtree (a secretary's; an admin's: the whole
organization), general ones one per line with a revoke button, personal links counted per
branch with "revoke all of this branch"; each revocation asked, confirmed by a button and
checked again."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.rules import invites, org
from bot.rules.access import may_lead
from bot.rules.callbacks import InviteRevoke, LinksRevoke
from handlers.core import pages
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import edit, esc, pressed, refuse, reply

PER_SHEET = 8  # invites (or branches) a page, each with its button
SHOWN = 8  # characters of a code shown: enough to tell codes apart, not enough to use one


async def list_invites(update: Update, context: Context) -> None:
    """`/invites [BRANCH_ID]`."""
    args = context.args or []
    await pages.show(update, context, "invites", args[0] if args else "")


def _uses(context: Context, uses: int | None) -> str:
    return (context.t("invite.uses_unlimited") if uses is None
            else context.t("invite.uses_left", n=uses))


@pages.view("invites")
async def view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """The subtree's active invites, cut into pages of a few, each with its buttons."""
    top = await scope(update, context, "invites", argument or None)
    if top is None:
        return None
    now = context.clock.now()
    general = await invites.active(context.store, top.id, now)
    counts = await invites.link_counts(context.store, top.id, now)
    head = context.t("invite.list_header", branch=esc(top.name))
    zone = ZoneInfo(top.timezone)
    sheets: list[pages.Sheet] = []
    for start in range(0, max(len(general), 1), PER_SHEET):
        lines, buttons = [head, "", context.t("invite.general_header")], []
        for item in general[start:start + PER_SHEET]:
            creator = (context.t("invite.creator", name=esc(item.creator)) if item.creator
                       else context.t("invite.creator_cli"))
            expires = (item.expires_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                       if item.expires_at else "—")
            lines.append(context.t(
                "invite.general_line", code=esc(item.code[:SHOWN]), branch=esc(item.branch_name),
                role=context.t(f"role.{item.role}"), uses=_uses(context, item.uses_left),
                expires=expires, creator=creator))
            buttons.append([(context.t("invite.revoke_button", code=item.code[:SHOWN]),
                             InviteRevoke(item.code, "ask").pack())])
        if not general:
            lines.append(context.t("invite.general_none"))
        sheets.append(pages.Sheet("\n".join(lines), buttons))
    for start in range(0, max(len(counts), 1), PER_SHEET):
        lines, buttons = [head, "", context.t("invite.personal_header")], []
        for count in counts[start:start + PER_SHEET]:
            lines.append(context.t("invite.personal_line", branch=esc(count.branch_name),
                                   n=count.links))
            label = context.t("invite.revoke_links_button", branch=count.branch_name,
                              n=count.links)
            buttons.append([(label, LinksRevoke(count.branch_id, "ask").pack())])
        if not counts:
            lines.append(context.t("invite.personal_none"))
        sheets.append(pages.Sheet("\n".join(lines), buttons))
    if not general and not counts:
        sheets = [pages.Sheet("\n".join([head, "", context.t("invite.general_none"),
                                         context.t("invite.personal_none")]))]
    return pages.Page("", str(top.id), sheets=tuple(sheets))


def _confirm(context: Context, yes: str, no: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(context.t("invite.yes_revoke"),
                                                       callback_data=yes),
                                  InlineKeyboardButton(context.t("invite.keep"),
                                                       callback_data=no)]])


async def revoke_button(update: Update, context: Context) -> None:
    """Revoke one general invite: asked in a new message, then done on "revoke"."""
    query = update.callback_query
    parsed = await pressed(update, context, InviteRevoke, alert=True)
    if query is None or parsed is None:
        return
    now = context.clock.now()
    invite = await invites.lookup(context.store, parsed.code)
    if invite is None or not await may_lead(context.store, context.me, invite.branch_id):
        await refuse(update, context, "deny.outside_scope", action="invite_revoke",
                     branch_id=invite.branch_id if invite else None,
                     branch=esc(invite.branch_name if invite else "?"))
        return
    values = {"code": esc(invite.code[:SHOWN]), "branch": esc(invite.branch_name),
              "role": context.t(f"role.{invite.role}")}
    if parsed.step == "no":
        await query.answer()
        await edit(update, context.t("invite.kept"))
    elif not invites.is_active(invite, now):
        await query.answer(context.t("invite.not_active"), show_alert=True)
    elif parsed.step == "ask":
        await query.answer()
        await reply(update, context.t("invite.confirm_revoke", **values), _confirm(
            context, InviteRevoke(invite.code, "yes").pack(),
            InviteRevoke(invite.code, "no").pack()))
    elif await invites.revoke(context.store, invite.code, by=context.me.user_id, now=now):
        await query.answer()
        await edit(update, context.t("invite.revoked", **values))
    else:
        await query.answer(context.t("invite.not_active"), show_alert=True)


async def revoke_links_button(update: Update, context: Context) -> None:
    """Revoke every personal link of a branch: asked in a new message, then done."""
    query = update.callback_query
    parsed = await pressed(update, context, LinksRevoke, alert=True)
    if query is None or parsed is None:
        return
    branch = await org.branch(context.store, parsed.branch)
    if branch is None or not await may_lead(context.store, context.me, branch.id):
        await refuse(update, context, "deny.outside_scope", action="links_revoke",
                     branch_id=parsed.branch,
                     branch=esc(branch.name if branch else f"#{parsed.branch}"))
        return
    now = context.clock.now()
    await query.answer()
    if parsed.step == "no":
        await edit(update, context.t("invite.kept"))
        return
    if parsed.step == "ask":
        counts = {c.branch_id: c.links for c in await invites.link_counts(
            context.store, branch.id, now)}
        await reply(update, context.t("invite.confirm_revoke_links", branch=esc(branch.name),
                                      n=counts.get(branch.id, 0), id=branch.id),
                    _confirm(context, LinksRevoke(branch.id, "yes").pack(),
                             LinksRevoke(branch.id, "no").pack()))
        return
    count = await invites.revoke_links(context.store, branch.id, by=context.me.user_id, now=now)
    await edit(update, context.t("invite.revoked_links", branch=esc(branch.name), n=count,
                                 id=branch.id))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return [
        CommandHandler("invites", list_invites, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(revoke_button, pattern=InviteRevoke.pattern()),
        CallbackQueryHandler(revoke_links_button, pattern=LinksRevoke.pattern()),
    ]

