"""What every guided conversation (/broadcast, /need, /assign) does with its draft.

A conversation keeps its draft in `user_data` under its own key and writes nothing until
its final button; `/cancel` or a Cancel button drops the draft; a button or message that
arrives when the draft is gone (a restart, an old button) is answered as stale; input that
does not fit the step is answered with what the step expects, and the step stays.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

from telegram import Update
from telegram.ext import ConversationHandler

from handlers.core.context import Context
from handlers.core.replies import reply

D = TypeVar("D")
Step = Callable[[Update, Context], Coroutine[Any, Any, int]]


class Drafts(Generic[D]):
    """The draft of one kind of conversation, and its cancel / stale answers."""

    def __init__(self, key: str, kind: type[D], cancelled: str) -> None:
        self.key = key
        self.kind = kind
        self.cancelled = cancelled  # catalog key of "cancelled, nothing saved"

    def get(self, context: Context) -> D | None:
        """The current draft, if there is one."""
        draft = context.user_data.get(self.key) if context.user_data is not None else None
        return draft if isinstance(draft, self.kind) else None

    def put(self, context: Context, draft: D) -> D:
        """Start (or replace) the draft."""
        assert context.user_data is not None
        context.user_data[self.key] = draft
        return draft

    def drop(self, context: Context) -> None:
        """Forget the draft."""
        if context.user_data is not None:
            context.user_data.pop(self.key, None)

    async def cancel(self, update: Update, context: Context) -> int:
        """`/cancel` at any step: nothing is saved."""
        self.drop(context)
        await reply(update, context.t(self.cancelled))
        return ConversationHandler.END

    async def cancel_button(self, update: Update, context: Context) -> int:
        """A Cancel button: nothing is saved; the message says so."""
        query = update.callback_query
        assert query is not None
        self.drop(context)
        await query.answer()
        await query.edit_message_text(context.t(self.cancelled))
        return ConversationHandler.END

    async def lost(self, update: Update, context: Context) -> int:
        """The draft is gone (a restart, an old button): say so; the user starts again."""
        self.drop(context)
        if update.callback_query is not None:
            await update.callback_query.answer(context.t("button.stale"), show_alert=True)
        else:
            await reply(update, context.t("button.stale"))
        return ConversationHandler.END


def stay(key: str, state: int) -> Step:
    """A step's answer to input it does not expect: say what it expects, and stay."""

    async def answer(update: Update, context: Context) -> int:
        await reply(update, context.t(key))
        return state

    return answer
