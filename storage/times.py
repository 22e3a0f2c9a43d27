"""How instants are stored: ISO 8601 text in UTC, so that text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(when: datetime) -> str:
    """An aware datetime as the ISO UTC text stored in the database."""
    return when.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str | None) -> datetime | None:
    """The stored ISO text back as an aware datetime."""
    return datetime.fromisoformat(text) if text else None
