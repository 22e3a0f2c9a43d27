"""Test helpers: a small organization on the sandbox, and people in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.clock import ManualClock
from bot.config import Config
from bot.sandbox.harness import SandboxBot

ADMIN = 100
SEC_A, SEC_A1, SEC_B = 201, 202, 203
MEM_A1, MEM_A2, MEM_A1X, MEM_B1 = 301, 302, 303, 304
OUTSIDER = 999

# 2026-03-02 08:30 in Shanghai (UTC+8).
MORNING = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


@dataclass
class Org:
    """Root ─┬─ A ── A1
              └─ B
    with secretaries SEC_A (A), SEC_A1 (A1), SEC_B (B) and members MEM_A1, MEM_A2 (A),
    MEM_A1X (A1), MEM_B1 (B)."""

    root: int
    a: int
    a1: int
    b: int


def make_bot(*, admins: frozenset[int] = frozenset({ADMIN}), start: datetime = MORNING,
             config: Config | None = None) -> SandboxBot:
    """A SandboxBot with a manual clock (not started)."""
    config = config or Config(admins=admins)
    return SandboxBot(config, clock=ManualClock(start))


async def build_org(bot: SandboxBot, *, english: tuple[int, ...] = ()) -> Org:
    """Create the branches and let everyone join through real invite links."""
    store, now = bot.store, bot.clock.now()
    root = await store.branches.create("Root", None, at=now)
    a = await store.branches.create("Alpha", root, at=now)
    a1 = await store.branches.create("Alpha-1", a, at=now)
    b = await store.branches.create("Beta", root, at=now)
    people = [
        (ADMIN, "Ada", None, None), (SEC_A, "Sa", a, "secretary"),
        (SEC_A1, "Sb", a1, "secretary"), (SEC_B, "Sc", b, "secretary"),
        (MEM_A1, "Mia", a, "member"), (MEM_A2, "Max", a, "member"),
        (MEM_A1X, "Mo", a1, "member"), (MEM_B1, "Mel", b, "member"),
        (OUTSIDER, "Otto", None, None),
    ]
    for user_id, name, branch, role in people:
        bot.user(user_id, name, username=name.lower(),
                 language_code="en" if user_id in english else "zh")
        if branch is not None and role is not None:
            await bot.join(user_id, branch, role)
    return Org(root, a, a1, b)


async def all_pages(bot: SandboxBot, user_id: int) -> list[str]:
    """The plain text of every page of the long list just sent to the user (pressing ▶ on
    its last message until there is no next page); one item if it had no pages."""
    message = bot.sandbox.last(user_id)
    texts = [message.plain]
    while any(label.endswith("▶") for label, _ in message.button_list):
        message = await bot.press(user_id, "▶")
        texts.append(message.plain)
    return texts
