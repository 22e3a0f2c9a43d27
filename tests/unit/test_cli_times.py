"""The command line prints times in the organization's timezone, not UTC."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from storage.store import Store
from tests.helpers import frontline

CONFIG = """\
[telegram]
username = "my_bot"

[storage]
path = "data/frontline.db"

[defaults]
timezone = "Asia/Shanghai"
"""


async def _expiry(database: Path, code: str) -> datetime | None:
    store = Store(database)
    await store.initialize()
    try:
        invite = await store.invites.get(code)
    finally:
        await store.shutdown()
    assert invite is not None
    return invite.expires_at


def test_an_invite_expires_at_the_organizations_time(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, "utf-8")
    assert frontline(tmp_path, "init", "--config", str(config), "--org", "Org").code == 0
    result = frontline(tmp_path, "invite", "--config", str(config), "--branch", "1",
                       "--role", "member", "--uses", "1", "--expires", "12h")
    assert result.code == 0, result
    code = re.search(r"^code: (\S+)$", result.out, re.MULTILINE)
    assert code is not None, result.out
    expires = asyncio.run(_expiry(tmp_path / "data" / "frontline.db", code.group(1)))
    assert expires is not None
    local = expires.astimezone(ZoneInfo("Asia/Shanghai"))
    assert local.utcoffset() == timedelta(hours=8)
    assert f"(1 use, expires {local:%Y-%m-%d %H:%M} Asia/Shanghai)" in result.out
    assert "+00:00" not in result.out
