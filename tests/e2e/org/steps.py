"""Steps the member-change tests share: pressing a change's confirmation, the alerts a refused
press shows, the audit entries of an action, a member's state in the database."""

from __future__ import annotations

import json

from bot.sandbox import SandboxMessage
from bot.sandbox.harness import SandboxBot
from tests.helpers import t


def alerts(bot: SandboxBot) -> list[str]:
    """The texts of the alerts shown under pressed buttons, oldest first."""
    return [c["text"] for c in bot.sandbox.calls_of("answerCallbackQuery")
            if c.get("show_alert")]


async def confirm(bot: SandboxBot, user: int, language: str = "zh") -> SandboxMessage:
    """Press Confirm under the latest confirmation the user got."""
    return await bot.press(user, t("member.yes", language))


async def audited(bot: SandboxBot, action: str) -> list[tuple[int | None, int | None, bool,
                                                               dict[str, object]]]:
    """The audit entries of `action`, newest first: (actor, branch, allowed, detail)."""
    return [(e[1], e[3], e[4], json.loads(e[5] or "{}"))
            for e in await bot.store.audit.entries(200) if e[2] == action]


def import_counts(language: str = "zh", **counts: int) -> str:
    """A roster import's counts as its texts say them: the ones given that are not zero, in
    the order new, updated, unchanged, not moved, rows with problems."""
    order = ("new", "updated", "unchanged", "not_moved", "errors")
    parts = [t(f"rosterimport.count.{key}", language, n=counts[key]) for key in order
             if counts.get(key)]
    return t("rosterimport.count.separator", language).join(parts)
