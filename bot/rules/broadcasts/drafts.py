"""A broadcast's copies: what a recipient sees, how long a message may be, who gets it, and
the text of a reminder.

`copies` takes the acknowledgement button as a function of the language, whose callback data
may hold `ID_PLACEHOLDER` where the broadcast's id goes (storage fills it in).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.i18n import LANGUAGES, Translator, pick_language
from bot.text import CAPTION_LIMIT, TEXT_LIMIT, esc, utf16_len
from storage.rows import Branch, Buttons, NewMessage, Recipient
from storage.store import Store

REMIND_INTERVAL = timedelta(minutes=10)  # a broadcast's reminders, at most one per interval
SCOPES = ("branch", "subtree")  # "team" comes with teams (issue 4)
ID_PLACEHOLDER = "{id}"

_TAG = re.compile(r"<[^>]*>")


def _visible_len(html_text: str) -> int:
    """Length of an HTML text once Telegram has parsed the tags away."""
    return utf16_len(html.unescape(_TAG.sub("", html_text)))


@dataclass
class Draft:
    """A broadcast being written: filled step by step by the `/broadcast` conversation."""

    branch_id: int
    branch_name: str
    author: str
    body: str | None = None
    media_kind: str | None = None  # "photo" or "document"
    media_file_id: str | None = None
    scope: str = "subtree"
    to_groups: bool = False
    ack_required: bool = True


def header(translate: Translator, language: str, branch: str, author: str) -> str:
    """The first line of every copy: where it comes from and who wrote it."""
    return translate(language, "broadcast.header", branch=esc(branch), author=esc(author))


def render(translate: Translator, language: str, draft: Draft) -> str:
    """The text (or caption) of a copy in `language`: header, then the escaped body."""
    top = header(translate, language, draft.branch_name, draft.author)
    return f"{top}\n\n{esc(draft.body)}" if draft.body else top


def reminder(translate: Translator, language: str, draft: Draft, broadcast_id: int) -> str:
    """A reminder to acknowledge: always a text message (the outbox keeps no media for it)."""
    line = translate(language, "broadcast.reminder", id=broadcast_id)
    return f"{line}\n{render(translate, language, draft)}"


def body_limit(translate: Translator, draft: Draft, media: bool) -> int:
    """How long the body may be, so that every copy and its reminder fit Telegram's limits.

    The header (branch and author names) and, for text, the reminder line take room; the
    longest of them over the languages is subtracted from Telegram's limit.
    """
    room = 0
    for language in LANGUAGES:
        top = _visible_len(header(translate, language, draft.branch_name, draft.author)) + 2
        if not media:
            top += _visible_len(translate(language, "broadcast.reminder", id=10**9)) + 1
        room = max(room, top)
    return (CAPTION_LIMIT if media else TEXT_LIMIT) - room


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to: members (the author excluded) and linked group chats."""

    members: list[Recipient]
    groups: list[tuple[Branch, int]]  # (the group's branch, its chat id)


async def audience(store: Store, draft: Draft, author_id: int, *, with_groups: bool) -> Audience:
    """The recipients of a draft, read from the database now.

    The author is left out: they have the preview and the status message, and need not
    acknowledge their own broadcast.
    """
    subtree = draft.scope == "subtree"
    members = [r for r in await store.broadcasts.recipients(draft.branch_id, subtree=subtree)
               if r.member_id != author_id]
    groups: list[tuple[Branch, int]] = []
    if with_groups:
        for branch_id, chat_id in await store.branches.group_chats(draft.branch_id,
                                                                   subtree=subtree):
            branch = await store.branches.get(branch_id)
            if branch is not None:
                groups.append((branch, chat_id))
    return Audience(members, groups)


def copies(
    translate: Translator,
    draft: Draft,
    people: Audience,
    *,
    default_language: str,
    ack_button: Callable[[str], Buttons],
) -> list[NewMessage]:
    """One outbox message per member (in their language) and per group (in its branch's).

    `ack_button(language)` gives the keyboard of a copy; its callback data may hold
    `ID_PLACEHOLDER`, which storage replaces with the broadcast's id when it writes the rows.
    """
    out: list[NewMessage] = []
    rendered: dict[str, str] = {}

    def text(language: str) -> str:
        if language not in rendered:
            rendered[language] = render(translate, language, draft)
        return rendered[language]

    for person in people.members:
        language = pick_language(person.language, person.telegram_language, default_language)
        buttons = ack_button(language) if draft.ack_required else None
        out.append(NewMessage(person.member_id, person.member_id, text(language), buttons))
    for branch, chat_id in people.groups:
        language = pick_language(None, None, branch.locale)
        buttons = ack_button(language) if draft.ack_required else None
        out.append(NewMessage(chat_id, None, text(language), buttons))
    return out
