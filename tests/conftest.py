"""Shared fixtures: a started SandboxBot, optionally with an organization in it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.harness import SandboxBot
from storage.store import Store
from tests.helpers import Org, build_org, make_bot


@pytest.fixture
async def bot() -> AsyncIterator[SandboxBot]:
    """The real application on the sandbox, started, with an empty database."""
    async with make_bot() as running:
        yield running


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A migrated store on a real SQLite file in a temporary directory (no bot)."""
    s = Store(tmp_path / "f.db")
    await s.initialize()
    yield s
    await s.shutdown()


@pytest.fixture
async def org(bot: SandboxBot) -> Org:
    """An organization of three levels in `bot` (people speak Chinese)."""
    return await build_org(bot)
