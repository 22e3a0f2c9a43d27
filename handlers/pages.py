"""Long lists in pages: one message with ◀ ▶ instead of a stream of messages.

An answer that lists things (`/roster`, `/who`, `/branch`, `/team`, `/task`, a zone's
households, a digest's full list, ...) is rendered whole by its *view*; when it is longer
than one message, the first page (a part cut by `bot.text.split_html`, between lines) is sent
with ◀ ▶ buttons, `pg:<view>:<argument>:<page>`. A press renders the view again from the
database, checking the presser's rights again (the data is never proof of rights), and
shows that page in place. A view names its argument as it should be read on a later press
(the branch id, not "my branch"), so a page button keeps meaning what it meant.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.text import CALLBACK_DATA_LIMIT, SPLIT_LIMIT, split_html
from handlers.common import edit, reply
from handlers.context import Context
from storage.outbox import Buttons

logger = logging.getLogger(__name__)

PREFIX = "pg"
PAGE_LIMIT = SPLIT_LIMIT - 100  # room for the page line
_DATA = re.compile(rf"^{PREFIX}:([a-z]{{1,8}}):([0-9A-Za-z_.-]{{0,40}}):(\d{{1,5}})$")


@dataclass(frozen=True)
class Page:
    """What a view rendered: the whole text, the argument its page buttons carry, and
    buttons to show under every page (after ◀ ▶)."""

    text: str
    argument: str
    buttons: Buttons = field(default_factory=list)


# A view renders its whole text for the update's user, or answers why not and returns None.
View = Callable[[Update, Context, str], Awaitable[Page | None]]
_VIEWS: dict[str, View] = {}


def view(name: str) -> Callable[[View], View]:
    """Register a view under a short name (the name goes into the page buttons)."""
    assert re.fullmatch(r"[a-z]{1,8}", name), name

    def register(function: View) -> View:
        _VIEWS[name] = function
        return function

    return register


def data(name: str, argument: str, page: int) -> str:
    """The callback data of a page button."""
    return f"{PREFIX}:{name}:{argument}:{page}"


def _markup(name: str, page: Page, number: int, pages: int) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    if pages > 1:
        nav = []
        if number > 0:
            nav.append(InlineKeyboardButton(f"◀ {number}/{pages}",
                                            callback_data=data(name, page.argument, number - 1)))
        if number + 1 < pages:
            nav.append(InlineKeyboardButton(f"{number + 2}/{pages} ▶",
                                            callback_data=data(name, page.argument, number + 1)))
        rows.append(nav)
    rows.extend([InlineKeyboardButton(label, callback_data=value) for label, value in row]
                for row in page.buttons)
    return InlineKeyboardMarkup(rows) if rows else None


def _pages(context: Context, text: str) -> list[str]:
    parts = split_html(text, PAGE_LIMIT)
    if len(parts) < 2:
        return parts or [text]
    return [part + "\n\n" + context.t("pages.page", page=n + 1, pages=len(parts))
            for n, part in enumerate(parts)]


async def send(update: Update, context: Context, name: str, page: Page | None) -> None:
    """Answer with a view's first page (or the whole text, if it fits in one message)."""
    if page is None:
        return
    assert name in _VIEWS, name
    parts = _pages(context, page.text)
    if len(parts) > 1 and len(data(name, page.argument, len(parts)).encode()) > \
            CALLBACK_DATA_LIMIT:  # cannot happen with the views' short arguments
        logger.warning("page buttons of %s would be too long: sent as several messages", name)
        await reply(update, page.text, _markup(name, page, 0, 1))
        return
    await reply(update, parts[0], _markup(name, page, 0, len(parts)))


async def show(update: Update, context: Context, name: str, argument: str) -> None:
    """A command's answer through its view: render, then send the first page."""
    render = _VIEWS[name]
    await send(update, context, name, await render(update, context, argument))


async def turn(update: Update, context: Context) -> None:
    """◀ ▶ under a long list: render the view again (rights checked again), show the page."""
    query = update.callback_query
    assert query is not None and query.data is not None
    match = _DATA.match(query.data)
    render = _VIEWS.get(match.group(1)) if match else None
    if match is None or render is None or context.actor is None:
        await query.answer(context.t("button.stale"), show_alert=True)
        return
    name, argument, number = match.group(1), match.group(2), int(match.group(3))
    page = await render(update, context, argument)
    if page is None:
        return  # the view answered why not
    await query.answer()
    parts = _pages(context, page.text)
    number = min(number, len(parts) - 1)
    await edit(update, parts[number], _markup(name, page, number, len(parts)))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module: the page buttons of every view."""
    return [CallbackQueryHandler(turn, pattern=rf"^{PREFIX}:")]
