"""Personal join links: `/link NAME` (one person's link and its QR code, as a picture),
`/links [BRANCH_ID]` (a branch's printable sheet, as a PDF), and the buttons under them and
under a claim's notice (Undo). Every press is checked again against the database."""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.rules import lookup, org
from bot.rules.access import may_lead
from bot.rules.callbacks import LinkFor, LinkRenew, LinkSheet, LinkUndo
from bot.rules.roster import links, sheets
from handlers.core import menus
from handlers.core.context import Context
from handlers.core.guards import scope
from handlers.core.replies import esc, pressed, refuse, reply, say
from storage.rows import Branch

QUERY_MAX = 40
SHEET_MAX = 3000  # people in one sheet sent in a chat (about 200 pages, 3 MB)
SUB_BUTTONS = 12


def _username(context: Context) -> str:
    return context.config.telegram.username or context.bot.username


async def _until(context: Context, branch_id: int, people: list[links.PersonalLink]) -> str:
    """The earliest expiry of the links, as a date in the branch's timezone."""
    ends = [p.expires_at for p in people if p.expires_at is not None]
    branch = await org.branch(context.store, branch_id)
    zone = ZoneInfo(branch.timezone if branch else context.config.defaults.timezone)
    return min(ends).astimezone(zone).strftime("%Y-%m-%d") if ends else ""


async def link(update: Update, context: Context) -> None:
    """`/link NAME`: the personal link of someone waiting on the roster of the subtree."""
    query = " ".join(context.args or []).strip()
    if not query:
        await reply(update, context.t("links.usage"))
        return
    branch = await scope(update, context, "link")
    if branch is None:
        return
    query = query[:QUERY_MAX]
    found = await links.find_waiting(context.store, branch.id, query, context.clock.now())
    if not found:
        await reply(update, context.t("links.not_found", query=esc(query),
                                      branch=esc(branch.name)))
    elif len(found) == 1:
        await _send_link(update, context, found[0].roster_id, renew=False)
    else:
        rows = [[InlineKeyboardButton(context.t(
            "links.candidate", name=p.name, branch=p.branch_name,
            phone=context.t("links.phone_tail", digits=p.phone[-4:]) if p.phone else ""),
            callback_data=LinkFor(p.roster_id).pack())] for p in found]
        await reply(update, context.t("links.candidates", query=esc(query)),
                    InlineKeyboardMarkup(rows))


async def _send_link(update: Update, context: Context, roster_id: int, *, renew: bool) -> None:
    """The person's link as a QR code picture with the link in its caption (a new link,
    the old one revoked, with `renew`), after checking the actor leads their branch."""
    actor, now = context.me, context.clock.now()
    entry = await links.entry(context.store, roster_id)
    if entry is None or not await may_lead(context.store, actor, entry.branch_id):
        await refuse(update, context, "deny.outside_scope", action="link",
                     branch_id=entry.branch_id if entry else None,
                     branch=esc(entry.branch_name if entry else f"#{roster_id}"))
        return
    made = (await links.renew(context.store, roster_id, by=actor.user_id, now=now) if renew
            else await links.link_of(context.store, roster_id, by=actor.user_id, now=now))
    if made is None:
        await say(update, context.t("links.not_waiting"))
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    url = links.url(_username(context), made)
    picture = await asyncio.to_thread(sheets.card_png,
                                      sheets.Card(made.name, made.branch_name, url))
    caption = context.t("links.caption", name=esc(made.name), branch=esc(made.branch_name),
                        role=context.t(f"role.{made.role}"), link=esc(url),
                        until=await _until(context, made.branch_id, [made]))
    if renew:
        caption = context.t("links.renewed") + "\n" + caption
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(
        context.t("links.renew_button"), callback_data=LinkRenew(roster_id).pack())]])
    message = update.effective_message
    assert message is not None
    await message.reply_photo(picture, caption=caption, reply_markup=markup, do_quote=False)


async def candidate_button(update: Update, context: Context) -> None:
    """A candidate of `/link`: checked again, then the picture."""
    parsed = await pressed(update, context, LinkFor)
    if parsed is not None:
        await _send_link(update, context, parsed.roster, renew=False)


async def renew_button(update: Update, context: Context) -> None:
    """"New link": checked again, the old link revoked, then the new picture."""
    parsed = await pressed(update, context, LinkRenew)
    if parsed is not None:
        await _send_link(update, context, parsed.roster, renew=True)


async def sheet(update: Update, context: Context) -> None:
    """`/links [BRANCH_ID]`: the printable sheet of the branch's waiting people."""
    args = context.args or []
    if len(args) > 1:
        await reply(update, context.t("links.usage"))
        return
    branch = await scope(update, context, "links", args[0] if args else None)
    if branch is not None:
        await _send_sheet(update, context, branch)


