"""What secretaries read: the digest, `/who` and `/roster` (with a branch's own view and
the search of `/roster WORDS`), and members' records."""

from handlers.reports import chart, digest, export, own, records, search, who

__all__ = ["chart", "digest", "export", "own", "records", "search", "who"]
