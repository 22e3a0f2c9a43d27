"""Shared fixtures: a started SandboxBot, optionally with an organization in it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.harness import SandboxBot
from tests.helpers import Org, build_org, make_bot


@pytest.fixture
async def bot() -> AsyncIterator[SandboxBot]:
    """The real application on the sandbox, started, with an empty database."""
    async with make_bot() as running:
        yield running


@pytest.fixture
async def org(bot: SandboxBot) -> Org:
    """An organization of three levels in `bot` (people speak Chinese)."""
    return await build_org(bot)
