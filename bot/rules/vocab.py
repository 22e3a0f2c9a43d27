"""The words of the domain, once: statuses, roles, urgencies, need categories, visit outcomes.

Values are the strings the database stores (storage keeps the same lists for its own checks:
it sits below the rules and imports nothing from them; `tests/test_layers.py` keeps them equal),
so a member of one of these enums compares equal to the text read back.
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


# The status of a check-in older than [retention] health_days: the member checked in that
# day, their status and note are no longer kept (bot/rules/retention.py). Not a `Status`:
# nobody checks in with it, no button offers it.
CHECKED_IN = "checked_in"

# The statuses whose members get a care message, are named in the digest for a word of care,
# are marked in the assignee list, and count as off duty for their households.
CARE: tuple[Status, ...] = (Status.UNWELL, Status.QUARANTINED)


class Role(StrEnum):
    """A member's role in their branch."""

    MEMBER = "member"
    SECRETARY = "secretary"


class NeedCategory(StrEnum):
    """What a need is for."""

    FOOD = "food"
    MEDICINE = "medicine"
    MEDICAL = "medical"
    TRANSPORT = "transport"
    CHILDCARE = "childcare"
    OTHER = "other"


class Urgency(StrEnum):
    """How soon a need must be met (🟢 normal, 🟠 urgent, 🔴 critical)."""

    NORMAL = "normal"
    URGENT = "urgent"
    CRITICAL = "critical"


class NeedStatus(StrEnum):
    """Where a need stands."""

    OPEN = "open"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    """What a visit to a household found."""

    WELL = "well"
    NEEDS_HELP = "needs_help"
    NO_ANSWER = "no_answer"
    REFUSED = "refused"
