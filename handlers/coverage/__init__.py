"""Household coverage: `/coverage`, hand-over, and `/away` / `/back`."""

from handlers.coverage import away, handover, today

__all__ = ["away", "handover", "today"]
