"""Who is behind an update: runs first (group -1) for every update with a user."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, TypeHandler

from bot.rules import people
from bot.rules.people import Account
from bot.runtime import logs
from handlers.core.context import Context


async def load_actor(update: Update, context: Context) -> None:
    """Load the user from the database into `context.actor`; refresh their name if it changed."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    account = Account(user.id, user.first_name, user.last_name, user.username,
                      user.language_code)
    context.actor = actor = await people.actor_of(
        context.store, account, admins=context.config.admins,
        default_locale=context.config.defaults.locale, now=context.clock.now())
    if actor.person is not None:
        logs.about_branch(actor.person.branch_id)  # the log's lines name the member's branch


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """The identity pre-handler (register in group -1)."""
    return [TypeHandler(Update, load_actor)]
