"""The database opened read-only (`Store(path, read_only=True)`), for a process that reads
beside the bot and must never write (the export's child, `bot.rules.export.child`): readers
only, each opened by SQLite itself read-only (`mode=ro`) and with `query_only`; no writer, so
no write lock, journal mode or migration is ever taken, and every write fails ("the database
is not open"). WAL lets it read while the bot writes; each statement sees what was committed
when it began. A schema newer than this Frontline's is refused, as `Database` refuses it; a
missing file, or one that is not a database, is a `StorageError` saying so. In WAL mode SQLite
needs the `-wal` and `-shm` files beside the database to read it: when no connection has them
open (the bot is stopped) it creates them, empty, with the database file's owner and mode,
and the bot removes them at its next clean stop. Used by `frontline status` too.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from storage.connect import StorageError, checked_path, connect
from storage.db import Database


class ReadOnlyDatabase(Database):
    """A `Database` with readers only, opened read-only."""

    async def initialize(self, *, migrate: bool = False, create: bool = False) -> None:
        """Open the readers (the file must exist; `migrate` and `create` are ignored: a
        reader can do neither) and check the schema's version."""
        if self._readers:
            return
        checked_path(self.path)
        if not await asyncio.to_thread(Path(self.path).is_file):
            raise StorageError(f"{self.path}: no database there")
        try:
            for _ in range(self._readers_wanted):
                self._readers.append(await connect(self.path, query_only=True,
                                                   read_only=True))
                self._reading.append(0)
            await self.check_version()
        except sqlite3.DatabaseError as exc:
            await self.shutdown()
            raise StorageError(f"{self.path}: not a usable SQLite database ({exc})") from None
        except BaseException:
            await self.shutdown()
            raise

    @property
    def is_open(self) -> bool:
        """True between `initialize` and `shutdown`."""
        return bool(self._readers)
