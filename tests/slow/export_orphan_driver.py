"""The parent process of the orphan test (tests/slow/test_export_child.py):

    python -m tests.slow.export_orphan_driver DB

starts an export's child (`bot.rules.export.process`, with the stand-in of
tests/e2e/export/children.py the environment's CHILD_MODE says) on the database DB and waits
for it; the test SIGKILLs this process, and the child must not outlive it.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, date, datetime

from bot.rules.export import process
from storage.branches import Defaults
from tests.e2e.export import children


async def main(db: str) -> None:
    """Build an export in a child process, waiting as long as it takes."""
    process.CHILD = children.__name__
    await process.build_in_child(db, Defaults(), "zh", "zh", 1, date(2026, 3, 1),
                                 date(2026, 3, 2), now=datetime(2026, 3, 2, tzinfo=UTC),
                                 notes=False, reader_id=None, limit_s=3600)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
