"""Frontline's storage: one database and the repositories over it (`store.needs.create(...)`),
each named for what it holds, its functions for what they answer, returning plain rows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from storage.audit import Audit
from storage.branches import Branches, Defaults
from storage.broadcasts import Broadcasts
from storage.charts import Charts
from storage.checkins import Checkins
from storage.coverage import Coverage
from storage.db import Database
from storage.digest import Digest
from storage.duty import Duty
from storage.export import Export
from storage.followups import Followups
from storage.health import Health
from storage.household_imports import HouseholdImports
from storage.households import Households
from storage.invites import Invites
from storage.leaders import Leaders
from storage.levels import Levels
from storage.links import Links
from storage.moves import Moves
from storage.needs import Needs
from storage.outbox import Outbox
from storage.people import People
from storage.readonly import ReadOnlyDatabase
from storage.records import Records
from storage.retention import Retention
from storage.rollup import Rollup
from storage.roster import Roster
from storage.roster_imports import RosterImports
from storage.runs import Runs
from storage.schedule import Schedules
from storage.tasks import Tasks
from storage.teams import Teams
from storage.weekly import Weekly
from storage.zones import Zones

__all__ = ["Defaults", "Store"]


class Store:
    """One database, and the repositories that read and write it."""

    def __init__(self, path: str | Path, defaults: Defaults | None = None, *,
                 read_only: bool = False) -> None:
        # read_only: readers only, for a process that must never write (`frontline status`,
        # the export's child: storage.readonly).
        self.db = db = ReadOnlyDatabase(path) if read_only else Database(path)
        self.defaults = defaults or Defaults()
        self.branches = Branches(db, self.defaults)
        self.people = People(db, self.defaults)
        self.moves = Moves(db)
        self.invites = Invites(db, self.moves)
        self.checkins = Checkins(db)
        self.rollup = Rollup(db)
        self.audit = Audit(db)
        self.outbox = Outbox(db)
        self.broadcasts = Broadcasts(db)
        self.needs = Needs(db)
        self.teams = Teams(db)
        self.tasks = Tasks(db)
        self.followups = Followups(db)
        self.schedules = Schedules(db, self.defaults)
        self.runs = Runs(db)
        self.digest = Digest(db)
        self.weekly = Weekly(db)
        self.records = Records(db)
        self.zones = Zones(db)
        self.households = Households(db)
        self.household_imports = HouseholdImports(db)
        self.coverage = Coverage(db)
        self.charts = Charts(db)
        self.duty = Duty(db)
        self.roster = Roster(db)
        self.levels = Levels(db)
        self.links = Links(db)
        self.roster_imports = RosterImports(db)
        self.leaders = Leaders(db)
        self.export = Export(db)
        self.health = Health(db)
        self.retention = Retention(db)

    async def initialize(self, *, migrate: bool = True, create: bool = True) -> None:
        """Open the database and bring its schema up to date (see `Database.initialize`); with
        `migrate`, also finish a household or roster import a dead process left decided (and
        drop one it left staging), see `storage.staging`. A read-only store does neither."""
        if isinstance(self.db, ReadOnlyDatabase):
            migrate = create = False
        await self.db.initialize(migrate=migrate, create=create)
        if migrate:
            # A household import that a dead process had decided is finished now.
            for done in await self.household_imports.finish():
                await self.audit.record(
                    done.actor_id, "households_import", branch_id=done.branch_id, allowed=True,
                    detail={"created": done.created, "updated": done.updated,
                            "file": done.file, "recovered": True},
                    at=datetime.fromisoformat(done.at))
            # So is a roster import, audited with the counts its check made.
            for done in await self.roster_imports.finish():
                summary = await self.roster_imports.summary(done.id)
                await self.audit.record(
                    done.actor_id, "roster_import", branch_id=done.branch_id, allowed=True,
                    detail={**summary, "file": done.file, "recovered": True},
                    at=datetime.fromisoformat(done.at))

    async def shutdown(self) -> None:
        """Close the database."""
        await self.db.shutdown()
