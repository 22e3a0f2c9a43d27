"""The words of the domain, once: a member's daily status and the statuses that call for care.

Values are the strings the database stores (`storage/rows.py` keeps the same list for its own
checks: storage sits below the rules and imports nothing from them), so a `Status` compares
equal to the text read back.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A member's check-in status for one local day."""

    ON_DUTY = "on_duty"
    AVAILABLE = "available"
    UNWELL = "unwell"
    QUARANTINED = "quarantined"
    OFF = "off"


# The statuses whose members get a care message, are named in the digest for a word of care,
# are marked in the assignee list, and count as off duty for their households.
CARE: tuple[Status, ...] = (Status.UNWELL, Status.QUARANTINED)
