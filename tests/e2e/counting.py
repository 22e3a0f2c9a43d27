"""A `Deps` for calling use cases directly in a test: the running bot's services, counting the
outbox wakes a use case asks for (and passing them on); and the audit entries of an action."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.clock import Clock
from bot.i18n import Translator
from bot.sandbox.harness import SandboxBot
from storage.store import Store


@dataclass
class Counting:
    """The bot's services, counting the wakes a use case asks for (and passing them on)."""

    bot: SandboxBot
    wakes: int = 0

    @property
    def store(self) -> Store:
        return self.bot.store

    @property
    def translate(self) -> Translator:
        return self.bot.services.translate

    @property
    def clock(self) -> Clock:
        return self.bot.services.clock

    def wake_outbox(self) -> None:
        self.wakes += 1
        self.bot.services.wake_outbox()


async def audited(bot: SandboxBot, action: str) -> list[tuple[int | None, dict[str, object]]]:
    """(actor, detail) of the action's allowed audit entries, newest first."""
    return [(e[1], json.loads(e[5] or "{}")) for e in await bot.store.audit.entries()
            if e[2] == action and e[4]]
