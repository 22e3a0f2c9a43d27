"""Naming members in chat: the candidates as buttons when a name fits several members, the
command continued with the one pressed; and a member's name linked to their profile.

A command that takes a member (`/record NAME`, `/team X add NAME`, ...) registers its handler
with `@resumable("record")`. When `handlers.core.guards.named_member` finds several
members for the words, `offer` keeps the command's arguments in the secretary's own
`user_data` under a random token and answers with one button per candidate,
`nm:<command>:<token>:<member>`. A press (`pick`) takes the token (single use; gone after a
restart or `KEPT_FOR`), checks that the member was one of the candidates, and runs the
command again with the same arguments, the words now naming that member (`chosen`):
`named_member` checks again, in the database, that the member is in the presser's scope,
as for typed words. Forged or stale data is refused; nothing is trusted from the button.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.callbacks import MemberPick
from bot.rules.households import command_words
from bot.rules.naming import Named
from bot.text import cut, isolate, tell_apart
from handlers.core.context import Context
from handlers.core.replies import edit, esc, pressed, reply

KEPT_FOR = timedelta(hours=1)  # how long the candidates' buttons keep working
KEPT_MAX = 20  # choices kept per person (the oldest goes first)
LABEL_MAX = 48  # characters of a candidate's button
_KEY = "member_choices"

Command = Callable[[Update, Context], Coroutine[Any, Any, None]]
_COMMANDS: dict[str, Command] = {}


@dataclass(frozen=True)
class _Waiting:
    """A command waiting for its member to be chosen."""

    command: str
    args: tuple[str, ...]
    query: str
    members: dict[int, str]  # the candidates, with their buttons' labels
    at: datetime


@dataclass(frozen=True)
class _Pick:
    command: str
    query: str
    member_id: int


_PICKED: ContextVar[_Pick | None] = ContextVar("member_picked", default=None)


def resumable(command: str) -> Callable[[Command], Command]:
    """Register a command's handler (reading `context.args`) to be run again when one of the
    candidates for a member it names is pressed."""
    def register(handler: Command) -> Command:
        _COMMANDS[command] = handler
        return handler
    return register


def chosen(command: str, query: str) -> int | None:
    """The member pressed for these words of this command, while it runs again; else None."""
    picked = _PICKED.get()
    if picked is None or picked.command != command or picked.query != query:
        return None
    return picked.member_id


def words(update: Update, context: Context) -> list[str]:
    """The command's words, a quoted name with spaces (`"Ann Lee"`, `“张 伟”`) kept as one;
    while a pressed candidate continues the command, the words it was typed with. Sets
    `context.args` to them, so that `offer` keeps what the command read."""
    message = update.effective_message
    if _PICKED.get() is None and message is not None and message.text:
        parts = message.text.split(maxsplit=1)
        found = command_words(parts[1]) if len(parts) > 1 else []
        if found is not None:  # a quote left open: the words as Telegram split them
            context.args = found
    return list(context.args or [])


def linked(name: str, member_id: int) -> str:
    """A name (already escaped) as a link to the member's Telegram profile, for the lists
    a secretary sees: a tap opens the chat with them."""
    return f'<a href="tg://user?id={int(member_id)}">{name}</a>'


def _kept(context: Context) -> dict[str, _Waiting]:
    assert context.user_data is not None
    found: dict[str, _Waiting] = context.user_data.setdefault(_KEY, {})
    return found


def _keep(context: Context, waiting: _Waiting) -> str:
    kept = _kept(context)
    for old in [k for k, w in kept.items() if waiting.at - w.at > KEPT_FOR]:
        del kept[old]
    while len(kept) >= KEPT_MAX:
        del kept[next(iter(kept))]
    token = secrets.token_urlsafe(6)  # 8 characters
    kept[token] = waiting
    return token


async def offer(update: Update, context: Context, command: str, query: str,
                named: Named) -> None:
    """Several members fit `query`: list them, as buttons that continue the command when
    the command is `resumable`, else as names to write more exactly."""
    candidates = named.candidates
    names = tell_apart([(m.name, m.member_id) for m in candidates], context.t("list.same_name"))
    lines = [context.t("list.choose", query=esc(cut(query, 40)), n=len(candidates))]
    lines.extend(context.t("list.candidate", name=linked(name, m.member_id),
                           branch=esc(m.branch_name),
                           username=f" @{esc(m.username)}" if m.username else "")
                 for name, m in zip(names, candidates, strict=True))
    if named.more:
        lines.append(context.t("list.choose_more", n=len(candidates)))
    if command not in _COMMANDS:
        lines.append(context.t("list.choose_typed"))
        await reply(update, "\n".join(lines))
        return
    shared = Counter(m.name for m in candidates)
    labels = {m.member_id: isolate(cut(context.t(
        "list.button", name=context.t("list.same_name", name=m.name, id=m.member_id)
        if shared[m.name] > 1 else m.name, branch=m.branch_name,
        username=f" @{m.username}" if m.username else ""), LABEL_MAX))
        for m in candidates}
    token = _keep(context, _Waiting(command, tuple(context.args or ()), query, labels,
                                    context.clock.now()))
    rows = [[InlineKeyboardButton(label, callback_data=MemberPick(command, token,
                                                                  member_id).pack())]
            for member_id, label in labels.items()]
    await reply(update, "\n".join(lines), InlineKeyboardMarkup(rows))


async def pick(update: Update, context: Context) -> None:
    """A candidate pressed: run its command again with that member (checked again there)."""
    query = update.callback_query
    assert query is not None
    parsed = await pressed(update, context, MemberPick, alert=True)
    if parsed is None:
        return
    kept = _kept(context)
    waiting = kept.get(parsed.token)
    handler = _COMMANDS.get(parsed.command)
    message = query.message
    if (waiting is None or handler is None or waiting.command != parsed.command
            or parsed.member not in waiting.members or not isinstance(message, Message)
            or context.clock.now() - waiting.at > KEPT_FOR):
        await query.answer(context.t("button.stale"), show_alert=True)
        return
    del kept[parsed.token]  # before anything is awaited: a second press finds nothing
    await query.answer()
    await edit(update, context.t("list.chosen", query=esc(cut(waiting.query, 40)),
                                 name=esc(waiting.members[parsed.member])))
    # The command runs as if typed again, its answers going to this chat as messages.
    context.args = list(waiting.args)
    token = _PICKED.set(_Pick(waiting.command, waiting.query, parsed.member))
    try:
        await handler(Update(update.update_id, message=message), context)
    finally:
        _PICKED.reset(token)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module: the candidates' buttons."""
    return [CallbackQueryHandler(pick, pattern=MemberPick.pattern())]
