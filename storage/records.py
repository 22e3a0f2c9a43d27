"""Queries of members' records: conduct notes and the figures of a period (mixed into `Store`)."""

from __future__ import annotations

from storage.db import Database


class RecordQueries:
    """Commendations, notes, and a member's record over a period."""

    db: Database
