"""Long lists in pages: one message with ◀ ▶ instead of a stream of messages.

An answer that lists things (`/roster`, `/who`, `/branch`, `/team`, `/task`, a zone's
households, a digest's full list, ...) is rendered whole by its *view*; when it is longer
than one message, the first page (a part cut by `bot.text.split_html`, between lines) is sent
with ◀ ▶ buttons, `pg:<view>:<argument>:<page>`. A press renders the view again from the
database, checking the presser's rights again (the data is never proof of rights), and
shows that page in place. A view names its argument as it should be read on a later press
(the branch id, not "my branch"), so a page button keeps meaning what it meant.

A view may also cut its pages itself (`Page.sheets`), each with buttons of its own: the
rollup of `/who` shows a dozen sub-branches a page, with a drill-down button for each.

A page holds at most `ENTITIES_MAX` pieces of markup (a bold name, a profile link):
Telegram formats the first 100 of a message and shows the rest as plain text, so a list of
linked names is cut shorter. An argument that cannot be written in a button (a search's
words) is kept in the user's data under a token (`keep`, `kept`), as long as the bot runs.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.rules.callbacks import PageButton
from bot.text import SPLIT_LIMIT, split_html, visible_len
from handlers.core.context import Context
from handlers.core.replies import edit, reply
from storage.rows import Buttons

logger = logging.getLogger(__name__)

PAGE_LIMIT = SPLIT_LIMIT - 100  # room for the page line
ENTITIES_MAX = 90  # tags a page may hold (Telegram formats 100 a message), with room to spare
KEPT_MAX = 20  # arguments kept per person (`keep`), the oldest forgotten first
_KEPT = "page_arguments"
_OPENING = re.compile(r"<[a-zA-Z]")


@dataclass(frozen=True)
class Sheet:
    """One page as a view cut it: its text and its own buttons."""

    text: str
    buttons: Buttons = field(default_factory=list)


@dataclass(frozen=True)
class Page:
    """What a view rendered: the whole text, the argument its page buttons carry, and
    buttons to show under every page (after ◀ ▶ and the page's own buttons).

    With `sheets`, the view cut its pages itself (each under the limit) and `text` is unused.
    """

    text: str
    argument: str
    buttons: Buttons = field(default_factory=list)
    sheets: tuple[Sheet, ...] = ()


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
    return PageButton(name, argument, page).pack()


def _markup(name: str, page: Page, sheet: Sheet, number: int,
            pages: int) -> InlineKeyboardMarkup | None:
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
                for row in [*sheet.buttons, *page.buttons])
    return InlineKeyboardMarkup(rows) if rows else None


def keep(context: Context, value: str) -> str:
    """Keep a view's argument that a button cannot carry; the token that stands for it."""
    assert context.user_data is not None
    kept: dict[str, str] = context.user_data.setdefault(_KEPT, {})
    while len(kept) >= KEPT_MAX:
        del kept[next(iter(kept))]
    token = secrets.token_urlsafe(6)  # 8 characters
    kept[token] = value
    return token


def kept(context: Context, token: str) -> str | None:
    """The argument kept under `token` (None: forgotten, or never kept for this person)."""
    found = (context.user_data or {}).get(_KEPT, {})
    return found.get(token) if isinstance(found, dict) else None


def _few_entities(part: str) -> list[str]:
    """`part` cut further until no piece holds more than ENTITIES_MAX tags."""
    count = len(_OPENING.findall(part))
    if count <= ENTITIES_MAX:
        return [part]
    pieces = split_html(part, max(100, visible_len(part) * ENTITIES_MAX // (count + 10)))
    if len(pieces) < 2:
        return [part]
    return [piece for cut in pieces for piece in _few_entities(cut)]


def _sheets(context: Context, page: Page) -> list[Sheet]:
    sheets = list(page.sheets) or [Sheet(piece) for part in split_html(page.text, PAGE_LIMIT)
                                   for piece in _few_entities(part)]
    if len(sheets) < 2:
        return sheets or [Sheet(page.text)]
    return [replace(sheet, text=sheet.text + "\n\n" + context.t("pages.page", page=n + 1,
                                                                pages=len(sheets)))
            for n, sheet in enumerate(sheets)]


def _fits(name: str, argument: str, pages: int) -> bool:
    try:
        PageButton(name, argument, pages).pack()
    except ValueError:
        return False
    return True


async def send(update: Update, context: Context, name: str, page: Page | None) -> None:
    """Answer with a view's first page (or the whole text, if it fits in one message)."""
    if page is None:
        return
    assert name in _VIEWS, name
    sheets = _sheets(context, page)
    if len(sheets) > 1 and not _fits(name, page.argument, len(sheets)):
        # cannot happen with the views' short arguments
        logger.warning("page buttons of %s would be too long: sent as several messages", name)
        await reply(update, page.text, _markup(name, page, Sheet(page.text), 0, 1))
        return
    await reply(update, sheets[0].text, _markup(name, page, sheets[0], 0, len(sheets)))


async def show(update: Update, context: Context, name: str, argument: str) -> None:
    """A command's answer through its view: render, then send the first page."""
    render = _VIEWS[name]
    await send(update, context, name, await render(update, context, argument))


async def turn(update: Update, context: Context) -> None:
    """◀ ▶ under a long list: render the view again (rights checked again), show the page."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = PageButton.parse(query.data)
    render = _VIEWS.get(parsed.view) if parsed else None
    if parsed is None or render is None or context.actor is None:
        await query.answer(context.t("button.stale"), show_alert=True)
        return
    name, argument, number = parsed.view, parsed.argument, parsed.page
    page = await render(update, context, argument)
    if page is None:
        return  # the view answered why not
    await query.answer()
    sheets = _sheets(context, page)
    number = min(number, len(sheets) - 1)
    await edit(update, sheets[number].text,
               _markup(name, page, sheets[number], number, len(sheets)))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module: the page buttons of every view."""
    return [CallbackQueryHandler(turn, pattern=PageButton.pattern())]
