"""The daily check-in, its note and `/me`, and the care message's button."""

from handlers.checkin import care, status

__all__ = ["care", "status"]
