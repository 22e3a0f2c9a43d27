"""Queries of the daily digest: rollups over a subtree, computed in SQL (mixed into `Store`)."""

from __future__ import annotations

from storage.db import Database


class DigestQueries:
    """A branch's daily rollup over its subtree."""

    db: Database
