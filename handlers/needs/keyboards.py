"""Needs: what `/need`, its household entry and `/needs` share: the steps and the draft,
the button formats and their parsers, the keyboards, a typed answer's checks.

Callback data: `nd:cat:<category>`, `nd:urg:<urgency>`, `nd:who:me|other`, `nd:loc:skip`,
`nd:ok`, `nd:edit`, `nd:no` (the conversation); `nd:hh:<household>:<category>` (enters it
for a household after a visit: `handlers.needs.household`); `nd:res:<id>`, `nd:can:<id>`
(a need); `nd:pg:<page>:<branch>:<category|->:<status|->:<urgency|->` (a page of
`/needs`). The Assign button is `asg:need:<id>`, answered by `handlers.assign`.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardMarkup, Update

from bot.rules.callbacks import AssignNeed, Button, NeedClose, NeedPage
from bot.rules.needs import NeedDraft, NeedFilter
from handlers.core.context import Context
from handlers.core.drafts import Drafts
from handlers.core.keyboards import keyboard
from handlers.core.replies import reply, utf16_len
from storage.rows import Buttons

CATEGORY, URGENCY, WHOM, FOR_WHOM, DETAILS, LOCATION, CONFIRM = range(7)  # /need states
NOTE = 10  # the Resolve / Cancel note
DRAFT_KEY = "need_draft"
DRAFTS = Drafts(DRAFT_KEY, NeedDraft, "need.cancelled")
PENDING_KEY = "need_pending"


def page_data(spec: NeedFilter, page: int) -> str:
    """The button that shows page `page` of a `/needs` listing."""
    assert spec.branch_id is not None  # the listing's scope is resolved before it is shown
    return NeedPage(page, spec.branch_id, spec.category or "-", spec.status or "-",
                    spec.urgency or "-").pack()


def parse_page(data: str) -> tuple[NeedFilter, int] | None:
    """(filter, page) of a page button, or None if the data is not a valid one."""
    parsed = NeedPage.parse(data)
    if parsed is None:
        return None
    category, status, urgency = (None if v == "-" else v
                                 for v in (parsed.category, parsed.status, parsed.urgency))
    return NeedFilter(parsed.branch, category, status, urgency), parsed.page


def parse_action(data: str) -> tuple[str, int] | None:
    """(new status, need id) of a Resolve or Cancel button, or None."""
    parsed = NeedClose.parse(data)
    return (parsed.action, parsed.need) if parsed else None


def need_buttons(translate: Callable[..., str], language: str, need_id: int) -> Buttons:
    """Assign / Resolve / Cancel under one need, in `language`."""
    def label(key: str) -> str:
        return translate(language, f"need.button_{key}", id=need_id)

    return [[(label("assign"), AssignNeed(need_id).pack()),
             (label("resolve"), NeedClose("resolved", need_id).pack()),
             (label("cancel"), NeedClose("cancelled", need_id).pack())]]


def choices(context: Context, button: Callable[[str], Button], values: tuple[str, ...],
            key: str, per_row: int = 3) -> InlineKeyboardMarkup | None:
    """One button per value (a category, an urgency), labelled `need.<key>_<value>`."""
    buttons = [(context.t(f"need.{key}_{v}"), button(v).pack()) for v in values]
    return keyboard([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


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
