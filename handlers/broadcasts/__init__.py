"""`/broadcast`, the members" acknowledgements, and the author"s progress message."""

from handlers.broadcasts import acks, compose, progress

__all__ = ["acks", "compose", "progress"]
