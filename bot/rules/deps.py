"""What a use case needs from the running bot, as one argument: the database, the translator,
the clock, and a way to wake the outbox once it has queued messages.

`bot.runtime.services.Services` is one (handlers pass `context.services`); tests and benches
may pass their own. A use case does its writes, its audit entry, its notices and the wake in one
place, so a handler only parses, calls it, and renders what it returns.
"""

from __future__ import annotations

from typing import Protocol

from bot.clock import Clock
from bot.i18n import Translator
from storage.store import Store


class Deps(Protocol):
    """The running bot's parts a use case uses."""

    @property
    def store(self) -> Store:
        """The database."""
        ...

    @property
    def translate(self) -> Translator:
        """The catalogues."""
        ...

    @property
    def clock(self) -> Clock:
        """Now."""
        ...

    def wake_outbox(self) -> None:
        """New messages were queued: let the outbox look now."""
        ...
