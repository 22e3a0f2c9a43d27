"""The project's CallbackContext: handlers reach services as `context.store`, `context.t(...)`."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Config
from bot.i18n import Translator
from bot.rules.access import Actor
from bot.runtime.services import Services
from storage.store import Store

SERVICES_KEY = "services"


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with Frontline's services and the actor behind the update.

    `actor` is set by `handlers.identity.load_actor`, which runs before every other handler.
    """

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.actor: Actor | None = None

    @property
    def me(self) -> Actor:
        """The actor, for a handler of updates that come from a user (all but channel posts):
        `handlers.core.identity` loads it before any feature handler runs."""
        if self.actor is None:
            raise LookupError("no actor: the update has no user, or identity did not run")
        return self.actor

    @property
    def services(self) -> Services:
        """All services."""
        services: Services = self.bot_data[SERVICES_KEY]
        return services

    @property
    def store(self) -> Store:
        """The database."""
        return self.services.store

    @property
    def config(self) -> Config:
        """The configuration."""
        return self.services.config

    @property
    def clock(self) -> Clock:
        """The injectable clock."""
        return self.services.clock

    @property
    def translate(self) -> Translator:
        """The translator."""
        return self.services.translate

    @property
    def language(self) -> str:
        """The language to answer the current user in."""
        if self.actor is not None:
            return self.actor.language
        return self.config.defaults.locale

    def t(self, key: str, /, **values: Any) -> str:
        """The text for `key` in the current user's language."""
        return self.services.translate(self.language, key, **values)
