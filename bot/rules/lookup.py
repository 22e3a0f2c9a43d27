"""Thin reads a screen needs by id: a branch, a person. Handlers read through here rather
than call the store (a screen that needs more groups its reads in its feature's module)."""

from __future__ import annotations

from storage.rows import Branch, Person
from storage.store import Store


async def branch(store: Store, branch_id: int) -> Branch | None:
    """The branch with that id, with its inherited settings; None if there is none."""
    return await store.branches.get(branch_id)


async def person(store: Store, user_id: int) -> Person | None:
    """The person with that Telegram id (member or not); None if unknown."""
    return await store.people.get(user_id)
