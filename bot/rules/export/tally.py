"""What the check-ins sheet counts while it reads every check-in of the period once, for the
sheets written after it: the summary (members counted and check-ins per branch and day,
members unwell or quarantined) and the members' records (each member's statuses).

Reading the period's check-ins is the export's biggest read (three million rows for 100,000
members over 30 days); the summary and the records used to aggregate them again in SQLite,
which cost as much as writing the check-ins sheet itself.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from bot.rules.vocab import CHECKED_IN, Status

# Each status, and "checked in" for a day whose status is no longer kept ([retention]
# health_days): a member's columns add up to their days checked in.
STATUSES = [*(s.value for s in Status), CHECKED_IN]
STATUS_INDEX = {s: n for n, s in enumerate(STATUSES)}


def _per_day(days: int) -> list[int]:
    return [0] * days


@dataclass
class Tally:
    """Counts over `days` days for `members` members (by their place in the export's list)."""

    days: int
    members: int
    joined: dict[int, list[int]] = field(default_factory=dict)  # branch -> members joined by day
    checkins: dict[int, list[int]] = field(default_factory=dict)  # branch -> check-ins a day
    unwell: dict[int, int] = field(default_factory=dict)  # branch -> members ever unwell
    quarantined: dict[int, int] = field(default_factory=dict)
    _statuses: array[int] = field(default_factory=lambda: array("I"))

    def __post_init__(self) -> None:
        self._statuses = array("I", bytes(4 * len(STATUSES) * self.members))

    def branch(self, branch_id: int) -> tuple[list[int], list[int]]:
        """The branch's members-joined and check-ins lists, a count per day."""
        joined = self.joined.get(branch_id)
        if joined is None:
            joined = self.joined[branch_id] = _per_day(self.days)
            self.checkins[branch_id] = _per_day(self.days)
        return joined, self.checkins[branch_id]

    def add_statuses(self, place: int, counts: list[int]) -> None:
        """A member's check-ins by status (`counts` in the order of `STATUSES`)."""
        at = place * len(STATUSES)
        self._statuses[at:at + len(STATUSES)] = array("I", counts)

    def statuses(self, place: int) -> dict[str, int]:
        """A member's check-ins by status (statuses with none left out)."""
        at = place * len(STATUSES)
        return {s: n for s, n in zip(STATUSES, self._statuses[at:at + len(STATUSES)],
                                     strict=True) if n}
