"""Queries of teams, tasks, assignments and their follow-ups (mixed into `Store`)."""

from __future__ import annotations

from storage.db import Database


class TaskQueries:
    """Teams, tasks, assignees, follow-up ledger."""

    db: Database
