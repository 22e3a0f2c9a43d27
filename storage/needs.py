"""Queries of needs (mixed into `Store`)."""

from __future__ import annotations

from storage.db import Database


class NeedQueries:
    """Needs: reported, listed, assigned, resolved, cancelled."""

    db: Database
