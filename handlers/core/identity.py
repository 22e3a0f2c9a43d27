"""Who is behind an update: runs first (group -1) for every update with a user."""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, TypeHandler

from bot.i18n import pick_language
from bot.rules.access import Actor
from handlers.core.context import Context


async def load_actor(update: Update, context: Context) -> None:
    """Load the user from the database into `context.actor`; refresh their name if it changed."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    store, now = context.store, context.clock.now()
    person = await store.people.get(user.id)
    fresh = (user.first_name, user.last_name, user.username, user.language_code)
    if person is None:
        await store.people.save(user.id, *fresh, at=now)
        person = await store.people.get(user.id)
    elif not person.reachable or fresh != (person.first_name, person.last_name,
                                           person.username, person.telegram_language):
        # Writing to the bot proves the person is reachable again.
        await store.people.save(user.id, *fresh, at=now)
        person = dataclasses.replace(
            person, first_name=user.first_name, last_name=user.last_name,
            username=user.username, telegram_language=user.language_code, reachable=True)
    default = (person.locale if person else None) or context.config.defaults.locale
    language = pick_language(person.language if person else None, user.language_code, default)
    context.actor = Actor(user.id, person, user.id in context.config.admins, language)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """The identity pre-handler (register in group -1)."""
    return [TypeHandler(Update, load_actor)]
