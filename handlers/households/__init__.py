"""Zones and households: `/zone`, `/households`, `/household`, the import, `/visit`."""

from handlers.households import household, imports, visits, zones

__all__ = ["household", "imports", "visits", "zones"]