async def sheet_button(update: Update, context: Context) -> None:
    """A sub-branch's button under `/links`: that branch's sheet (rights checked again)."""
    parsed = await pressed(update, context, LinkSheet)
    if parsed is None or update.callback_query is None:
        return
    branch = await scope(update, context, "links", str(parsed.branch))
    if branch is not None:
        await update.callback_query.answer()
        await _send_sheet(update, context, branch)


async def _send_sheet(update: Update, context: Context, branch: Branch) -> None:
    """Make the branch's missing links, send its sheet, offer the branches below."""
    actor, now = context.me, context.clock.now()
    message = update.effective_message
    assert message is not None
    waiting = await links.waiting_here(context.store, branch.id)
    if waiting > SHEET_MAX:
        await reply(update, context.t("links.sheet_too_big", branch=esc(branch.name), n=waiting,
                                      max=SHEET_MAX, id=branch.id))
    elif not waiting:
        await reply(update, context.t("links.sheet_empty", branch=esc(branch.name)))
    else:
        made = await links.make_missing(context.store, [branch.id], by=actor.user_id, now=now)
        people = await links.people_of(context.store, [branch.id], now)
        username = _username(context)
        cards = [sheets.Card(p.name, p.branch_name, links.url(username, p))
                 for p in people if p.code]
        until = await _until(context, branch.id, people)
        words = sheets.Words(
            context.t("links.sheet_title", branch=branch.name),
            context.t("links.sheet_note", until=until),
            context.t("links.sheet_page", page="{page}", pages="{pages}"))
        pdf = await asyncio.to_thread(sheets.sheet_pdf, cards, words)
        await message.reply_document(
            pdf, filename=f"links-{branch.id}.pdf", do_quote=False,
            caption=context.t("links.sheet_caption", branch=esc(branch.name), n=len(cards),
                              made=made, until=until))
    below = await links.waiting_below(context.store, branch.id)
    if below:
        rows = [[InlineKeyboardButton(context.t("links.sub_button", branch=name, n=n),
                                      callback_data=LinkSheet(branch_id).pack())]
                for branch_id, name, n in below[:SUB_BUTTONS]]
        text = context.t("links.sub_branches", branch=esc(branch.name))
        if len(below) > SUB_BUTTONS:
            text += "\n" + context.t("links.sub_more", n=len(below) - SUB_BUTTONS)
        await reply(update, text, InlineKeyboardMarkup(rows))


async def undo(update: Update, context: Context) -> None:
    """Undo under a claim's notice: for whoever leads the person's branch, if the claim
    still stands; then offer a new link for the real person."""
    query = update.callback_query
    parsed = await pressed(update, context, LinkUndo, alert=True)
    if query is None or parsed is None:
        return
    actor = context.me
    entry = await links.entry(context.store, parsed.roster)
    if entry is None or not await may_lead(context.store, actor, entry.branch_id):
        await refuse(update, context, "deny.outside_scope", action="link_undo",
                     branch_id=entry.branch_id if entry else None,
                     branch=esc(entry.branch_name if entry else f"#{parsed.roster}"))
        return
    claimer = await lookup.person(context.store, parsed.member)
    done = await links.undo_claim(context.services, entry, parsed.member, by=actor.user_id)
    if done is None or claimer is None:
        await query.answer(context.t("links.undone_stale"), show_alert=True)
        return
    await query.answer()
    account = links.account(context.translate, context.language, claimer)
    if done.left is None:
        text = context.t("links.undone_kept", account=account, name=esc(entry.name))
    else:
        text = context.t("links.undone", account=account, name=esc(entry.name),
                         branch=esc(entry.branch_name))
        let_go = done.left
        if let_go.households or let_go.teams or let_go.withdrawn:
            text += "\n" + context.t("links.undone_let_go", households=let_go.households,
                                     teams=len(let_go.teams), tasks=len(let_go.withdrawn))
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(
        context.t("links.new_link_button", name=entry.name),
        callback_data=LinkRenew(entry.id).pack())]])
    await query.edit_message_text(text, reply_markup=markup)
    language = claimer.language or claimer.telegram_language or context.language
    await menus.set_for_person(context.bot, context, claimer.id, None, language)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("link", link, filters=private),
        CommandHandler("links", sheet, filters=private),
        CallbackQueryHandler(candidate_button, pattern=LinkFor.pattern()),
        CallbackQueryHandler(renew_button, pattern=LinkRenew.pattern()),
        CallbackQueryHandler(sheet_button, pattern=LinkSheet.pattern()),
        CallbackQueryHandler(undo, pattern=LinkUndo.pattern()),
    ]
