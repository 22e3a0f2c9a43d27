"""Needs: what `/need`, its household entry and `/needs` share: the steps and the draft,
the button formats and their parsers, the keyboards, a typed answer's checks.

Callback data: `nd:cat:<category>`, `nd:urg:<urgency>`, `nd:who:me|other`, `nd:loc:skip`,
`nd:ok`, `nd:edit`, `nd:no` (the conversation); `nd:hh:<household>:<category>` (enters it
for a household after a visit: `handlers.needs.household`); `nd:res:<id>`, `nd:can:<id>`
(a need); `nd:pg:<page>:<branch>:<category|->:<status|->:<urgency|->` (a page of
`/needs`). The Assign button is `asg:need:<id>`, answered by `handlers.assign`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.rules import needs
from bot.rules.needs import NeedDraft, NeedFilter
from handlers.core.context import Context
from handlers.core.drafts import Drafts
from handlers.core.replies import reply, utf16_len
from storage.rows import Buttons

CATEGORY, URGENCY, WHOM, FOR_WHOM, DETAILS, LOCATION, CONFIRM = range(7)  # /need states
NOTE = 10  # the Resolve / Cancel note
DRAFT_KEY = "need_draft"
DRAFTS = Drafts(DRAFT_KEY, NeedDraft, "need.cancelled")
PENDING_KEY = "need_pending"
PREFIX = "nd"
ACTIONS = {"res": "resolved", "can": "cancelled"}

_PAGE = re.compile(rf"^{PREFIX}:pg:(\d{{1,4}}):(\d{{1,12}}):(\w+|-):(\w+|-):(\w+|-)$")
_ACTION = re.compile(rf"^{PREFIX}:(res|can):(\d{{1,12}})$")


def page_data(spec: NeedFilter, page: int) -> str:
    """The button that shows page `page` of a `/needs` listing."""
    return (f"{PREFIX}:pg:{page}:{spec.branch_id}:{spec.category or '-'}:{spec.status or '-'}"
            f":{spec.urgency or '-'}")


def parse_page(data: str) -> tuple[NeedFilter, int] | None:
    """(filter, page) of a page button, or None if the data is not a valid one."""
    match = _PAGE.match(data)
    if not match:
        return None
    page, branch, category, status, urgency = match.groups()
    values = [None if v == "-" else v for v in (category, status, urgency)]
    for value, allowed in zip(values, (needs.CATEGORIES, needs.STATUSES, needs.URGENCIES),
                              strict=True):
        if value is not None and value not in allowed:
            return None
    return NeedFilter(int(branch), values[0], values[1], values[2]), int(page)


def parse_action(data: str) -> tuple[str, int] | None:
    """(new status, need id) of a Resolve or Cancel button, or None."""
    match = _ACTION.match(data)
    return (ACTIONS[match.group(1)], int(match.group(2))) if match else None


def need_buttons(translate: Callable[..., str], language: str, need_id: int) -> Buttons:
    """Assign / Resolve / Cancel under one need, in `language`."""
    return [[(translate(language, "need.button_assign", id=need_id), f"asg:need:{need_id}"),
             (translate(language, "need.button_resolve", id=need_id), f"{PREFIX}:res:{need_id}"),
             (translate(language, "need.button_cancel", id=need_id), f"{PREFIX}:can:{need_id}")]]


def markup(rows: Buttons) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                  for label, data in row] for row in rows])


def choices(context: Context, step: str, values: tuple[str, ...], key: str,
             per_row: int = 3) -> InlineKeyboardMarkup:
    buttons = [(context.t(f"need.{key}_{v}"), f"{PREFIX}:{step}:{v}") for v in values]
    return markup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


async def typed_text(update: Update, context: Context, limit: int, empty: str,
                too_long: str) -> str | None:
    """The message's text, stripped; None after answering why it will not do."""
    message = update.effective_message
    assert message is not None
    text = (message.text or "").strip()
    if not text:
        await reply(update, context.t(empty))
        return None
    if utf16_len(text) > limit:
        await reply(update, context.t(too_long, length=utf16_len(text), max=limit))
        return None
    return text
