"""What a households import tells: why a row or a file is refused (`RowError`, shared with
every import of a table in `bot.rules.tables`; its reasons are catalog keys under
`imports.reason.` rendered in the reader's language, so the CLI and the chat share them),
and what it did (`ImportResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.rules.tables import Reason, RowError
from storage.households import HouseholdInput

__all__ = ["ImportResult", "Reason", "RowError"]


@dataclass(slots=True)
class ImportResult:
    """What an import did: households created and updated, and the problems found."""

    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    good_rows: int = 0
    zones: list[str] = field(default_factory=list)  # of the rows written, in file order
    households: list[HouseholdInput] = field(default_factory=list)  # as written

    @property
    def written(self) -> bool:
        """True if anything was written."""
        return self.created + self.updated > 0
