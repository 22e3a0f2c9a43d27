"""What secretaries read: the digest, `/who` and `/roster`, and members" records."""

from handlers.reports import digest, records, who

__all__ = ["digest", "records", "who"]
