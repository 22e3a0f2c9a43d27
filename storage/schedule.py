"""Queries of the daily rhythm: the run ledger and branch schedules (mixed into `Store`)."""

from __future__ import annotations

from storage.db import Database


class ScheduleQueries:
    """The ledger of daily runs (branch, kind, local day) and what each run needs."""

    db: Database
